from django.contrib import admin
from django.urls import include, path

from callcentre.health import healthz
from conversations import api as conversation_api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("webhooks/", include("conversations.urls")),
    path(
        "api/conversations/",
        conversation_api.ConversationListApi.as_view(),
        name="api-conversations",
    ),
    path(
        "api/conversations/<int:conversation_id>/",
        conversation_api.ConversationDetailApi.as_view(),
        name="api-conversation",
    ),
    path("admin/", admin.site.urls),
]
