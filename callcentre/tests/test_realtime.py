"""publish: what a service sends after commit reaches the group's sockets, and never hurts it."""

import asyncio
import logging
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from callcentre import realtime
from callcentre.realtime import publish


def redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on loopback")
    return url


@pytest.fixture
def redis_layer(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url()]},
        }
    }
    return get_channel_layer()


def listen(layer, group: str) -> str:
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def test_a_published_event_reaches_a_socket_in_the_group_with_the_in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    channel = listen(layer, "agent-7")

    publish("agent-7", "offer.created", {"offer_id": 3})

    assert async_to_sync(layer.receive)(channel) == {
        "type": "publish",
        "event": {"type": "offer.created", "offer_id": 3},
    }


def test_events_go_through_redis_in_order_on_one_connection_pool(redis_layer):
    group = f"agent-{uuid.uuid4().hex[:8]}"
    listener = type(redis_layer)(hosts=redis_layer.hosts)  # a socket in another process
    channel = listen(listener, group)

    for number in range(20):
        publish(group, "offer.created", {"offer_id": number})
    assert realtime.publisher.flush(5)

    async def receive_all() -> list[int]:
        return [(await listener.receive(channel))["event"]["offer_id"] for _ in range(20)]

    assert async_to_sync(receive_all)() == list(range(20))
    assert list(redis_layer._layers) == [realtime.publisher.loop]  # one loop, one pool


def test_a_broken_channel_layer_is_logged_and_never_raised(settings, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},  # nothing listens there
        }
    }

    with caplog.at_level(logging.ERROR, logger="callcentre.realtime"):
        publish("agent-1", "offer.created", {"offer_id": 1})  # returns at once
        assert realtime.publisher.flush(10)

    assert "could not publish offer.created to agent-1" in caplog.text


def test_a_burst_of_read_again_messages_goes_out_as_few_and_none_after_the_last_is_lost(
    redis_layer,
):
    group = f"supervisors-{uuid.uuid4().hex[:8]}"
    listener = type(redis_layer)(hosts=redis_layer.hosts)
    channel = listen(listener, group)

    for number in range(50):
        publish(group, "board.changed", {}, coalesce=True)
        publish(group, "offer.created", {"offer_id": number})  # never coalesced
    assert realtime.publisher.flush(5)
    publish(group, "board.changed", {}, coalesce=True)  # after the others went out
    assert realtime.publisher.flush(5)

    async def receive_until_quiet() -> list[str]:
        import asyncio

        received = []
        while True:
            try:
                message = await asyncio.wait_for(listener.receive(channel), timeout=0.5)
            except TimeoutError:
                return received
            received.append(message["event"]["type"])

    received = async_to_sync(receive_until_quiet)()
    assert received.count("offer.created") == 50
    assert 2 <= received.count("board.changed") < 50
    assert received[-1] == "board.changed"


def test_a_socket_idle_for_longer_than_the_layers_blocking_pop_still_gets_its_next_event(
    settings,
):
    if not settings.REDIS_URL:
        pytest.skip("the project's channel layer is Redis only with REDIS_URL")
    layer = get_channel_layer()
    group = f"agent-{uuid.uuid4().hex[:8]}"
    channel = listen(layer, group)

    async def receive_after_a_quiet_spell() -> dict:
        async def publish_later() -> None:
            await asyncio.sleep(layer.brpop_timeout + 1)  # past Redis's answer of "nothing"
            await layer.group_send(group, {"type": "publish", "event": {"type": "x"}})

        sender = asyncio.ensure_future(publish_later())
        message = await layer.receive(channel)
        await sender
        return message

    assert async_to_sync(receive_after_a_quiet_spell)()["event"] == {"type": "x"}


def test_a_consumers_receive_whose_cancellation_was_lost_still_stops_at_its_next_pop(settings):
    """redis-py can lose the cancellation of a blocking pop (redis/redis-py#2028): the task
    that waited for a closed socket's next message must stop anyway, or it pops forever and
    its server cannot stop."""
    from callcentre.channel_layer import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[{"address": redis_url(), "socket_timeout": 15}])
    layer.brpop_timeout = 1

    async def receive_after_a_lost_cancellation(channel: str) -> dict:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            pass  # lost, as inside redis-py's pop
        return await layer.receive(channel)

    async def cancel_and_wait() -> bool:
        channel = await layer.new_channel()
        task = asyncio.ensure_future(receive_after_a_lost_cancellation(channel))
        await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.wait({task}, timeout=layer.brpop_timeout + 5)
        stopped = task.cancelled()
        task.cancel()  # a second time, should the first have been lost for good
        await asyncio.gather(task, return_exceptions=True)
        return stopped

    assert async_to_sync(cancel_and_wait)() is True
