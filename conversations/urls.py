from __future__ import annotations

from django.urls import path

from conversations import fallbacks, views

app_name = "conversations"

urlpatterns = [
    path("new", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/turns", views.add_turn, name="add_turn"),
    path("<int:pk>/rename", views.rename, name="rename"),
    path("<int:pk>/delete", views.delete, name="delete"),
    path("turns/<int:pk>/", views.turn_fragment, name="turn"),
    path("turns/<int:pk>/stop", views.stop, name="stop"),
    path("turns/<int:pk>/retry", views.retry, name="retry"),
    path("turns/<int:pk>/send-now", views.send_now, name="send_now"),
    path("turns/<int:pk>/keep", views.keep_draft, name="keep_draft"),
    path("turns/<int:pk>/discard", views.discard_draft, name="discard_draft"),
    path("turns/<int:pk>/edit/<int:image_pk>", views.edit_image, name="edit_image"),
    path("jobs/<int:pk>/fallbacks/send", fallbacks.send_rephrased, name="fallback_send"),
    path("jobs/<int:pk>/fallbacks/retry-low", fallbacks.retry_low, name="fallback_retry_low"),
]
