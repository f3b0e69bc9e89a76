"""The engine's work: tasks (a contact waiting for, or held by, an agent), the skills
they need, and the offers made to agents."""

from django.db import models

from routing.models.queues import Queue, Skill

# The channel of a voicemail's task (routing.voicemail): work for a queue's agents, not a
# caller on the line (never a queue's waiting caller, never overflowed at its maximum wait).
VOICEMAIL_CHANNEL = "voicemail"


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
        """Who the contact is with: the number to call back, the one they came from, or the
        one an agent called (routing.outbound)."""
        if self.conversation.direction == "outbound":
            return self.conversation.to_address
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
