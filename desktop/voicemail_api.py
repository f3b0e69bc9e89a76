"""The agent's voicemail inbox API (docs/desktop.md, "The voicemail inbox"): the voicemails
offered to or held by the agent, closing one with a disposition, calling the caller back.
Thin views over workspace.voicemail; accepting or rejecting an offered voicemail is the
offers' API, playing it the audited recording download."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from callcentre.openapi import Refusal
from desktop.api import request_agent
from desktop.workspace_api import WorkspaceApi
from workspace import voicemail


class VoicemailOutput(serializers.Serializer):
    task_id = serializers.IntegerField(source="task.pk")
    offer_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField(source="task.state")
    queue = serializers.CharField(source="task.queue.name")
    conversation_id = serializers.IntegerField(source="task.conversation_id")
    caller_number = serializers.CharField(source="task.customer_number")
    caller_name = serializers.SerializerMethodField()
    left_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField(allow_null=True)
    audio_url = serializers.CharField()
    disposition_required = serializers.BooleanField(source="task.queue.disposition_required")
    dispositions = serializers.SerializerMethodField()

    def get_caller_name(self, item: voicemail.Voicemail) -> str:
        customer = item.conversation.customer
        return customer.name if customer else ""

    def get_dispositions(self, item: voicemail.Voicemail) -> list[dict]:
        return [{"code": code.code, "label": code.label} for code in item.codes]


class VoicemailInboxApi(WorkspaceApi):
    """The voicemails offered to the agent now or held by them."""

    @extend_schema(responses=VoicemailOutput(many=True))
    def get(self, request: Request) -> Response:
        items = voicemail.voicemail_inbox(agent=request_agent(request))
        return Response(VoicemailOutput(items, many=True).data)


class VoicemailCloseApi(WorkspaceApi):
    """Close a held voicemail: 400 without a disposition its queue requires, or with one
    that is not the queue's; 409 when the agent does not hold it."""

    class Input(serializers.Serializer):
        disposition = serializers.CharField(max_length=40, required=False, allow_blank=True)
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(request=Input, responses={204: None, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        voicemail.voicemail_close(
            agent=request_agent(request),
            task_id=task_id,
            disposition=data.validated_data.get("disposition", ""),
            notes=data.validated_data.get("notes", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoicemailCallBackApi(WorkspaceApi):
    """Call the caller of a held voicemail back: the call is the agent's new contact."""

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer("VoicemailCall", {"task_id": serializers.IntegerField()}),
            409: Refusal,
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        call = voicemail.voicemail_call_back(agent=request_agent(request), task_id=task_id)
        return Response({"task_id": call.pk}, status=status.HTTP_201_CREATED)
