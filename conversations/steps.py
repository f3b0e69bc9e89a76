"""Call control's record: every step an agent takes on a call (hold, transfer, consult,
conference, keys sent, mute, hang-up), who took it, when, and for how long.

A model of the conversations app in a module of its own (conversations.models imports it),
so the branches that add to conversations/models.py do not meet this one. The writes are
conversations.services.steps; routing.control and routing.transfer decide them.
"""

from django.db import models


class CallStep(models.Model):
    class Kind(models.TextChoices):
        HOLD = "hold", "Hold"  # the customer on music; ends when resumed
        MUTE = "mute", "Mute"  # the agent muted; ends when unmuted
        DTMF = "dtmf", "Keys sent"
        TRANSFER = "transfer", "Cold transfer"  # handed on at once
        CONSULT = "consult", "Consult (warm transfer)"  # ends completed or cancelled
        CONFERENCE = "conference", "Conference"  # a third party in; ends when dropped
        HANG_UP = "hang_up", "Hang-up"

    class Target(models.TextChoices):
        NONE = "", "—"
        QUEUE = "queue", "Queue"
        AGENT = "agent", "Agent"
        NUMBER = "number", "Phone number"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        RESUMED = "resumed", "Resumed"
        COMPLETED = "completed", "Transfer completed"
        CANCELLED = "cancelled", "Cancelled"
        DROPPED = "dropped", "Dropped"
        LEFT = "left", "Left the call"
        FAILED = "failed", "Not connected"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="call_steps"
    )
    task = models.ForeignKey(
        "routing.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        "agents.Agent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who took the step.",
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    target_kind = models.CharField(max_length=8, choices=Target.choices, blank=True)
    target = models.CharField(
        max_length=200, blank=True, help_text="The queue, agent or number it went to."
    )
    # The consulted or conferenced party's leg; the task made for a consulted agent.
    party = models.ForeignKey(
        "conversations.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    party_task = models.ForeignKey(
        "routing.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Never the digits themselves: an agent may key a card number for a customer.
    detail = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [
            models.Index(fields=["conversation", "kind", "ended_at"], name="call_step_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target}".strip()

    @property
    def seconds(self) -> int | None:
        """How long it lasted (None while it goes on; 0 for a step of a moment)."""
        if self.ended_at is None:
            return None
        return max(int((self.ended_at - self.started_at).total_seconds()), 0)


class PlacedLegConversation(models.Model):
    """The Vonage conversation uuid of a leg the centre placed into a call (an agent's
    softphone, a consulted number): Vonage gives such a leg a conversation of its own, and
    an event that names no leg, only that uuid (a recording made on the leg), is filed with
    the call it was placed into."""

    vonage_uuid = models.CharField(max_length=64, unique=True)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return self.vonage_uuid
