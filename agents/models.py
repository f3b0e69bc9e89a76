from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Agent(models.Model):
    class Status(models.TextChoices):
        OFFLINE = "offline", "Offline"
        AVAILABLE = "available", "Available"
        BUSY = "busy", "Busy"
        WRAP_UP = "wrap_up", "Wrap-up"
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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    skills = models.ManyToManyField("routing.Skill", through="AgentSkill", related_name="agents")

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


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
