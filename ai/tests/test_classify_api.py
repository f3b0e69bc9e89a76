"""Trying a phrase before publishing intents: the API and the command."""

import pytest
from django.core.management import CommandError, call_command

from agents.tests.factories import UserFactory
from ai.models import Intent, IntentModel
from ai.tests.helpers import demo_model_store, demo_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True))
    return client


@pytest.fixture
def trained():
    demo_setup()
    demo_model_store()


def test_a_supervisor_classifies_a_phrase(supervisor_client, trained):
    response = supervisor_client.post(
        "/api/intents/classify", {"text": "I have a problem with my bill"}, "application/json"
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["intent"], body["label"], body["routes"], body["threshold"]) == (
        "BILLING_DISPUTE",
        "Billing dispute",
        True,
        0.5,
    )
    assert body["queue_id"] == Intent.objects.get(name="BILLING_DISPUTE").queue_id


def test_a_draft_intent_can_be_tried_before_it_is_published(supervisor_client, trained):
    Intent.objects.create(
        name="DELIVERY",
        label="Delivery",
        is_active=False,
        examples="where is my parcel\nmy delivery has not arrived\nwhen will my order come",
    )
    models_before = IntentModel.objects.count()

    published = supervisor_client.post(
        "/api/intents/classify", {"text": "where is my parcel"}, "application/json"
    ).json()
    drafted = supervisor_client.post(
        "/api/intents/classify", {"text": "where is my parcel", "drafts": True}, "application/json"
    ).json()

    assert published["intent"] != "DELIVERY"
    assert drafted["intent"] == "DELIVERY"
    assert IntentModel.objects.count() == models_before  # a draft model is never stored


def test_bad_input_is_a_400_with_the_reason(supervisor_client, trained):
    response = supervisor_client.post("/api/intents/classify", {"text": ""}, "application/json")

    assert response.status_code == 400
    assert "text" in response.json()


def test_without_a_model_the_api_says_so(supervisor_client):
    response = supervisor_client.post(
        "/api/intents/classify", {"text": "my bill"}, "application/json"
    )

    assert response.status_code == 409
    assert "No intent model yet" in response.json()["detail"]


def test_an_agent_may_not_use_it(client, trained):
    client.force_login(UserFactory(username="bob"))

    response = client.post("/api/intents/classify", {"text": "my bill"}, "application/json")

    assert response.status_code == 403


def test_the_command_prints_the_intent_and_what_the_ivr_would_do(trained, capsys):
    call_command("classify_intent", "I have a problem with my bill")
    routed = capsys.readouterr().out
    call_command("classify_intent", "good", "morning")
    not_routed = capsys.readouterr().out

    assert routed.startswith("BILLING_DISPUTE\t") and routed.endswith("\troutes the call\n")
    assert not_routed.startswith("NO_INTENT\t")
    assert "keypad menu" in not_routed


def test_the_command_refuses_without_a_model():
    with pytest.raises(CommandError, match="No intent model yet"):
        call_command("classify_intent", "my bill")
