"""The Redis cache backend (callcentre.cache) against the real Redis."""

import threading
import uuid

import pytest
from django.core.cache import caches

from callcentre.cache import RedisCache


@pytest.fixture
def redis_cache(settings) -> RedisCache:
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    return backend


def in_another_thread(action):  # noqa: ANN001, ANN201 - Django gives each thread its own cache
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=action(caches["default"])))
    thread.start()
    thread.join()
    return result["value"]


def test_a_key_added_by_one_worker_is_refused_to_another_and_read_by_it(redis_cache):
    key = f"test-cache:{uuid.uuid4()}"

    assert redis_cache.add(key, "first", timeout=30) is True
    assert in_another_thread(lambda other: other is not redis_cache) is True
    assert in_another_thread(lambda other: other.add(key, "second", timeout=30)) is False
    assert in_another_thread(lambda other: other.get(key)) == "first"
    assert redis_cache.add(key, "again", timeout=30) is False
    redis_cache.delete(key)
    assert redis_cache.get(key) is None
