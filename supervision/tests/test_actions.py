"""A supervisor sets agents away or offline and withdraws or moves waiting contacts, from
the API the live dashboard calls; every action is audited, bad input changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent, AwayReason
from callcentre.tests.helpers import agent_client
from routing.models import Offer, Task
from routing.queueing import task_enqueue
from routing.tests.factories import (
    ConversationFactory,
    IvrMenuFactory,
    IvrOptionFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)
from routing.tests.ivr_calls import IvrCall, texts
from supervision.models import SupervisorAction
from supervision.tests.helpers import away_reason, supervisor_session

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def test_a_supervisor_sets_an_agent_away_with_a_reason(billing, billing_skill):
    away_reason("coaching")
    bob = available_agent("Bob", skills={billing_skill: 8})
    sam = supervisor_session()

    response = post(
        sam, f"/api/supervisor/agents/{bob.pk}/presence", {"status": "away", "reason": "coaching"}
    )

    assert response.status_code == 200, response.content
    bob.refresh_from_db()
    assert (bob.status, bob.away_reason) == ("away", "coaching")
    action = SupervisorAction.objects.get()
    assert (action.kind, action.username, action.agent, action.detail) == (
        "agent_presence",
        "sam",
        bob,
        {"from": "available", "to": "away", "reason": "coaching"},
    )
    # Offline too; the reason is kept in the audit trail.
    assert (
        post(
            sam,
            f"/api/supervisor/agents/{bob.pk}/presence",
            {"status": "offline", "reason": "Shift over"},
        ).status_code
        == 200
    )
    bob.refresh_from_db()
    assert bob.status == "offline"
    assert SupervisorAction.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "away", "reason": ""}, "reason"),
        ({"status": "away"}, "reason"),
        ({"status": "available", "reason": "x"}, "status"),
        ({"status": "away", "reason": "x" * 41}, "reason"),
        ({"status": "away", "reason": "Coffee"}, "reason"),  # not an away reason code
        ({"status": "away", "reason": "missed"}, "reason"),  # the engine's, not active
    ],
)
def test_bad_presence_input_is_refused_and_changes_nothing(billing_skill, data, field):
    away_reason("coaching")
    AwayReason.objects.get_or_create(
        code="missed", defaults={"label": "Missed", "is_active": False}
    )
    bob = available_agent("Bob", skills={billing_skill: 8})
    response = post(supervisor_session(), f"/api/supervisor/agents/{bob.pk}/presence", data)
    assert response.status_code == 400
    assert field in response.json()
    bob.refresh_from_db()
    assert bob.status == Agent.Status.AVAILABLE
    assert not SupervisorAction.objects.exists()


def test_only_supervisors_may_act(client, billing_skill):
    away_reason("lunch")
    bob = available_agent("Bob", skills={billing_skill: 8})
    url = f"/api/supervisor/agents/{bob.pk}/presence"
    data = {"status": "away", "reason": "lunch"}
    assert post(client, url, data).status_code in (401, 403)
    assert post(agent_client(bob), url, data).status_code == 403
    bob.refresh_from_db()
    assert bob.status == Agent.Status.AVAILABLE


@pytest.fixture
def main(billing):
    menu = IvrMenuFactory(name="Main", is_entry=True, language="en-GB")
    IvrOptionFactory(menu=menu, digit="2", queue=billing)
    return menu


def test_a_withdrawn_caller_hears_the_queues_message_and_leaves_the_queue(
    vonage, vonage_api, main, billing
):
    billing.overflow_message = "Please call again tomorrow."
    billing.save()
    call = IvrCall(vonage=vonage)
    call.answer()
    call.press("2")
    task = Task.objects.get(conversation=call.conversation)

    response = post(supervisor_session(), f"/api/supervisor/contacts/{task.pk}/withdraw")

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert (task.state, task.attributes["withdrawn"]) == (Task.State.CANCELLED, True)
    [redirect] = [
        r
        for r in vonage_api.received
        if r.method == "PUT" and r.path == f"/v1/calls/{call.ids['uuid']}"
    ]
    assert texts(redirect.body["destination"]["ncco"]) == ["Please call again tomorrow."]
    assert SupervisorAction.objects.get().kind == "contact_withdraw"
    # Not twice: it is no longer waiting.
    again = post(supervisor_session("sue"), f"/api/supervisor/contacts/{task.pk}/withdraw")
    assert again.status_code == 409
    assert again.json() == {"detail": "This contact is cancelled, not waiting in a queue."}
    assert SupervisorAction.objects.count() == 1


def test_a_contact_moved_to_another_queue_keeps_its_place(billing, billing_skill):
    sales = QueueFactory(name="Sales")
    now = timezone.now()
    # Two contacts already wait in Sales; ours queued before both of them in Billing.
    ours = task_enqueue(conversation=ConversationFactory(), queue=billing)
    Task.objects.filter(pk=ours.pk).update(queued_at=now - timedelta(minutes=10))
    for minutes in (5, 2):
        other = task_enqueue(conversation=ConversationFactory(), queue=sales)
        Task.objects.filter(pk=other.pk).update(queued_at=now - timedelta(minutes=minutes))

    response = post(
        supervisor_session(), f"/api/supervisor/contacts/{ours.pk}/move", {"queue_id": sales.pk}
    )

    assert response.status_code == 200, response.content
    moved = Task.objects.get(pk=response.json()["task_id"])
    assert (moved.queue, moved.state, moved.conversation_id) == (
        sales,
        Task.State.QUEUED,
        ours.conversation_id,
    )
    ours.refresh_from_db()
    assert (ours.state, ours.attributes["moved_to"]) == (Task.State.CANCELLED, "Sales")
    # First in line in Sales: the place it had (queued 10 minutes ago) is kept.
    line = Task.objects.filter(queue=sales, state=Task.State.QUEUED).order_by("queued_at")
    assert list(line.values_list("pk", flat=True))[0] == moved.pk
    assert moved.queued_at == ours.queued_at
    action = SupervisorAction.objects.get()
    assert (action.kind, action.detail) == (
        "contact_move",
        {"from_task": ours.pk, "to_queue": "Sales"},
    )


def test_an_offered_contact_moved_frees_the_agent_it_was_offered_to(billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8})
    sales = QueueFactory(name="Sales")  # Bob lacks its skill: he is not offered it again
    QueueSkillFactory(queue=sales, skill=SkillFactory(name="sales"), min_proficiency=1)
    task = task_enqueue(conversation=ConversationFactory(), queue=billing)
    offer = Offer.objects.get(task=task, agent=bob)

    response = post(
        supervisor_session(), f"/api/supervisor/contacts/{task.pk}/move", {"queue_id": sales.pk}
    )

    assert response.status_code == 200
    offer.refresh_from_db()
    bob.refresh_from_db()
    assert (offer.state, bob.voice_load) == (Offer.State.CANCELLED, 0)
    assert not Offer.objects.filter(state=Offer.State.PENDING).exists()


def test_moving_to_an_unknown_or_the_same_queue_is_refused(billing):
    task = task_enqueue(conversation=ConversationFactory(), queue=billing)
    sam = supervisor_session()
    unknown = post(sam, f"/api/supervisor/contacts/{task.pk}/move", {"queue_id": 999999})
    same = post(sam, f"/api/supervisor/contacts/{task.pk}/move", {"queue_id": billing.pk})
    bad = post(sam, f"/api/supervisor/contacts/{task.pk}/move", {"queue_id": "x"})
    assert (unknown.status_code, unknown.json()) == (409, {"detail": "No such active queue."})
    assert (same.status_code, same.json()) == (
        409,
        {"detail": "The contact is already in Billing."},
    )
    assert bad.status_code == 400
    task.refresh_from_db()
    assert (task.state, Task.objects.count()) == (Task.State.QUEUED, 1)
    assert not SupervisorAction.objects.exists()


def test_the_waiting_contacts_list_for_the_dashboard(client, billing, billing_skill):
    sales = QueueFactory(name="Sales")
    older = task_enqueue(conversation=ConversationFactory(from_address="447700900123"), queue=sales)
    Task.objects.filter(pk=older.pk).update(queued_at=timezone.now() - timedelta(minutes=3))
    newer = task_enqueue(
        conversation=ConversationFactory(from_address="447700900124"), queue=billing
    )
    served = task_enqueue(conversation=ConversationFactory(), queue=billing)
    Task.objects.filter(pk=served.pk).update(state=Task.State.COMPLETED)

    data = supervisor_session().get("/api/supervisor/contacts/waiting").json()

    assert [(c["task_id"], c["queue"], c["number"]) for c in data["contacts"]] == [
        (older.pk, "Sales", "447700900123"),
        (newer.pk, "Billing", "447700900124"),
    ]
    assert [q["name"] for q in data["queues"]] == ["Billing", "Sales"]
    bob = available_agent("Bob", skills={billing_skill: 8})
    assert client.get("/api/supervisor/contacts/waiting").status_code in (401, 403)
    assert agent_client(bob).get("/api/supervisor/contacts/waiting").status_code == 403
