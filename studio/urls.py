from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from conversations import views as conversation_views
from studio import api
from studio.views import (
    api_keys,
    checks,
    cutout,
    editor,
    finalize,
    gallery,
    health,
    images,
    studio,
    text_layers,
)

urlpatterns = [
    path("", conversation_views.index, name="home"),
    path("c/", include("conversations.urls")),
    path("studio/", studio.studio, name="studio"),
    path("studio/submit", studio.submit, name="studio_submit"),
    path("studio/estimate", studio.estimate, name="studio_estimate"),
    path("studio/jobs/<int:pk>/", studio.job_fragment, name="studio_job"),
    path("studio/jobs/<int:pk>/finalize", finalize.rerun, name="studio_finalize"),
    path("studio/jobs/<int:pk>/finalize/estimate", finalize.rerun_estimate, name="studio_finalize_estimate"),
    path("studio/jobs/<int:pk>/stop", studio.stop, name="studio_stop"),
    path("studio/jobs/<int:pk>/retry", studio.retry, name="studio_retry"),
    path("studio/prompt-check", checks.prompt_check, name="prompt_check"),
    path("jobs/<int:pk>/fallbacks/", checks.fallback_panel, name="fallbacks"),
    path("jobs/<int:pk>/fallbacks/rephrase", checks.rephrase, name="fallback_rephrase"),
    path("jobs/<int:pk>/fallbacks/send", checks.send_rephrased, name="fallback_send"),
    path("jobs/<int:pk>/fallbacks/retry-low", checks.retry_low, name="fallback_retry_low"),
    path("jobs/<int:pk>/fallbacks/gallery/<int:image_pk>", checks.use_gallery_image, name="fallback_gallery"),
    path(
        "jobs/<int:pk>/fallbacks/library/<int:fallback_pk>", checks.use_library_image, name="fallback_library"
    ),
    path("fallback-library/<int:pk>", checks.fallback_image_file, name="fallback_image"),
    path("images/<int:pk>/text-check", checks.text_check, name="image_text_check"),
    path("gallery/", gallery.gallery, name="gallery"),
    path("images/<int:pk>/favourite", gallery.toggle_favourite, name="image_favourite"),
    path("images/<int:pk>/delete", gallery.delete_image, name="image_delete"),
    path("images/<int:pk>/edit", editor.editor, name="image_editor"),
    path("images/<int:pk>/cutout", cutout.cutout_page, name="image_cutout"),
    path("images/<int:pk>/cutout/preview", cutout.cutout_preview, name="image_cutout_preview"),
    path("images/<int:pk>/cutout/save", cutout.cutout_save, name="image_cutout_save"),
    path("images/<int:pk>/text", text_layers.text_editor, name="image_text"),
    path("images/<int:pk>/text/preview", text_layers.text_preview, name="image_text_preview"),
    path("images/<int:pk>/text/room", text_layers.text_room_prompt, name="image_text_room"),
    path("images/<int:pk>/text/export", text_layers.text_export, name="image_text_export"),
    path("images/<int:pk>/finalize", finalize.finalize_image, name="image_finalize"),
    path(
        "images/<int:pk>/finalize/estimate", finalize.finalize_image_estimate, name="image_finalize_estimate"
    ),
    path("images/<int:pk>/", images.image_file, name="image"),
    path("images/<int:pk>/thumb", images.image_thumbnail, name="image_thumbnail"),
    path("images/<int:pk>/download", images.image_download, name="image_download"),
    path("sizes/check", images.size_check, name="size_check"),
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", api.urls()),
    path("api/keys/", api_keys.api_page, name="api_keys"),
    path("api/keys/new", api_keys.create_key, name="api_key_create"),
    path("api/keys/<int:pk>/revoke", api_keys.revoke_key, name="api_key_revoke"),
    path("api/webhooks/new", api_keys.create_webhook, name="api_webhook_create"),
    path("api/webhooks/<int:pk>/delete", api_keys.delete_webhook, name="api_webhook_delete"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
