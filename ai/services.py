"""ai writes: training the intent classifier, what callers said (intent, speech, sentiment),
and the entry point every source of words calls: `utterance_observed`.

`utterance_observed` is the one service for a new utterance, whatever it came from (the
IVR's speech recognition, a chat message, a live transcript segment): it scores its
sentiment, keeps it, moves the conversation's running score, and lets agent assist
(ai.assist) suggest what to do; suggestions reach the agent's desktop after commit.
"""

import logging

import sklearn
from django.db import transaction

from ai import assist, selectors, sentiment
from ai.classifier import Classifier, train_timed
from ai.models import Intent, IntentModel, Utterance
from ai.selectors import IntentMatch
from callcentre.celery import enqueue
from conversations.models import Conversation

logger = logging.getLogger(__name__)

# Trained models kept besides the newest (for looking back in the admin).
MODELS_KEPT = 5
SPEAKERS = ("customer", "agent", "supervisor")


def model_changed() -> None:
    """The trained model or an intent's route changed (and was committed): every process
    reloads its classifier."""
    selectors.model_cache.changed()


def train_later() -> None:
    enqueue("ai.train_intents")


def intents_changed() -> None:
    """An intent was added, edited or removed: routes change at once everywhere (after
    commit), and the classifier is trained again in the background, once however many
    intents the transaction edited."""
    selectors.model_cache.clear()
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is train_later for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(model_changed)
    transaction.on_commit(train_later)


def intents_train() -> IntentModel | None:
    """Train the classifier on the active intents' examples and make it the one in use.

    The active intents are locked while training, so two trainings run one after the
    other and the newest model is trained on the newest examples. With no intent left,
    the stored models go: callers then hear the keypad menu.
    """
    with transaction.atomic():
        list(Intent.objects.select_for_update().filter(is_active=True).order_by("pk"))
        examples = selectors.training_examples()
        names = sorted({name for _, name in examples})
        if not names:
            IntentModel.objects.all().delete()
            transaction.on_commit(model_changed)
            return None
        classifier, seconds = train_timed(examples)
        stored = IntentModel.objects.create(
            intents=names,
            examples=len(examples),
            library_version=sklearn.__version__,
            training_seconds=round(seconds, 3),
            pipeline=classifier.to_bytes(),
        )
        old = IntentModel.objects.order_by("-pk").values_list("pk", flat=True)[MODELS_KEPT:]
        IntentModel.objects.filter(pk__in=list(old)).delete()
        transaction.on_commit(model_changed)
    logger.info("intent model %s trained on %s phrases in %.2fs", stored.pk, len(examples), seconds)
    return stored


def intent_try(*, text: str, with_drafts: bool = False) -> IntentMatch | None:
    """What the classifier makes of a phrase: the one in use, or (`with_drafts`) one trained
    now, not stored, on every intent, the inactive ones too (to try intents before they are
    published). None when there is no model, or no intent to train one on."""
    if not with_drafts:
        return selectors.intent_classify(text)
    examples = selectors.training_examples(with_drafts=True)
    if not examples:
        return None
    classifier: Classifier = train_timed(examples)[0]
    return selectors.match_of(classifier, selectors.intent_routes(with_drafts=True), text)


def speech_observed(
    *, conversation_id: int, text: str, confidence: float | None, match: IntentMatch | None
) -> float | None:
    """The caller answered the IVR in words: keep them (attributes["speech"]), the intent
    that routed the call (only one the classifier was sure of), then the utterance."""
    text = text.strip()
    if not text:
        return None
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
        if conversation is None:
            return None
        heard = {"text": text, "confidence": confidence}
        if match is not None:
            heard.update(match.as_record())
        conversation.attributes = {
            **conversation.attributes,
            "speech": [*conversation.attributes.get("speech", []), heard],
        }
        fields = ["attributes"]
        if match is not None and match.is_confident:
            conversation.intent = match.name
            conversation.intent_confidence = round(match.confidence, 4)
            fields += ["intent", "intent_confidence"]
        conversation.save(update_fields=fields)
        return utterance_observed(
            conversation_id=conversation_id, text=text, speaker="customer", source="speech"
        )


def utterance_observed(
    *,
    conversation_id: int,
    text: str,
    speaker: str,
    source: str,
    agent_id: int | None = None,
) -> float | None:
    """Score one utterance (VADER), keep it, move the conversation's running sentiment (the
    customer's words only) and make the suggestions it triggers. Returns its score; None
    for empty text or a conversation that is gone.

    `source`: "speech", "chat" or "transcript". `agent_id`: the agent holding the contact
    when the caller knows it (a chat); otherwise the agents on the call's legs are told.
    """
    text = text.strip()
    if not text:
        return None
    if source not in Utterance.Source.values:
        raise ValueError(f"unknown utterance source {source!r}")
    score = sentiment.score(text)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
        if conversation is None:
            return None
        Utterance.objects.create(
            conversation=conversation,
            speaker=speaker[:20],
            source=source,
            text=text,
            sentiment=score,
        )
        before = sentiment.label(conversation.sentiment)
        if speaker == "customer":
            conversation.sentiment = sentiment.running(conversation.sentiment, score)
            conversation.save(update_fields=["sentiment"])
        created = assist.suggestions_make(conversation=conversation, text=text)
        if created or sentiment.label(conversation.sentiment) != before:
            assist.agents_tell_later(
                conversation=conversation, suggestions=created, agent_id=agent_id
            )
    return score
