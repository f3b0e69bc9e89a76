from django.urls import path

from desktop import api, assist_api

urlpatterns = [
    path("", api.AgentMeApi.as_view(), name="api-agent-me"),
    path("status", api.AgentStatusApi.as_view(), name="api-agent-status"),
    path("wrap-up/end", api.WrapUpEndApi.as_view(), name="api-agent-wrap-up-end"),
    path("offers/<int:offer_id>/accept", api.OfferAcceptApi.as_view(), name="api-offer-accept"),
    path("offers/<int:offer_id>/reject", api.OfferRejectApi.as_view(), name="api-offer-reject"),
    path("tasks/<int:task_id>/mute", api.CallMuteApi.as_view(), name="api-call-mute"),
    path("tasks/<int:task_id>/hang-up", api.CallHangUpApi.as_view(), name="api-call-hang-up"),
    path("tasks/<int:task_id>/reply", api.ChatReplyApi.as_view(), name="api-chat-reply"),
    path("tasks/<int:task_id>/close", api.ChatCloseApi.as_view(), name="api-chat-close"),
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
