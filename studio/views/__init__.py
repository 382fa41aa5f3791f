"""The Studio's pages: the Studio, the gallery, the mask editor, image files and the health check."""
