#!/usr/bin/env python
"""AI benchmark: the intent classifier's accuracy and speed, and the webhooks with intent
routing on, against bench/webhooks.py's phases in the same run.

Usage: .venv/bin/python bench/ai.py [--classifier-only] [--repeat 3000]
                                    [any bench/webhooks.py option, e.g. --duration 20]

Part 1 (in this process, no database): each candidate pipeline is trained on the demo
intents' examples (ai/demo.py) and measured on bench/data/intents_held_out.tsv, phrases
written apart from the examples and never trained on:
  - accuracy: the share of in-scope phrases whose best intent is right (goal >= 90 %);
  - routed right: right and at or above the intent's threshold (what the IVR acts on);
  - out of scope rejected: phrases naming no intent that route nowhere;
  - classification time of one phrase, p50 / p99 / max over --repeat calls, one after the
    other (the IVR classifies one phrase per webhook; goal p99 < 5 ms).
The product's pipeline (ai.classifier's defaults) is the line marked *.

Part 2 (unless --classifier-only): bench/webhooks.py's server and load (gunicorn, wrk,
PostgreSQL, Redis) with its phases (c) answer and (d) status events, plus
  (e) input webhook: the caller's words answer the open question (classified, routed by
      intent, speech and sentiment kept, assist rules run), held-out phrases in turn;
  (f) input webhook: the caller presses 2 in the keypad menu (today's path),
each on calls created beforehand, so (e) against (f) is the cost of intent routing.
A measurement, not a test: it exits 0 whatever the figures.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(ROOT))

HELD_OUT = BENCH_DIR / "data" / "intents_held_out.tsv"
OUT_OF_SCOPE = "OUT_OF_SCOPE"
GOAL_ACCURACY = 0.90
GOAL_P99_MS = 5.0
# Calls of phases (e) and (f) are numbered from here, apart from bench/webhooks.py's.
FIRST_CALL_INDEX = 50_000_000


def held_out() -> list[tuple[str, str]]:
    rows = []
    for line in HELD_OUT.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            label, phrase = line.split("\t")
            rows.append((label, phrase))
    return rows


def candidates() -> list[tuple[str, Callable[[], list], Callable[[], Any]]]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from ai import classifier

    def word() -> list:
        return [TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)]

    def chars() -> list:
        return [TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)]

    def word_chars_25() -> list:
        return word() + chars()

    def svm() -> Any:
        return CalibratedClassifierCV(LinearSVC(C=1.0), cv=3)

    def logistic(c: float) -> Callable[[], Any]:
        return lambda: LogisticRegression(C=c, max_iter=5000)

    return [
        ("word 1-2 + logistic", word, classifier.logistic_regression),
        ("char 2-5 + logistic", chars, classifier.logistic_regression),
        ("word + char 2-5 + logistic", word_chars_25, classifier.logistic_regression),
        ("word + char 2-4 + logistic C=100", classifier.vectorisers, logistic(100.0)),
        ("word + char 2-4 + linear SVM (calibrated)", classifier.vectorisers, svm),
        ("* word + char 2-4 + logistic", classifier.vectorisers, classifier.logistic_regression),
    ]


def measure_classifier(repeat: int) -> list[dict]:
    from ai.classifier import NO_INTENT, Classifier, train
    from ai.demo import DEMO_INTENTS

    examples = [(phrase, intent.name) for intent in DEMO_INTENTS for phrase in intent.examples]
    thresholds = {intent.name: intent.threshold for intent in DEMO_INTENTS}
    rows = held_out()
    in_scope = [(label, phrase) for label, phrase in rows if label != OUT_OF_SCOPE]
    out_of_scope = [phrase for label, phrase in rows if label == OUT_OF_SCOPE]
    print(
        f"training phrases: {len(examples)} ({len(DEMO_INTENTS)} intents); held out: "
        f"{len(in_scope)} in scope, {len(out_of_scope)} out of scope ({HELD_OUT.name})"
    )
    figures = []
    for name, make_vectorisers, make_model in candidates():
        started = time.perf_counter()
        model = Classifier(
            train(examples, make_vectorisers=make_vectorisers, make_model=make_model)
        )
        training = time.perf_counter() - started
        right = routed = 0
        misses = []
        for label, phrase in in_scope:
            prediction = model.classify(phrase)
            right += prediction.intent == label
            routed += prediction.intent == label and prediction.confidence >= thresholds[label]
            if prediction.intent != label:
                misses.append(f"{phrase!r} -> {prediction.intent} {prediction.confidence:.2f}")
        rejected = 0
        for phrase in out_of_scope:
            prediction = model.classify(phrase)
            rejected += prediction.intent == NO_INTENT or prediction.confidence < thresholds.get(
                prediction.intent, 1.0
            )
        phrases = [phrase for _, phrase in rows]
        timings = []
        for index in range(repeat):
            started = time.perf_counter()
            model.classify(phrases[index % len(phrases)])
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        figures.append(
            {
                "name": name,
                "accuracy": right / len(in_scope),
                "routed": routed / len(in_scope),
                "rejected": rejected / len(out_of_scope),
                "p50": statistics.median(timings),
                "p99": timings[int(len(timings) * 0.99) - 1],
                "max": timings[-1],
                "training": training,
                "misses": misses,
            }
        )
    return figures


def print_classifier(figures: list[dict]) -> None:
    print(
        f"\n{'pipeline':<44} {'accuracy':>8} {'routed':>7} {'oos rej':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'train s':>7}"
    )
    for row in figures:
        print(
            f"{row['name']:<44} {row['accuracy']:>8.1%} {row['routed']:>7.1%} "
            f"{row['rejected']:>7.1%} {row['p50']:>7.2f} {row['p99']:>7.2f} {row['max']:>7.2f} "
            f"{row['training']:>7.2f}"
        )
    product = figures[-1]
    print("\nthe product's pipeline (*) misses:")
    for miss in product["misses"]:
        print(f"    {miss}")
    print(
        f"\n{'PASS' if product['accuracy'] >= GOAL_ACCURACY else 'MISS'}  held-out accuracy "
        f"{product['accuracy']:.1%} (goal >= {GOAL_ACCURACY:.0%})"
    )
    print(
        f"{'PASS' if product['p99'] < GOAL_P99_MS else 'MISS'}  classification p99 "
        f"{product['p99']:.2f} ms (goal < {GOAL_P99_MS:.0f} ms)"
    )


# Part 2: phases (e) and (f) on bench/webhooks.py's server ---------------------------------


def input_calls(count: int, *, asks_intent: bool) -> list:
    """Answered calls waiting in the entry menu: asked the open question, or the keypad."""
    from bench import traffic
    from conversations.models import Conversation
    from routing.models import IvrMenu

    global FIRST_CALL_INDEX
    calls = [traffic.new_call(FIRST_CALL_INDEX + index) for index in range(count)]
    FIRST_CALL_INDEX += count
    traffic.calls_create(calls)
    entry = IvrMenu.objects.get(is_entry=True)
    state = {"menu_id": entry.pk, "no_input": 0, "invalid": 0}
    if asks_intent:
        state["asks_intent"] = True
    Conversation.objects.filter(vonage_uuid__in=[call.conversation_uuid for call in calls]).update(
        attributes={"ivr": state}
    )
    return calls


def model_ready() -> None:
    """The demo intents' classifier, trained here (the benchmark runs no Celery worker)."""
    from ai import services
    from ai.models import IntentModel

    if not IntentModel.objects.exists():
        services.intents_train()


