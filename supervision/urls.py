from django.urls import path

from supervision import api

urlpatterns = [
    path("monitoring", api.MonitoringListApi.as_view(), name="api-supervisor-monitoring"),
    path(
        "monitoring/<int:session_id>/mode",
        api.MonitoringModeApi.as_view(),
        name="api-supervisor-monitoring-mode",
    ),
    path(
        "monitoring/<int:session_id>/end",
        api.MonitoringEndApi.as_view(),
        name="api-supervisor-monitoring-end",
    ),
    path(
        "agents/<int:agent_id>/presence",
        api.AgentPresenceApi.as_view(),
        name="api-supervisor-agent-presence",
    ),
    path("contacts/waiting", api.WaitingContactsApi.as_view(), name="api-supervisor-waiting"),
    path(
        "contacts/<int:task_id>/withdraw",
        api.ContactWithdrawApi.as_view(),
        name="api-supervisor-contact-withdraw",
    ),
    path(
        "contacts/<int:task_id>/move",
        api.ContactMoveApi.as_view(),
        name="api-supervisor-contact-move",
    ),
    path("alerts", api.AlertsApi.as_view(), name="api-supervisor-alerts"),
    path("calls", api.CallRecordListApi.as_view(), name="api-supervisor-calls"),
]
