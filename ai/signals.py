"""Invalidation only: an edit to an intent retrains the classifier (ai.services).

Intents are edited in the admin, fixtures, shells and `load_demo`, so a signal is the one
place that sees every save and delete (as routing.signals does for the IVR menus).
QuerySet.update() and bulk_create() send none: such code calls
ai.services.intents_changed() itself.
"""

from django.db.models.signals import post_delete, post_save

from ai import services
from ai.models import Intent


def intent_edited(**kwargs: object) -> None:
    services.intents_changed()


def connect() -> None:
    post_save.connect(intent_edited, sender=Intent, dispatch_uid="ai-intent-save")
    post_delete.connect(intent_edited, sender=Intent, dispatch_uid="ai-intent-delete")
