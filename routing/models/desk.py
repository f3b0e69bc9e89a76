"""What a queue gives its agents to work with on the desktop: the disposition codes a
contact is closed with, and the canned replies of its chats (workspace, docs/desktop.md)."""

from django.db import models

from routing.models.queues import Queue


class DispositionCode(models.Model):
    """How a contact ended, chosen by the agent in wrap-up (`Queue.disposition_required`)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="disposition_codes")
    code = models.SlugField(max_length=40, help_text="Kept on the contact and its CDR.")
    label = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["queue", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "code"], name="unique_disposition_code")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class CannedReply(models.Model):
    """A prepared chat answer. Placeholders: {customer_name}, {agent_name}, {queue}."""

    queue = models.ForeignKey(
        Queue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        help_text="Empty: offered in every queue's chats.",
    )
    title = models.CharField(max_length=80)
    text = models.TextField(max_length=1000)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title
