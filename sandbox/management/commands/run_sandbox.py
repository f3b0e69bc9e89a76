"""Run the Vonage sandbox in the foreground until Ctrl-C or SIGTERM (`make run` starts it)."""

import asyncio
import dataclasses
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox.config import SandboxConfig, parse_delay
from sandbox.server import Sandbox


class Command(BaseCommand):
    help = "Play Vonage locally: Voice/Messages APIs over HTTPS, signed webhooks, a browser phone."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", help="listen address (default SANDBOX_HOST, 127.0.0.1)")
        parser.add_argument("--port", type=int, help="HTTPS API port (default 8443)")
        parser.add_argument("--control-port", type=int, help="phone page port (default 8090)")
        parser.add_argument("--speed", type=float, help="call time runs this much faster")
        parser.add_argument(
            "--timestamps",
            choices=["call", "wall"],
            help="webhook times from the call's clock (default) or the wall clock (load mode)",
        )
        parser.add_argument(
            "--app-answer-delay",
            help="call seconds before agents' app legs are answered, or off (default "
            "SANDBOX_APP_ANSWER_DELAY)",
        )
        parser.add_argument("--public-url", help="the project's base URL (default PUBLIC_URL)")
        parser.add_argument("--answer-url", help="default PUBLIC_URL/webhooks/answer")
        parser.add_argument("--event-url", help="default PUBLIC_URL/webhooks/event")
        parser.add_argument("--fallback-url", help="default PUBLIC_URL/webhooks/fallback")
        parser.add_argument("--answer-method", choices=["GET", "POST"])
        parser.add_argument("--inbound-message-url", help="default .../webhooks/inbound-message")
        parser.add_argument("--message-status-url", help="default .../webhooks/message-status")
        parser.add_argument("--numbers", help="the number pool, comma-separated E.164 digits")

    def handle(self, *args: Any, **options: Any) -> None:
        numbers = options["numbers"]
        try:
            config = SandboxConfig.from_settings(
                host=options["host"],
                port=options["port"],
                control_port=options["control_port"],
                speed=options["speed"],
                timestamps=options["timestamps"],
                public_url=options["public_url"],
                answer_url=options["answer_url"],
                event_url=options["event_url"],
                fallback_url=options["fallback_url"],
                answer_method=options["answer_method"],
                inbound_message_url=options["inbound_message_url"],
                message_status_url=options["message_status_url"],
                numbers=tuple(n.strip() for n in numbers.split(",") if n.strip())
                if numbers
                else None,
            )
            if options["app_answer_delay"] is not None:
                delay = parse_delay(options["app_answer_delay"])
                config = dataclasses.replace(config, app_answer_delay=delay)
        except Exception as error:
            raise CommandError(str(error)) from error
        try:
            asyncio.run(self.serve(Sandbox(config)))
        except OSError as error:
            raise CommandError(str(error)) from error

    async def serve(self, sandbox: Sandbox) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await sandbox.start()
        config = sandbox.config
        assert sandbox.certificate is not None
        numbers = ", ".join(f"+{number}" for number in config.numbers)
        self.stdout.write(
            self.style.SUCCESS("Vonage sandbox running.\n")
            + f"Phone:   {config.control_base}/   (call {numbers} from the browser)\n"
            + f"API:     {config.api_base}  (SDK api_host {config.api_host}; "
            + f"REQUESTS_CA_BUNDLE={sandbox.certificate.bundle})\n"
            + f"Answer:  {config.answer_method} {config.answer_url}\n"
            + f"Events:  POST {config.event_url}   fallback {config.fallback_url}\n"
            + f"Speed:   x{config.speed:g} ({config.timestamps} timestamps)"
        )
        self.stdout.flush()
        try:
            await stop.wait()
        finally:
            await sandbox.stop()
