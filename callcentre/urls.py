from django.contrib import admin
from django.urls import include, path

from callcentre.health import healthz
from conversations import api as conversation_api
from routing import views as routing_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("webhooks/", include("conversations.urls")),
    path("api/agent/", include("agents.urls")),
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
    path("admin/routing/dry-run/", routing_views.dry_run, name="routing-dry-run"),
    path("admin/", admin.site.urls),
]
