"""IVR menus and their options (routing.ivr decides with them)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from routing.models.queues import BusinessHours, FallbackAction, Queue, Skill


class IvrMenu(models.Model):
    name = models.CharField(max_length=80, unique=True)
    is_entry = models.BooleanField(default=False, help_text="Callers hear this menu first.")
    greeting = models.CharField(
        max_length=500,
        help_text="Said before the options; {centre} is the centre's name (CALL_CENTRE_NAME).",
    )
    intent_question = models.CharField(
        max_length=200,
        blank=True,
        help_text="Asked before the options, e.g. 'How can we help you today?': the caller's "
        "words are matched to an intent (ai), which routes the call when it is sure enough; "
        "otherwise the caller hears the keypad options.",
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
