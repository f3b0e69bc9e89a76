"""The desktop's websocket, through the project's real ASGI stack (session auth, origin check)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from agents.presence import Actor
from agents.tests.factories import UserFactory
from callcentre.asgi import application
from callcentre.tests.websockets import refusal_of, screen_socket, session_cookie, sync
from conversations.models import Conversation, Member
from routing.presence import agent_presence_set
from routing.queueing import task_enqueue
from routing.settlement import leg_ended
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

pytestmark = pytest.mark.django_db(transaction=True)


def desktop_socket(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return screen_socket("/ws/agent/", *headers)


def test_a_socket_without_a_login_is_refused_with_4401():
    assert refusal_of(desktop_socket()) == 4401


def test_a_user_who_is_not_an_agent_is_refused_with_4403():
    supervisor = UserFactory(username="sam", is_staff=True)

    assert refusal_of(desktop_socket(session_cookie(supervisor))) == 4403


def test_a_socket_from_a_foreign_origin_is_refused():
    bob = available_agent("Bob", skills={}, status="away")
    communicator = WebsocketCommunicator(
        application,
        "/ws/agent/",
        headers=[(b"origin", b"https://evil.example"), session_cookie(bob.user)],
    )

    assert refusal_of(communicator) != "accepted"


def test_an_agent_hears_of_their_own_offer_and_presence_and_of_nobody_elses():
    billing = SkillFactory(name="billing")
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=billing)
    bob = available_agent("Bob", skills={billing: 8}, status="away")
    carol = available_agent("Carol", skills={}, status="away")

    bobs = desktop_socket(session_cookie(bob.user))
    carols = desktop_socket(session_cookie(carol.user))

    @async_to_sync
    async def run() -> tuple[list[dict], bool]:
        assert (await bobs.connect())[0] and (await carols.connect())[0]
        hello = [await bobs.receive_json_from(), await carols.receive_json_from()]
        assert hello == [{"type": "hello"}, {"type": "hello"}]

        await sync(agent_presence_set)(agent=bob, status="available", actor=Actor.AGENT)
        await sync(task_enqueue)(conversation=await sync(ConversationFactory)(), queue=queue)
        received = [await bobs.receive_json_from(timeout=5) for _ in range(2)]
        carol_heard = await carols.receive_nothing(timeout=0.5)
        await bobs.disconnect()
        await carols.disconnect()
        return received, carol_heard

    received, carol_heard_nothing = run()

    assert [event["type"] for event in received] == ["agent.changed", "offer.created"]
    assert received[1]["queue"] == "Billing"
    assert carol_heard_nothing is True


def test_the_desktop_hears_an_offer_withdrawn_when_the_caller_hangs_up_first():
    billing = SkillFactory(name="billing")
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=billing)
    bob = available_agent("Bob", skills={billing: 8})
    conversation = ConversationFactory()
    caller = conversation.members.create(kind="customer", channel="voice", leg_uuid="leg-ada")
    bobs = desktop_socket(session_cookie(bob.user))

    def caller_hangs_up() -> None:
        Member.objects.filter(pk=caller.pk).update(call_status="completed", left_at=timezone.now())
        Conversation.objects.filter(pk=conversation.pk).update(state="ended")
        caller.refresh_from_db()
        leg_ended(member=caller)

    @async_to_sync
    async def run() -> list[dict]:
        assert (await bobs.connect())[0]
        await bobs.receive_json_from()  # hello
        await sync(task_enqueue)(conversation=conversation, queue=queue)
        created = await bobs.receive_json_from(timeout=5)
        await sync(caller_hangs_up)()
        withdrawn = await bobs.receive_json_from(timeout=5)
        await bobs.disconnect()
        return [created, withdrawn]

    created, withdrawn = run()

    assert created["type"] == "offer.created"
    assert withdrawn == {"type": "offer.withdrawn", "offer_id": created["offer_id"]}
