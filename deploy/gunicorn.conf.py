"""Gunicorn settings for the WSGI workers (HTTP pages, API, Vonage webhooks).

Run as: gunicorn --config deploy/gunicorn.conf.py callcentre.wsgi
Environment: PORT (8000), WEB_CONCURRENCY (2 * cores + 1), GUNICORN_TIMEOUT (30),
GUNICORN_MAX_REQUESTS (0: workers are not recycled), GUNICORN_PRELOAD (1),
GUNICORN_ACCESS_LOG (off; 1 logs requests to stdout), GUNICORN_LOG_LEVEL (info).
"""

import os


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return value in {"1", "true", "yes", "on"} if value else default


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours a container's cpuset
    except AttributeError:
        return os.cpu_count() or 1


bind = f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2 * _cores() + 1)
worker_class = "sync"  # nginx in front buffers slow clients; websockets go to the ASGI service

# Workers are not recycled by default. Recycling every 1,000 requests cost more than anything
# else in serving (docs/benchmarks.md): a worker reloading Django takes ~1.6 s of CPU, workers
# reached the limit together, and the p99 of every phase went to seconds. No leak has been
# seen; if one appears, set GUNICORN_MAX_REQUESTS (tens of thousands), the jitter spreads it.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0

# Load Django (and the URLconf, below) once in the master: a worker forks ready to serve, so a
# restarted or recycled worker costs milliseconds instead of a second and a half of CPU, and
# the workers share the loaded code's memory. Nothing opens a connection or a thread at import
# time (database connections, the CRM pool and the realtime publisher start lazily in each
# worker). The price: `kill -HUP` does not load new code; deploy by restarting the service.
preload_app = _bool("GUNICORN_PRELOAD", True)


def when_ready(server: object) -> None:
    """With preload_app, import the URLconf in the master too (0.6 s per worker otherwise)."""
    if preload_app:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports every view module once


# Webhooks answer in under 3 s by design; 30 s only bounds a stuck worker.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 2

# nginx (the only client) sets X-Forwarded-*; the container network is private.
forwarded_allow_ips = "*"

accesslog = (
    "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"} else None
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Heartbeat files on tmpfs: a worker is not killed because an overlay disk is slow.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's management socket (gunicornc) is not used here; it would warn when $HOME is read-only.
control_socket_disable = True
