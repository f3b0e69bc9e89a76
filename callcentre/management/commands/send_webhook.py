"""Send a webhook to a running centre, signed the way Vonage signs it.

For trying the webhooks by hand before the sandbox is running (it posts to where `make run`
serves, callcentre/management/run_env.py, or to PUBLIC_URL):

    python manage.py send_webhook answer --call demo-1
    python manage.py send_webhook input --call demo-1 --digits 2
    python manage.py send_webhook status --call demo-1 --status completed
"""

import json
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from callcentre.management import run_env
from callcentre.vonage.signing import sign_webhook

KINDS = ["answer", "status", "input"]


class Command(BaseCommand):
    help = "POST a signed Vonage voice webhook (answer, status or input) to the running app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument(
            "--call", default="demo", help="a name for the call; the same name is the same call"
        )
        parser.add_argument("--status", default="started", help="the call status, for kind=status")
        parser.add_argument("--digits", default="", help="the keys pressed, for kind=input")
        parser.add_argument(
            "--speech", default="", help="the words the caller said, for kind=input"
        )
        parser.add_argument("--from-number", default="447700900123")
        parser.add_argument("--to-number", default=(settings.VONAGE_NUMBERS or ["447700900000"])[0])
        parser.add_argument(
            "--url",
            default=run_env.app_url(),
            help="the app's base URL (default: where `make run` serves, or PUBLIC_URL; "
            "%(default)s)",
        )
        parser.add_argument(
            "--secret",
            default=settings.VONAGE_SIGNATURE_SECRET,
            help="the signature secret to sign with",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["secret"]:
            raise CommandError("VONAGE_SIGNATURE_SECRET is not set: there is nothing to sign with.")
        call = options["call"]
        payload = {
            "from": options["from_number"],
            "to": options["to_number"],
            "uuid": f"leg-{call}",
            "conversation_uuid": f"CON-{call}",
        }
        if options["kind"] == "status":
            payload.update(
                {"status": options["status"], "direction": "inbound", "timestamp": now()}
            )
        elif options["kind"] == "input":
            digits = options["digits"] or None
            said = options["speech"]
            payload.update(
                {
                    "timestamp": now(),
                    "dtmf": {"digits": digits, "timed_out": digits is None and not said},
                    "speech": {"results": [{"text": said, "confidence": "0.92"}] if said else []},
                }
            )
        path = "answer" if options["kind"] == "answer" else "event"
        body = json.dumps(payload).encode()
        token = sign_webhook(body=body, secret=options["secret"], api_key=settings.VONAGE_API_KEY)
        try:
            response = requests.post(
                f"{options['url']}/webhooks/{path}",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=5,
            )
        except requests.RequestException as error:
            raise CommandError(f"Could not reach {options['url']}: {error}") from None
        self.stdout.write(f"HTTP {response.status_code}")
        if response.content:
            self.stdout.write(json.dumps(response.json(), indent=2))
        if response.status_code >= 400:
            raise CommandError(f"The app refused the webhook with HTTP {response.status_code}.")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
