"""Vonage's webhook endpoints: authenticate, read the payload, hand it to webhooks.handlers.

Thin on purpose: what each webhook does, and what it answers when something fails, is in
`webhooks.handlers`."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcentre.vonage.signing import VonageWebhookAuthentication
from conversations.services import MessageRejected
from webhooks import handlers

LEG_FIELDS = ("uuid", "call_uuid", "conversation_uuid")


class JsonAnswers(DefaultContentNegotiation):
    """Vonage takes JSON whatever its Accept header says: never a 406, nothing to negotiate."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class VonageWebhookView(APIView):
    authentication_classes = [VonageWebhookAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonAnswers
    required_fields: tuple[str, ...] = ()
    # At least one of these must be there: what the webhook is about.
    identity_fields: tuple[str, ...] = LEG_FIELDS
    no_identity = "The webhook names no call: expected uuid or conversation_uuid."

    def payload(self, request: Request) -> dict[str, Any]:
        """GET webhooks carry their fields in the query string, POST ones as a JSON object."""
        if request.method == "GET":
            payload: dict[str, Any] = request.query_params.dict()
        else:
            if not isinstance(request.data, dict):
                raise ParseError("The webhook body must be a JSON object.")
            payload = request.data
        missing = [field for field in self.required_fields if not payload.get(field)]
        if missing:
            raise ParseError(f"Missing required field(s): {', '.join(missing)}.")
        if not any(payload.get(field) for field in self.identity_fields):
            raise ParseError(self.no_identity)
        return payload

    @staticmethod
    def ncco_response(ncco: list[dict] | None) -> Response:
        if ncco is None:
            return Response(status=204)
        return Response(ncco)


class AnswerWebhookView(VonageWebhookView):
    required_fields = ("uuid", "conversation_uuid")

    def get(self, request: Request) -> Response:
        ncco = handlers.answer(payload=self.payload(request), received_at=timezone.now())
        return self.ncco_response(ncco)

    post = get


class EventWebhookView(VonageWebhookView):
    """Call status, input, record, transfer, notify and error events (and /webhooks/recording)."""

    def get(self, request: Request) -> Response:
        ncco = handlers.event(payload=self.payload(request), received_at=timezone.now())
        return self.ncco_response(ncco)

    post = get


class FallbackWebhookView(VonageWebhookView):
    def get(self, request: Request) -> Response:
        ncco = handlers.fallback(payload=self.payload(request), received_at=timezone.now())
        return self.ncco_response(ncco)

    post = get


class MessageWebhookView(VonageWebhookView):
    """The Messages API's webhooks: 200 exactly, or Vonage sends them again (CONTRACT §7)."""

    identity_fields = ("message_uuid",)
    no_identity = "The webhook names no message: expected message_uuid."
    required_fields: tuple[str, ...] = ("message_uuid", "channel")
    handle: staticmethod

    def post(self, request: Request) -> Response:
        try:
            self.handle(payload=self.payload(request), received_at=timezone.now())
        except MessageRejected as error:
            raise ParseError(str(error)) from error
        return Response(status=200)


class InboundMessageWebhookView(MessageWebhookView):
    required_fields = ("message_uuid", "channel", "from")
    handle = staticmethod(handlers.inbound_message)


class MessageStatusWebhookView(MessageWebhookView):
    required_fields = ("message_uuid", "channel", "status")
    handle = staticmethod(handlers.message_status)
