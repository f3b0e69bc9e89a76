"""After the call: transcript, sentiment summary, extractive summary and the CRM write-back,
as a step of the post-call pipeline."""

import pytest
from django.utils import timezone

from ai import services
from ai.models import CallSummary
from ai.summary import extractive_summary
from conversations.models import Conversation, Customer, CustomerOutcome, TranscriptSegment
from reports.models import CallDetailRecord
from reports.tasks import post_call
from routing.tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db(transaction=True)

SAID = [
    ("customer", "Hello, I have a problem with my bill."),
    ("agent", "I'm sorry to hear that. Let me look at your bill."),
    ("customer", "I was charged twice for my broadband this month."),
    ("agent", "I can see the double charge on your broadband bill. I will refund it today."),
    ("customer", "Thank you, that is great."),
]


@pytest.fixture
def ended_call():
    sarah = Customer.objects.create(name="Sarah Johnson")
    conversation = ConversationFactory(customer=sarah, intent="BILLING_DISPUTE")
    conversation.attributes = {"speech": [{"text": "I have a problem with my bill"}]}
    conversation.save()
    services.utterance_observed(
        conversation_id=conversation.pk,
        text="I have a problem with my bill",
        speaker="customer",
        source="speech",
    )
    for second, (speaker, text) in enumerate(SAID):
        TranscriptSegment.objects.create(
            conversation=conversation,
            speaker=speaker,
            started_at=second * 5,
            ended_at=second * 5 + 4,
            text=text,
        )
        services.utterance_observed(
            conversation_id=conversation.pk, text=text, speaker=speaker, source="transcript"
        )
    Conversation.objects.filter(pk=conversation.pk).update(
        state="ended", ended_at=timezone.now(), duration_seconds=60
    )
    return conversation


def test_the_pipeline_keeps_the_transcript_and_summary_and_tells_the_crm(ended_call):
    post_call(ended_call.pk)

    summary = CallSummary.objects.get(conversation=ended_call)
    assert summary.transcript.splitlines() == [
        "customer: I have a problem with my bill",
        *[f"{speaker}: {text}" for speaker, text in SAID],
    ]
    assert summary.summary.startswith("Intent: BILLING_DISPUTE. ")
    assert "Agent: I can see the double charge on your broadband bill." in summary.summary
    assert (summary.sentiment_lowest, summary.sentiment_label) == (-0.4019, "positive")
    assert summary.sentiment_last > 0.5
    assert summary.crm_written_at is not None
    outcome = CustomerOutcome.objects.get(conversation=ended_call)
    cdr = CallDetailRecord.objects.get(conversation=ended_call)
    assert (outcome.customer.name, outcome.outcome, outcome.intent, outcome.summary) == (
        "Sarah Johnson",
        cdr.outcome,
        "BILLING_DISPUTE",
        summary.summary,
    )
    assert cdr.intent == "BILLING_DISPUTE"


def test_running_the_step_again_changes_nothing(ended_call):
    post_call(ended_call.pk)
    first = CallSummary.objects.get().summary

    post_call(ended_call.pk)

    assert (CallSummary.objects.get().summary, CustomerOutcome.objects.count()) == (first, 1)


def test_the_summary_keeps_the_sentences_richest_in_the_contacts_words():
    summary = extractive_summary(SAID, limit=2)

    # "bill" and "broadband" come up most; the greeting and the thanks say nothing.
    assert summary == (
        "Customer: Hello, I have a problem with my bill. "
        "Agent: I can see the double charge on your broadband bill."
    )
    assert extractive_summary([("customer", "Hello. Thanks.")]) == ""
