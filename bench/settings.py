"""Settings for bench/webhooks.py: the production settings plus the two bare views.

Everything else (middleware, database, cache, logging) is what production runs with,
configured by the same environment variables.
"""

from callcentre.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The bare select-and-insert view writes to a table of its own (created by migrate --run-syncdb).
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
# Cache keys (the webhook replay guard's jti keys) under a prefix the benchmark owns and deletes.
CACHES["default"]["KEY_PREFIX"] = "bench-webhooks"  # noqa: F405
