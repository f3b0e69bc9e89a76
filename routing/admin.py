from django.contrib import admin

from routing.models import Queue, Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["name", "menu_digit", "menu_prompt", "priority", "is_active"]
    list_filter = ["is_active"]
    filter_horizontal = ["required_skills"]
