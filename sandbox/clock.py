"""Call time: every duration the sandbox plays is divided by a speed factor.

A call's clock runs `speed` times faster than the wall clock, so its timestamps, durations
and prices look like the real call's while a test waits a fraction of the time.

With `wall_timestamps` the clock still plays everything `speed` times faster, but the times it
reports (webhook timestamps, start and end times, hence durations) are the wall clock's: the
project's own timers (wrap-up, offer timeouts) run on the wall clock, and a call time that runs
ahead of it would put them in the future. Load mode uses it.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, *, speed: float = 1.0, wall_timestamps: bool = False) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self.wall_timestamps = wall_timestamps
        self._origin_wall = datetime.now(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        """Call time: the wall clock at the start, then advancing `speed` times faster."""
        if self.wall_timestamps:
            return datetime.now(UTC)
        elapsed = (time.monotonic() - self._origin) * self.speed
        return self._origin_wall + timedelta(seconds=elapsed)

    def elapsed(self) -> float:
        """Call seconds since the clock started."""
        return (time.monotonic() - self._origin) * self.speed

    def real_seconds(self, call_seconds: float) -> float:
        return max(0.0, call_seconds) / self.speed

    async def sleep(self, call_seconds: float) -> None:
        await asyncio.sleep(self.real_seconds(call_seconds))


def iso_timestamp(moment: datetime) -> str:
    """Vonage's webhook timestamps: ISO 8601 UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rest_timestamp(moment: datetime) -> str:
    """The Voice REST API's call times: `YYYY-MM-DD HH:MM:SS` (CONTRACT §5)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
