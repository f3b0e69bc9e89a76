"""The supervisors' live dashboard: its figures, who may see it, and its websocket."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from agents.presence import Actor
from agents.tests.factories import UserFactory
from callcentre.tests.websockets import refusal_of, screen_socket, session_cookie, sync
from routing.models import Offer
from routing.offers import offer_accept
from routing.presence import agent_presence_set
from routing.queueing import task_enqueue
from routing.tests.factories import (
    ConversationFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True))
    return client


def test_the_board_shows_each_queue_and_what_each_agent_is_doing(
    supervisor_client, billing, billing_skill, vonage_api
):
    bob = available_agent("Bob", skills={billing_skill: 8}, idle_minutes=10)
    available_agent("Carol", skills={billing_skill: 8}, idle_minutes=5)
    available_agent("Dave", skills={billing_skill: 8}, status="away", away_reason="Lunch")
    available_agent(
        "Erin", skills={billing_skill: 8}, wrap_up_until=timezone.now() + timedelta(seconds=20)
    )
    available_agent("Frank", skills={}, status="offline")
    first = task_enqueue(
        conversation=ConversationFactory(from_address="447700900123"), queue=billing
    )
    offer_accept(offer_id=Offer.objects.get(task=first).pk, agent=bob)
    task_enqueue(conversation=ConversationFactory(from_address="447700900456"), queue=billing)
    task_enqueue(conversation=ConversationFactory(from_address="447700900789"), queue=billing)
    # A caller's message waits too, counted apart from the callers on the line.
    task_enqueue(conversation=ConversationFactory(), queue=billing, channel="voicemail")

    board = supervisor_client.get("/api/dashboard/live").json()

    [queue] = board["queues"]
    assert (queue["name"], queue["waiting"], queue["answered_today"]) == ("Billing", 2, 1)
    assert queue["voicemails_waiting"] == 1
    assert (queue["agents_available"], queue["agents_busy"], queue["agents_wrap_up"]) == (0, 2, 1)
    rows = {row["display_name"]: row for row in board["agents"]}
    assert [row["display_name"] for row in board["agents"]] == [
        "Bob",
        "Carol",
        "Erin",
        "Dave",
        "Frank",
    ]
    assert (rows["Bob"]["activity"], rows["Bob"]["contact"]["state"]) == ("busy", "assigned")
    assert rows["Bob"]["contact"]["number"] == "447700900123"
    assert rows["Bob"]["contacts_today"] == 1
    assert (rows["Carol"]["activity"], rows["Carol"]["contact"]["state"]) == ("busy", "offered")
    assert rows["Carol"]["contact"]["number"] == "447700900456"
    assert (rows["Dave"]["activity"], rows["Dave"]["away_reason"]) == ("away", "Lunch")
    assert rows["Erin"]["activity"] == "wrap_up" and rows["Erin"]["wrap_up_until"] is not None
    assert (rows["Frank"]["activity"], rows["Frank"]["contact"]) == ("offline", None)
    assert board["totals"] == {
        "waiting": 2,
        "callbacks_waiting": 0,
        "voicemails_waiting": 1,
        "agents": {"busy": 2, "wrap_up": 1, "available": 0, "away": 1, "offline": 1},
        "satisfaction": {"answers": 0, "average": None},
    }


def test_only_supervisors_see_the_board(client, billing):
    agent = available_agent("Bob", skills={})
    anonymous = client.get("/api/dashboard/live")
    anonymous_page = client.get("/admin/dashboard/live/")
    client.force_login(agent.user)

    assert anonymous.status_code in (401, 403)
    assert anonymous_page.status_code == 302
    assert client.get("/api/dashboard/live").status_code == 403
    assert client.get("/admin/dashboard/live/")["Location"].startswith("/admin/login/")


def test_the_page_is_in_the_admin_and_linked_from_it(supervisor_client):
    page = supervisor_client.get("/admin/dashboard/live/").content.decode()
    admin = supervisor_client.get("/admin/").content.decode()

    assert 'data-socket="/ws/supervisor/"' in page
    assert 'data-api="/api/dashboard/live"' in page
    assert 'href="/admin/dashboard/live/">Live dashboard</a>' in admin


def test_the_board_socket_is_for_supervisors_only():
    agent = available_agent("Bob", skills={})

    assert refusal_of(screen_socket("/ws/supervisor/")) == 4401
    assert refusal_of(screen_socket("/ws/supervisor/", session_cookie(agent.user))) == 4403


def test_a_supervisor_hears_when_a_queue_or_an_agent_moves(billing, billing_skill):
    supervisor = UserFactory(username="sam", is_staff=True)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="away")
    board = screen_socket("/ws/supervisor/", session_cookie(supervisor))

    @async_to_sync
    async def run() -> list[str]:
        assert (await board.connect())[0]
        heard = [(await board.receive_json_from())["type"]]
        await sync(task_enqueue)(conversation=await sync(ConversationFactory)(), queue=billing)
        heard.append((await board.receive_json_from(timeout=5))["type"])
        await sync(agent_presence_set)(agent=bob, status="available", actor=Actor.AGENT)
        heard.append((await board.receive_json_from(timeout=5))["type"])
        await board.disconnect()
        return heard

    assert run() == ["hello", "board.changed", "board.changed"]
