"""Call detail records: one per finished conversation, written by the post-call pipeline."""

from django.db import models
from django.utils import timezone

from reports.history_models import ContactStat, PresenceStat  # noqa: F401 (the roll-ups)


class CallDetailRecord(models.Model):
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.PROTECT, related_name="cdr"
    )
    direction = models.CharField(max_length=10)
    from_address = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    queue_seconds = models.PositiveIntegerField(null=True, blank=True)
    handle_seconds = models.PositiveIntegerField(null=True, blank=True)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="cdrs"
    )
    queue = models.ForeignKey(
        "routing.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="cdrs"
    )
    outcome = models.CharField(max_length=20, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    network = models.CharField(max_length=40, blank=True)
    hold_seconds = models.PositiveIntegerField(default=0)
    wrap_up_seconds = models.PositiveIntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=40, blank=True)
    consult_seconds = models.PositiveIntegerField(default=0)
    transfers = models.PositiveSmallIntegerField(default=0)
    # The seeds' remaining fields (reports.cdr_details): the customer's leg as Vonage knows it.
    leg_uuid = models.CharField("call (leg) uuid", max_length=64, blank=True, db_index=True)
    rate = models.DecimalField(
        max_digits=12, decimal_places=8, null=True, blank=True, help_text="Per minute"
    )
    vonage_status = models.CharField(
        max_length=20, blank=True, help_text="The leg's last status from Vonage"
    )
    recording_url = models.URLField(max_length=500, blank=True)
    record_index = models.PositiveIntegerField(
        null=True, blank=True, help_text="0-based position among the day's calls (UTC)"
    )
    intent = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    hold_seconds = models.PositiveIntegerField(default=0)
    consult_seconds = models.PositiveIntegerField(default=0)
    transfers = models.PositiveSmallIntegerField(default=0)
    wrap_up_seconds = models.PositiveIntegerField(null=True, blank=True)
    disposition = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["started_at"], name="cdr_started"),
            # First-contact resolution: the same customer's next contact (reports/rollups.py).
            models.Index(fields=["from_address", "started_at"], name="cdr_from_started"),
        ]

    def __str__(self) -> str:
        return f"CDR {self.conversation_id}"


class SatisfactionSurvey(models.Model):
    """The CSAT question sent to a caller after their call, and their answer (1 to 5)."""

    class State(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        ANSWERED = "answered", "Answered"
        # Not sent: the customer had a survey within CSAT_SURVEY_MIN_INTERVAL_HOURS.
        SKIPPED = "skipped", "Not sent: surveyed recently"

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="survey"
    )
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    number = models.CharField(max_length=40, help_text="E.164 digits the survey went to")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENDING)
    created_at = models.DateTimeField(default=timezone.now)
    question = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # When the run sending it began: one still "sending" long after died (the sweep resumes it).
    claimed_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    answer = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # When the thank-you for the answer was sent (CSAT_SURVEY_THANKS_TEXT): once, never twice.
    thanked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["number", "state", "sent_at"], name="survey_pending"),
            models.Index(fields=["number", "created_at"], name="survey_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"Survey of conversation {self.conversation_id}"
