"""The audit trail: reading a customer record or a recording leaves an entry; the trail
itself cannot be edited."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from agents.tests.factories import UserFactory
from compliance.models import AuditEntry
from compliance.services import audit_reads
from conversations.models import Conversation, Customer, Member, Recording
from routing.queueing import task_enqueue
from routing.tests.factories import ConversationFactory, available_agent

pytestmark = pytest.mark.django_db(transaction=True)


def entries() -> list[tuple]:
    return list(AuditEntry.objects.values_list("username", "kind", "object_id", "where"))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_desktop_showing_who_calls_is_a_read_of_their_record(billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8}, user__username="bob")
    ada = Customer.objects.create(name="Ada Lovelace", is_vip=True)
    task_enqueue(conversation=ConversationFactory(customer=ada), queue=billing)
    client = logged_in(bob.user)

    client.get("/api/agent/")
    client.get("/api/agent/")

    assert entries() == [("bob", "customer", str(ada.pk), "agent desktop")] * 2


def test_a_desktop_with_nothing_on_it_reads_no_record(billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8})

    logged_in(bob.user).get("/api/agent/")

    assert entries() == []


def test_opening_a_customer_or_a_call_in_the_admin_is_a_read(billing):
    sam = UserFactory(username="sam", is_staff=True, is_superuser=True)
    ada = Customer.objects.create(name="Ada Lovelace")
    call = ConversationFactory(customer=ada)
    client = logged_in(sam)

    assert client.get(f"/admin/conversations/customer/{ada.pk}/change/").status_code == 200
    assert client.get(f"/admin/conversations/conversation/{call.pk}/change/").status_code == 200
    assert client.get("/admin/conversations/customer/missing/change/").status_code == 302

    assert entries() == [("sam", "customer", str(ada.pk), "admin")] * 2


@pytest.fixture
def stored_recording(settings, tmp_path) -> Recording:
    settings.MEDIA_ROOT = tmp_path
    conversation = Conversation.objects.create(channel="voice", started_at=timezone.now())
    recording = Recording.objects.create(
        conversation=conversation, recording_uuid="rec-1", vonage_url="https://api.nexmo.com/x"
    )
    recording.file.save("rec-1.mp3", ContentFile(b"ID3 audio"))
    return recording


def test_a_supervisor_listens_to_a_recording_and_it_is_in_the_trail(stored_recording):
    sam = UserFactory(username="sam", is_staff=True)

    response = logged_in(sam).get(f"/recordings/{stored_recording.pk}/audio")

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert b"".join(response.streaming_content) == b"ID3 audio"
    assert entries() == [("sam", "recording", str(stored_recording.pk), "recording download")]


def test_an_agent_hears_only_the_recordings_of_calls_they_were_on(stored_recording):
    bob = available_agent("Bob", skills={}, user__username="bob")
    carol = available_agent("Carol", skills={}, user__username="carol")
    Member.objects.create(
        conversation=stored_recording.conversation,
        kind="agent",
        channel="voice",
        agent=bob,
        joined_at=timezone.now(),
    )
    url = f"/recordings/{stored_recording.pk}/audio"

    bobs = logged_in(bob.user).get(url)
    carols = logged_in(carol.user).get(url)
    anonymous = Client().get(url)

    assert bobs.status_code == 200
    assert carols.status_code == 404
    assert anonymous.status_code == 302
    assert entries() == [("bob", "recording", str(stored_recording.pk), "recording download")]


def test_a_recording_not_stored_yet_is_a_404(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    conversation = Conversation.objects.create(channel="voice", started_at=timezone.now())
    recording = Recording.objects.create(
        conversation=conversation, recording_uuid="rec-2", vonage_url="https://api.nexmo.com/y"
    )
    sam = UserFactory(username="sam", is_staff=True)

    assert logged_in(sam).get(f"/recordings/{recording.pk}/audio").status_code == 404
    assert entries() == []


def test_nobody_can_add_change_or_delete_an_entry(stored_recording):
    sam = UserFactory(username="sam", is_staff=True, is_superuser=True)
    client = logged_in(sam)
    client.get(f"/recordings/{stored_recording.pk}/audio")
    entry = AuditEntry.objects.get()

    listed = client.get("/admin/compliance/auditentry/")
    added = client.get("/admin/compliance/auditentry/add/")
    deleted = client.post(f"/admin/compliance/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert listed.status_code == 200 and "recording download" in listed.content.decode()
    assert added.status_code == 403
    assert deleted.status_code == 403
    assert AuditEntry.objects.count() == 1


def test_a_read_nobody_logged_in_for_is_still_in_the_trail():
    read = audit_reads(
        user=AnonymousUser(), kind=AuditEntry.Kind.CUSTOMER, object_ids=[7, 7], where="api"
    )

    assert read == 1
    assert entries() == [("", "customer", "7", "api")]
    assert AuditEntry.objects.get().user is None
