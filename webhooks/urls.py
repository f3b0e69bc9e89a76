from django.urls import path

from webhooks import views

urlpatterns = [
    path("answer", views.AnswerWebhookView.as_view(), name="webhook-answer"),
    path("event", views.EventWebhookView.as_view(), name="webhook-event"),
    path("recording", views.EventWebhookView.as_view(), name="webhook-recording"),
    path("media-event", views.MediaEventWebhookView.as_view(), name="webhook-media-event"),
    path("fallback", views.FallbackWebhookView.as_view(), name="webhook-fallback"),
    path(
        "inbound-message",
        views.InboundMessageWebhookView.as_view(),
        name="webhook-inbound-message",
    ),
    path("message-status", views.MessageStatusWebhookView.as_view(), name="webhook-message-status"),
]
