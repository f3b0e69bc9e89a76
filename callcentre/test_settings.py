"""Settings for the test suite: the real settings with fast, isolated local parts."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("VONAGE_SIGNATURE_SECRET", "test-signature-secret-of-at-least-32-bytes")
os.environ.setdefault("VONAGE_API_KEY", "testkey")

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
