"""The daily reconciliation against Vonage's Reports API, served by the sandbox over HTTPS
(Basic auth, CONTRACT §8) from the calls it really played: a day that agrees has no issue; a
price, a duration or a currency we stored differently, and legs on one side only, are
flagged and shown in admin; wrong credentials leave a run with the error."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from agents.tests.factories import UserFactory
from callcentre.tests.helpers import wait_until
from callcentre.vonage.client import reset_client
from conversations.models import Member
from reports.models import CallDetailRecord
from sandbox.tests.helpers import API_SECRET, CALLER, CENTRE
from supervision.models import ReconciliationIssue, ReconciliationRun
from supervision.reconciliation import reconcile_day, reconcile_yesterday
from supervision.tests.helpers import sandbox_settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(project_sandbox, settings, queues):
    settings.VONAGE_API_SECRET = API_SECRET
    return project_sandbox()


@pytest.fixture
def queues(billing_menu):
    return billing_menu


def a_finished_call(sandbox) -> Member:
    leg = sandbox.control.dial(from_number=CALLER, to_number=CENTRE)["uuid"]
    wait_until(
        lambda: any("press 2" in i["text"] for i in sandbox.control.call(leg)["feed"]), timeout=20
    )
    sandbox.control.hangup(leg)
    member = wait_until(
        lambda: Member.objects.filter(leg_uuid=leg, price__isnull=False).first(), timeout=20
    )
    wait_until(lambda: sandbox_settled(sandbox), timeout=30)
    wait_until(lambda: CallDetailRecord.objects.filter(leg_uuid=leg).exists(), timeout=20)
    member.refresh_from_db()
    return member


def today() -> datetime:
    return datetime.now(UTC)


def test_a_day_that_agrees_with_vonage_has_no_issue(sandbox):
    member = a_finished_call(sandbox)
    wait_until(lambda: CallDetailRecord.objects.exists(), timeout=20)

    run = reconcile_day(day=member.joined_at.astimezone(UTC).date())

    assert (run.error, run.records_checked, run.vonage_records) == ("", 1, 1)
    assert list(run.issues.all()) == []


def test_differences_and_one_sided_legs_are_flagged_and_shown_in_admin(sandbox):
    member = a_finished_call(sandbox)
    cdr = wait_until(lambda: CallDetailRecord.objects.first(), timeout=20)
    vonage_price, vonage_duration = member.price, member.duration_seconds
    Member.objects.filter(pk=member.pk).update(
        price=member.price + Decimal("0.01"), duration_seconds=member.duration_seconds + 30
    )
    CallDetailRecord.objects.filter(pk=cdr.pk).update(currency="GBP")
    # A leg we recorded that Vonage does not know.
    Member.objects.create(
        conversation=member.conversation,
        kind=Member.Kind.EXTERNAL,
        channel="voice",
        leg_uuid="leg-we-made-up",
        call_status="completed",
        joined_at=member.joined_at,
        price=Decimal("0.5"),
        duration_seconds=10,
    )

    run = reconcile_day(day=member.joined_at.astimezone(UTC).date())

    issues = sorted(run.issues.values_list("leg_uuid", "kind", "ours", "theirs"))
    assert issues == sorted(
        [
            (member.leg_uuid, "price", str(vonage_price + Decimal("0.01")), f"{vonage_price:.8f}"),
            (member.leg_uuid, "duration", str(vonage_duration + 30), str(vonage_duration)),
            (member.leg_uuid, "currency", "GBP", "EUR"),
            ("leg-we-made-up", "missing_vonage", "0.50000000", ""),
        ]
    )
    admin = Client()
    admin.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    page = admin.get(f"/admin/supervision/reconciliationrun/{run.pk}/change/")
    assert page.status_code == 200
    assert "leg-we-made-up" in page.content.decode()


def test_a_leg_only_vonage_has_is_flagged(sandbox):
    member = a_finished_call(sandbox)
    Member.objects.filter(pk=member.pk).delete()
    # The leg's events are gone with it: we no longer know the call Vonage billed.
    run = reconcile_day(day=datetime.now(UTC).date())
    assert list(run.issues.values_list("leg_uuid", "kind")) == [(member.leg_uuid, "missing_here")]


def test_wrong_credentials_leave_a_run_with_the_error(sandbox, settings):
    settings.VONAGE_API_SECRET = "not-the-secret"
    reset_client()
    run = reconcile_day(day=today().date())
    assert run.error == "401: Unauthorized: You did not provide correct credentials."
    assert not ReconciliationIssue.objects.exists()
    # The beat task tries yesterday again while its only run failed, and not once it succeeded.
    settings.VONAGE_API_SECRET = API_SECRET
    reset_client()
    tomorrow = today() + timedelta(days=1)
    assert reconcile_yesterday(now=tomorrow) is not None
    assert reconcile_yesterday(now=tomorrow) is None
    assert ReconciliationRun.objects.filter(error="").count() == 1
