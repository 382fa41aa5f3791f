from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conversations import views as conversation_views
from studio import views

urlpatterns = [
    path("", conversation_views.index, name="home"),
    path("c/", include("conversations.urls")),
    path("images/<int:pk>/", views.image_file, name="image"),
    path("images/<int:pk>/thumb", views.image_thumbnail, name="image_thumbnail"),
    path("images/<int:pk>/download", views.image_download, name="image_download"),
    path("sizes/check", views.size_check, name="size_check"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
