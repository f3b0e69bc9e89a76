"""What the console shows under `make run` (DEBUG on): each line once, no routine task chatter.

Each case configures logging in a fresh process, as the development server does.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import logging
import django

django.setup()
logging.getLogger("django.channels.server").info("HTTP GET /probe 200")
logging.getLogger("django.request").warning("Not Found: /probe")
# The sandbox's webhook to the project: its own line, and httpx's line for the same request.
logging.getLogger("sandbox.webhooks").info("POST /webhooks/probe -> 204")
logging.getLogger("httpx").info("HTTP Request: POST /webhooks/probe 204")
logging.getLogger("celery.app.trace").info("Task probe succeeded")
logging.getLogger("celery.app.trace").error("Task probe failed")
"""


def console(**variables: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "callcentre.settings",
        "SECRET_KEY": "a-secret-key-for-this-test",
        "DEBUG": "1",
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_each_request_and_warning_is_printed_once():
    output = console()

    assert output.count("HTTP GET /probe 200") == 1
    assert output.count("Not Found: /probe") == 1
    assert output.count("/webhooks/probe") == 1


def test_task_successes_are_quiet_by_default_and_failures_are_not():
    output = console()

    assert "Task probe succeeded" not in output
    assert output.count("Task probe failed") == 1


def test_log_tasks_shows_each_task_success():
    output = console(LOG_TASKS="1")

    assert output.count("Task probe succeeded") == 1
    assert output.count("Task probe failed") == 1
