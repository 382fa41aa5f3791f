"""Atelier's offline OpenAI: the Image API and the Responses API's image_generation tool over HTTP and SSE.

`studio.emulator.app.application` is a plain ASGI app; `python manage.py emulator` serves it with Daphne.
It keeps its own copy of the server's rules and never imports the app's code.
"""
