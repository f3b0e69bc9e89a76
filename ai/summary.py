"""After the contact: its transcript, a sentiment summary and a short extractive summary
(ai.models.CallSummary), then what it came to written back to the CRM (conversations.crm).
A step of the post-call pipeline (reports.tasks); idempotent, so the sweep may run it again.

The summary is extractive: the customer's and agent's sentences scored by how many of the
contact's frequent content words they hold (Luhn's method), the best SUMMARY_SENTENCES kept
in the order they were said. No model, no network.
"""

import re
from collections import Counter

from django.db import transaction
from django.db.models import Avg, Min
from django.utils import timezone

from ai import sentiment
from ai.models import CallSummary, Utterance
from conversations.crm import CrmOutcome, crm_write_back
from conversations.models import Conversation, Message, TranscriptSegment

SUMMARY_SENTENCES = 3
SUMMARY_MAX_CHARS = 600

# Words that say little about what a contact was about.
STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i i'd i'll i'm i've if in into
    is it it's its itself just let me more most my myself no nor not now of off on once only
    or other our ours out over own same she should so some such than that that's the their
    them then there there's these they this those through to too under until up very was we
    we'll we're were what when where which while who whom why will with would you you're
    your yours yes okay ok oh um er hello hi thanks thank please sorry right well yeah""".split()
)


def transcript_lines(conversation: Conversation) -> list[tuple[str, str]]:
    """(speaker, text) in the order said: the IVR speech, then the live transcript of a
    call, or a chat's messages."""
    lines = [
        ("customer", str(heard.get("text", "")))
        for heard in conversation.attributes.get("speech", [])
    ]
    segments = TranscriptSegment.objects.filter(conversation=conversation).order_by(
        "started_at", "pk"
    )
    lines += [(segment.speaker, segment.text) for segment in segments]
    messages = Message.objects.filter(conversation=conversation).order_by("occurred_at", "pk")
    lines += [
        ("customer" if message.direction == Message.Direction.INBOUND else "agent", message.text)
        for message in messages
        if message.text
    ]
    return [(speaker, text.strip()) for speaker, text in lines if text.strip()]


def sentences_of(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


def content_words(text: str) -> list[str]:
    return [
        word
        for word in re.findall(r"[a-z']+", text.lower())
        if word not in STOP_WORDS and len(word) > 2
    ]


def extractive_summary(lines: list[tuple[str, str]], *, limit: int = SUMMARY_SENTENCES) -> str:
    """The `limit` sentences richest in the contact's frequent content words, in order."""
    sentences = [(speaker, sentence) for speaker, text in lines for sentence in sentences_of(text)]
    frequencies = Counter(word for _, sentence in sentences for word in content_words(sentence))
    if not frequencies:
        return ""
    top = max(frequencies.values())

    def weight(sentence: str) -> float:
        words = content_words(sentence)
        if not words:
            return 0.0
        return sum(frequencies[word] / top for word in words) / (len(words) ** 0.5)

    ranked = sorted(range(len(sentences)), key=lambda index: -weight(sentences[index][1]))
    chosen = sorted(index for index in ranked[:limit] if weight(sentences[index][1]) > 0)
    text = " ".join(
        f"{sentences[index][0].capitalize()}: {sentences[index][1]}" for index in chosen
    )
    return text[:SUMMARY_MAX_CHARS]


def call_summarise(*, conversation_id: int, outcome: str, disposition: str) -> CallSummary | None:
    """Write (or bring up to date) the contact's summary, then the CRM write-back."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return None
    lines = transcript_lines(conversation)
    customer_scores = Utterance.objects.filter(conversation=conversation, speaker="customer")
    figures = customer_scores.aggregate(average=Avg("sentiment"), lowest=Min("sentiment"))
    last = customer_scores.order_by("-pk").values_list("sentiment", flat=True).first()
    summary_text = extractive_summary(lines)
    if conversation.intent:
        summary_text = f"Intent: {conversation.intent}. {summary_text}".strip()
    with transaction.atomic():
        summary, _ = CallSummary.objects.update_or_create(
            conversation=conversation,
            defaults={
                "transcript": "\n".join(f"{speaker}: {text}" for speaker, text in lines),
                "summary": summary_text,
                "sentiment_average": round(figures["average"], 4)
                if figures["average"] is not None
                else None,
                "sentiment_lowest": figures["lowest"],
                "sentiment_last": last,
                "sentiment_label": sentiment.label(conversation.sentiment),
            },
        )
    if conversation.customer_id is not None:
        written = crm_write_back(
            CrmOutcome(
                customer_id=conversation.customer_id,
                conversation_id=conversation.pk,
                outcome=outcome,
                disposition=disposition,
                intent=conversation.intent,
                sentiment=conversation.sentiment,
                summary=summary.summary,
            )
        )
        if written:
            summary.crm_written_at = timezone.now()
            summary.save(update_fields=["crm_written_at"])
    return summary
