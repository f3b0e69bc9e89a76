"""Routing: configuration (skills, queues, hours, IVR menus) and work (tasks, offers).

A Task is one contact that needs an agent. Its skill requirements live in
TaskSkillGroup/TaskSkill rows: an agent is eligible when they satisfy every
skill of at least one group (escalation can add a group, e.g. another queue's
skills). An Offer proposes a task to one agent at a time.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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


class IvrMenu(models.Model):
    name = models.CharField(max_length=80, unique=True)
    is_entry = models.BooleanField(default=False, help_text="Callers hear this menu first.")
    greeting = models.CharField(
        max_length=500,
        help_text="Said before the options; {centre} is the centre's name (CALL_CENTRE_NAME).",
    )
    language = models.CharField(max_length=10, default="en-US")
    voice_style = models.PositiveSmallIntegerField(default=0)
    input_timeout_seconds = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    no_input_retries = models.PositiveSmallIntegerField(default=2)
    invalid_input_retries = models.PositiveSmallIntegerField(default=2)
    business_hours = models.ForeignKey(
        BusinessHours, on_delete=models.SET_NULL, null=True, blank=True, related_name="menus"
    )
    closed_action = models.CharField(
        max_length=10, choices=FallbackAction.choices, default=FallbackAction.VOICEMAIL
    )
    closed_message = models.CharField(max_length=300, blank=True)
    closed_queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vip_greeting = models.CharField(
        "VIP greeting",
        max_length=300,
        blank=True,
        help_text="For VIP callers; {name} is their name.",
    )
    vip_queue = models.ForeignKey(
        Queue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="VIP queue",
    )
    vip_priority_boost = models.PositiveSmallIntegerField("VIP priority boost", default=10)
    vip_skill = models.ForeignKey(
        Skill,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="VIP skill",
    )

    class Meta:
        verbose_name = "IVR menu"
        verbose_name_plural = "IVR menus"
        constraints = [
            models.UniqueConstraint(
                fields=["is_entry"],
                condition=models.Q(is_entry=True),
                name="one_entry_menu",
                violation_error_message="Another menu is already the entry menu: "
                "untick 'Is entry' there first.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.closed_action in (FallbackAction.QUEUE, FallbackAction.CALLBACK):
            if self.closed_queue_id is None:
                errors["closed_queue"] = (
                    "Choose the queue that takes these callers (or their callbacks) "
                    "while the menu is closed."
                )
        if (self.vip_skill_id is not None or self.vip_greeting) and self.vip_queue_id is None:
            errors["vip_queue"] = "Choose the queue VIP callers go to, or clear the VIP fields."
        if errors:
            raise ValidationError(errors)


class IvrOption(models.Model):
    class Action(models.TextChoices):
        QUEUE = "queue", "Go to a queue"
        SUBMENU = "submenu", "Go to another menu"
        VOICEMAIL = "voicemail", "Leave a voicemail"
        CALLBACK = "callback", "Ask for a callback"
        REPEAT = "repeat", "Repeat the menu"
        SELF_SERVICE = "self_service", "Self-service handler"

    menu = models.ForeignKey(IvrMenu, on_delete=models.CASCADE, related_name="options")
    digit = models.CharField(
        max_length=1, validators=[RegexValidator(r"^[0-9*#]$", "A key is 0-9, * or #.")]
    )
    keywords = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated words a caller may say instead."
    )
    prompt = models.CharField(max_length=120, help_text="e.g. 'For billing'")
    action = models.CharField(max_length=15, choices=Action.choices)
    queue = models.ForeignKey(
        Queue, on_delete=models.CASCADE, null=True, blank=True, related_name="ivr_options"
    )
    submenu = models.ForeignKey(
        IvrMenu, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    handler = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "IVR option"
        verbose_name_plural = "IVR options"
        ordering = ["menu", "digit"]
        constraints = [
            models.UniqueConstraint(
                fields=["menu", "digit"],
                name="unique_menu_digit",
                violation_error_message="Each key can lead to one option only in a menu.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.digit}: {self.prompt}"

    def clean(self) -> None:
        if self.action in (self.Action.QUEUE, self.Action.CALLBACK) and self.queue_id is None:
            raise ValidationError({"queue": "Choose the queue this option leads to."})
        if self.action == self.Action.SUBMENU and self.submenu_id is None:
            raise ValidationError({"submenu": "Choose the menu this option leads to."})
        if self.action == self.Action.SELF_SERVICE and not self.handler:
            raise ValidationError({"handler": "Choose the self-service handler."})


class Task(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        OFFERED = "offered", "Offered"
        ASSIGNED = "assigned", "Assigned"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"
        OVERFLOWED = "overflowed", "Overflowed"
        CANCELLED = "cancelled", "Cancelled"
        TIMED_OUT = "timed_out", "Timed out"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="tasks"
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tasks")
    channel = models.CharField(max_length=20)
    priority = models.IntegerField(default=0)
    attributes = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    is_callback = models.BooleanField(default=False)
    callback_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(help_text="Entered the queue: the FIFO order.")
    offered_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Abandoned, overflowed, cancelled or timed out."
    )
    last_announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                models.F("priority").desc(),
                "queued_at",
                "id",
                condition=models.Q(state="queued"),
                name="task_waiting_order",
            ),
            models.Index(fields=["conversation", "state"], name="task_conversation_state"),
            models.Index(fields=["queue", "state"], name="task_queue_state"),
        ]

    def __str__(self) -> str:
        return f"Task {self.pk} ({self.state})"

    @property
    def customer_number(self) -> str:
        """Who the contact is with: the number to call back, or the one they came from."""
        return self.callback_number or self.conversation.from_address


class TaskSkillGroup(models.Model):
    """One way to be eligible for a task: have every skill in the group."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="skill_groups")
    source_queue = models.ForeignKey(
        Queue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Skills of task {self.task_id} from {self.source_queue_id}"


class TaskSkill(models.Model):
    group = models.ForeignKey(TaskSkillGroup, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_proficiency = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "skill"], name="unique_task_skill")]

    def __str__(self) -> str:
        return f"{self.skill_id} >= {self.min_proficiency}"


class Offer(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        TIMED_OUT = "timed_out", "Timed out"
        CANCELLED = "cancelled", "Cancelled"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="offers")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(state="pending"),
                name="one_pending_offer_per_task",
            )
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=models.Q(state="pending"), name="offer_expiry"
            ),
            models.Index(fields=["agent", "state"], name="offer_agent_state"),
        ]

    def __str__(self) -> str:
        return f"Offer of task {self.task_id} to {self.agent_id} ({self.state})"
