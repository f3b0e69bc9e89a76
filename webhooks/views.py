"""Vonage's webhook endpoints: authenticate, read and clean the payload, hand it to
webhooks.handlers.

Thin on purpose: what each webhook does, and what it answers when something fails, is in
`webhooks.handlers`; what a field may hold, in `callcentre.vonage.inbound`."""

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.utils import timezone
from rest_framework.exceptions import APIException, ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callcentre.vonage import inbound
from callcentre.vonage.signing import VonageWebhookAuthentication
from conversations.services.messages import MessageRejected
from speech import services as speech
from webhooks import handlers

logger = logging.getLogger(__name__)

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


class WebhookJSONParser(JSONParser):
    """JSON nested deeper than Python's recursion limit is a parse error, not a 500."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


class VonageWebhookView(APIView):
    """A signed webhook that cannot be read gets a 4xx with the reason (logged); one that can
    is cleaned (callcentre.vonage.inbound) before anything stores or acknowledges it."""

    authentication_classes = [VonageWebhookAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [WebhookJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonAnswers
    clean: Callable[..., dict] = staticmethod(inbound.voice_event_clean)
    required_fields: tuple[str, ...] = ()
    # At least one of these must be there: what the webhook is about.
    identity_fields: tuple[str, ...] = LEG_FIELDS
    no_identity = "The webhook names no call: expected uuid or conversation_uuid."
    # Authenticated: signed (or verification switched off). Set per request.
    is_signed = False

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        self.is_signed = True

    def handle_exception(self, exc: Exception) -> Response:
        if self.is_signed and isinstance(exc, APIException):
            logger.warning("Refused a %s to %s: %s", self.request.method, self.request.path, exc)
        return super().handle_exception(exc)

    def payload(self, request: Request) -> dict:
        """GET webhooks carry their fields in the query string, POST ones as a JSON object."""
        content_length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and content_length.isdecimal() and int(content_length) > limit:
            raise ParseError(f"The webhook body is larger than {limit} bytes.")
        try:
            payload = request.query_params.dict() if request.method == "GET" else request.data
        except TooManyFieldsSent:
            raise ParseError("The webhook has too many fields.") from None
        if not isinstance(payload, dict):
            raise ParseError("The webhook body must be a JSON object.")
        payload = self.clean(payload=payload)
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


class NccoWebhookView(VonageWebhookView):
    """Vonage waits on these for an NCCO, and an error status would end the call (CONTRACT
    §2): a signed request that cannot be read still gets one, the safe NCCO."""

    def handle_exception(self, exc: Exception) -> Response:
        if not self.is_signed:
            return super().handle_exception(exc)
        is_bad_request = isinstance(exc, APIException)
        logger.log(
            logging.WARNING if is_bad_request else logging.ERROR,
            "Unreadable %s to %s answered with the safe NCCO: %s",
            self.request.method,
            self.request.path,
            exc,
            exc_info=not is_bad_request,  # anything else is our bug: its traceback
        )
        return self.ncco_response(handlers.safe_answer())


class AnswerWebhookView(NccoWebhookView):
    clean = staticmethod(inbound.voice_answer_clean)
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


class MediaEventWebhookView(VonageWebhookView):
    """Events of the websocket legs that transcribe a call (speech/): not the call's own."""

    def get(self, request: Request) -> Response:
        speech.media_leg_event(payload=self.payload(request))
        return self.ncco_response(None)

    post = get


class FallbackWebhookView(NccoWebhookView):
    clean = staticmethod(inbound.voice_fallback_clean)

    def get(self, request: Request) -> Response:
        ncco = handlers.fallback(payload=self.payload(request), received_at=timezone.now())
        return self.ncco_response(ncco)

    post = get


class MessageWebhookView(VonageWebhookView):
    """The Messages API's webhooks: 200 exactly, or Vonage sends them again (CONTRACT §7)."""

    clean = staticmethod(inbound.message_status_clean)
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
    clean = staticmethod(inbound.message_inbound_clean)
    required_fields = ("message_uuid", "channel", "from")
    handle = staticmethod(handlers.inbound_message)


class MessageStatusWebhookView(MessageWebhookView):
    required_fields = ("message_uuid", "channel", "status")
    handle = staticmethod(handlers.message_status)
