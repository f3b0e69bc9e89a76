"""The matching engine: who gets which contact, offers, capacity, the end of a task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from agents.presence import Actor, PresenceError
from conversations.models import Conversation, Member
from routing.errors import RoutingError
from routing.models import Offer, Strategy, Task
from routing.offers import offer_accept, offer_reject, offers_expire
from routing.presence import agent_presence_set, agent_ready, agents_wake
from routing.queueing import task_enqueue
from routing.settlement import leg_ended
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

# The engine matches after commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def billing():
    return SkillFactory(name="billing")


@pytest.fixture
def billing_queue(billing):
    queue = QueueFactory(name="Billing")
    QueueSkillFactory(queue=queue, skill=billing, min_proficiency=5)
    return queue


def enqueue(queue, channel="voice", **options) -> Task:
    task = task_enqueue(conversation=ConversationFactory(channel=channel), queue=queue, **options)
    task.refresh_from_db()
    return task


def pending_offer(task: Task) -> Offer | None:
    return Offer.objects.filter(task=task, state=Offer.State.PENDING).first()


def test_a_new_task_goes_to_the_longest_idle_free_eligible_agent(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8}, idle_minutes=5)
    available_agent("Carol", skills={billing: 9}, idle_minutes=30, voice_load=1)  # on a call
    available_agent(
        "Dave",
        skills={billing: 6},
        idle_minutes=40,
        wrap_up_until=timezone.now() + timedelta(seconds=20),
    )
    available_agent("Erin", skills={billing: 9}, idle_minutes=50, status="away")
    available_agent("Finn", skills={billing: 3}, idle_minutes=60)  # not proficient enough
    available_agent("Gus", skills={}, idle_minutes=70)  # no billing skill
    available_agent("Hana", skills={billing: 7}, idle_minutes=1)  # idle for less time

    task = enqueue(billing_queue)

    assert task.state == Task.State.OFFERED
    offer = pending_offer(task)
    assert offer.agent == bob
    assert offer.expires_at - offer.created_at == timedelta(seconds=20)
    bob.refresh_from_db()
    assert bob.voice_load == 1


def test_without_a_free_agent_the_task_waits_then_goes_to_the_first_who_is_free(
    billing, billing_queue
):
    bob = available_agent("Bob", skills={billing: 8}, status="away")

    task = enqueue(billing_queue)
    assert (task.state, pending_offer(task)) == (Task.State.QUEUED, None)

    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")

    assert pending_offer(task).agent == bob


def test_the_freed_agent_takes_the_highest_priority_then_the_oldest_task(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8}, status="away")
    first = enqueue(billing_queue)
    second = enqueue(billing_queue)
    urgent = enqueue(billing_queue, priority_boost=5)

    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")

    assert pending_offer(urgent).agent == bob
    assert pending_offer(first) is None and pending_offer(second) is None


def test_fifo_within_a_priority(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8}, status="away")
    first = enqueue(billing_queue)
    enqueue(billing_queue)

    agent_presence_set(actor=Actor.AGENT, agent=bob, status="available")

    assert pending_offer(first).agent == bob


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (Strategy.LONGEST_IDLE, "Ann"),
        (Strategy.MOST_SKILLED, "Cy"),
        (Strategy.ROUND_ROBIN, "Bo"),
        (Strategy.FEWEST_CONTACTS, "Cy"),  # Cy's nine contacts were yesterday's
        (Strategy.LEAST_TALK_TIME, "Cy"),
    ],
)
def test_each_strategy_picks_its_agent(billing, billing_queue, strategy, expected):
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(hours=1)
    available_agent(
        "Ann",
        skills={billing: 6},
        idle_minutes=30,
        last_offered_at=timezone.now(),
        counters_date=today,
        contacts_today=5,
        talk_seconds_today=900,
    )
    available_agent(
        "Bo",
        skills={billing: 7},
        idle_minutes=20,
        last_offered_at=long_ago,
        counters_date=today,
        contacts_today=1,
        talk_seconds_today=600,
    )
    available_agent(
        "Cy",
        skills={billing: 10},
        idle_minutes=10,
        last_offered_at=timezone.now(),
        counters_date=today - timedelta(days=1),
        contacts_today=9,
        talk_seconds_today=9000,
    )
    billing_queue.strategy = strategy
    billing_queue.save()

    task = enqueue(billing_queue)

    assert pending_offer(task).agent.display_name == expected


def test_random_strategy_is_repeatable_for_the_same_task(billing, billing_queue):
    for name in ("Ann", "Bo", "Cy", "Di"):
        available_agent(name, skills={billing: 8})
    billing_queue.strategy = Strategy.RANDOM
    billing_queue.save()
    task = enqueue(billing_queue)
    chosen = pending_offer(task).agent

    offer_reject(offer_id=pending_offer(task).pk, agent=chosen)

    assert pending_offer(task).agent != chosen


def test_accepting_assigns_the_task_and_rings_the_agent(billing, billing_queue, vonage_api):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)

    offer_accept(offer_id=pending_offer(task).pk, agent=bob)

    task.refresh_from_db()
    assert (task.state, task.agent) == (Task.State.ASSIGNED, bob)
    bob.refresh_from_db()
    assert (bob.voice_load, bob.contacts_today, bob.counters_date) == (1, 1, timezone.localdate())
    [call] = [request for request in vonage_api.received if request.path == "/v1/calls"]
    assert call.body["to"] == [{"type": "app", "user": "agent-bob"}]
    assert call.body["ncco"] == [
        {
            "action": "conversation",
            "name": f"waiting-{task.conversation.vonage_uuid}",
            "startOnEnter": True,
            # Not the agent's exit: they may hand the call on (routing.transfer).
            "endOnExit": False,
            "eventUrl": ["https://centre.example.com/webhooks/event"],
        }
    ]
    assert task.conversation.members.get(kind="agent").agent == bob


def test_an_agent_cannot_accept_someone_elses_offer(billing, billing_queue):
    available_agent("Bob", skills={billing: 8})
    carol = available_agent("Carol", skills={billing: 8}, idle_minutes=0.5)
    task = enqueue(billing_queue)

    with pytest.raises(RoutingError, match="No such offer for this agent."):
        offer_accept(offer_id=pending_offer(task).pk, agent=carol)

    task.refresh_from_db()
    assert task.state == Task.State.OFFERED


def test_a_rejected_offer_goes_to_someone_else_and_frees_the_agent(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    carol = available_agent("Carol", skills={billing: 8}, idle_minutes=5)
    task = enqueue(billing_queue)

    offer_reject(offer_id=pending_offer(task).pk, agent=bob)

    assert pending_offer(task).agent == carol
    bob.refresh_from_db()
    assert bob.voice_load == 0
    assert Offer.objects.get(task=task, agent=bob).state == Offer.State.REJECTED


def test_an_accepted_offer_cannot_be_rejected(billing, billing_queue, vonage_api):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    offer = pending_offer(task)
    offer_accept(offer_id=offer.pk, agent=bob)

    with pytest.raises(RoutingError, match="This offer is already accepted."):
        offer_reject(offer_id=offer.pk, agent=bob)


def test_timed_out_offers_re_route_and_two_misses_set_the_agent_away(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    first = enqueue(billing_queue)
    later = timezone.now() + timedelta(seconds=21)

    assert offers_expire(now=later) == 1
    bob.refresh_from_db()
    assert (bob.missed_offers_in_a_row, bob.status, bob.voice_load) == (1, "available", 0)
    first.refresh_from_db()
    assert first.state == Task.State.QUEUED  # Bob just missed it: not offered to him again yet

    second = enqueue(billing_queue)
    assert pending_offer(second).agent == bob
    offers_expire(now=later + timedelta(seconds=21))

    bob.refresh_from_db()
    assert (bob.status, bob.away_reason, bob.missed_offers_in_a_row) == ("away", "missed", 2)


def test_expired_offer_cannot_be_accepted(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    Offer.objects.filter(task=task).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(RoutingError, match="This offer has expired."):
        offer_accept(offer_id=pending_offer(task).pk, agent=bob)


def test_chat_capacity_is_three_and_the_fourth_chat_waits(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8})

    tasks = [enqueue(billing_queue, channel="whatsapp") for _ in range(4)]

    assert [pending_offer(task) is not None for task in tasks] == [True, True, True, False]
    bob.refresh_from_db()
    assert bob.chat_load == 3


def voicemail(queue) -> Task:
    task = task_enqueue(conversation=ConversationFactory(), queue=queue, channel="voicemail")
    task.refresh_from_db()
    return task


def test_voicemails_have_a_capacity_of_their_own_beside_chats_but_not_calls(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8})

    first, second = voicemail(billing_queue), voicemail(billing_queue)
    chat = enqueue(billing_queue, channel="sms")
    call = enqueue(billing_queue)

    # One voicemail at a time (the default capacity); a chat beside it; no call meanwhile.
    assert pending_offer(first).agent == bob and pending_offer(second) is None
    assert pending_offer(chat).agent == bob and pending_offer(call) is None
    bob.refresh_from_db()
    assert (bob.voice_load, bob.chat_load, bob.voicemail_load) == (0, 1, 1)
    # With a capacity of two, his next free moment takes the second voicemail.
    Agent.objects.filter(pk=bob.pk).update(voicemail_capacity=2)
    agent_ready(agent=bob)
    assert pending_offer(second).agent == bob and pending_offer(call) is None


def test_voice_and_chat_do_not_mix_unless_configured(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8})
    mixer = available_agent("Mix", skills={billing: 8}, idle_minutes=0.5, mixes_channels=True)
    chat = enqueue(billing_queue, channel="sms")
    assert pending_offer(chat).agent == bob

    call = enqueue(billing_queue)

    assert pending_offer(call).agent == mixer


def test_customer_hanging_up_abandons_the_task_and_releases_the_offer(billing, billing_queue):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    customer = task.conversation.members.create(kind="customer", channel="voice", leg_uuid="leg-1")
    customer.call_status, customer.left_at = "completed", timezone.now()

    leg_ended(member=customer)

    task.refresh_from_db()
    assert task.state == Task.State.ABANDONED
    assert Offer.objects.get(task=task).state == Offer.State.CANCELLED
    bob.refresh_from_db()
    assert bob.voice_load == 0


def test_the_end_of_an_assigned_call_completes_it_and_starts_wrap_up(
    billing, billing_queue, vonage_api
):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    offer_accept(offer_id=pending_offer(task).pk, agent=bob)
    task.conversation.members.create(
        kind="agent", agent=bob, channel="app", leg_uuid="agent-leg-1", joined_at=timezone.now()
    )
    ended = timezone.now() + timedelta(seconds=100)
    customer = task.conversation.members.create(
        kind="customer", channel="voice", leg_uuid="leg-1", left_at=ended
    )

    leg_ended(member=customer)

    task.refresh_from_db()
    assert (task.state, task.completed_at) == (Task.State.COMPLETED, ended)
    bob.refresh_from_db()
    assert bob.voice_load == 0
    assert bob.wrap_up_until == ended + timedelta(seconds=30)
    assert bob.idle_since == bob.wrap_up_until
    assert bob.talk_seconds_today >= 99


def test_a_caller_who_hangs_up_while_the_agent_is_connected_abandoned(
    billing, billing_queue, vonage_api, django_capture_on_commit_callbacks
):
    bob = available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    idle_since = Agent.objects.get(pk=bob.pk).idle_since
    task = enqueue(billing_queue)
    offer_accept(offer_id=pending_offer(task).pk, agent=bob)
    [ringing] = task.conversation.members.filter(kind="agent", agent=bob)  # placed on accept
    customer = caller_leaves(task, at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        leg_ended(member=customer)

    # The agent's ringing softphone leg is hung up; its end settles the task.
    hangups = [
        request.path
        for request in vonage_api.received
        if request.method == "PUT" and request.body == {"action": "hangup"}
    ]
    assert hangups == [f"/v1/calls/{ringing.leg_uuid}"]
    task.refresh_from_db()
    assert task.state == Task.State.ASSIGNED

    agent_leg_ends(
        ringing,
        status="cancelled",
        joined_at=None,
        left_at=timezone.now(),
        capture=django_capture_on_commit_callbacks,
    )

    task.refresh_from_db()
    assert (task.state, task.ended_at) == (Task.State.ABANDONED, customer.left_at)
    bob.refresh_from_db()
    # Free again at once: no wrap-up, the idle time kept, not a missed offer.
    assert (bob.voice_load, bob.wrap_up_until, bob.idle_since) == (0, None, idle_since)
    assert bob.missed_offers_in_a_row == 0


def agent_leg_ends(agent_leg: Member, *, status, joined_at, left_at, capture) -> None:
    """The agent leg's final event is stored, then routing hears of it."""
    agent_leg.call_status, agent_leg.joined_at, agent_leg.left_at = status, joined_at, left_at
    agent_leg.save()
    with capture(execute=True):
        leg_ended(member=agent_leg)


