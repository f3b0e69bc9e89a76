from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.models import Agent, AgentSkill
from agents.presence import Actor, PresenceError
from agents.services import agent_set_status
from agents.softphone import VonageUserError, agent_vonage_user_sync


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
        "idle_since",
    ]
    list_filter = ["status"]
    search_fields = ["display_name", "vonage_user", "user__username"]
    inlines = [AgentSkillInline]
    actions = ["set_away", "set_offline", "sync_vonage_users"]
    # Presence moves through agents.services (its table says who may move it): a supervisor
    # takes agents away or offline with the actions; being available is the agent's choice.
    readonly_fields = [
        "status",
        "away_reason",
        "voice_load",
        "chat_load",
        "wrap_up_until",
        "idle_since",
        "last_offered_at",
        "missed_offers_in_a_row",
        "counters_date",
        "contacts_today",
        "talk_seconds_today",
        "status_changed_at",
        "vonage_user_id",
    ]

    def presence_set(self, request: HttpRequest, queryset: QuerySet[Agent], status: str) -> None:
        for agent in queryset:
            try:
                agent_set_status(
                    agent_id=agent.pk, status=status, reason="supervisor", actor=Actor.SUPERVISOR
                )
            except PresenceError as error:
                self.message_user(request, f"{agent}: {error}", level=messages.ERROR)

    @admin.action(description="Set away (reason: supervisor)")
    def set_away(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self.presence_set(request, queryset, Agent.Status.AWAY)

    @admin.action(description="Set offline")
    def set_offline(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        self.presence_set(request, queryset, Agent.Status.OFFLINE)

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
