"""The call engine against a stand-in webhook receiver: events, NCCO actions, timing."""

import time

import pytest

from callcentre.tests.helpers import wait_until
from sandbox.tests.helpers import CALLER, CENTRE, Received

pytestmark = pytest.mark.slow

MENU = [
    {"action": "talk", "text": "Welcome. For billing, press 2.", "bargeIn": True},
    {"action": "input", "type": ["dtmf", "speech"], "dtmf": {"maxDigits": 1, "timeOut": 5}},
]


def webhook(path: str):
    return lambda request: request.path == path


def test_an_inbound_call_runs_its_answer_ncco_and_sends_every_event_in_order(
    receiver, start_sandbox
):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, MENU
        if request.path == "/webhooks/event" and "dtmf" in request.payload:
            return 200, [{"action": "talk", "text": "Billing it is. Goodbye."}]
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url)
    leg = running.control.dial(from_number=CALLER, to_number=CENTRE)
    uuid = leg["uuid"]

    wait_until(lambda: running.control.call(uuid)["listening"])
    running.control.press(uuid, "2")
    receiver.wait_for(lambda r: r.payload.get("status") == "completed", timeout=15)

    answer = receiver.wait_for(webhook("/webhooks/answer"))[0]
    assert answer.method == "GET"
    assert answer.payload == {
        "to": CENTRE,
        "from": CALLER,
        "endpoint_type": "phone",
        "uuid": uuid,
        "conversation_uuid": leg["conversation_uuid"],
        "region_url": "https://api-eu-3.vonage.com",
    }
    assert receiver.statuses(uuid) == ["started", "ringing", "answered", "completed"]
    inputs = [r.payload for r in receiver.received if "dtmf" in r.payload]
    assert inputs[0]["dtmf"] == {"digits": "2", "timed_out": False}
    assert inputs[0]["speech"] == {"results": []}
    completed = receiver.received[-1].payload
    assert completed["disconnected_by"] == "platform"
    assert int(completed["duration"]) >= 2
    assert all(r.claims is not None and r.claims["iss"] == "Vonage" for r in receiver.received)
    feed = running.control.call(uuid)["feed"]
    spoken = [item["text"] for item in feed if item["kind"] == "talk"]
    assert spoken[0] == "Welcome. For billing, press 2."
    assert "Billing it is. Goodbye." in spoken


def texts(running, uuid: str, kind: str | None = None) -> list[str]:
    feed = running.control.call(uuid)["feed"]
    return [item["text"] for item in feed if kind is None or item["kind"] == kind]


def serve(receiver, answer: list, **paths):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, answer
        if request.path in paths:
            return 200, paths[request.path]
        return 204, None

    receiver.respond = respond


def test_a_caller_holds_with_music_until_an_agent_joins_then_the_agent_leaving_ends_it(
    receiver, start_sandbox
):
    serve(
        receiver,
        [
            {"action": "talk", "text": "Please hold."},
            {
                "action": "conversation",
                "name": "waiting-1",
                "startOnEnter": False,
                "musicOnHoldUrl": ["https://centre.example.com/static/audio/hold.wav"],
            },
            {"action": "talk", "text": "The agent has left. Goodbye."},
        ],
    )
    running = start_sandbox(receiver.url, app_answer_delay=None)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: texts(running, caller["uuid"], "hold"))

    agent = running.sandbox.run(_create_app_call(running, "waiting-1"))
    wait_until(lambda: running.control.call(agent)["ringing"])
    running.control.answer(agent)
    wait_until(lambda: running.control.call(caller["uuid"])["connected"])
    running.control.say(caller["uuid"], "I have a question about my bill")
    wait_until(lambda: texts(running, agent, "heard"))
    running.control.hangup(agent)
    wait_until(lambda: running.control.call(caller["uuid"])["ended"])

    assert texts(running, caller["uuid"], "hold") == [
        "♪ Music on hold is playing (hold.wav) until the conversation starts"
    ]
    assert texts(running, caller["uuid"], "connected") == ["Connected with agent-bob (app)"]
    assert texts(running, agent, "heard") == ["+447700900123: “I have a question about my bill”"]
    assert "The agent has left. Goodbye." in texts(running, caller["uuid"], "talk")
    agent_events = [r.payload for r in receiver.received if r.payload.get("uuid") == agent]
    assert [e["status"] for e in agent_events] == ["started", "ringing", "answered", "completed"]
    assert agent_events[0]["to"] == "agent-bob"


