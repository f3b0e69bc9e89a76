"""The audit trail: who read which customer record or recording, when, and where; and which
logins were locked out (too many wrong passwords), for which user, from which address."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer record"
        RECORDING = "recording", "Recording"
        TRANSCRIPT = "transcript", "Transcript"  # object_id: the conversation
        # A change to a customer record (the agent corrected a name or an e-mail).
        CUSTOMER_CHANGE = "change", "Customer record change"
        # object_id is the client's address; username the name that was tried.
        LOGIN_LOCKOUT = "lockout", "Login lockout"
        # object_id is the token's jti; username the agent it was issued to.
        SOFTPHONE_TOKEN = "sp_token", "Softphone token issued"
        # object_id says which report (table, range, interval, breakdown, queue).
        REPORT_EXPORT = "export", "Report export"

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too: the entry outlives the user account.
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.CharField(max_length=64)
    where = models.CharField(max_length=40, help_text="The screen or API that showed it")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["kind", "object_id", "at"], name="audit_object"),
            models.Index(fields=["user", "at"], name="audit_user"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.REPORT_EXPORT:
            return f"{self.username} exported {self.object_id} ({self.where})"
        if self.kind == self.Kind.LOGIN_LOCKOUT:
            return f"{self.username} locked out from {self.object_id} ({self.where})"
        return f"{self.username} read {self.kind} {self.object_id} ({self.where})"
