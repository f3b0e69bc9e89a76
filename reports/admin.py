from django.contrib import admin

from callcentre.admin import RecordAdmin
from reports.models import CallDetailRecord, SatisfactionSurvey


@admin.register(CallDetailRecord)
class CallDetailRecordAdmin(RecordAdmin):
    list_display = [
        "conversation",
        "direction",
        "started_at",
        "duration_seconds",
        "agent",
        "queue",
        "outcome",
        "disposition",
        "wrap_up_seconds",
    ]
    list_filter = ["direction", "outcome", "disposition"]
    date_hierarchy = "started_at"
    raw_id_fields = ["conversation", "agent", "queue"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(RecordAdmin):
    list_display = ["conversation", "agent", "number", "state", "sent_at", "score", "answered_at"]
    list_filter = ["state", "score"]
    date_hierarchy = "sent_at"
    raw_id_fields = ["conversation", "agent", "question", "answer"]
