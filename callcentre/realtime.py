"""Publishing to websocket groups: the one helper services use, always after commit.

Payloads are plain JSON with a `type`; a screen renders current state over
HTTP and then applies the events it receives.

`publish` never blocks its caller on the channel layer and never raises into
it. With a networked layer (Redis) each process keeps one event loop in a
background thread, started on first use in that process (so after a server
or Celery forks), and the layer keeps its connection pool on that loop:
`async_to_sync` would build a new loop, and so a new Redis connection, for
every message (about 3-4 ms per offer, docs/benchmarks.md). Messages go
out one at a time in the order they were published; when MAX_PENDING are
waiting (the layer is down or slow), new ones are dropped and logged. A message
published with `coalesce=True` (one that says only "read again") is not queued
while the same one still waits to go out, and goes out at most every
COALESCE_GAP_SECONDS: a burst becomes one message, sent after its last change. At
interpreter exit what is pending gets up to EXIT_FLUSH_SECONDS to go out.
The in-memory layer (tests, a single dev process) lives in its consumers'
event loop, so it is sent to directly, as before.
"""

import asyncio
import atexit
import logging
import os
import threading
from typing import Any, TypeAlias

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MAX_PENDING = 10_000
EXIT_FLUSH_SECONDS = 2.0
COALESCE_GAP_SECONDS = 0.25

# A coalescing message's (group, event type).
CoalesceKey: TypeAlias = tuple[str, str]
# What the background loop sends: (layer, group, message, coalescing key or None).
Item: TypeAlias = tuple[BaseChannelLayer, str, dict[str, Any], CoalesceKey | None]


class Publisher:
    """One background event loop per process that sends group messages one after another."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.pid: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[Item] | None = None
        self.pending = 0
        self.dropped = 0
        # (group, event type) of the coalescing messages waiting to go out, and when (loop
        # time) each last went out.
        self.waiting: set[CoalesceKey] = set()
        self.last_sent: dict[CoalesceKey, float] = {}

    def submit(
        self,
        layer: BaseChannelLayer,
        group: str,
        message: dict[str, Any],
        *,
        coalesce: bool = False,
    ) -> None:
        key = (group, message["event"]["type"]) if coalesce else None
        with self.lock:
            if key is not None and key in self.waiting:
                return  # the one waiting says the same
            if self.pending >= MAX_PENDING:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    logger.error(
                        "channel layer backlog: %s messages dropped (the latest to %s)",
                        self.dropped,
                        group,
                    )
                return
            loop, queue = self.started()
            self.pending += 1
            if key is not None:
                self.waiting.add(key)
        item: Item = (layer, group, message, key)
        if key is None:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        else:
            loop.call_soon_threadsafe(self.queue_after_gap, item, key)

    def queue_after_gap(self, item: Item, key: CoalesceKey) -> None:
        """(In the loop.) Queue a coalescing message once its gap since the last is over."""
        loop, queue = self.running()
        delay = self.last_sent.get(key, -COALESCE_GAP_SECONDS) + COALESCE_GAP_SECONDS
        delay -= loop.time()
        if delay > 0:
            loop.call_later(delay, queue.put_nowait, item)
        else:
            queue.put_nowait(item)

    def started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Item]]:
        """This process's loop (a forked child starts its own: the parent's thread is gone)."""
        if self.pid != os.getpid():
            loop = asyncio.new_event_loop()
            queue: asyncio.Queue[Item] = asyncio.Queue()
            loop.create_task(self.send_each(queue))
            threading.Thread(
                target=loop.run_forever, name="realtime-publisher", daemon=True
            ).start()
            self.pid, self.loop, self.queue, self.pending, self.dropped = (
                os.getpid(),
                loop,
                queue,
                0,
                0,
            )
            self.waiting, self.last_sent = set(), {}
        return self.running()

    def running(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Item]]:
        """The loop and queue `started` made in this process."""
        if self.loop is None or self.queue is None:
            raise RuntimeError("the publisher's loop has not been started")
        return self.loop, self.queue

    async def send_each(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            layer, group, message, key = await queue.get()
            if key is not None:
                self.last_sent[key] = asyncio.get_running_loop().time()
                with self.lock:
                    # From now on a new change needs a new message: this one may be read
                    # before that change is committed.
                    self.waiting.discard(key)
            try:
                await layer.group_send(group, message)
            except Exception:
                logger.exception("could not publish %s to %s", message["event"]["type"], group)
            with self.lock:
                self.pending -= 1
                if self.pending == 0:
                    self.idle.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until every message published so far went out (or failed). False on timeout."""
        with self.lock:
            if self.pid != os.getpid():
                return True
            return self.idle.wait_for(lambda: self.pending == 0, timeout=timeout)


publisher = Publisher()


@atexit.register
def flush_at_exit() -> None:
    if not publisher.flush(EXIT_FLUSH_SECONDS):
        logger.warning("exiting with %s websocket messages unsent", publisher.pending)


def publish(
    group: str, event_type: str, payload: dict[str, Any], *, coalesce: bool = False
) -> None:
    """Send to a group; a broken channel layer is logged, never raised into the caller.

    `coalesce`: the message only says "read again" (no payload of its own), so it need
    not be sent again while the same one waits to go out.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "publish", "event": {"type": event_type, **payload}}
    try:
        if isinstance(layer, InMemoryChannelLayer):
            async_to_sync(layer.group_send)(group, message)
        else:
            publisher.submit(layer, group, message, coalesce=coalesce)
    except Exception:
        logger.exception("could not publish %s to %s", event_type, group)


# Group names: the one place each screen's group is named (consumers join them, services
# publish to them).

SUPERVISORS_GROUP = "supervisors"  # every supervisor's live dashboard (/ws/supervisor/)


def agent_group(agent_id: int) -> str:
    """One agent's desktop (/ws/agent/): their offers, contacts and presence."""
    return f"agent-{agent_id}"


# The screens' "read again" events, published after commit.


def agent_changed_later(agent_id: int | None) -> None:
    """Tell the agent's desktop and the supervisors' boards, after commit, that the agent's
    presence or work moved.

    The screens then read their state again (desktop.api.AgentMeApi, reports.api): the
    event says that something changed, the API says what is true now.
    """
    if agent_id is None:
        return
    transaction.on_commit(
        lambda: publish(agent_group(agent_id), "agent.changed", {"agent_id": agent_id})
    )
    board_changed_later()


def board_changed_later() -> None:
    """Tell the supervisors' boards, after commit, that a queue or an agent moved."""
    transaction.on_commit(lambda: publish(SUPERVISORS_GROUP, "board.changed", {}, coalesce=True))
