from django.urls import path

from desktop import api, assist_api, callcontrol_api, softphone, workspace_api

callcontrol_api_urls = [
    path(
        "transfer-targets",
        callcontrol_api.TransferTargetsApi.as_view(),
        name="api-transfer-targets",
    ),
    path("tasks/<int:task_id>/hold", callcontrol_api.CallHoldApi.as_view(), name="api-call-hold"),
    path("tasks/<int:task_id>/dtmf", callcontrol_api.CallDtmfApi.as_view(), name="api-call-dtmf"),
    path(
        "tasks/<int:task_id>/transfer",
        callcontrol_api.CallTransferApi.as_view(),
        name="api-call-transfer",
    ),
    path(
        "tasks/<int:task_id>/consult",
        callcontrol_api.CallPartyAddApi.as_view(),
        name="api-call-consult",
    ),
    path(
        "tasks/<int:task_id>/consult/complete",
        callcontrol_api.CallConsultCompleteApi.as_view(),
        name="api-call-consult-complete",
    ),
    path(
        "tasks/<int:task_id>/consult/cancel",
        callcontrol_api.CallConsultCancelApi.as_view(),
        name="api-call-consult-cancel",
    ),
    path(
        "tasks/<int:task_id>/conference",
        callcontrol_api.CallConferenceAddApi.as_view(),
        name="api-call-conference",
    ),
    path(
        "tasks/<int:task_id>/conference/<int:step_id>/drop",
        callcontrol_api.CallPartyDropApi.as_view(),
        name="api-call-conference-drop",
    ),
]

urlpatterns = [
    path("", api.AgentMeApi.as_view(), name="api-agent-me"),
    path(
        "softphone/token",
        softphone.SoftphoneTokenApi.as_view(),
        name="api-agent-softphone-token",
    ),
    path("calls", softphone.OutboundCallApi.as_view(), name="api-agent-calls"),
    path("status", api.AgentStatusApi.as_view(), name="api-agent-status"),
    path("wrap-up/end", api.WrapUpEndApi.as_view(), name="api-agent-wrap-up-end"),
    path("offers/<int:offer_id>/accept", api.OfferAcceptApi.as_view(), name="api-offer-accept"),
    path("offers/<int:offer_id>/reject", api.OfferRejectApi.as_view(), name="api-offer-reject"),
    path("tasks/<int:task_id>/mute", api.CallMuteApi.as_view(), name="api-call-mute"),
    path("tasks/<int:task_id>/hang-up", api.CallHangUpApi.as_view(), name="api-call-hang-up"),
    *callcontrol_api_urls,
    path("tasks/<int:task_id>/reply", api.ChatReplyApi.as_view(), name="api-chat-reply"),
    path("tasks/<int:task_id>/close", api.ChatCloseApi.as_view(), name="api-chat-close"),
    # The workspace (desktop/workspace_api.py)
    path("workspace", workspace_api.WorkspaceStateApi.as_view(), name="api-agent-workspace"),
    path(
        "contacts/<int:task_id>/customer",
        workspace_api.ContactPanelApi.as_view(),
        name="api-contact-panel",
    ),
    path(
        "customers/<int:customer_id>",
        workspace_api.CustomerEditApi.as_view(),
        name="api-customer-edit",
    ),
    path(
        "customers/<int:customer_id>/history",
        workspace_api.CustomerHistoryApi.as_view(),
        name="api-customer-history",
    ),
    path("wrap-ups/<int:task_id>", workspace_api.WrapUpSaveApi.as_view(), name="api-wrap-up-save"),
    path("wrap-up/extend", workspace_api.WrapUpExtendApi.as_view(), name="api-wrap-up-extend"),
    path(
        "tasks/<int:task_id>/canned-replies",
        workspace_api.CannedRepliesApi.as_view(),
        name="api-canned-replies",
    ),
    path(
        "suggestions/<int:suggestion_id>/used",
        assist_api.SuggestionUsedApi.as_view(),
        name="api-suggestion-used",
    ),
    path(
        "suggestions/<int:suggestion_id>/dismissed",
        assist_api.SuggestionDismissedApi.as_view(),
        name="api-suggestion-dismissed",
    ),
]
