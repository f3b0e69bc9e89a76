"""The omnichannel core, after the Vonage Conversation API data model.

A Conversation holds Members (the customer, agents, bots), the Events that
happened in it (raw webhook payloads, stored first) and, for the chat
channels, Messages. Every channel becomes a Conversation.
"""

from django.db import models

# Call control's record, a model kept in a module of its own.
from conversations.steps import CallStep, PlacedLegConversation  # noqa: F401


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    MESSENGER = "messenger", "Messenger"
    VIBER = "viber", "Viber"
    WEBCHAT = "webchat", "Web chat"


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    is_vip = models.BooleanField("VIP", default=False)
    account_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    crm_id = models.CharField("external CRM id", max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or f"Customer {self.pk}"


class CustomerHandle(models.Model):
    """One way to reach a customer: a phone number, an email, a Messenger id..."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone number"
        EMAIL = "email", "Email"
        MESSENGER = "messenger", "Messenger id"
        VIBER = "viber", "Viber id"
        WEBCHAT = "webchat", "Web chat visitor"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="handles")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=200, help_text="E.164 digits without '+' for phones")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="unique_customer_handle")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Conversation(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    vonage_uuid = models.CharField(
        "Vonage conversation uuid", max_length=64, null=True, blank=True, unique=True
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    from_address = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=200, blank=True)
    # The IVR path, the menu choice, the intent: what routing needs to know.
    attributes = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    intent = models.CharField(max_length=60, blank=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField(
        null=True, blank=True, help_text="Running VADER compound score, -1..1."
    )
    # The agent's wrap-up of the contact (workspace.wrap_up): the disposition code, notes,
    # a follow-up date, and when it was saved, that many seconds after the contact ended.
    disposition = models.CharField(max_length=40, blank=True)
    wrap_up_notes = models.TextField("notes", blank=True)
    follow_up_on = models.DateField("follow up on", null=True, blank=True)
    wrapped_up_at = models.DateTimeField(null=True, blank=True)
    wrap_up_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "started_at"], name="conversation_state_started")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.vonage_uuid or f"{self.channel} conversation {self.pk}"


class Member(models.Model):
    """A participant: the customer, an agent or a bot, with its voice leg when it has one."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        BOT = "bot", "Bot"
        EXTERNAL = "external", "External party"

    class State(models.TextChoices):
        INVITED = "invited", "Invited"
        JOINED = "joined", "Joined"
        LEFT = "left", "Left"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.INVITED)
    leg_uuid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The voice leg's status (conversations.call_states) and what Vonage reported about it.
    call_status = models.CharField(max_length=20, blank=True)
    call_status_detail = models.CharField(max_length=40, blank=True)
    machine_detection = models.CharField(max_length=10, blank=True)
    from_address = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=200, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    rate = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    network = models.CharField(max_length=40, blank=True)
    disconnected_by = models.CharField(max_length=20, blank=True)
    # Muted through the Voice API (an agent's desktop): Vonage sends no event for it.
    is_muted = models.BooleanField("muted", default=False)

    def __str__(self) -> str:
        return f"{self.kind} {self.leg_uuid or self.pk}"


class Event(models.Model):
    """A webhook payload exactly as received, stored before anything acts on it."""

    class Kind(models.TextChoices):
        ANSWER = "answer", "Answer"
        STATUS = "status", "Call status"
        INPUT = "input", "Input"
        RECORD = "record", "Recording"
        TRANSFER = "transfer", "Transfer"
        NOTIFY = "notify", "Notify"
        ERROR = "error", "Error"
        MESSAGE = "message", "Message"
        UNKNOWN = "unknown", "Unknown"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=20, blank=True)
    leg_uuid = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    # Vonage events carry no id: this key (see conversations.events) makes redelivery a no-op.
    dedupe_key = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    # The NCCO we answered with, when the event asked for one (input): a redelivery gets the same.
    response = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}".strip()


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    vonage_message_uuid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    message_type = models.CharField(max_length=20, default="text")
    text = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} message {self.pk}"


class Recording(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="recordings"
    )
    recording_uuid = models.CharField(max_length=64, unique=True)
    vonage_url = models.URLField(max_length=500)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Filled by the post-call pipeline when the file is copied to object storage.
    file = models.FileField(upload_to="recordings/%Y/%m/%d/", blank=True)

    def __str__(self) -> str:
        return self.recording_uuid


class TranscriptSegment(models.Model):
    """One final piece of a live transcript (speech.streams), as the engine heard it."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="transcript_segments"
    )
    speaker = models.CharField(max_length=20)  # "customer" | "agent" | "supervisor"
    started_at = models.FloatField(help_text="Seconds from the start of the stream.")
    ended_at = models.FloatField()
    text = models.TextField()
    confidence = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "started_at"]

    def __str__(self) -> str:
        return f"{self.speaker} {self.started_at:.1f}s: {self.text[:40]}"


class CustomerOutcome(models.Model):
    """What a contact came to, written back to the built-in CRM after it (conversations.crm)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="outcomes")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="crm_outcome"
    )
    outcome = models.CharField(max_length=20, blank=True)
    disposition = models.CharField(max_length=40, blank=True)
    intent = models.CharField(max_length=60, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    summary = models.TextField(blank=True)
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"{self.outcome or 'contact'} ({self.conversation_id})"
