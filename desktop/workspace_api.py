"""The agent's workspace API (docs/desktop.md, "The workspace"): the customer panel and
history, corrections, wrap-up, the agent's queues and day, canned replies. Thin views over
the workspace app; each agent only their own work and the customers of it."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from callcentre.openapi import Refusal
from desktop.api import ContactActionApi, assigned_task, request_agent
from routing.models import Task
from workspace import customers, day, replies, wrap_up


class WorkspaceApi(ContactActionApi):
    """Answers a field refusal as 400 with the field's message; other refusals 409."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, wrap_up.WrapUpFieldError):
            return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


class WorkspaceStateApi(WorkspaceApi):
    """What waits for the agent's wrap-up, their queues and their day."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        agent = request_agent(request)
        now = timezone.now()
        pending = wrap_up.pending_wrap_ups(agent=agent, now=now)
        codes = wrap_up.disposition_codes(queue_ids=[task.queue_id for task in pending])
        extension = wrap_up.wrap_up_extension(agent=agent, pending=pending, now=now)
        return Response(
            {
                "wrap_ups": [wrap_up_row(task, codes[task.queue_id]) for task in pending],
                "extension": {"seconds": extension.seconds, "used": extension.used},
                "queues": day.agent_queues(agent=agent, now=now),
                "day": day.agent_day(agent=agent, now=now),
            }
        )


def wrap_up_row(task: Task, codes: list) -> dict:
    conversation = task.conversation
    customer = conversation.customer
    return {
        "task_id": task.pk,
        "conversation_id": conversation.pk,
        "queue": task.queue.name,
        "channel": task.channel,
        "customer": (customer.name if customer and customer.name else "") or task.customer_number,
        "completed_at": task.completed_at,
        "disposition_required": task.queue.disposition_required,
        "dispositions": [{"code": code.code, "label": code.label} for code in codes],
        "disposition": conversation.disposition,
        "notes": conversation.wrap_up_notes,
        "follow_up_on": conversation.follow_up_on,
    }


class ContactPanelApi(WorkspaceApi):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, task_id: int) -> Response:
        panel = customers.contact_panel(
            agent=request_agent(request), user=request.user, task_id=task_id
        )
        return Response(panel)


class CustomerHistoryApi(WorkspaceApi):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, customer_id: int) -> Response:
        history = customers.customer_history(
            agent=request_agent(request), user=request.user, customer_id=customer_id
        )
        return Response(history)


class CustomerEditApi(WorkspaceApi):
    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)

    @extend_schema(request=Input, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def patch(self, request: Request, customer_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            return Response(
                {"detail": "Give a name or an email to correct."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        card = customers.customer_edit(
            agent=request_agent(request),
            user=request.user,
            customer_id=customer_id,
            name=data.validated_data.get("name"),
            email=data.validated_data.get("email"),
        )
        return Response(card)


class WrapUpSaveApi(WorkspaceApi):
    class Input(serializers.Serializer):
        disposition = serializers.CharField(max_length=40, required=False, allow_blank=True)
        notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        follow_up_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=Input, responses={204: None, 400: OpenApiTypes.OBJECT, 409: Refusal})
    def post(self, request: Request, task_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        wrap_up.wrap_up_save(
            agent=request_agent(request),
            task_id=task_id,
            disposition=data.validated_data.get("disposition", ""),
            notes=data.validated_data.get("notes", ""),
            follow_up_on=data.validated_data.get("follow_up_on"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WrapUpExtendApi(WorkspaceApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 409: Refusal})
    def post(self, request: Request) -> Response:
        agent = wrap_up.wrap_up_extend(agent=request_agent(request))
        return Response({"wrap_up_until": agent.wrap_up_until})


class CannedRepliesApi(WorkspaceApi):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, task_id: int) -> Response:
        task = assigned_task(request, task_id)
        return Response(replies.canned_replies(agent=request_agent(request), task=task))
