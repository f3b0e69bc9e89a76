"""The supervisors' list endpoints take filters (a date range, channel, queue, agent,
outcome) and are paginated: the call detail records (/api/supervisor/calls, its customers
audited as read) and the conversations (/api/conversations/)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from agents.tests.factories import AgentFactory
from compliance.models import AuditEntry
from conversations.models import Customer
from reports.models import CallDetailRecord
from routing.models import Task
from routing.tests.factories import ConversationFactory, QueueFactory
from supervision.tests.helpers import supervisor_session

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def record(*, days: int = 0, channel: str = "voice", queue=None, agent=None, outcome="answered"):
    started = DAY + timedelta(days=days)
    conversation = ConversationFactory(
        channel=channel, started_at=started, customer=Customer.objects.create(name="C")
    )
    if queue is not None:
        Task.objects.create(
            conversation=conversation,
            queue=queue,
            channel=channel,
            agent=agent,
            state=Task.State.COMPLETED,
            queued_at=started,
        )
    return CallDetailRecord.objects.create(
        conversation=conversation,
        direction="inbound",
        started_at=started,
        queue=queue,
        agent=agent,
        outcome=outcome,
    )


@pytest.fixture
def records():
    billing, sales = QueueFactory(name="Billing"), QueueFactory(name="Sales")
    bob = AgentFactory(display_name="Bob")
    return {
        "a": record(days=0, queue=billing, agent=bob),
        "b": record(days=1, queue=sales, outcome="abandoned"),
        "c": record(days=2, channel="sms", queue=billing),
        "d": record(days=5, queue=billing, agent=bob, outcome="abandoned"),
        "billing": billing,
        "bob": bob,
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["d", "c", "b", "a"]),
        ("?date_from=2026-12-02&date_to=2026-12-03", ["c", "b"]),
        ("?channel=sms", ["c"]),
        ("?outcome=abandoned", ["d", "b"]),
        ("?outcome=abandoned&date_to=2026-12-04", ["b"]),
    ],
)
def test_call_records_filtered(records, query, expected):
    response = supervisor_session().get("/api/supervisor/calls" + query)
    assert ids(response) == [records[key].pk for key in expected]


def test_call_records_by_queue_and_agent_and_paginated(records):
    sam = supervisor_session()
    billing, bob = records["billing"], records["bob"]
    assert ids(sam.get(f"/api/supervisor/calls?queue={billing.pk}")) == [
        records[k].pk for k in ("d", "c", "a")
    ]
    assert ids(sam.get(f"/api/supervisor/calls?agent={bob.pk}&queue={billing.pk}")) == [
        records[k].pk for k in ("d", "a")
    ]
    AuditEntry.objects.all().delete()  # (the reads above were audited too)
    page = sam.get("/api/supervisor/calls?limit=2&offset=1").json()
    assert (page["count"], [r["id"] for r in page["results"]]) == (
        4,
        [records["c"].pk, records["b"].pk],
    )
    assert page["results"][0]["channel"] == "sms"
    # The customers of the page shown, and only they, are in the audit trail.
    assert sorted(
        AuditEntry.objects.filter(where="supervisor calls API").values_list("object_id", flat=True)
    ) == sorted(str(records[k].conversation.customer_id) for k in ("c", "b"))


def test_bad_filters_are_refused_with_the_field(records):
    response = supervisor_session().get("/api/supervisor/calls?date_from=yesterday&channel=fax")
    assert response.status_code == 400
    assert set(response.json()) == {"date_from", "channel"}


def test_conversations_filtered_by_queue_agent_outcome_and_dates(records):
    sam = supervisor_session()
    billing, bob = records["billing"], records["bob"]

    def conversations(query: str) -> list[int]:
        return ids(sam.get("/api/conversations/" + query))

    def of(*keys: str) -> list[int]:
        return [records[k].conversation_id for k in keys]

    assert conversations(f"?queue={billing.pk}") == of("d", "c", "a")
    assert conversations(f"?agent={bob.pk}") == of("d", "a")
    assert conversations("?outcome=abandoned") == of("d", "b")
    assert conversations("?channel=voice&date_from=2026-12-01&date_to=2026-12-02") == of("b", "a")
    assert sam.get("/api/conversations/?queue=x").status_code == 400


def test_only_supervisors_list_calls(records):
    assert Client().get("/api/supervisor/calls").status_code in (401, 403)