def caller_leaves(task: Task, *, at) -> Member:
    """The caller's leg ends, as conversations.services records it before routing hears."""
    customer = task.conversation.members.create(
        kind="customer", channel="voice", leg_uuid="leg-1", call_status="completed", left_at=at
    )
    Conversation.objects.filter(pk=task.conversation_id).update(state="ended", ended_at=at)
    task.conversation.refresh_from_db()
    return customer


def test_an_agent_answer_reported_after_the_caller_left_still_completes_the_call(
    billing, billing_queue, vonage_api, django_capture_on_commit_callbacks
):
    """Vonage's events of two legs come in any order: the agent's leg was answered first."""
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    offer_accept(offer_id=pending_offer(task).pk, agent=bob)
    [agent_leg] = task.conversation.members.filter(kind="agent", agent=bob)
    answered = timezone.now()
    customer = caller_leaves(task, at=answered + timedelta(seconds=40))
    with django_capture_on_commit_callbacks(execute=True):
        leg_ended(member=customer)  # the agent's `answered` is not stored yet

    agent_leg_ends(
        agent_leg,
        status="completed",
        joined_at=answered,
        left_at=answered + timedelta(seconds=41),
        capture=django_capture_on_commit_callbacks,
    )

    task.refresh_from_db()
    assert (task.state, task.completed_at) == (Task.State.COMPLETED, customer.left_at)
    bob.refresh_from_db()
    assert bob.voice_load == 0
    assert bob.wrap_up_until == customer.left_at + timedelta(seconds=30)
    assert bob.talk_seconds_today == 40


