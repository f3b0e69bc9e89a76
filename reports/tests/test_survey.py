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
from routing import chat as routing_chat
from routing.models import Offer, Task
from routing.offers import offer_accept
from routing.presence import agent_ready
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


# A reply belongs to the survey (issue 11, item 5)


def test_a_reply_is_kept_with_the_survey_and_opens_no_conversation(answered_call, vonage):
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5"))

    survey = SatisfactionSurvey.objects.get()
    assert (survey.state, survey.score) == ("answered", 5)
    assert survey.answer.conversation == answered_call  # beside the question
    assert list(Conversation.objects.all()) == [answered_call]
    assert Task.objects.filter(channel="sms").count() == 0  # no chat for anybody


def test_a_reply_leaves_the_customers_open_thread_alone(answered_call, vonage, billing, settings):
    settings.MESSAGES_QUEUE = billing.name  # the chat waits there (Bob is in wrap-up)
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("Where is my refund?"))
    thread = Conversation.objects.get(channel="sms")
    chat = Task.objects.get(conversation=thread)

    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5", seconds=5))

    survey = SatisfactionSurvey.objects.get()
    assert (survey.state, survey.score, survey.answer.conversation) == (
        "answered",
        5,
        answered_call,
    )
    thread.refresh_from_db()
    assert thread.state == "active"
    assert [m.text for m in thread.messages.all()] == ["Where is my refund?"]
    assert Task.objects.get(pk=chat.pk).state == chat.state == "queued"


def test_a_score_sent_while_an_agent_holds_the_customers_sms_chat_is_for_the_agent(
    answered_call, vonage, billing, settings
):
    settings.MESSAGES_QUEUE = billing.name
    carol = available_agent("Carol", skills={billing.queue_skills.get().skill: 8})
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("How many licences?"))
    chat = Task.objects.get(channel="sms")
    offer_accept(offer_id=Offer.objects.get(task=chat).pk, agent=carol)

    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5", seconds=5))

    assert SatisfactionSurvey.objects.get().state == "sent"
    assert [m.text for m in chat.conversation.messages.order_by("pk")] == [
        "How many licences?",
        "5",
    ]


# How often, and how it is worded (issue 11, item 6)


def call_answered_by(vonage, queue, agent) -> Conversation:
    """Another call from the same caller reaches the agent and ends; the agent is free."""
    call, conversation = caller_waits(vonage, queue)
    agent_call = agent_takes(vonage, conversation, agent)
    caller_hangs_up(vonage, call, after=120)
    agent_leg_completed(vonage, agent_call, at=121)
    agent_ready(agent=agent)
    return conversation


def test_a_customer_gets_one_survey_a_day_however_often_they_call(
    vonage, vonage_api, billing, billing_skill, settings
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    first = call_answered_by(vonage, billing, bob)
    second = call_answered_by(vonage, billing, bob)
    third = call_answered_by(vonage, billing, bob)

    assert len(texts_sent(vonage_api)) == 1
    assert [
        SatisfactionSurvey.objects.get(conversation=call).state for call in (first, second, third)
    ] == ["sent", "skipped", "skipped"]
    assert settings.CSAT_SURVEY_MIN_INTERVAL_HOURS == 24


def test_after_the_interval_the_customer_is_asked_again(vonage, vonage_api, billing, billing_skill):
    bob = available_agent("Bob", skills={billing_skill: 8})
    call_answered_by(vonage, billing, bob)
    SatisfactionSurvey.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    latest = call_answered_by(vonage, billing, bob)

    assert len(texts_sent(vonage_api)) == 2
    assert SatisfactionSurvey.objects.get(conversation=latest).state == "sent"


def test_a_failed_survey_does_not_count_and_no_interval_means_no_limit(
    vonage, vonage_api, billing, billing_skill, settings
):
    bob = available_agent("Bob", skills={billing_skill: 8})
    vonage_api.answers[("POST", "/v1/messages")] = (422, {"title": "Invalid"})
    call_answered_by(vonage, billing, bob)
    del vonage_api.answers[("POST", "/v1/messages")]
    call_answered_by(vonage, billing, bob)
    settings.CSAT_SURVEY_MIN_INTERVAL_HOURS = 0
    call_answered_by(vonage, billing, bob)

    assert list(SatisfactionSurvey.objects.order_by("pk").values_list("state", flat=True)) == [
        "failed",
        "sent",
        "sent",
    ]


def test_after_a_chat_the_survey_thanks_the_customer_for_contacting_us(
    vonage, vonage_api, billing, billing_skill, settings
):
    settings.MESSAGES_QUEUE = billing.name
    bob = available_agent("Bob", skills={billing_skill: 8})
    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("Where is my refund?"))
    chat = Task.objects.get(channel="sms")
    offer_accept(offer_id=Offer.objects.get(task=chat).pk, agent=bob)
    routing_chat.chat_close(task=Task.objects.get(pk=chat.pk), agent=bob)

    tasks.post_call(chat.conversation_id)  # the sweep does this for a closed chat

    [sms] = texts_sent(vonage_api)
    assert (sms["to"], sms["text"]) == (
        payloads.CALLER_NUMBER,
        f"Thank you for contacting {settings.CALL_CENTRE_NAME}. How did we do today? "
        "Reply with a number from 1 (poor) to 5 (excellent).",
    )
    assert SatisfactionSurvey.objects.get().conversation_id == chat.conversation_id


def test_an_answer_gets_one_short_thank_you(answered_call, vonage, vonage_api, settings):
    reply = payloads.inbound_sms("5")
    vonage.post("/webhooks/inbound-message", reply)
    vonage.post("/webhooks/inbound-message", reply)  # redelivered
    tasks.thank_for_survey_answer(SatisfactionSurvey.objects.get().pk)  # a task redelivered

    question, thanks = texts_sent(vonage_api)
    assert (thanks["to"], thanks["from"], thanks["text"]) == (
        payloads.CALLER_NUMBER,
        payloads.CENTRE_NUMBER,
        "Thank you for your feedback!",
    )
    survey = SatisfactionSurvey.objects.get()
    assert survey.thanked_at is not None
    assert answered_call.messages.filter(direction="outbound").count() == 2


def test_no_thank_you_text_sends_none(answered_call, vonage, vonage_api, settings):
    settings.CSAT_SURVEY_THANKS_TEXT = ""

    vonage.post("/webhooks/inbound-message", payloads.inbound_sms("5"))

    assert len(texts_sent(vonage_api)) == 1  # the question only
    assert SatisfactionSurvey.objects.get().state == "answered"


def test_a_messenger_chat_gets_no_sms_survey(vonage, vonage_api, billing, billing_skill, settings):
    settings.MESSAGES_QUEUE = billing.name
    bob = available_agent("Bob", skills={billing_skill: 8})
    # A Messenger id is digits too, but no phone number to text.
    message = {**payloads.inbound_sms("Hello", sender="2450981234567890"), "channel": "messenger"}
    del message["sms"]
    assert vonage.post("/webhooks/inbound-message", message).status_code == 200
    chat = Task.objects.get(channel="messenger")
    offer_accept(offer_id=Offer.objects.get(task=chat).pk, agent=bob)
    routing_chat.chat_close(task=Task.objects.get(pk=chat.pk), agent=bob)

    tasks.post_call(chat.conversation_id)

    assert texts_sent(vonage_api) == []
    assert not SatisfactionSurvey.objects.exists()
