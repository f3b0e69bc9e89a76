from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from callcentre.admin import RecordAdmin, RecordInline
from compliance.models import AuditEntry
from compliance.services import audit_reads
from conversations.models import (
    CallStep,
    Conversation,
    Customer,
    CustomerHandle,
    Event,
    Member,
    Message,
    Recording,
)


class CustomerHandleInline(admin.TabularInline):
    model = CustomerHandle
    extra = 1


class AuditedCustomerRead(admin.ModelAdmin):
    """Opening the page of a customer record (or of a call, which shows its customer) leaves
    an audit entry."""

    def customer_id_of(self, object_id: str) -> object:
        return object_id

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_reads(
                user=request.user,
                kind=AuditEntry.Kind.CUSTOMER,
                object_ids=[self.customer_id_of(object_id)],
                where="admin",
            )
        return response


@admin.register(Customer)
class CustomerAdmin(AuditedCustomerRead):
    list_display = ["__str__", "email", "is_vip", "account_value", "crm_id", "created_at"]
    list_filter = ["is_vip"]
    search_fields = ["name", "email", "crm_id", "handles__value"]
    inlines = [CustomerHandleInline]


@admin.register(CustomerHandle)
class CustomerHandleAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "customer"]
    search_fields = ["value"]
    raw_id_fields = ["customer"]


class MemberInline(RecordInline):
    model = Member
    fields = readonly_fields = (
        "kind",
        "agent",
        "state",
        "call_status",
        "leg_uuid",
        "joined_at",
        "left_at",
        "duration_seconds",
    )


class EventInline(RecordInline):
    model = Event
    fields = readonly_fields = ("occurred_at", "kind", "status", "leg_uuid", "payload", "response")


class CallStepInline(RecordInline):
    """Call control's record: hold, transfers, consults, conferences, keys (never which)."""

    model = CallStep
    fk_name = "conversation"
    fields = readonly_fields = (
        "started_at",
        "kind",
        "agent",
        "target_kind",
        "target",
        "detail",
        "outcome",
        "ended_at",
        "seconds",
    )


@admin.register(CallStep)
class CallStepAdmin(RecordAdmin):
    list_display = ["started_at", "kind", "agent", "target", "outcome", "seconds", "conversation"]
    list_filter = ["kind", "outcome", "target_kind"]
    search_fields = ["conversation__vonage_uuid", "target"]
    raw_id_fields = ["conversation", "task", "agent", "party", "party_task"]


@admin.register(Conversation)
class ConversationAdmin(AuditedCustomerRead, RecordAdmin):
    list_display = [
        "__str__",
        "channel",
        "direction",
        "state",
        "from_address",
        "to_address",
        "started_at",
        "duration_seconds",
        "disposition",
    ]
    list_filter = ["state", "channel", "direction", "disposition"]
    search_fields = ["vonage_uuid", "from_address", "to_address", "disposition", "wrap_up_notes"]
    date_hierarchy = "started_at"
    raw_id_fields = ["customer"]
    inlines = [MemberInline, CallStepInline, EventInline]

    def customer_id_of(self, object_id: str) -> object:
        return (
            Conversation.objects.filter(pk=object_id).values_list("customer_id", flat=True).first()
        )


@admin.register(Member)
class MemberAdmin(RecordAdmin):
    list_display = [
        "__str__",
        "conversation",
        "kind",
        "state",
        "call_status",
        "joined_at",
        "left_at",
    ]
    list_filter = ["kind", "state", "call_status"]
    search_fields = ["leg_uuid", "conversation__vonage_uuid"]
    raw_id_fields = ["conversation", "agent"]


@admin.register(Event)
class EventAdmin(RecordAdmin):
    """Events are the record of what Vonage told us."""

    list_display = ["occurred_at", "kind", "status", "leg_uuid", "conversation"]
    list_filter = ["kind", "status"]
    search_fields = ["leg_uuid", "conversation__vonage_uuid"]


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    list_display = ["occurred_at", "direction", "channel", "status", "conversation"]
    list_filter = ["direction", "channel", "status"]
    raw_id_fields = ["conversation", "member"]


@admin.register(Recording)
class RecordingAdmin(RecordAdmin):
    list_display = ["recording_uuid", "conversation", "size_bytes", "ended_at", "listen"]
    raw_id_fields = ["conversation"]
    # The stored file only through `listen`: the storage's own URL would skip the audit.
    exclude = ["file"]
    readonly_fields = ["listen"]

    @admin.display(description="audio")
    def listen(self, recording: Recording) -> str:
        """The audited download (never the storage's own URL)."""
        if not recording.file:
            return "not stored yet"
        url = reverse("recording-audio", args=[recording.pk])
        return format_html('<a href="{}">Listen</a>', url)
