from django.contrib import admin

from callcentre.admin import RecordAdmin, RecordInline
from supervision.models import (
    Alert,
    AlertRule,
    MonitoringSession,
    OnCallContact,
    ReconciliationIssue,
    ReconciliationRun,
    SupervisorAction,
)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["queue", "metric", "threshold", "window_minutes", "agent_state", "is_active"]
    list_filter = ["queue", "metric", "is_active"]


@admin.register(OnCallContact)
class OnCallContactAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "email", "is_active"]


@admin.register(Alert)
class AlertAdmin(RecordAdmin):
    list_display = ["message", "rule", "started_at", "ended_at", "notified"]
    list_filter = ["rule__queue", "rule__metric"]
    date_hierarchy = "started_at"


@admin.register(MonitoringSession)
class MonitoringSessionAdmin(RecordAdmin):
    list_display = ["supervisor", "agent", "task", "mode", "agent_told", "started_at", "ended_at"]
    list_filter = ["mode", "supervisor"]


@admin.register(SupervisorAction)
class SupervisorActionAdmin(RecordAdmin):
    list_display = ["at", "username", "kind", "agent", "task", "detail"]
    list_filter = ["kind"]
    date_hierarchy = "at"


class ReconciliationIssueInline(RecordInline):
    model = ReconciliationIssue
    readonly_fields = ["leg_uuid", "kind", "ours", "theirs"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(RecordAdmin):
    list_display = ["day", "ran_at", "records_checked", "vonage_records", "issue_count", "error"]
    inlines = [ReconciliationIssueInline]

    @admin.display(description="issues")
    def issue_count(self, run: ReconciliationRun) -> int:
        return run.issues.count()


@admin.register(ReconciliationIssue)
class ReconciliationIssueAdmin(RecordAdmin):
    list_display = ["leg_uuid", "kind", "ours", "theirs", "run"]
    list_filter = ["kind", "run__day"]
