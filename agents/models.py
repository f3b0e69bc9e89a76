from datetime import UTC, datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce


class Agent(models.Model):
    """An agent's profile, presence and what they are carrying right now.

    `status` is the presence the agent chose. Whether they are busy or in
    wrap-up follows from their load and `wrap_up_until`; the routing engine
    claims capacity through agents.services.
    """

    class Status(models.TextChoices):
        OFFLINE = "offline", "Offline"
        AVAILABLE = "available", "Available"
        AWAY = "away", "Away"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    display_name = models.CharField(max_length=120)
    vonage_user = models.CharField(
        "Vonage user name",
        max_length=100,
        unique=True,
        help_text="The Client SDK user the desktop logs in as.",
    )
    vonage_user_id = models.CharField(
        "Vonage user id",
        max_length=64,
        blank=True,
        help_text="The Users API id (USR-...) of that user, once it was created or found.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    away_reason = models.CharField(max_length=40, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    skills = models.ManyToManyField("routing.Skill", through="AgentSkill", related_name="agents")
    voice_capacity = models.PositiveSmallIntegerField(default=1)
    chat_capacity = models.PositiveSmallIntegerField(default=3)
    # Callers' messages (routing.voicemail) the agent may hold at once: their own capacity.
    voicemail_capacity = models.PositiveSmallIntegerField(default=1)
    mixes_channels = models.BooleanField(
        default=False, help_text="May take chats during a call and calls during chats."
    )
    # Pending offers plus assigned tasks, per channel. Only agents.services changes these.
    voice_load = models.PositiveSmallIntegerField(default=0)
    chat_load = models.PositiveSmallIntegerField(default=0)
    voicemail_load = models.PositiveSmallIntegerField(default=0)
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    idle_since = models.DateTimeField(null=True, blank=True)
    last_offered_at = models.DateTimeField(null=True, blank=True)
    missed_offers_in_a_row = models.PositiveSmallIntegerField(default=0)
    # Today's figures for the fewest-contacts and least-talk-time strategies.
    counters_date = models.DateField(null=True, blank=True)
    contacts_today = models.PositiveIntegerField(default=0)
    talk_seconds_today = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_name"]
        indexes = [
            models.Index(fields=["status", "idle_since"], name="agent_status_idle"),
            # The longest-idle walk of routing.matching: free agents in the order it offers
            # them, so a decision reads a few rows instead of sorting every free agent.
            models.Index(
                Coalesce("idle_since", Value(datetime(1970, 1, 1, tzinfo=UTC))),
                F("id"),
                condition=Q(status="available"),
                name="agent_available_idle_order",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def activity(self, now: datetime) -> str:
        """What the agent is doing: their chosen presence, or, when available, whether
        they carry work (offered or assigned), wrap up, or wait for a contact."""
        if self.status != Agent.Status.AVAILABLE:
            return self.status
        if self.voice_load or self.chat_load or self.voicemail_load:
            return Activity.BUSY
        if self.wrap_up_until and self.wrap_up_until > now:
            return Activity.WRAP_UP
        return Activity.IDLE


class Activity(models.TextChoices):
    OFFLINE = "offline", "Offline"
    AWAY = "away", "Away"
    IDLE = "available", "Available"
    BUSY = "busy", "Busy"
    WRAP_UP = "wrap_up", "Wrap-up"


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(
        "routing.Skill", on_delete=models.CASCADE, related_name="agent_skills"
    )
    proficiency = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="unique_agent_skill"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1) & models.Q(proficiency__lte=10),
                name="agent_skill_proficiency_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.skill} ({self.proficiency})"


class AwayReason(models.Model):
    """Why an agent is away: the codes the desktop offers and supervisors pick, kept in admin.

    Retired codes stay (is_active off) so that the history that names them still reads.
    """

    code = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True, help_text="Offered to agents and supervisors.")
    counts_as_productive = models.BooleanField(
        default=False,
        help_text="Time away for this reason counts as working time (training, coaching) in "
        "utilisation.",
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class PresenceInterval(models.Model):
    """One stretch of an agent's presence: what they were doing, why, from when to when.

    Written by agents.intervals on every activity change, the automatic ones included; the
    one still open (ended_at empty) is the agent's presence now. Occupancy and utilisation
    reports read these.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="presence_intervals")
    activity = models.CharField(max_length=10, choices=Activity.choices)
    reason = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agent", "started_at"]
        indexes = [
            models.Index(fields=["agent", "started_at"], name="presence_agent_started"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(ended_at__isnull=True),
                name="one_open_presence_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.activity} from {self.started_at:%Y-%m-%d %H:%M:%S}"

    def seconds(self, now: datetime) -> float:
        """How long it lasted (so far, when still open)."""
        return ((self.ended_at or now) - self.started_at).total_seconds()
