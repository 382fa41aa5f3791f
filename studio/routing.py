"""Websocket routes, all under ws/."""

from __future__ import annotations

from django.urls import path

from conversations.consumers import ConversationConsumer
from studio import consumers

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/conversations/<int:pk>/", ConversationConsumer.as_asgi()),
    path("ws/jobs/<int:pk>/", consumers.JobConsumer.as_asgi()),
]
