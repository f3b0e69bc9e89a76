"""The satisfaction survey: texted once to the caller of an answered call, its answer kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.tests import payloads
from reports import tasks
from reports.models import SatisfactionSurvey
from reports.tests.helpers import (
    agent_leg_completed,
    agent_takes,
    caller_hangs_up,
    caller_waits,
)
from routing.tests.factories import available_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def answered_call(vonage, vonage_api, billing, billing_skill):
    """Bob answers Ada's call, then she hangs up and his leg ends: the call is over."""
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, conversation = caller_waits(vonage, billing)
    agent_call = agent_takes(vonage, conversation, bob)
    caller_hangs_up(vonage, call, after=120)
    agent_leg_completed(vonage, agent_call, at=121)
    return conversation


def texts_sent(vonage_api) -> list[dict]:
    return [r.body for r in vonage_api.received if r.path == "/v1/messages"]


def test_the_caller_of_an_answered_call_is_asked_once(answered_call, vonage_api, settings):
    tasks.post_call(answered_call.pk)  # another trigger: nothing more is sent

    [sms] = texts_sent(vonage_api)
    assert (sms["channel"], sms["to"], sms["from"]) == (
        "sms",
        payloads.CALLER_NUMBER,
        payloads.CENTRE_NUMBER,
    )
    assert sms["text"] == (
        f"Thank you for calling {settings.CALL_CENTRE_NAME}. How did we do today? "
        "Reply with a number from 1 (poor) to 5 (excellent)."
    )
    survey = SatisfactionSurvey.objects.get()
    assert (survey.state, survey.number, survey.agent.display_name) == (
        "sent",
        payloads.CALLER_NUMBER,
        "Bob",
    )
    assert survey.question.vonage_message_uuid is not None
    assert survey.question.conversation == answered_call


def test_a_reply_from_1_to_5_is_the_score_and_only_the_first_counts(answered_call, vonage):
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("Hmm, let me think"))
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms(" 4 "))
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("1"))

    survey = SatisfactionSurvey.objects.get()
    assert (survey.state, survey.score, survey.answer.text) == ("answered", 4, " 4 ")
    assert Message.objects.filter(direction="inbound").count() == 3  # all kept as messages


def test_someone_elses_reply_does_not_answer_the_survey(answered_call, vonage):
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5", sender="447700900999"))

    assert SatisfactionSurvey.objects.get().state == "sent"


def test_an_abandoned_call_gets_no_survey(vonage, vonage_api, billing):
    call, _ = caller_waits(vonage, billing)
    caller_hangs_up(vonage, call, after=30)

    assert texts_sent(vonage_api) == []
    assert not SatisfactionSurvey.objects.exists()


def test_no_survey_text_means_no_survey(vonage, vonage_api, billing, billing_skill, settings):
    settings.CSAT_SURVEY_TEXT = ""
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, conversation = caller_waits(vonage, billing)
    agent_takes(vonage, conversation, bob)
    caller_hangs_up(vonage, call, after=60)

    assert texts_sent(vonage_api) == []


def test_a_survey_vonage_refuses_is_failed_and_not_sent_again(
    vonage, vonage_api, billing, billing_skill
):
    vonage_api.answers[("POST", "/v1/messages")] = (
        422,
        {"type": "https://developer.vonage.com/api-errors#invalid-param", "title": "Invalid"},
    )
    bob = available_agent("Bob", skills={billing_skill: 8})
    call, conversation = caller_waits(vonage, billing)
    agent_takes(vonage, conversation, bob)
    caller_hangs_up(vonage, call, after=60)
    tasks.post_call(conversation.pk)

    assert SatisfactionSurvey.objects.get().state == "failed"
    assert len(texts_sent(vonage_api)) == 1
    assert not Message.objects.filter(direction="outbound").exists()


def test_the_dashboard_shows_todays_satisfaction(answered_call, vonage, client):
    client.force_login(available_agent("Sam", skills={}, user__is_staff=True).user)
    before = client.get("/api/dashboard/live").json()["totals"]["satisfaction"]
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5"))
    after = client.get("/api/dashboard/live").json()["totals"]["satisfaction"]

    assert before == {"answers": 0, "average": None}
    assert after == {"answers": 1, "average": 5.0}


def survey_left_sending(conversation, *, claimed_minutes_ago: float) -> SatisfactionSurvey:
    """As a worker killed while sending leaves it: "sending", no question, nothing sent."""
    Message.objects.filter(direction="outbound").delete()
    SatisfactionSurvey.objects.update(
        state="sending",
        question=None,
        sent_at=None,
        claimed_at=timezone.now() - timedelta(minutes=claimed_minutes_ago),
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        ended_at=timezone.now() - timedelta(minutes=10)
    )
    return SatisfactionSurvey.objects.get()


def test_the_sweep_resumes_a_survey_a_killed_worker_left_sending(answered_call, vonage_api):
    survey_left_sending(answered_call, claimed_minutes_ago=7)
    vonage_api.received.clear()

    tasks.post_call_sweep()
    tasks.post_call_sweep()

    [sms] = texts_sent(vonage_api)
    assert sms["to"] == payloads.CALLER_NUMBER
    survey = SatisfactionSurvey.objects.get()
    assert survey.state == "sent"
    assert survey.question.vonage_message_uuid is not None


def test_a_survey_a_live_run_is_sending_is_left_to_it(answered_call, vonage_api):
    survey_left_sending(answered_call, claimed_minutes_ago=1)
    vonage_api.received.clear()

    tasks.post_call_sweep()
    tasks.post_call(answered_call.pk)

    assert texts_sent(vonage_api) == []
    assert SatisfactionSurvey.objects.get().state == "sending"


def test_the_sweep_sends_a_survey_the_pipeline_never_got_to(answered_call, vonage_api):
    # As if the worker had been killed between the record and the survey.
    SatisfactionSurvey.objects.all().delete()
    Message.objects.filter(direction="outbound").delete()
    Conversation.objects.filter(pk=answered_call.pk).update(
        ended_at=timezone.now() - timedelta(minutes=10)
    )
    vonage_api.received.clear()

    tasks.post_call_sweep()
    tasks.post_call_sweep()

    assert [sms["to"] for sms in texts_sent(vonage_api)] == [payloads.CALLER_NUMBER]
    assert SatisfactionSurvey.objects.get().state == "sent"


def test_a_killed_workers_tasks_come_back_before_the_hour(settings):
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert visibility == 660
    assert visibility > 2 * settings.CELERY_TASK_TIME_LIMIT
