"""A real Celery worker process for the tests that need one (Redis broker, PostgreSQL)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def worker_environment(**extra: str) -> dict:
    """The worker's environment: this test's database and broker, tasks not eager."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL (the broker) and PostgreSQL shared with the worker process")
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "callcentre.settings",
        "SECRET_KEY": "worker-test-secret-key",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}"
            f":{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra,
    }


@contextmanager
def running_worker(environment: dict) -> Iterator[subprocess.Popen]:
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "callcentre",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=10)
