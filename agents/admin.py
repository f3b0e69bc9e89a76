from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from agents.models import Agent, AgentSkill, AwayReason, PresenceInterval
from agents.presence import Actor
from agents.selectors import away_reasons_active
from agents.services import agent_set_status
from agents.softphone import VonageUserError, agent_vonage_user_sync
from callcentre.errors import DomainError

AdminAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Agent]], None]


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 1


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "vonage_user",
        "status",
        "voice_load",
        "chat_load",
        "voicemail_load",
        "idle_since",
    ]
    list_filter = ["status"]
    search_fields = ["display_name", "vonage_user", "user__username"]
    inlines = [AgentSkillInline]
    # and "Set away: <reason>" for each active away reason
    actions = ["set_offline", "sync_vonage_users"]
    # Presence moves through agents.services (its table says who may move it): a supervisor
    # takes agents away or offline with the actions; being available is the agent's choice.
    readonly_fields = [
        "status",
        "away_reason",
        "voice_load",
        "chat_load",
        "voicemail_load",
        "wrap_up_until",
        "idle_since",
        "last_offered_at",
        "missed_offers_in_a_row",
        "counters_date",
        "contacts_today",
        "talk_seconds_today",
        "status_changed_at",
        "presence_history",
        "vonage_user_id",
    ]

    def presence_set(
        self, request: HttpRequest, queryset: QuerySet[Agent], status: str, reason: str = ""
    ) -> None:
        for agent in queryset:
            try:
                agent_set_status(
                    agent_id=agent.pk, status=status, reason=reason, actor=Actor.SUPERVISOR
                )
            except DomainError as error:
                self.message_user(request, f"{agent}: {error}", level=messages.ERROR)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """One "Set away: <label>" action per active away reason (admin keeps them)."""
        actions: dict[str, Any] = super().get_actions(request)
        for reason in away_reasons_active():
            name = f"set_away_{reason.code}"
            actions[name] = (self.away_action(reason.code), name, f"Set away: {reason.label}")
        return actions

    def away_action(self, code: str) -> AdminAction:
        def set_away(_admin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
            self.presence_set(request, queryset, Agent.Status.AWAY, code)

        return set_away

    @admin.action(description="Set offline")
    def set_offline(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self.presence_set(request, queryset, Agent.Status.OFFLINE, "supervisor")

    @admin.display(description="Presence history")
    def presence_history(self, agent: Agent) -> str:
        today = timezone.localdate()
        url = reverse("admin:agents_presenceinterval_changelist")
        return format_html(
            '<a href="{}?agent__id__exact={}&started_at__day={}&started_at__month={}'
            '&started_at__year={}">Today</a> · <a href="{}?agent__id__exact={}">Every day</a>',
            url,
            agent.pk,
            today.day,
            today.month,
            today.year,
            url,
            agent.pk,
        )

    @admin.action(description="Create or update their Vonage users")
    def sync_vonage_users(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            try:
                synced = agent_vonage_user_sync(agent=agent)
            except (VonageUserError, ImproperlyConfigured) as error:
                self.message_user(request, str(error), level=messages.ERROR)
                continue
            self.message_user(request, f"{agent}: Vonage user {synced.user.name} {synced.action}")


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin):
    list_display = ["agent", "skill", "proficiency"]
    list_filter = ["skill"]


@admin.register(AwayReason)
class AwayReasonAdmin(admin.ModelAdmin):
    """The away reasons agents pick on the desktop and supervisors in the agent actions.
    Retire a code (untick active) rather than delete it: the presence history names it."""

    list_display = ["code", "label", "is_active", "counts_as_productive"]
    list_editable = ["label", "is_active", "counts_as_productive"]
    list_filter = ["is_active"]


@admin.register(PresenceInterval)
class PresenceIntervalAdmin(admin.ModelAdmin):
    """Every presence change of every agent, per agent and per day; written only by
    agents.intervals, so read-only here."""

    list_display = ["agent", "activity", "reason", "started_at", "ended_at", "duration"]
    list_filter = ["activity", "agent"]
    date_hierarchy = "started_at"
    list_select_related = ["agent"]
    ordering = ["agent", "-started_at"]

    @admin.display(description="Duration")
    def duration(self, interval: PresenceInterval) -> str:
        seconds = int(interval.seconds(timezone.now()))
        text = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return text if interval.ended_at else f"{text} so far"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
