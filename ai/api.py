"""Supervisors try a phrase on the intent classifier: POST /api/intents/classify."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ai import services
from ai.classifier import MAX_TEXT


class IntentClassifyApi(APIView):
    """{"text": "...", "drafts": false} -> the intent, its confidence, whether it would route.
    `drafts`: try every intent, inactive ones too, on a model trained for this request."""

    class Input(serializers.Serializer):
        text = serializers.CharField(max_length=MAX_TEXT)
        drafts = serializers.BooleanField(default=False)

    @extend_schema(request=Input, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.intent_try(
            text=data.validated_data["text"], with_drafts=data.validated_data["drafts"]
        )
        if match is None:
            return Response(
                {"detail": "No intent model yet: add intents with example phrases first."},
                status=status.HTTP_409_CONFLICT,
            )
        route = match.route
        return Response(
            {
                "text": data.validated_data["text"],
                "intent": match.name,
                "label": match.label,
                "confidence": round(match.confidence, 4),
                "threshold": route.threshold if route else None,
                "routes": match.is_confident and route is not None and route.queue_id is not None,
                "queue_id": route.queue_id if route else None,
            }
        )
