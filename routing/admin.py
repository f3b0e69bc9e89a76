from django import forms
from django.contrib import admin

from callcentre.admin import RecordAdmin, RecordInline
from routing.models import (
    BusinessHours,
    CannedReply,
    DispositionCode,
    EscalationStep,
    Holiday,
    IvrMenu,
    IvrOption,
    Offer,
    OpeningPeriod,
    Queue,
    QueueSkill,
    Skill,
    Task,
)
from routing.self_service import handler_choices


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


class QueueSkillInline(admin.TabularInline):
    model = QueueSkill
    extra = 1


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    fk_name = "queue"
    extra = 0


class DispositionCodeInline(admin.TabularInline):
    model = DispositionCode
    extra = 0


class CannedReplyInline(admin.StackedInline):
    model = CannedReply
    extra = 0


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "strategy", "business_hours", "is_active"]
    list_filter = ["is_active", "strategy"]
    search_fields = ["name"]
    inlines = [QueueSkillInline, EscalationStepInline, DispositionCodeInline, CannedReplyInline]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "priority", "strategy"]}),
        (
            "Service level",
            {"fields": ["service_level_percent", "service_level_seconds", "short_abandon_seconds"]},
        ),
        (
            "Agents",
            {
                "fields": [
                    "offer_timeout_seconds",
                    "wrap_up_seconds",
                    "wrap_up_extension_seconds",
                    "disposition_required",
                    "end_call_when_agent_hangs_up",
                    "recording",
                    "transcribe_calls",
                ]
            },
        ),
        (
            "Callers waiting",
            {"fields": ["announce_interval_seconds", "offer_callback_while_waiting"]},
        ),
        (
            "Limits and overflow",
            {
                "fields": [
                    "max_wait_seconds",
                    "max_queue_length",
                    "overflow_action",
                    "overflow_message",
                    "overflow_queue",
                ]
            },
        ),
        (
            "Opening hours",
            {"fields": ["business_hours", "closed_action", "closed_message", "closed_queue"]},
        ),
    ]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    """Canned replies of every queue, and those offered in all of them (no queue)."""

    list_display = ["title", "queue", "is_active"]
    list_filter = ["queue", "is_active"]
    search_fields = ["title", "text"]


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 1


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    inlines = [OpeningPeriodInline, HolidayInline]


class IvrOptionForm(forms.ModelForm):
    # The registered self-service handlers (routing.self_service), not free text; read each
    # time the form lists or checks them, so handlers registered later are offered too.
    handler = forms.ChoiceField(
        choices=lambda: [("", "---------"), *handler_choices()], required=False
    )

    class Meta:
        model = IvrOption
        fields = ["digit", "prompt", "keywords", "action", "queue", "submenu", "handler"]


class IvrOptionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """Name the key that is used twice (the database constraint would only say 'digit')."""
        keys = [
            form.cleaned_data.get("digit")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        repeated = sorted({key for key in keys if key and keys.count(key) > 1})
        if repeated:
            raise forms.ValidationError(
                f"Each key can lead to one option only in a menu: {', '.join(repeated)} "
                "is used more than once."
            )
        super().clean()


class IvrOptionInline(admin.TabularInline):
    model = IvrOption
    form = IvrOptionForm
    formset = IvrOptionFormSet
    fk_name = "menu"
    extra = 1


@admin.register(IvrMenu)
class IvrMenuAdmin(admin.ModelAdmin):
    list_display = ["name", "is_entry", "language", "business_hours", "vip_queue"]
    inlines = [IvrOptionInline]
    fieldsets = [
        (None, {"fields": ["name", "is_entry", "greeting", "language", "voice_style"]}),
        (
            "Listening",
            {"fields": ["input_timeout_seconds", "no_input_retries", "invalid_input_retries"]},
        ),
        (
            "Opening hours",
            {"fields": ["business_hours", "closed_action", "closed_message", "closed_queue"]},
        ),
        (
            "VIP callers",
            {
                "description": "Callers the CRM marks as VIP hear the VIP greeting and skip "
                "the menu, straight to the VIP queue with a priority boost and a skill.",
                "fields": ["vip_greeting", "vip_queue", "vip_priority_boost", "vip_skill"],
            },
        ),
    ]


class OfferInline(RecordInline):
    model = Offer
    fields = readonly_fields = ("agent", "state", "created_at", "expires_at", "responded_at")


@admin.register(Task)
class TaskAdmin(RecordAdmin):
    """Tasks are the engine's work: read-only here, moved only by routing.states."""

    list_display = ["pk", "queue", "channel", "state", "priority", "agent", "queued_at"]
    list_filter = ["state", "channel", "queue"]
    readonly_fields = [field.name for field in Task._meta.fields]
    inlines = [OfferInline]


@admin.register(Offer)
class OfferAdmin(RecordAdmin):
    list_display = ["pk", "task", "agent", "state", "created_at", "expires_at"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in Offer._meta.fields]