def test_an_agent_leg_answered_only_after_the_caller_left_is_an_abandoned_call(
    billing, billing_queue, vonage_api, django_capture_on_commit_callbacks
):
    bob = available_agent("Bob", skills={billing: 8})
    task = enqueue(billing_queue)
    offer_accept(offer_id=pending_offer(task).pk, agent=bob)
    [agent_leg] = task.conversation.members.filter(kind="agent", agent=bob)
    left = timezone.now()
    customer = caller_leaves(task, at=left)
    with django_capture_on_commit_callbacks(execute=True):
        leg_ended(member=customer)

    agent_leg_ends(
        agent_leg,
        status="completed",
        joined_at=left + timedelta(seconds=1),
        left_at=left + timedelta(seconds=2),
        capture=django_capture_on_commit_callbacks,
    )

    task.refresh_from_db()
    assert (task.state, task.ended_at) == (Task.State.ABANDONED, left)
    bob.refresh_from_db()
    assert (bob.voice_load, bob.wrap_up_until) == (0, None)


def test_after_wrap_up_the_agent_gets_the_next_task(billing, billing_queue, vonage_api):
    bob = available_agent(
        "Bob", skills={billing: 8}, wrap_up_until=timezone.now() + timedelta(seconds=30)
    )
    task = enqueue(billing_queue)
    assert pending_offer(task) is None

    agents_wake(now=timezone.now() + timedelta(seconds=31))

    assert pending_offer(task).agent == bob


