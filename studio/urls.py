from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conversations import views as conversation_views
from studio import editor_views, studio_views, views

urlpatterns = [
    path("", conversation_views.index, name="home"),
    path("c/", include("conversations.urls")),
    path("studio/", studio_views.studio, name="studio"),
    path("studio/submit", studio_views.submit, name="studio_submit"),
    path("studio/estimate", studio_views.estimate, name="studio_estimate"),
    path("studio/jobs/<int:pk>/", studio_views.job_fragment, name="studio_job"),
    path("studio/jobs/<int:pk>/finalize", studio_views.finalize, name="studio_finalize"),
    path("studio/jobs/<int:pk>/stop", studio_views.stop, name="studio_stop"),
    path("studio/jobs/<int:pk>/retry", studio_views.retry, name="studio_retry"),
    path("gallery/", studio_views.gallery, name="gallery"),
    path("images/<int:pk>/favourite", studio_views.toggle_favourite, name="image_favourite"),
    path("images/<int:pk>/delete", studio_views.delete_image, name="image_delete"),
    path("images/<int:pk>/edit", editor_views.editor, name="image_editor"),
    path("images/<int:pk>/", views.image_file, name="image"),
    path("images/<int:pk>/thumb", views.image_thumbnail, name="image_thumbnail"),
    path("images/<int:pk>/download", views.image_download, name="image_download"),
    path("sizes/check", views.size_check, name="size_check"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
