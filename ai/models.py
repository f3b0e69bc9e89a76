"""The language side of a contact: intents and the classifier trained from them, sentiment of
what was said, agent assist (rules, articles, the suggestions made), the after-call summary."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

# At least this many example phrases per intent: fewer cannot be told apart reliably.
MIN_EXAMPLES = 3


def phrases_of(text: str) -> list[str]:
    """One phrase a line; blank lines and surrounding spaces ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Intent(models.Model):
    name = models.CharField(
        max_length=60,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z][A-Z0-9_]*$", "Capitals, digits and _, e.g. BILLING_DISPUTE.")
        ],
    )
    label = models.CharField(max_length=80, help_text="What agents see, e.g. 'Billing dispute'.")
    examples = models.TextField(
        help_text=f"Phrases callers say for this intent, one a line (at least {MIN_EXAMPLES})."
    )
    queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Callers with this intent wait here. Without one the intent is recorded "
        "but the caller hears the keypad options.",
    )
    skill = models.ForeignKey(
        "routing.Skill",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A skill the agent must also have (besides the queue's).",
    )
    min_proficiency = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    priority_boost = models.PositiveSmallIntegerField(default=0)
    threshold = models.FloatField(
        "confidence threshold",
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Route by this intent only when the classifier is at least this sure (0-1).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label or self.name

    def clean(self) -> None:
        if self.is_active and len(phrases_of(self.examples)) < MIN_EXAMPLES:
            raise ValidationError(
                {"examples": f"Give at least {MIN_EXAMPLES} example phrases, one a line."}
            )
        if self.skill_id is not None and self.queue_id is None:
            raise ValidationError({"queue": "Choose the queue these callers wait in."})


class IntentModel(models.Model):
    """A trained classifier (ai.classifier): the newest is the one every process uses."""

    created_at = models.DateTimeField(auto_now_add=True)
    intents = models.JSONField(help_text="The intent names it was trained on.")
    examples = models.PositiveIntegerField(help_text="How many phrases it was trained on.")
    library_version = models.CharField(max_length=20)
    training_seconds = models.FloatField()
    # The fitted scikit-learn pipeline, pickled. Written only by ai.services.intents_train.
    pipeline = models.BinaryField()

    class Meta:
        ordering = ["-pk"]
        verbose_name = "trained intent model"

    def __str__(self) -> str:
        return f"Model {self.pk} ({len(self.intents)} intents, {self.examples} phrases)"


class KnowledgeArticle(models.Model):
    title = models.CharField(max_length=200)
    url = models.URLField("link", blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class AssistRule(models.Model):
    """When a contact matches every condition set here, its agent is offered the suggestion."""

    class Kind(models.TextChoices):
        ACTION = "action", "Next action"
        REPLY = "reply", "Suggested reply"

    name = models.CharField(max_length=80, unique=True)
    intent = models.ForeignKey(
        Intent, on_delete=models.CASCADE, null=True, blank=True, related_name="assist_rules"
    )
    keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text="Comma-separated words or phrases; any one said or written matches.",
    )
    sentiment_at_most = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-1.0), MaxValueValidator(1.0)],
        help_text="Matches when the conversation's running sentiment is at or below this "
        "(-1 very negative .. 1 very positive; -0.05 and below is negative).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACTION)
    text = models.CharField(max_length=300, help_text="What the agent is told or may say.")
    article = models.ForeignKey(
        KnowledgeArticle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.intent_id is None and not self.keywords.strip() and self.sentiment_at_most is None:
            raise ValidationError("Set at least one condition: an intent, keywords or a sentiment.")

    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class Suggestion(models.Model):
    """A rule's suggestion on one contact, and what the agent did with it (for reports)."""

    class State(models.TextChoices):
        SHOWN = "shown", "Shown"
        USED = "used", "Used"
        DISMISSED = "dismissed", "Dismissed"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="suggestions"
    )
    rule = models.ForeignKey(
        AssistRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    kind = models.CharField(max_length=10, choices=AssistRule.Kind.choices)
    text = models.CharField(max_length=300)
    article_title = models.CharField(max_length=200, blank=True)
    article_url = models.URLField(blank=True)
    because = models.CharField(max_length=200, blank=True, help_text="What matched.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SHOWN)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conversation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "rule"], name="one_suggestion_per_rule_and_contact"
            )
        ]

    def __str__(self) -> str:
        return self.text


class Utterance(models.Model):
    """One thing said or written in a contact, with its sentiment."""

    class Source(models.TextChoices):
        SPEECH = "speech", "IVR speech"
        CHAT = "chat", "Chat message"
        TRANSCRIPT = "transcript", "Live transcript"

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="utterances"
    )
    speaker = models.CharField(max_length=20)
    source = models.CharField(max_length=12, choices=Source.choices)
    text = models.TextField()
    sentiment = models.FloatField(help_text="VADER compound score, -1..1.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "pk"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]}"


class CallSummary(models.Model):
    """What the post-call pipeline keeps of a contact's words (ai.summary)."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="ai_summary"
    )
    transcript = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    sentiment_average = models.FloatField(null=True, blank=True)
    sentiment_lowest = models.FloatField(null=True, blank=True)
    sentiment_last = models.FloatField(null=True, blank=True)
    sentiment_label = models.CharField(max_length=10, blank=True)
    crm_written_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "call summaries"

    def __str__(self) -> str:
        return f"Summary of {self.conversation_id}"
