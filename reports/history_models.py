"""The historical reports' roll-ups (reports/rollups.py writes them, reports/metrics.py
reads them): sums per interval, so a year's report reads thousands of rows, not every call
detail record. Rebuilt whole local days at a time, so they are never half a day.

Two periods: 15-minute buckets (the 15-minute and hourly views) and local days (day, week
and month), each by one dimension: the whole centre ("total", key ""), a queue, an agent,
a channel or a disposition (key: its id or code); and every row within one queue (the
filter bar's queue; null: contacts that never reached a queue). Agent, channel and
disposition rows are also kept for every queue together (queue 0, rollups.ALL_QUEUES).
"""

from django.db import models


class Period(models.TextChoices):
    QUARTER_HOUR = "15m", "15 minutes"
    DAY = "day", "Day"


class Dimension(models.TextChoices):
    TOTAL = "total", "All contacts"
    QUEUE = "queue", "Queue"
    AGENT = "agent", "Agent"
    CHANNEL = "channel", "Channel"
    DISPOSITION = "disposition", "Disposition"


class ContactStat(models.Model):
    """Contacts that started in one bucket, one queue, one dimension's key: sums, counts and
    maxima, from which reports/metrics.py derives every figure."""

    period = models.CharField(max_length=4, choices=Period.choices)
    bucket = models.DateTimeField(help_text="Start of the 15 minutes, or local midnight.")
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.CharField(max_length=60, blank=True)
    queue_id = models.IntegerField(null=True, blank=True)
    offered = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    short_abandoned = models.PositiveIntegerField(default=0)
    answered_in_sl = models.PositiveIntegerField(default=0)
    answer_wait_seconds = models.BigIntegerField(default=0)
    abandon_wait_seconds = models.BigIntegerField(default=0)
    longest_wait_seconds = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    hold_seconds = models.BigIntegerField(default=0)
    wrap_up_seconds = models.BigIntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    satisfaction_sum = models.PositiveIntegerField(default=0)
    satisfaction_count = models.PositiveIntegerField(default=0)
    fcr_eligible = models.PositiveIntegerField(default=0)
    fcr_resolved = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # A report reads one dimension of one queue (or of every queue together, 0).
            models.Index(
                fields=["period", "dimension", "queue_id", "bucket"], name="contactstat_read_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.bucket:%Y-%m-%d %H:%M} {self.dimension} {self.key}"


class PresenceStat(models.Model):
    """Seconds one agent spent in each activity within one bucket (from their
    agents.PresenceInterval rows, cut at the bucket's edges)."""

    period = models.CharField(max_length=4, choices=Period.choices)
    bucket = models.DateTimeField()
    agent_id = models.IntegerField()
    available_seconds = models.FloatField(default=0)
    busy_seconds = models.FloatField(default=0)
    wrap_up_seconds = models.FloatField(default=0)
    away_seconds = models.FloatField(default=0)
    away_productive_seconds = models.FloatField(default=0)

    class Meta:
        indexes = [models.Index(fields=["period", "bucket"], name="presencestat_read")]

    def __str__(self) -> str:
        return f"{self.period} {self.bucket:%Y-%m-%d %H:%M} agent {self.agent_id}"
