"""The Redis channel layer, with one repair to channels_redis's.

A websocket's consumer waits for its channel's next message in a task that is cancelled when
the socket closes. redis-py can lose that cancellation when it lands on a blocking pop at the
wrong moment (redis/redis-py#2028): the task goes on popping, every 5 s, for as long as the
process lives, and keeps the server from stopping gracefully. Until the socket timeout was
raised above the pop (docs/architecture.md, "Redis timeouts") a read timeout ended such a task
by accident; now this layer ends it: after each pop, a task that was asked to stop stops.
"""

import asyncio

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer


class RedisChannelLayer(BaseRedisChannelLayer):
    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> bytes | None:
        member = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # A popped message stays in the backup queue, and the next pop puts it back.
            raise asyncio.CancelledError
        return member
