from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ai import api as ai_api
from callcentre.health import healthz
from callcentre.views import home
from conversations import api as conversation_api
from conversations import views as conversation_views
from desktop import views as desktop_views
from reports import api as report_api
from reports import views as report_views
from reports import views_history, views_staffing
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
    path("api/supervisor/", include("supervision.urls")),
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
    path("api/intents/classify", ai_api.IntentClassifyApi.as_view(), name="api-intent-classify"),
    path("api/dashboard/live", report_api.LiveBoardApi.as_view(), name="api-dashboard-live"),
    # The API described (OpenAPI 3, drf-spectacular), and browsable, for staff (docs/api.md).
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/routing/dry-run/", routing_views.dry_run, name="routing-dry-run"),
    path("admin/dashboard/live/", report_views.live_dashboard, name="live-dashboard"),
    path("admin/dashboard/reports/", views_history.history, name="report-history"),
    path("admin/dashboard/staffing/", views_staffing.staffing, name="staffing"),
    path("api/staffing/erlang", views_staffing.StaffingApi.as_view(), name="api-staffing-erlang"),
    path(
        "admin/dashboard/reports/<str:table_name>.csv",
        views_history.history_csv,
        name="report-history-csv",
    ),
    path("admin/", admin.site.urls),
]
