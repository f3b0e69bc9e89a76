"""Cache invalidation only: an edit to the IVR menu tree tells routing.selectors' menu cache.

The models are edited from the admin (and fixtures, shells, migrations), so a signal is the
one place that sees every save and delete; no routing logic lives here.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from routing import selectors
from routing.models import BusinessHours, Holiday, IvrMenu, IvrOption, OpeningPeriod, Queue, Skill

# Everything selectors.menus_for_ivr() loads.
MENU_TREE_MODELS = (IvrMenu, IvrOption, Queue, BusinessHours, OpeningPeriod, Holiday, Skill)


def menu_tree_edited(**kwargs: object) -> None:
    # This process at once (its own transaction sees the edit), every process after commit.
    selectors.menu_cache.clear()
    transaction.on_commit(selectors.menu_tree_changed)


def connect() -> None:
    for model in MENU_TREE_MODELS:
        post_save.connect(menu_tree_edited, sender=model, dispatch_uid=f"menu-tree-save-{model}")
        post_delete.connect(
            menu_tree_edited, sender=model, dispatch_uid=f"menu-tree-delete-{model}"
        )
