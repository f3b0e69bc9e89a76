"""Gunicorn settings for the WSGI workers (HTTP pages, API, Vonage webhooks).

Run as: gunicorn --config deploy/gunicorn.conf.py callcentre.wsgi
Environment: PORT (8000), WEB_CONCURRENCY (2 * cores + 1), GUNICORN_TIMEOUT (30),
GUNICORN_MAX_REQUESTS (1000), GUNICORN_ACCESS_LOG (off; 1 logs requests to stdout),
GUNICORN_LOG_LEVEL (info).
"""

import os


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

# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10)

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
