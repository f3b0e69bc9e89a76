from django.db import models


class BareAnswer(models.Model):
    """What the bare answer view inserts: one row per request, like the answer webhook's rows."""

    customer_id = models.BigIntegerField(null=True)
    leg_uuid = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.leg_uuid
