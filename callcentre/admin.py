"""What the apps' admin modules share. Registers nothing itself."""

from django.contrib import admin
from django.http import HttpRequest


class RecordAdmin(admin.ModelAdmin):
    """A record of what happened (a call, its legs and events, messages, recordings, detail
    records, surveys): supervisors read it, nobody adds, changes or deletes it by hand. The
    services write it from what Vonage and the customers did; an edit would make the reports
    and the audit trail say something that did not happen."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RecordInline(admin.TabularInline):
    """The rows of a record shown on its page (a call's legs and events): read-only too."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
