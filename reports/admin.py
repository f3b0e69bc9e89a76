from django.contrib import admin

from reports.models import CallDetailRecord


@admin.register(CallDetailRecord)
class CallDetailRecordAdmin(admin.ModelAdmin):
    list_display = [
        "conversation",
        "direction",
        "started_at",
        "duration_seconds",
        "agent",
        "queue",
        "outcome",
    ]
    list_filter = ["direction", "outcome"]
    date_hierarchy = "started_at"
    raw_id_fields = ["conversation", "agent", "queue"]
