"""Routing configuration: skills and queues.

The IVR menu is built from the queues that have a menu digit (issue 4 turns
this into full IVR menus, escalation and overflow).
"""

from django.core.validators import RegexValidator
from django.db import models


class Skill(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    name = models.CharField(max_length=80, unique=True)
    menu_digit = models.CharField(
        max_length=1,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(r"^[0-9]$", "A menu digit is a single key from 0 to 9.")],
        help_text="The key a caller presses in the main menu to reach this queue.",
    )
    menu_prompt = models.CharField(
        max_length=120, blank=True, help_text="What the menu says, e.g. 'For billing'."
    )
    priority = models.PositiveSmallIntegerField(default=0)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="queues")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["menu_digit", "name"]

    def __str__(self) -> str:
        return self.name
