"""What supervisors do on the live dashboard and what watches the queues for them.

- MonitoringSession: a supervisor listening to, whispering into or barging into a live call
  (one row per session; every mode change and the end are SupervisorActions too).
- SupervisorAction: the audit trail of supervisors' actions on agents and contacts.
- AlertRule, OnCallContact, Alert: per-queue thresholds, who is told, and the history of
  breaches (an Alert is open while the breach lasts; `ended_at` is when it stopped).
- ReconciliationRun, ReconciliationIssue: the daily comparison of our call detail records
  with Vonage's Reports API records.
"""

from django.conf import settings
from django.db import models


class MonitoringMode(models.TextChoices):
    LISTEN = "listen", "Listen (hears both, nobody hears them)"
    WHISPER = "whisper", "Whisper (only the agent hears them)"
    BARGE = "barge", "Barge (everyone hears them)"


class MonitoringSession(models.Model):
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="monitoring_sessions"
    )
    task = models.ForeignKey("routing.Task", on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=MonitoringMode.choices)
    endpoint = models.JSONField(
        help_text="Where the supervisor's phone was called (Vonage endpoint)"
    )
    room = models.CharField(max_length=100, help_text="The named Vonage conversation joined")
    agent_leg_uuid = models.CharField(max_length=64)
    customer_leg_uuid = models.CharField(max_length=64)
    leg_uuid = models.CharField(max_length=64, blank=True, help_text="The supervisor's leg")
    agent_told = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["ended_at", "started_at"], name="monitoring_open")]

    def __str__(self) -> str:
        return f"{self.supervisor} {self.mode} on task {self.task_id}"


class SupervisorAction(models.Model):
    class Kind(models.TextChoices):
        MONITOR_START = "monitor_start", "Started monitoring"
        MONITOR_MODE = "monitor_mode", "Changed monitoring mode"
        MONITOR_END = "monitor_end", "Stopped monitoring"
        AGENT_PRESENCE = "agent_presence", "Set an agent's presence"
        CONTACT_WITHDRAW = "contact_withdraw", "Withdrew a contact from its queue"
        CONTACT_MOVE = "contact_move", "Moved a contact to another queue"

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept: the entry outlives the account
    kind = models.CharField(max_length=20, choices=Kind.choices)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        "routing.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        MonitoringSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"], name="supervisor_action_kind")]

    def __str__(self) -> str:
        return f"{self.username}: {self.get_kind_display()}"


class AlertMetric(models.TextChoices):
    SERVICE_LEVEL = "service_level", "Service level below (%) over the window"
    LONGEST_WAIT = "longest_wait", "Longest wait now above (seconds)"
    WAITING = "waiting", "Contacts waiting above"
    ABANDON_RATE = "abandon_rate", "Abandon rate above (%) over the window"
    NO_AGENT = "no_agent", "Contacts waiting with no eligible agent logged in"
    AGENT_STATE = "agent_state", "An agent in one state longer than (seconds)"


class AlertRule(models.Model):
    queue = models.ForeignKey("routing.Queue", on_delete=models.CASCADE, related_name="alert_rules")
    metric = models.CharField(max_length=20, choices=AlertMetric.choices)
    threshold = models.FloatField(
        default=0,
        help_text="Percent, seconds or a count, as the metric says (ignored for no_agent).",
    )
    window_minutes = models.PositiveIntegerField(
        default=30, help_text="The rolling window of service level and abandon rate."
    )
    agent_state = models.CharField(
        max_length=10,
        blank=True,
        help_text="For agent_state: the activity watched (busy, wrap_up, away, available).",
    )
    notify_sms = models.BooleanField("SMS the on-call list", default=False)
    notify_email = models.BooleanField("E-mail the on-call list", default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["queue__name", "metric"]

    def __str__(self) -> str:
        return f"{self.queue}: {self.get_metric_display()} {self.threshold:g}"


class OnCallContact(models.Model):
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164 digits, no '+'")
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One breach of a rule, from when it was seen until it ended."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(
        max_length=40, blank=True, help_text="What breached within the rule (agent-<id>)"
    )
    message = models.CharField(max_length=300)
    value = models.FloatField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    notified = models.JSONField(default=list, blank=True, help_text="Who was told, and how")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_alert_per_rule_subject",
            )
        ]

    def __str__(self) -> str:
        return self.message


class ReconciliationRun(models.Model):
    day = models.DateField()
    ran_at = models.DateTimeField()
    records_checked = models.PositiveIntegerField(default=0)
    vonage_records = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-day", "-ran_at"]

    def __str__(self) -> str:
        return f"Reconciliation of {self.day}"


class ReconciliationIssue(models.Model):
    class Kind(models.TextChoices):
        PRICE = "price", "Price differs"
        DURATION = "duration", "Duration differs"
        CURRENCY = "currency", "Currency differs"
        MISSING_AT_VONAGE = "missing_vonage", "Not in Vonage's records"
        MISSING_HERE = "missing_here", "Not in our records"

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="issues")
    leg_uuid = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ours = models.CharField(max_length=40, blank=True)
    theirs = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["run", "leg_uuid"]

    def __str__(self) -> str:
        return f"{self.leg_uuid}: {self.get_kind_display()} ({self.ours} / {self.theirs})"
