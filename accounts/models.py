"""API tokens for scripts and the supervisor API, stored as hashes only."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A user's API token (`Authorization: Token <key>`). Only the key's SHA-256 is kept:
    the key is shown once, when it is created, and a lost key is replaced, not recovered."""

    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters, so an owner can tell their tokens apart in the admin.
    prefix = models.CharField(max_length=8, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
