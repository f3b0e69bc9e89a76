"""The Celery application. Configuration lives in settings (CELERY_* names)."""

import logging
import os
import threading

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcentre.settings")

logger = logging.getLogger(__name__)

app = Celery("callcentre")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


TASKS_IMPORT_LOCK = threading.Lock()


def enqueue(
    name: str,
    *args: object,
    countdown: float | None = None,
    run_here_if_broker_down: bool = False,
) -> None:
    """Queue the Celery task registered as `name` (run inline where CELERY_TASK_ALWAYS_EAGER).

    Services enqueue by name, so they never import the tasks modules that call back into
    them. A process that has not imported the tasks modules yet (a web worker) imports them
    the way a Celery worker does, through autodiscovery.

    `countdown`: run it that many seconds from now (at once where tasks run inline).
    `run_here_if_broker_down`: when the broker cannot take the task, run it in this process
    instead of raising (for work that must not wait for the broker, such as ringing the
    agent who just accepted a call).
    """
    if name not in app.tasks:
        # One thread imports them; another asking meanwhile waits for the whole registry
        # (without the lock it may find the task not registered yet).
        with TASKS_IMPORT_LOCK:
            app.loader.import_default_modules()
    task = app.tasks[name]
    if not run_here_if_broker_down:
        task.apply_async(args, countdown=countdown or 0)
        return
    try:
        task.apply_async(args, countdown=countdown or 0)
    except Exception:
        logger.warning("the broker did not take %s%r: running it here", name, args, exc_info=True)
        task.apply(args=args)