def test_the_caller_hanging_up_with_end_on_exit_ends_the_agents_leg(receiver, start_sandbox):
    serve(
        receiver,
        [
            {
                "action": "conversation",
                "name": "waiting-2",
                "startOnEnter": False,
                "endOnExit": True,
            },
        ],
    )
    running = start_sandbox(receiver.url, app_answer_delay=None)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: texts(running, caller["uuid"], "hold"))
    agent = running.sandbox.run(_create_app_call(running, "waiting-2", end_on_exit=False))
    wait_until(lambda: running.control.call(agent)["ringing"])
    running.control.answer(agent)
    wait_until(lambda: running.control.call(caller["uuid"])["connected"])

    running.control.hangup(caller["uuid"])
    wait_until(lambda: running.control.call(agent)["ended"])

    assert texts(running, agent, "conversation")[-2:] == [
        "+447700900123 left the conversation",
        "The conversation has ended",
    ]
    agent_events = [r.payload for r in receiver.received if r.payload.get("uuid") == agent]
    assert [e["status"] for e in agent_events][-1] == "completed"


async def _create_app_call(running, room: str, *, end_on_exit: bool = True) -> str:
    leg = running.sandbox.platform.create_call(
        to={"type": "app", "user": "agent-bob"},
        from_endpoint={"type": "phone", "number": CENTRE},
        ncco=[
            {"action": "conversation", "name": room, "startOnEnter": True, "endOnExit": end_on_exit}
        ],
        answer_url=None,
        answer_method="GET",
        event_url=None,
        event_method="POST",
        ringing_timer=60,
        length_timer=7200,
        machine=None,
    )
    return leg.uuid


def test_connect_bridges_the_caller_to_a_phone_until_the_callee_hangs_up(receiver, start_sandbox):
    serve(
        receiver,
        [
            {
                "action": "connect",
                "from": CENTRE,
                "endpoint": [{"type": "phone", "number": "447700900555"}],
                "ringbackTone": "https://example.com/ring.mp3",
            },
            {"action": "talk", "text": "The other party hung up."},
        ],
    )
    running = start_sandbox(receiver.url)
    running.control.set_callee("447700900555", outcome="answer", after=2, hangup_after=5)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: running.control.call(caller["uuid"])["ended"])

    callee = next(r.payload for r in receiver.received if r.payload.get("to") == "447700900555")
    statuses = receiver.statuses(callee["uuid"])
    assert statuses == ["started", "ringing", "answered", "completed"]
    assert callee["conversation_uuid"] == caller["conversation_uuid"]
    assert callee["direction"] == "outbound"
    caller_texts = texts(running, caller["uuid"])
    assert "♪ Ringback tone (ring.mp3)" in caller_texts
    assert "Connected with +447700900555" in caller_texts
    assert "The other party hung up." in caller_texts
    completed = [r.payload for r in receiver.received if r.payload.get("status") == "completed"]
    by_leg = {c["uuid"]: c["disconnected_by"] for c in completed}
    assert by_leg == {callee["uuid"]: "user", caller["uuid"]: "platform"}