def test_an_agent_may_end_wrap_up_early(billing, billing_queue):
    bob = available_agent(
        "Bob", skills={billing: 8}, wrap_up_until=timezone.now() + timedelta(seconds=30)
    )
    task = enqueue(billing_queue)
    assert agents_wake() == 0

    agent_ready(agent=bob)

    assert pending_offer(task).agent == bob


def test_an_agent_leg_that_never_answered_returns_the_task(billing, billing_queue, vonage_api):
    bob = available_agent("Bob", skills={billing: 8}, idle_minutes=10)
    carol = available_agent("Carol", skills={billing: 8}, idle_minutes=5)
    task = enqueue(billing_queue)
    offer_accept(offer_id=pending_offer(task).pk, agent=bob)
    agent_leg = task.conversation.members.get(kind="agent")
    agent_leg.call_status = "unanswered"

    leg_ended(member=agent_leg)

    task.refresh_from_db()
    assert task.attributes["returned"] == "agent did not answer"
    assert pending_offer(task).agent == carol


def test_a_callback_waits_after_the_customer_hangs_up(billing, billing_queue):
    task = enqueue(billing_queue, is_callback=True, callback_number="447700900123")
    customer = task.conversation.members.create(kind="customer", channel="voice", leg_uuid="leg-1")

    leg_ended(member=customer)

    task.refresh_from_db()
    assert task.state == Task.State.QUEUED


def test_unknown_status_is_a_clear_error(billing):
    bob = available_agent("Bob", skills={billing: 8})

    with pytest.raises(PresenceError, match="Unknown status 'dancing'"):
        agent_presence_set(actor=Actor.AGENT, agent=bob, status="dancing")
    assert Agent.objects.get(pk=bob.pk).status == "available"
