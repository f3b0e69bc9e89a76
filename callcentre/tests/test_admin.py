"""Supervisors configure and inspect everything in Django admin."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from agents.tests.factories import AgentFactory, UserFactory
from conversations.models import Channel, Conversation, Message, Recording
from conversations.tests import payloads
from reports.models import CallDetailRecord, SatisfactionSurvey
from routing.models import Offer, Task
from routing.tests.factories import QueueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    return client


def admin_urls() -> list[str]:
    return [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
        if model._meta.app_label in {"conversations", "routing", "agents", "reports"}
    ]


def test_every_model_of_the_product_is_in_admin():
    registered = {model._meta.label for model in admin.site._registry}
    assert {
        "conversations.Customer",
        "conversations.CustomerHandle",
        "conversations.Conversation",
        "conversations.Member",
        "conversations.Event",
        "conversations.Message",
        "conversations.Recording",
        "routing.Skill",
        "routing.Queue",
        "agents.Agent",
        "agents.AgentSkill",
        "reports.CallDetailRecord",
    } <= registered


def test_every_changelist_and_add_page_opens(supervisor_client, vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)

    for url in admin_urls():
        assert supervisor_client.get(url).status_code == 200, url
    conversation = Conversation.objects.get()
    change_page = supervisor_client.get(
        f"/admin/conversations/conversation/{conversation.pk}/change/"
    )
    assert change_page.status_code == 200
    assert call["uuid"] in change_page.content.decode()


def test_agents_cannot_open_admin(client):
    client.force_login(UserFactory(username="alice"))

    response = client.get("/admin/conversations/conversation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_spells_ivr_and_vip_in_capitals(supervisor_client):
    index = supervisor_client.get("/admin/routing/").content.decode()
    add_menu = supervisor_client.get("/admin/routing/ivrmenu/add/").content.decode()

    assert ">IVR menus<" in index
    assert "Ivr" not in index
    for label in ("VIP greeting:", "VIP queue:", "VIP priority boost:", "VIP skill:"):
        assert label in add_menu
    assert "IVR options" in add_menu  # the options inline
    assert "Vip " not in add_menu and "Ivr " not in add_menu


@pytest.fixture
def records(vonage) -> list:
    """One of each record of what happened: a call (its members and events), a message, a
    recording, the call's detail record and survey."""
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)
    conversation = Conversation.objects.get()
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        channel=Channel.SMS,
        text="Hello",
        occurred_at=now,
    )
    recording = Recording.objects.create(
        conversation=conversation,
        recording_uuid="rec-1",
        vonage_url="https://api.nexmo.com/v1/files/rec-1",
    )
    record, _ = CallDetailRecord.objects.get_or_create(
        conversation=conversation, defaults={"direction": "inbound", "started_at": now}
    )
    survey, _ = SatisfactionSurvey.objects.get_or_create(
        conversation=conversation, defaults={"number": payloads.CALLER_NUMBER}
    )
    queue = QueueFactory(name="Records")
    task = Task.objects.create(conversation=conversation, queue=queue, queued_at=now)
    offer = Offer.objects.create(
        task=task, agent=AgentFactory(), created_at=now, expires_at=now + timedelta(seconds=20)
    )
    return [
        conversation,
        conversation.members.first(),
        conversation.events.first(),
        message,
        recording,
        record,
        survey,
        task,
        offer,
    ]


def admin_url(instance, view: str) -> str:
    meta = instance._meta
    if view in ("changelist", "add"):
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[instance.pk])


def test_records_of_what_happened_are_shown_but_never_added_changed_or_deleted(
    supervisor_client, records
):
    for record in records:
        name = record._meta.verbose_name
        before = model_to_dict(record)
        change_page = supervisor_client.get(admin_url(record, "change"))
        changelist = supervisor_client.get(admin_url(record, "changelist")).content.decode()

        assert change_page.status_code == 200, name
        assert f"View {name}" in change_page.content.decode(), name
        assert 'name="_save"' not in change_page.content.decode(), name
        assert admin_url(record, "add") not in changelist, name  # no Add button, nor in the nav
        assert 'value="delete_selected"' not in changelist, name
        assert supervisor_client.get(admin_url(record, "add")).status_code == 403, name
        assert supervisor_client.post(admin_url(record, "add"), {}).status_code == 403, name
        assert supervisor_client.post(admin_url(record, "change"), {}).status_code == 403, name
        assert supervisor_client.post(admin_url(record, "delete"), {"post": "yes"}).status_code == (
            403
        ), name
        assert model_to_dict(type(record).objects.get(pk=record.pk)) == before, name


def test_the_call_page_offers_no_new_members_or_events(supervisor_client, records):
    page = supervisor_client.get(admin_url(records[0], "change")).content.decode()

    # Django renders an inline's empty form (the "Add another" template) only if it may add.
    assert 'id="members-empty"' not in page
    assert 'id="events-empty"' not in page


def test_configuration_stays_editable(supervisor_client):
    for url in [
        "/admin/conversations/customer/add/",
        "/admin/routing/queue/add/",
        "/admin/routing/ivrmenu/add/",
        "/admin/agents/agent/add/",
    ]:
        page = supervisor_client.get(url)
        assert page.status_code == 200, url
        assert 'name="_save"' in page.content.decode(), url