def write_signed_events(*, prefix: Path, host: str, threads: int, bodies: list[dict]) -> None:
    """Sign the input events and share them out among wrk's threads, in order."""
    from bench import traffic

    signed = traffic.sign_all(host=host, path="/webhooks/event", payloads=bodies)
    shares = traffic.split_evenly(len(signed), threads)
    starts = [sum(shares[:index]) for index in range(len(shares))]
    traffic.write_thread_files(
        prefix, [signed[start : start + share] for start, share in zip(starts, shares, strict=True)]
    )


def prepare_speech(*, prefix: Path, host: str, args: argparse.Namespace, count: int) -> None:
    from conversations.tests import payloads

    model_ready()
    phrases = [phrase for label, phrase in held_out() if label != OUT_OF_SCOPE]
    calls = input_calls(count, asks_intent=True)
    bodies = [
        payloads.speech_input(call.as_payload_call(), phrases[index % len(phrases)])
        for index, call in enumerate(calls)
    ]
    write_signed_events(prefix=prefix, host=host, threads=args.threads, bodies=bodies)


def prepare_keypad(*, prefix: Path, host: str, args: argparse.Namespace, count: int) -> None:
    from conversations.tests import payloads

    calls = input_calls(count, asks_intent=False)
    bodies = [payloads.dtmf_input(call.as_payload_call(), "2") for call in calls]
    write_signed_events(prefix=prefix, host=host, threads=args.threads, bodies=bodies)


def tasks_written() -> int:
    from routing.models import Task

    return Task.objects.count()


def run_webhooks(argv: list[str]) -> int:
    from bench import webhooks

    webhooks.PHASES = (
        *webhooks.PHASES,
        webhooks.Phase(
            key="e", title="input: speech, intent routing", path="/webhooks/event", wraps=False
        ),
        webhooks.Phase(
            key="f", title="input: key 2, keypad menu", path="/webhooks/event", wraps=False
        ),
    )
    webhooks.EXTRA_PREPARERS.update(e=prepare_speech, f=prepare_keypad)
    webhooks.EXTRA_ROW_COUNTERS.update(e=tasks_written, f=tasks_written)
    if not any(argument.startswith("--phases") for argument in argv):
        argv = [*argv, "--phases", "cdef"]
    sys.argv = [str(BENCH_DIR / "webhooks.py"), *argv]
    return webhooks.main()


def main() -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--classifier-only", action="store_true")
    parser.add_argument("--repeat", type=int, default=3000)
    args, rest = parser.parse_known_args()
    import os

    print(f"load average at the start: {os.getloadavg()} ({os.cpu_count()} cores)")
    print_classifier(measure_classifier(args.repeat))
    print(f"load average after part 1: {os.getloadavg()}")
    if args.classifier_only:
        return 0
    print("\npart 2: the webhooks with intent routing on (bench/webhooks.py's server)\n")
    return run_webhooks(rest)


if __name__ == "__main__":
    sys.exit(main())
