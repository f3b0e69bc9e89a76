"""Sentiment with VADER (vaderSentiment; its lexicon ships inside the package): a compound
score per utterance, -1 (very negative) to 1 (very positive), and the conversation's
running score. Pure: no database.

The running score is an exponentially weighted mean of the customer's utterances
(RUNNING_WEIGHT on the newest), so it follows the customer's mood as the contact goes on
while one word does not swing it; agents' words do not move it.
"""

import threading

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's own convention: compound <= -0.05 is negative, >= 0.05 positive.
NEGATIVE_AT_MOST = -0.05
POSITIVE_AT_LEAST = 0.05
RUNNING_WEIGHT = 0.5
MAX_TEXT = 2000

_lock = threading.Lock()
_analyser: SentimentIntensityAnalyzer | None = None


def analyser() -> SentimentIntensityAnalyzer:
    """One per process, loaded on first use (reading the lexicon takes ~40 ms)."""
    global _analyser
    with _lock:
        if _analyser is None:
            _analyser = SentimentIntensityAnalyzer()
        return _analyser


def score(text: str) -> float:
    """The compound score of one utterance (0.0 for nothing said)."""
    text = text.strip()[:MAX_TEXT]
    if not text:
        return 0.0
    return round(float(analyser().polarity_scores(text)["compound"]), 4)


def running(previous: float | None, latest: float) -> float:
    if previous is None:
        return latest
    return round(RUNNING_WEIGHT * latest + (1 - RUNNING_WEIGHT) * previous, 4)


def label(value: float | None) -> str:
    if value is None:
        return ""
    if value <= NEGATIVE_AT_MOST:
        return "negative"
    if value >= POSITIVE_AT_LEAST:
        return "positive"
    return "neutral"
