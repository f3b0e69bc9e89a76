"""Retries and the fallback URL as CONTRACT §2 describes them, for answers and for events."""

import time

import pytest

from callcentre.tests.helpers import wait_until
from sandbox.tests.helpers import CALLER, CENTRE, Received

pytestmark = pytest.mark.slow

GOODBYE = [{"action": "talk", "text": "Goodbye from the fallback."}]


def attempts(running, leg: str, kind: str) -> list[tuple[str, int | None, str | None]]:
    delivery = next(d for d in running.control.webhooks(leg=leg) if d["kind"] == kind)
    return [(a["url"].rsplit("/", 1)[-1], a["status"], a["error"]) for a in delivery["attempts"]]


def dial_and_wait_for_the_end(running) -> dict:
    leg = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: running.control.call(leg["uuid"])["ended"])
    return leg


def test_503_is_tried_twice_then_the_fallback_gets_reason_and_original_request(
    receiver, start_sandbox
):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 503, None
        if request.path == "/webhooks/fallback":
            return 200, GOODBYE
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url)
    leg = dial_and_wait_for_the_end(running)

    assert attempts(running, leg["uuid"], "answer") == [
        ("answer", 503, None),
        ("answer", 503, None),
        ("fallback", 200, None),
    ]
    fallback = receiver.wait_for(lambda r: r.path == "/webhooks/fallback")[0]
    assert fallback.method == "GET"
    assert fallback.payload["reason"] == "HTTP status 503."
    assert fallback.payload["uuid"] == leg["uuid"]
    assert fallback.payload["original_request"] == (
        f'{{"url":"{receiver.url}/webhooks/answer","type":"answer"}}'
    )
    assert "Goodbye from the fallback." in [
        i["text"] for i in running.control.call(leg["uuid"])["feed"]
    ]


def test_other_errors_go_straight_to_the_fallback_and_a_failed_fallback_ends_the_call(
    receiver, start_sandbox
):
    receiver.respond = lambda request: (
        (500, None)
        if "webhooks/" in request.path and (request.path != "/webhooks/event")
        else (204, None)
    )
    running = start_sandbox(receiver.url)
    leg = dial_and_wait_for_the_end(running)

    assert attempts(running, leg["uuid"], "answer") == [
        ("answer", 500, None),
        ("fallback", 500, None),
    ]
    assert receiver.statuses(leg["uuid"]) == ["started", "ringing", "completed"]


def test_a_refused_connection_is_retried_then_the_fallback_is_used(receiver, start_sandbox):
    receiver.respond = lambda request: (
        (200, GOODBYE) if request.path == "/webhooks/fallback" else (204, None)
    )
    running = start_sandbox(receiver.url, answer_url="http://127.0.0.1:1/webhooks/answer")
    leg = dial_and_wait_for_the_end(running)

    assert attempts(running, leg["uuid"], "answer") == [
        ("answer", None, "Connection refused."),
        ("answer", None, "Connection refused."),
        ("fallback", 200, None),
    ]


def test_a_slow_answer_times_out_and_is_tried_again(receiver, start_sandbox):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            time.sleep(0.6)
            return 200, GOODBYE
        if request.path == "/webhooks/fallback":
            return 200, GOODBYE
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url, answer_socket_timeout=0.3)
    leg = dial_and_wait_for_the_end(running)

    assert attempts(running, leg["uuid"], "answer") == [
        ("answer", None, "Read timed out."),
        ("answer", None, "Read timed out."),
        ("fallback", 200, None),
    ]


def test_an_input_event_that_fails_falls_back_then_the_ncco_carries_on(receiver, start_sandbox):
    menu = [
        {"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 1}},
        {"action": "talk", "text": "The rest of the first NCCO."},
    ]

    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, menu
        if "dtmf" in request.payload:
            return 429, None
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url)
    leg = running.control.dial(from_number=CALLER, to_number=CENTRE)
    wait_until(lambda: running.control.call(leg["uuid"])["listening"])
    running.control.press(leg["uuid"], "7")
    wait_until(lambda: running.control.call(leg["uuid"])["ended"])

    inputs = [d for d in running.control.webhooks(leg=leg["uuid"]) if "dtmf" in d["payload"]]
    assert [(a["url"].rsplit("/", 1)[-1], a["status"]) for a in inputs[0]["attempts"]] == [
        ("event", 429),
        ("event", 429),
        ("fallback", 429),
        ("fallback", 429),
    ]
    fallback = [r for r in receiver.received if r.path == "/webhooks/fallback"][0]
    assert fallback.payload["original_request"] == {
        "url": f"{receiver.url}/webhooks/event",
        "type": "event",
    }
    assert fallback.payload["dtmf"] == {"digits": "7", "timed_out": False}
    texts = [i["text"] for i in running.control.call(leg["uuid"])["feed"]]
    assert "The rest of the first NCCO." in texts


def test_an_invalid_answer_ncco_sends_an_error_event_and_ends_the_call(receiver, start_sandbox):
    receiver.respond = lambda request: (
        (200, [{"action": "talk"}]) if (request.path == "/webhooks/answer") else (204, None)
    )
    running = start_sandbox(receiver.url)
    leg = dial_and_wait_for_the_end(running)

    error = receiver.wait_for(lambda r: "reason" in r.payload)[0].payload
    assert error["reason"] == "Invalid NCCO: action 0 (talk): text is required"
    assert error["conversation_uuid"] == leg["conversation_uuid"]
    receiver.wait_for(lambda r: r.payload.get("status") == "completed")
    assert "answered" not in receiver.statuses(leg["uuid"])