def test_a_synchronous_connect_that_is_busy_takes_the_ncco_of_its_event(receiver, start_sandbox):
    serve(
        receiver,
        [
            {
                "action": "connect",
                "from": CENTRE,
                "eventType": "synchronous",
                "eventUrl": [f"{receiver.url}/connect-events"],
                "endpoint": [{"type": "phone", "number": "447700900556"}],
            },
            {"action": "talk", "text": "Never said: replaced."},
        ],
        **{"/connect-events": [{"action": "talk", "text": "Nobody is free, goodbye."}]},
    )
    running = start_sandbox(receiver.url)
    running.control.set_callee("447700900556", outcome="busy", after=1)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: running.control.call(caller["uuid"])["ended"])

    connect_events = [r.payload["status"] for r in receiver.received if r.path == "/connect-events"]
    assert connect_events == ["started", "ringing", "busy", "completed"]
    spoken = texts(running, caller["uuid"], "talk")
    assert "Nobody is free, goodbye." in spoken
    assert "Never said: replaced." not in spoken


def test_barge_in_stops_the_talk_and_the_key_goes_to_the_input(receiver, start_sandbox):
    long_menu = "For billing press 2. " * 20
    serve(
        receiver,
        [
            {"action": "talk", "text": long_menu, "bargeIn": True},
            {"action": "talk", "text": "Skipped after barge-in."},
            {"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 1}},
        ],
    )
    running = start_sandbox(receiver.url, speed=1)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: texts(running, caller["uuid"], "talk"))
    started = time.monotonic()
    running.control.press(caller["uuid"], "2")
    event = receiver.wait_for(lambda r: "dtmf" in r.payload)[0].payload

    assert time.monotonic() - started < 2  # not the 40 s the menu takes to say
    assert event["dtmf"] == {"digits": "2", "timed_out": False}
    assert "Skipped after barge-in." not in texts(running, caller["uuid"])
    running.control.hangup(caller["uuid"])


def test_an_async_record_runs_until_the_call_ends_and_times_follow_the_speed(
    receiver, start_sandbox
):
    serve(
        receiver,
        [
            {"action": "record", "eventUrl": [f"{receiver.url}/recording"]},
            {"action": "talk", "text": " ".join(["word"] * 50)},  # 50 words: 20 call seconds
        ],
    )
    running = start_sandbox(receiver.url, speed=40)
    started = time.monotonic()
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    record = receiver.wait_for(lambda r: r.path == "/recording")[0].payload
    completed = receiver.wait_for(lambda r: r.payload.get("status") == "completed")[0].payload

    assert time.monotonic() - started < 5
    assert completed["duration"] in ("20", "21")
    assert completed["uuid"] == caller["uuid"]
    assert record["size"] > 44
    assert record["conversation_uuid"] == caller["conversation_uuid"]


def test_wait_notify_and_transfer_into_an_existing_conversation(receiver, start_sandbox):
    running = start_sandbox(receiver.url)
    serve(receiver, [{"action": "conversation", "name": "the-room"}])
    host = running.control.dial(from_number="447700900456", to_number=CENTRE)
    wait_until(lambda: running.control.call(host["uuid"])["connected"])
    room_id = next(
        item["data"]["conversation"]
        for item in running.control.call(host["uuid"])["feed"]
        if item["kind"] == "connected"
    )
    serve(
        receiver,
        [
            {"action": "wait", "timeout": 2},
            {
                "action": "notify",
                "payload": {"stage": "before transfer"},
                "eventUrl": [f"{receiver.url}/notify"],
            },
            {"action": "transfer", "conversationId": room_id},
        ],
    )
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: "+447700900123 joined the conversation" in texts(running, host["uuid"]))

    notify = receiver.wait_for(lambda r: r.path == "/notify")[0].payload
    assert notify["payload"] == {"stage": "before transfer"}
    transfer = receiver.wait_for(lambda r: "conversation_uuid_to" in r.payload)[0].payload
    assert transfer == {
        "uuid": caller["uuid"],
        "conversation_uuid_from": caller["conversation_uuid"],
        "conversation_uuid_to": room_id,
        "timestamp": transfer["timestamp"],
    }
    assert "(silence for 2 s)" in texts(running, caller["uuid"])
    for leg in (caller, host):
        running.control.hangup(leg["uuid"])
