"""The intent classifier: TF-IDF of word 1-2-grams and character 2-4-grams (within words),
and a multinomial logistic regression over both (chosen by bench/ai.py: the most accurate
of the candidates measured there within the 5 ms budget; docs/ai.md has the figures).

Besides the intents it learns NO_INTENT from everyday phrases that name no intent
("hello", "yes", "can you repeat that"), so a caller who says nothing useful is not sent
to the intent that happens to be closest: the IVR plays the keypad menu instead.

`train` fits a pipeline from (phrase, intent) pairs; `Classifier` wraps a fitted one and
answers `classify(text)` with every intent's probability. Pure: no database, no cache
(ai.services stores the fitted pipeline; ai.selectors keeps one per process).
"""

import pickle
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sklearn
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

NO_INTENT = "NO_INTENT"

# Everyday phrases that are no intent at all (never a demo intent's phrase).
NO_INTENT_EXAMPLES = (
    "hi",
    "hi there",
    "good morning",
    "good afternoon",
    "yes please",
    "no",
    "okay",
    "I don't know",
    "can you repeat that",
    "what did you say",
    "sorry",
    "er",
    "hmm",
    "thank you",
    "goodbye",
    "is anybody there",
    "just a moment",
    "let me think",
    "operator",
    "I want to talk to a person",
    "a representative please",
    "what time is it",
    "nothing",
    "never mind",
)

# Longer input is cut: a caller's answer is a sentence or two, never a page.
MAX_TEXT = 500

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
REGULARISATION_C = 20.0


@dataclass(frozen=True, kw_only=True)
class Prediction:
    intent: str  # an intent's name, or NO_INTENT
    confidence: float  # its probability, 0..1
    scores: dict[str, float]  # every class's probability


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())[:MAX_TEXT]


@dataclass
class Pipeline:
    """The fitted vectorisers and model (what is pickled into ai.models.IntentModel)."""

    vectorisers: list[TfidfVectorizer]
    model: Any  # a fitted scikit-learn classifier with predict_proba

    def features(self, texts: list[str]):  # type: ignore[no-untyped-def]  # a scipy matrix
        return hstack([vectoriser.transform(texts) for vectoriser in self.vectorisers]).tocsr()


def vectorisers() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True),
    ]


def logistic_regression() -> LogisticRegression:
    return LogisticRegression(C=REGULARISATION_C, max_iter=5000)


def train(
    examples: list[tuple[str, str]],
    *,
    make_vectorisers: Callable[[], list[TfidfVectorizer]] = vectorisers,
    make_model: Callable[[], Any] = logistic_regression,
) -> Pipeline:
    """Fit on (phrase, intent) pairs plus the built-in NO_INTENT phrases. Needs two intents
    at least (with NO_INTENT, one will do). bench/ai.py passes other vectorisers and models
    to compare them; the product uses the defaults."""
    texts = [normalise(text) for text, _ in examples] + [
        normalise(text) for text in NO_INTENT_EXAMPLES
    ]
    labels = [label for _, label in examples] + [NO_INTENT] * len(NO_INTENT_EXAMPLES)
    fitted = make_vectorisers()
    matrix = hstack([vectoriser.fit_transform(texts) for vectoriser in fitted]).tocsr()
    model = make_model()
    model.fit(matrix, labels)
    return Pipeline(vectorisers=fitted, model=model)


class Classifier:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.classes = [str(name) for name in pipeline.model.classes_]

    @classmethod
    def from_bytes(cls, data: bytes) -> "Classifier":
        # Only ever bytes this project pickled itself (ai.services.intents_train writes them).
        return cls(pickle.loads(data))  # noqa: S301

    def to_bytes(self) -> bytes:
        return pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL)

    def classify(self, text: str) -> Prediction:
        text = normalise(text)
        if not text:
            return Prediction(intent=NO_INTENT, confidence=1.0, scores={NO_INTENT: 1.0})
        # Skipping scikit-learn's input checks halves the time of one short phrase.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            probabilities = self.pipeline.model.predict_proba(self.pipeline.features([text]))[0]
        scores = {name: float(p) for name, p in zip(self.classes, probabilities, strict=True)}
        best = max(scores, key=scores.__getitem__)
        return Prediction(intent=best, confidence=scores[best], scores=scores)


def train_timed(examples: list[tuple[str, str]]) -> tuple[Classifier, float]:
    started = time.perf_counter()
    classifier = Classifier(train(examples))
    return classifier, time.perf_counter() - started
