"""manage.py classify_intent "I have a problem with my bill" [--drafts]"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ai import services
from ai.classifier import MAX_TEXT


class Command(BaseCommand):
    help = "Say which intent a phrase has, how sure the classifier is, and whether it routes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phrase", nargs="+", help="What a caller says (quote it).")
        parser.add_argument(
            "--drafts",
            action="store_true",
            help="Try every intent, inactive ones too, on a model trained now (not stored).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        phrase = " ".join(options["phrase"]).strip()
        if not phrase:
            raise CommandError("Give a phrase to classify.")
        if len(phrase) > MAX_TEXT:
            raise CommandError(f"A phrase is at most {MAX_TEXT} characters.")
        match = services.intent_try(text=phrase, with_drafts=options["drafts"])
        if match is None:
            raise CommandError("No intent model yet: add intents with example phrases first.")
        route = match.route
        if route is None:
            verdict = "no intent: the caller hears the keypad menu"
        elif not match.is_confident:
            verdict = f"below its threshold {route.threshold:.2f}: the keypad menu"
        elif route.queue_id is None:
            verdict = "no queue: the keypad menu"
        else:
            verdict = "routes the call"
        self.stdout.write(f"{match.name}\t{match.confidence:.2f}\t{verdict}")
