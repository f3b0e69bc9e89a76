from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from callcentre.health import healthz
from callcentre.views import home
from conversations import api as conversation_api
from conversations import views as conversation_views
from desktop import views as desktop_views
from reports import api as report_api
from reports import views as report_views
from routing import views as routing_views
from speech import api as speech_api

urlpatterns = [
    path("", home, name="home"),
    path("desktop/", desktop_views.desktop, name="agent-desktop"),
    path("accounts/", include("accounts.urls")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for it on pages that name no icon (the JSON API opened in a tab).
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("callcentre/favicon.svg"), permanent=True),
    ),
    path(
        "recordings/<int:recording_id>/audio",
        conversation_views.recording_audio,
        name="recording-audio",
    ),
    path("webhooks/", include("webhooks.urls")),
    path(
        "api/agent/transcript",
        speech_api.AgentTranscriptApi.as_view(),
        name="api-agent-transcript",
    ),
    path("api/agent/", include("desktop.urls")),
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
    path("api/dashboard/live", report_api.LiveBoardApi.as_view(), name="api-dashboard-live"),
    path("admin/routing/dry-run/", routing_views.dry_run, name="routing-dry-run"),
    path("admin/dashboard/live/", report_views.live_dashboard, name="live-dashboard"),
    path("admin/", admin.site.urls),
]
