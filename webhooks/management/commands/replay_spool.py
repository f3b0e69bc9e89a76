from typing import Any

from django.core.management.base import BaseCommand, CommandError

from webhooks import handlers


class Command(BaseCommand):
    help = "Store the webhook payloads that were spooled while the database was unavailable."

    def handle(self, *args: Any, **options: Any) -> None:
        replayed, remaining = handlers.replay_spool()
        self.stdout.write(f"Replayed {replayed} spooled webhook(s); {remaining} remaining.")
        if remaining:
            raise CommandError(
                f"{remaining} spooled webhook(s) could not be stored yet; try again later."
            )
