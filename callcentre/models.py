"""The project package's own table: the webhook tokens already seen (replay protection)."""

from django.db import models


class SeenWebhookToken(models.Model):
    """A signed webhook's `jti`, kept until its token could no longer be accepted anyway.

    In the database, so every process (gunicorn workers, servers) refuses a replay, with Redis
    up or down. Unlogged on PostgreSQL (migration 0002): no WAL, so an insert costs no disk
    flush; a crash of the server empties it, which lets a token seen in the last few minutes
    through once more after a database crash (documented in docs/architecture.md)."""

    jti_hash = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "callcentre_seen_webhook_token"

    def __str__(self) -> str:
        return f"{self.jti_hash[:12]}… until {self.expires_at:%Y-%m-%d %H:%M:%S}"
