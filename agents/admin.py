from django.contrib import admin

from agents.models import Agent, AgentSkill


class AgentSkillInline(admin.TabularInline):
    model = AgentSkill
    extra = 1


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["display_name", "vonage_user", "status", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["display_name", "vonage_user", "user__username"]
    inlines = [AgentSkillInline]


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin):
    list_display = ["agent", "skill", "proficiency"]
    list_filter = ["skill"]
