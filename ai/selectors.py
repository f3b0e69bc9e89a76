"""ai reads: the intent classifier of this process, intents, suggestions, summaries.

The classifier is trained in the background (ai.tasks) and stored (ai.models.IntentModel);
each process loads the newest once and keeps it, like routing's IVR menu cache: it looks at
a shared version key at most once per MODEL_CHECK_SECONDS, and reloads when the key has
moved (ai.services bumps it when a model is trained or an intent is edited). If the cache
is unreachable the model is re-read every MODEL_CHECK_SECONDS.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from ai.classifier import NO_INTENT, Classifier
from ai.models import Intent, IntentModel, Suggestion, phrases_of
from callcentre.versioned import VersionedCache

MODEL_VERSION_KEY = "ai:intents:version"
MODEL_CHECK_SECONDS = 1.0


@dataclass(frozen=True, kw_only=True)
class IntentRoute:
    """Where an intent sends a caller (from ai.models.Intent, read when the model loads)."""

    name: str
    label: str
    threshold: float
    queue_id: int | None
    skill_id: int | None
    min_proficiency: int
    priority_boost: int


@dataclass(frozen=True, kw_only=True)
class IntentMatch:
    """The classifier's answer for one phrase: the best intent (or NO_INTENT) and how sure."""

    name: str
    label: str
    confidence: float
    route: IntentRoute | None  # None: NO_INTENT, or an intent no longer active

    @property
    def is_confident(self) -> bool:
        """Sure enough to act on: an active intent at or above its threshold."""
        return self.route is not None and self.confidence >= self.route.threshold

    def as_record(self) -> dict:
        return {"intent": self.name, "intent_confidence": round(self.confidence, 4)}


@dataclass(frozen=True, kw_only=True)
class LoadedModel:
    model_id: int
    classifier: Classifier
    routes: dict[str, IntentRoute]


def intent_routes(*, with_drafts: bool = False) -> dict[str, IntentRoute]:
    intents = Intent.objects.all() if with_drafts else Intent.objects.filter(is_active=True)
    return {
        intent.name: IntentRoute(
            name=intent.name,
            label=intent.label,
            threshold=intent.threshold,
            queue_id=intent.queue_id,
            skill_id=intent.skill_id,
            min_proficiency=intent.min_proficiency,
            priority_boost=intent.priority_boost,
        )
        for intent in intents
    }


def model_load() -> LoadedModel | None:
    """The newest trained model with the intents' current routes; None before any training."""
    stored = IntentModel.objects.order_by("-pk").first()
    if stored is None:
        return None
    return LoadedModel(
        model_id=stored.pk,
        classifier=Classifier.from_bytes(bytes(stored.pipeline)),
        routes=intent_routes(),
    )


model_cache: VersionedCache[LoadedModel | None] = VersionedCache(
    version_key=MODEL_VERSION_KEY,
    check_seconds=lambda: MODEL_CHECK_SECONDS,
    what="the intent model",
)


def model_loaded() -> LoadedModel | None:
    return model_cache.get("model", model_load)


def intent_classify(text: str) -> IntentMatch | None:
    """The intent of a phrase; None when no model has been trained yet."""
    loaded = model_loaded()
    if loaded is None:
        return None
    return match_of(loaded.classifier, loaded.routes, text)


def match_of(classifier: Classifier, routes: dict[str, IntentRoute], text: str) -> IntentMatch:
    prediction = classifier.classify(text)
    route = routes.get(prediction.intent) if prediction.intent != NO_INTENT else None
    return IntentMatch(
        name=prediction.intent,
        label=route.label if route else "",
        confidence=prediction.confidence,
        route=route,
    )


def intent_label(name: str) -> str:
    """What agents see for an intent's name (the name itself if it is gone)."""
    loaded = model_loaded()
    route = loaded.routes.get(name) if loaded is not None else None
    if route is not None:
        return route.label
    return Intent.objects.filter(name=name).values_list("label", flat=True).first() or name


def training_examples(*, with_drafts: bool = False) -> list[tuple[str, str]]:
    """(phrase, intent name) of the active intents (and the inactive ones: `with_drafts`)."""
    intents = Intent.objects.all() if with_drafts else Intent.objects.filter(is_active=True)
    return [
        (phrase, intent.name)
        for intent in intents.order_by("name")
        for phrase in phrases_of(intent.examples)
    ]


def suggestions_for(*, conversation_ids: list[int]) -> dict[int, list[Suggestion]]:
    """The suggestions of each conversation, oldest first."""
    found: dict[int, list[Suggestion]] = {
        conversation_id: [] for conversation_id in conversation_ids
    }
    for suggestion in Suggestion.objects.filter(conversation_id__in=conversation_ids).order_by(
        "pk"
    ):
        found[suggestion.conversation_id].append(suggestion)
    return found


def suggestions_of_conversation(*, conversation_id: int) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(conversation_id=conversation_id).order_by("pk")
