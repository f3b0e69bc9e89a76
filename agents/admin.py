from django.contrib import admin

from agents.models import Agent, AgentSkill


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
    readonly_fields = [
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
    ]


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin):
    list_display = ["agent", "skill", "proficiency"]
    list_filter = ["skill"]
