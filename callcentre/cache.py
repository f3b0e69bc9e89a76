"""Django's Redis cache backend, keeping its redis clients instead of building one per call.

Django's RedisCacheClient makes a new `redis.Redis` for every cache operation, and each
one builds its table of response callbacks: about 0.07 ms, a third of the replay check every
signed webhook makes (callcentre.vonage.signing). A `redis.Redis` is thread-safe and only
wraps the connection pool, so one per pool serves every call.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache.backends import redis as django_redis
from redis import ConnectionPool, Redis


class RedisCacheClient(django_redis.RedisCacheClient):
    # Django's own (private, so not in django-stubs) members this class builds on.
    _client: Callable[..., Redis]
    _get_connection_pool: Callable[[bool], ConnectionPool]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[ConnectionPool, Redis] = {}

    def get_client(
        self, key: str | bytes | memoryview | None = None, *, write: bool = False
    ) -> Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
