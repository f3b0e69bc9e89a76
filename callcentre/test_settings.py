"""Settings for the test suite: the real settings with fast, isolated local parts."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("VONAGE_SIGNATURE_SECRET", "test-signature-secret-of-at-least-32-bytes")
os.environ.setdefault("VONAGE_API_KEY", "testkey")


def redis_url_for_worker(url: str, worker: str) -> str:
    """REDIS_URL for one pytest-xdist worker (gw0, gw1, ...): the base database number plus the
    worker's, so channel groups, Celery queues and cache keys of one worker never reach another's
    (their PostgreSQL databases are apart already: pytest-django names them test_<name>_gwN)."""
    base, _, number = url.rstrip("/").rpartition("/")
    if not number.isdigit():  # redis://host:port with no database: database 0
        base, number = url.rstrip("/"), "0"
    return f"{base}/{int(number) + int(worker.removeprefix('gw'))}"


# Set in the environment, not only in settings: the processes tests start (a Celery worker, the
# servers) read REDIS_URL from the environment they inherit.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

from callcentre.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CELERY_TASK_ALWAYS_EAGER = True
SPOOL_DIR = Path(tempfile.mkdtemp(prefix="callcentre-spool-"))
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="callcentre-media-"))
PUBLIC_URL = "https://centre.example.com"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="callcentre-static-"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not SQLite's in-memory database, so tests can really take the database away.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.mkdtemp()) / "test.sqlite3")}  # noqa: F405
