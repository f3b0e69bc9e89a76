"""The desktop's softphone: which transport the page uses and the token API it logs in with
(docs/softphone.md).

The transport follows the configuration, never the agent: with VONAGE_API_HOST on a Vonage
domain the page logs in to Vonage with the Client SDK (vendored in static/vendor/); with any
other host (the sandbox of `make run` and the tests) it logs in to the sandbox's softphone
websocket. Both take the same token.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.softphone import VonageUserError, agent_softphone_token
from callcentre.vonage.inbound import phone_number
from desktop.api import ContactActionApi, request_agent
from routing.outbound import MIN_DIGITS, outbound_call_start

VONAGE_DOMAINS = ("vonage.com", "nexmo.com")


def uses_vonage() -> bool:
    host = settings.VONAGE_API_HOST.rsplit(":", 1)[0].lower()
    return any(host == domain or host.endswith("." + domain) for domain in VONAGE_DOMAINS)


def softphone_config() -> dict[str, Any]:
    """What the page's softphone module needs, rendered into its partial's data attributes."""
    config: dict[str, Any] = {
        "token_url": reverse("api-agent-softphone-token"),
        "token_lifetime": settings.SOFTPHONE_TOKEN_SECONDS,
        "call_url": reverse("api-agent-calls"),
    }
    if uses_vonage():
        config.update(
            transport="vonage",
            api_url=settings.VONAGE_CLIENT_API_URL,
            websocket_url=settings.VONAGE_CLIENT_WEBSOCKET_URL,
        )
    else:
        config.update(
            transport="sandbox",
            session_url=(
                f"ws://{settings.SANDBOX_HOST}:{settings.SANDBOX_CONTROL_PORT}/v1/client/session"
            ),
        )
    return config


class SoftphoneTokenApi(APIView):
    """POST: a fresh Client SDK token for the logged-in agent's own Vonage user (no one
    else's: the user comes from the session, never from the request)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        agent = request_agent(request)
        try:
            issued = agent_softphone_token(agent=agent, user=agent.user)
        except VonageUserError as error:
            return Response({"detail": str(error)}, status=status.HTTP_502_BAD_GATEWAY)
        except ImproperlyConfigured as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(
            {
                "token": issued.token,
                "user": agent.vonage_user,
                "expires_at": issued.expires_at,
                "lifetime": issued.expires_at - issued.issued_at,
            },
            headers={"Cache-Control": "no-store"},
        )


class OutboundCallApi(ContactActionApi):
    """POST {"number"}: click-to-call. 201 with the new contact's task id; 409 with the
    reason when the agent may not call now; 400 for a missing number."""

    class Input(serializers.Serializer):
        number = serializers.CharField(max_length=40)

        def validate_number(self, value: str) -> str:
            if len(phone_number(value)) < MIN_DIGITS:
                raise serializers.ValidationError(
                    "Enter a phone number in international form, e.g. +447700900123."
                )
            return value

    @extend_schema(request=Input, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        agent = request_agent(request)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        task = outbound_call_start(agent=agent, number=data.validated_data["number"])
        return Response(
            {"task_id": task.pk, "conversation_id": task.conversation_id},
            status=status.HTTP_201_CREATED,
        )
