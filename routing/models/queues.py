"""Skills, business hours and queues: who may answer what, and when."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

PROFICIENCY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London.")


class Skill(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    name = models.CharField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])

    class Meta:
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return self.name


class OpeningPeriod(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="Earlier than 'opens' means the period runs past midnight.")

    class Meta:
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.opens == self.closes:
            raise ValidationError("A period must open and close at different times.")


class Holiday(models.Model):
    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["hours", "date"], name="unique_holiday")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class Strategy(models.TextChoices):
    LONGEST_IDLE = "longest_idle", "Longest idle"
    MOST_SKILLED = "most_skilled", "Most skilled, then longest idle"
    ROUND_ROBIN = "round_robin", "Round robin"
    FEWEST_CONTACTS = "fewest_contacts", "Fewest contacts today"
    LEAST_TALK_TIME = "least_talk_time", "Least talk time today"
    RANDOM = "random", "Random"


class FallbackAction(models.TextChoices):
    """What happens to a caller when a queue is closed, full or has waited too long."""

    MESSAGE = "message", "Play a message and hang up"
    VOICEMAIL = "voicemail", "Take a voicemail"
    CALLBACK = "callback", "Offer a callback"
    QUEUE = "queue", "Send to another queue"


class Queue(models.Model):
    name = models.CharField(max_length=80, unique=True)
    priority = models.IntegerField(default=0, help_text="Higher is served first.")
    strategy = models.CharField(
        max_length=20, choices=Strategy.choices, default=Strategy.LONGEST_IDLE
    )
    service_level_percent = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)]
    )
    service_level_seconds = models.PositiveIntegerField(default=20)
    short_abandon_seconds = models.PositiveIntegerField(
        default=5, help_text="Callers who hang up sooner do not count against the service level."
    )
    max_wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    max_queue_length = models.PositiveIntegerField(null=True, blank=True)
    wrap_up_seconds = models.PositiveIntegerField(default=30)
    wrap_up_extension_seconds = models.PositiveIntegerField(
        default=0, help_text="An agent may extend a wrap-up once by this long (0: never)."
    )
    disposition_required = models.BooleanField(
        default=False,
        help_text="The agent cannot end a wrap-up of this queue's contact without choosing "
        "one of its disposition codes.",
    )
    offer_timeout_seconds = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(5)]
    )
    announce_interval_seconds = models.PositiveIntegerField(
        default=60, help_text="How often a waiting caller hears their position (0: never)."
    )
    offer_callback_while_waiting = models.BooleanField(
        default=True,
        help_text="With each announcement, callers may press 1 to keep their place, hang up "
        "and be called back when their turn comes.",
    )
    end_call_when_agent_hangs_up = models.BooleanField(
        default=True,
        help_text="When an agent hangs up, the customer's call ends too. Off: the customer "
        "stays with anyone else still on the call (a supervisor, a colleague); when the last "
        "agent leaves they hear a goodbye and the call ends, never left alone in silence.",
    )

    class Recording(models.TextChoices):
        OFF = "off", "Not recorded"
        ALWAYS = "always", "Always recorded (the caller hears a notice)"
        CONSENT = "consent", "Recorded unless the caller refuses (by a key, after the notice)"

    recording = models.CharField(
        max_length=10,
        choices=Recording.choices,
        default=Recording.OFF,
        help_text="Whether calls are recorded; the notice is heard before an agent joins "
        "(routing/recording.py).",
    )
    transcribe_calls = models.BooleanField(
        default=False,
        help_text="Transcribe this queue's calls live once an agent is connected (speech/, "
        "docs/transcription.md): the customer's and the agent's words appear on the desktop "
        "and are kept with the conversation.",
    )
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="queues"
    )
    closed_action = models.CharField(
        max_length=10, choices=FallbackAction.choices, default=FallbackAction.VOICEMAIL
    )
    closed_message = models.CharField(max_length=300, blank=True)
    closed_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overflow_action = models.CharField(
        max_length=10, choices=FallbackAction.choices, default=FallbackAction.VOICEMAIL
    )
    overflow_message = models.CharField(max_length=300, blank=True)
    overflow_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skills = models.ManyToManyField(Skill, through="QueueSkill", blank=True, related_name="queues")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.closed_action == FallbackAction.QUEUE and self.closed_queue_id is None:
            errors["closed_queue"] = "Choose the queue that takes calls while this one is closed."
        if self.overflow_action == FallbackAction.QUEUE and self.overflow_queue_id is None:
            errors["overflow_queue"] = "Choose the queue that takes this queue's overflow."
        if self.pk and self.pk in (self.closed_queue_id, self.overflow_queue_id):
            errors["overflow_queue"] = "A queue cannot overflow into itself."
        if errors:
            raise ValidationError(errors)


class QueueSkill(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="queue_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="queue_skills")
    min_proficiency = models.PositiveSmallIntegerField(default=1, validators=PROFICIENCY_VALIDATORS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "skill"], name="unique_queue_skill"),
            models.CheckConstraint(
                condition=models.Q(min_proficiency__gte=1) & models.Q(min_proficiency__lte=10),
                name="queue_skill_proficiency_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill} >= {self.min_proficiency}"


class EscalationStep(models.Model):
    class Action(models.TextChoices):
        RELAX_PROFICIENCY = "relax_proficiency", "Lower every minimum proficiency by the amount"
        DROP_SKILL = "drop_skill", "Drop a required skill"
        ADD_QUEUE = "add_queue", "Also offer to another queue's agents"
        RAISE_PRIORITY = "raise_priority", "Raise the priority by the amount"

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="escalation_steps")
    after_seconds = models.PositiveIntegerField(help_text="Seconds of waiting before this step.")
    action = models.CharField(max_length=20, choices=Action.choices)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, null=True, blank=True)
    target_queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    amount = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["queue", "after_seconds", "pk"]

    def __str__(self) -> str:
        return f"after {self.after_seconds}s: {self.get_action_display()}"

    def clean(self) -> None:
        if self.action == self.Action.DROP_SKILL and self.skill_id is None:
            raise ValidationError({"skill": "Choose the skill to drop."})
        if self.action == self.Action.ADD_QUEUE and self.target_queue_id is None:
            raise ValidationError({"target_queue": "Choose the queue whose agents may also help."})
