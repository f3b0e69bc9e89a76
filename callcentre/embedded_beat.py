"""The periodic tasks for the embedded set-up (`make run`: no broker, no beat process).

Production runs `celery beat` beside the workers. With the embedded defaults Celery runs
tasks inline and nothing would ever run CELERY_BEAT_SCHEDULE: offers would never time
out, agents whose wrap-up ended would not be offered waiting calls, queues would not
announce, the reaper and the post-call sweep would not run. So when EMBEDDED_BEAT is on
(`make run` turns it on when no broker is configured), the development server's process
runs each entry inline on its schedule, in one daemon thread.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_started = threading.Event()


def run_due(schedule: dict[str, dict], last_run: dict[str, float], now: float) -> list[str]:
    """Run (inline) every entry whose interval has passed; returns the task names run."""
    from callcentre.celery import app

    app.loader.import_default_modules()  # the apps' tasks.py, as a worker loads them
    ran = []
    for name, entry in schedule.items():
        if now - last_run.get(name, float("-inf")) < float(entry["schedule"]):
            continue
        last_run[name] = now
        try:
            app.tasks[entry["task"]].apply()
        except Exception:
            logger.exception("embedded beat: %s failed", entry["task"])
        finally:
            close_old_connections()
        ran.append(entry["task"])
    return ran


def loop(tick_seconds: float = 1.0) -> None:
    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    last_run: dict[str, float] = {}
    while True:
        run_due(schedule, last_run, time.monotonic())
        time.sleep(tick_seconds)


def start() -> bool:
    """Start the thread once per process; False when it was already running."""
    if _started.is_set():
        return False
    _started.set()
    threading.Thread(target=loop, name="embedded-beat", daemon=True).start()
    logger.info(
        "embedded beat: running %s periodic tasks inline", len(settings.CELERY_BEAT_SCHEDULE)
    )
    return True
