"""Inbound messages to the project's (future) endpoint, and the browser phone page."""

import httpx
import pytest

from callcentre.tests.helpers import wait_until
from sandbox.tests.helpers import CALLER, CENTRE, Received

pytestmark = pytest.mark.slow


def test_an_inbound_sms_is_posted_signed_with_the_v1_payload_and_its_status_recorded(
    receiver, start_sandbox
):
    receiver.respond = lambda request: (404, None)
    running = start_sandbox(receiver.url)

    message = running.control.send_message(
        channel="sms", from_number=CALLER, to_number=CENTRE, text="STOP sending me offers"
    )

    posted = receiver.wait_for(lambda r: r.path == "/webhooks/inbound-message")[0]
    assert posted.claims is not None and posted.claims["iss"] == "Vonage"
    assert posted.payload == {
        "channel": "sms",
        "message_uuid": message["message_uuid"],
        "to": CENTRE,
        "from": CALLER,
        "timestamp": message["at"],
        "message_type": "text",
        "text": "STOP sending me offers",
        "usage": {"currency": "EUR", "price": "0.0333"},
        "sms": {"num_messages": "1", "keyword": "STOP"},
        "origin": {"network_code": "23410"},
    }
    assert message["webhook_status"] == 404
    assert running.control.messages(CALLER)[0]["webhook_status"] == 404


def test_an_inbound_whatsapp_carries_the_profile(receiver, start_sandbox):
    receiver.respond = lambda request: (200, None)
    running = start_sandbox(receiver.url)

    message = running.control.send_message(
        channel="whatsapp", from_number=CALLER, to_number=CENTRE, text="Hi"
    )

    posted = receiver.wait_for(lambda r: r.path == "/webhooks/inbound-message")[0].payload
    assert posted["profile"] == {"name": "Customer 0123"}
    assert posted["context_status"] == "none"
    assert message["webhook_status"] == 200


def test_the_phone_page_and_its_script_are_served(receiver, start_sandbox):
    running = start_sandbox(receiver.url)
    base = running.config.control_base

    page = httpx.get(f"{base}/")
    script = httpx.get(f"{base}/static/phone.js")

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/static/phone.js" defer></script>' in page.text
    assert f'<option value="{CENTRE}">+{CENTRE} (the centre)</option>' in page.text
    assert "<script>" not in page.text  # no inline script
    assert script.status_code == 200
    assert "/control/calls" in script.text


def test_the_phone_page_links_its_icon(receiver, start_sandbox):
    running = start_sandbox(receiver.url)
    base = running.config.control_base

    page = httpx.get(f"{base}/")
    icon = httpx.get(f"{base}/static/favicon.svg")

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    assert (icon.status_code, icon.headers["content-type"]) == (200, "image/svg+xml")


def test_the_control_port_refuses_other_hosts_and_non_json_posts(receiver, start_sandbox):
    running = start_sandbox(receiver.url)
    base = running.config.control_base

    rebound = httpx.get(f"{base}/control/state", headers={"Host": "evil.example:80"})
    form = httpx.post(f"{base}/control/calls", data={"from": CALLER, "to": CENTRE})

    assert rebound.status_code == 403
    assert form.status_code == 415
    assert running.control.calls() == []


def test_an_agent_leg_can_be_rejected_from_the_page(receiver, start_sandbox):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, [{"action": "connect", "endpoint": [{"type": "app", "user": "agent-eve"}]}]
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url, app_answer_delay=None)
    caller = running.control.dial(from_number=CALLER, to_number=CENTRE)
    agent = wait_until(lambda: [c for c in running.control.calls() if c["ringing"]])[0]
    running.control.reject(agent["uuid"])
    wait_until(lambda: running.control.call(caller["uuid"])["ended"])

    assert receiver.statuses(agent["uuid"]) == ["started", "ringing", "rejected", "completed"]
    rejected = next(r.payload for r in receiver.received if r.payload.get("status") == "rejected")
    assert rejected["detail"] == "declined"
    assert rejected["from"] == CALLER
