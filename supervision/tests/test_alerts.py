"""Queue alerts: each threshold on hand-made queues with known figures, a breach opened once
and ended when the figure recovers (kept as history), the on-call list told by SMS and
e-mail once per breach, and the dashboard's alerts API for supervisors only."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agents.presence import Actor
from callcentre.tests.helpers import agent_client
from routing.models import Task
from routing.presence import agent_presence_set
from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, available_agent
from supervision.alerts import alerts_evaluate
from supervision.models import Alert, AlertMetric, AlertRule, OnCallContact
from supervision.tests.helpers import supervisor_session

pytestmark = pytest.mark.django_db


def waiting_since(queue, minutes: float, **fields) -> Task:
    task = task_enqueue(conversation=ConversationFactory(), queue=queue)
    Task.objects.filter(pk=task.pk).update(
        queued_at=timezone.now() - timedelta(minutes=minutes), **fields
    )
    task.refresh_from_db()
    return task


def handled(queue, *, waited: float, minutes_ago: float) -> None:
    """A contact that queued `minutes_ago` and was answered after `waited` seconds."""
    queued = timezone.now() - timedelta(minutes=minutes_ago)
    waiting_since(
        queue,
        minutes_ago,
        state=Task.State.COMPLETED,
        assigned_at=queued + timedelta(seconds=waited),
        completed_at=queued + timedelta(seconds=waited + 60),
    )


def abandoned(queue, *, after: float, minutes_ago: float) -> None:
    queued = timezone.now() - timedelta(minutes=minutes_ago)
    waiting_since(
        queue, minutes_ago, state=Task.State.ABANDONED, ended_at=queued + timedelta(seconds=after)
    )


def test_a_long_wait_opens_one_alert_which_ends_when_the_caller_is_served(billing):
    rule = AlertRule.objects.create(queue=billing, metric=AlertMetric.LONGEST_WAIT, threshold=120)
    task = waiting_since(billing, minutes=5)

    assert alerts_evaluate() == (1, 0)
    assert alerts_evaluate() == (0, 0)  # still the same breach: not opened again
    alert = Alert.objects.get()
    assert alert.rule == rule and alert.ended_at is None
    assert alert.message == "Billing: a caller has waited 300 s (limit 120 s)"

    Task.objects.filter(pk=task.pk).update(state=Task.State.CANCELLED)
    assert alerts_evaluate() == (0, 1)
    alert.refresh_from_db()
    assert alert.ended_at is not None  # kept as history


def test_a_short_wait_raises_nothing(billing):
    AlertRule.objects.create(queue=billing, metric=AlertMetric.LONGEST_WAIT, threshold=120)
    waiting_since(billing, minutes=1)
    assert alerts_evaluate() == (0, 0)


def test_service_level_over_the_rolling_window(billing):
    # Billing answers within 20 s. In the last 30 minutes: 1 of 4 in time (25 %); an hour
    # ago, many in time, outside the window.
    billing.service_level_seconds = 20
    billing.save()
    AlertRule.objects.create(
        queue=billing, metric=AlertMetric.SERVICE_LEVEL, threshold=80, window_minutes=30
    )
    handled(billing, waited=10, minutes_ago=10)
    for _ in range(3):
        handled(billing, waited=45, minutes_ago=20)
    for _ in range(10):
        handled(billing, waited=5, minutes_ago=60)

    assert alerts_evaluate() == (1, 0)
    alert = Alert.objects.get()
    assert alert.value == 25.0
    assert alert.message == "Billing: service level 25.0% over the last 30 min (target 80%)"


def test_abandon_rate_leaves_short_abandons_out(billing):
    billing.short_abandon_seconds = 5
    billing.save()
    AlertRule.objects.create(
        queue=billing, metric=AlertMetric.ABANDON_RATE, threshold=30, window_minutes=30
    )
    handled(billing, waited=10, minutes_ago=10)
    handled(billing, waited=10, minutes_ago=10)
    abandoned(billing, after=3, minutes_ago=5)  # short: not counted
    abandoned(billing, after=40, minutes_ago=5)
    # 1 abandoned of 3 counted = 33.3 % > 30 %.
    assert alerts_evaluate() == (1, 0)
    assert Alert.objects.get().value == 33.3


def test_waiting_count(billing):
    AlertRule.objects.create(queue=billing, metric=AlertMetric.WAITING, threshold=2)
    waiting_since(billing, 1)
    waiting_since(billing, 1)
    assert alerts_evaluate() == (0, 0)
    waiting_since(billing, 1)
    assert alerts_evaluate() == (1, 0)
    assert Alert.objects.get().message == "Billing: 3 callers on the line (limit 2)"


def test_contacts_waiting_with_no_eligible_agent_signed_in(billing, billing_skill):
    AlertRule.objects.create(queue=billing, metric=AlertMetric.NO_AGENT)
    bob = available_agent("Bob", skills={billing_skill: 8}, status="offline")
    waiting_since(billing, 1)

    assert alerts_evaluate() == (1, 0)
    assert Alert.objects.get().message == (
        "Billing: 1 waiting and no agent who could take them is signed in"
    )
    agent_presence_set(agent=bob, status="available", actor=Actor.AGENT)
    assert alerts_evaluate() == (0, 1)


def test_an_agent_away_too_long(billing, billing_skill):
    AlertRule.objects.create(
        queue=billing, metric=AlertMetric.AGENT_STATE, agent_state="away", threshold=600
    )
    bob = available_agent(
        "Bob",
        skills={billing_skill: 8},
        status="away",
        status_changed_at=timezone.now() - timedelta(minutes=15),
    )
    available_agent(
        "Carol",
        skills={billing_skill: 8},
        status="away",
        status_changed_at=timezone.now() - timedelta(minutes=5),
    )

    assert alerts_evaluate() == (1, 0)
    alert = Alert.objects.get()
    assert alert.subject == f"agent-{bob.pk}"
    assert alert.message == "Bob has been away for 900 s (limit 600 s, Billing)"


def test_the_on_call_list_is_told_once_by_sms_and_email(billing, vonage_api, settings):
    settings.VONAGE_NUMBERS = ["447700900000"]
    OnCallContact.objects.create(name="Priya", phone="447700900555", email="priya@example.com")
    OnCallContact.objects.create(name="Off duty", phone="447700900556", is_active=False)
    AlertRule.objects.create(
        queue=billing,
        metric=AlertMetric.WAITING,
        threshold=0,
        notify_sms=True,
        notify_email=True,
    )
    waiting_since(billing, 1)

    assert alerts_evaluate() == (1, 0)
    alerts_evaluate()

    sent = [r.body for r in vonage_api.received if r.path == "/v1/messages"]
    assert [(body["channel"], body["to"], body["from"]) for body in sent] == [
        ("sms", "447700900555", "447700900000")
    ]
    assert sent[0]["text"].endswith("alert: Billing: 1 callers on the line (limit 0)")
    assert [(m.to, m.body) for m in mail.outbox] == [
        (["priya@example.com"], "Billing: 1 callers on the line (limit 0)")
    ]
    assert Alert.objects.get().notified == ["sms:447700900555", "email:priya@example.com"]


def test_the_alerts_api_shows_open_and_ended_alerts_to_supervisors_only(
    client, billing, billing_skill
):
    AlertRule.objects.create(queue=billing, metric=AlertMetric.WAITING, threshold=0)
    task = waiting_since(billing, 1)
    alerts_evaluate()
    sam = supervisor_session()
    board = sam.get("/api/supervisor/alerts").json()
    assert [(a["queue_id"], a["metric"]) for a in board["open"]] == [(billing.pk, "waiting")]
    assert board["ended"] == []
    Task.objects.filter(pk=task.pk).update(state=Task.State.CANCELLED)
    alerts_evaluate()
    board = sam.get("/api/supervisor/alerts").json()
    assert (len(board["open"]), len(board["ended"])) == (0, 1)

    bob = available_agent("Bob", skills={billing_skill: 8})
    assert client.get("/api/supervisor/alerts").status_code in (401, 403)
    assert agent_client(bob).get("/api/supervisor/alerts").status_code == 403


def test_an_inactive_rule_raises_nothing(billing):
    AlertRule.objects.create(
        queue=billing, metric=AlertMetric.WAITING, threshold=0, is_active=False
    )
    waiting_since(billing, 1)
    assert alerts_evaluate() == (0, 0)
