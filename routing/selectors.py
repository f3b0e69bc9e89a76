from routing.models import Queue


def menu_queues() -> list[Queue]:
    """The queues a caller can pick in the main menu, in key order."""
    return list(
        Queue.objects.filter(is_active=True, menu_digit__isnull=False).order_by("menu_digit")
    )
