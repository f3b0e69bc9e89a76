"""What every process keeps of data that is read often and edited rarely (the IVR menus, the
intent classifier), and forgets when another process says it changed.

A VersionedCache holds what this process loaded, valid for one version of the data. The
version lives in the shared cache under `version_key`; `changed()` (after the edit commits)
moves it and forgets here at once. Other processes look at the key at most once per
`check_seconds()` and forget what they loaded when it moved, so an edit reaches every process
within that time. If the cache is unreachable, what was loaded is kept for `check_seconds()`
only. Callers must not modify what they are given.
"""

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

Value = TypeVar("Value")


class VersionedCache(Generic[Value]):
    def __init__(self, *, version_key: str, check_seconds: Callable[[], float], what: str) -> None:
        self.version_key = version_key
        # A callable, so a test may change the module constant it reads.
        self.check_seconds = check_seconds
        self.what = what
        self.lock = threading.Lock()
        self.values: dict[Hashable, Value] = {}
        self.version: object = None
        self.checked_at = float("-inf")

    def get(self, key: Hashable, load: Callable[[], Value]) -> Value:
        self.revalidate()
        with self.lock:
            if key in self.values:
                return self.values[key]
            version = self.version
        value = load()
        with self.lock:
            if self.version == version:  # not invalidated while loading
                self.values[key] = value
        return value

    def revalidate(self) -> None:
        now = time.monotonic()
        if now - self.checked_at < self.check_seconds():
            return
        try:
            version = cache.get(self.version_key)  # None until the first edit: a version too
        except Exception:
            logger.warning(
                "cache unreachable: %s are re-read every %ss", self.what, self.check_seconds()
            )
            version = object()  # equal to nothing: forget what was loaded
        with self.lock:
            if version != self.version:
                self.values.clear()
                self.version = version
            self.checked_at = now

    def clear(self) -> None:
        """Forget here (the edit is not committed yet: other processes are told later)."""
        with self.lock:
            self.values.clear()
            self.version = object()
            self.checked_at = float("-inf")

    def changed(self) -> None:
        """The data was edited and committed: every process loads it again."""
        self.clear()
        try:
            cache.set(self.version_key, time.time_ns(), timeout=None)
        except Exception:
            logger.warning("cache unreachable: other processes may use old %s a while", self.what)
