"""GET /healthz: is each part this process depends on reachable?"""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from redis import Redis
from redis.exceptions import RedisError

from callcentre.celery import app as celery_app

TIMEOUT_SECONDS = 1


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # any failure means "down", with the reason
        return f"down: {error.__class__.__name__}"


def redis_state() -> str:
    if not settings.REDIS_URL:
        return "not configured (local memory)"
    try:
        Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
        ).ping()
        return "ok"
    except RedisError as error:
        return f"down: {error.__class__.__name__}"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "not configured (tasks run inline)"
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
        return "ok"
    except Exception as error:  # kombu raises several families of errors
        return f"down: {error.__class__.__name__}"


def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": database_state(), "redis": redis_state(), "broker": broker_state()}
    healthy = not any(state.startswith("down") for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **parts}, status=200 if healthy else 503
    )
