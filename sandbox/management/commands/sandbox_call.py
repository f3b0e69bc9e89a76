"""Run caller scripts (YAML) against the running sandbox; exits non-zero when one fails."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from callcentre.management import run_env
from sandbox.caller_scripts import ScriptError, Step, load_script
from sandbox.control_client import ControlClient, ControlError
from sandbox.runner import ScriptFailed, ScriptRunner


class Command(BaseCommand):
    help = "Call the centre through the sandbox as a caller script says (sandbox/scripts/*.yaml)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("scripts", nargs="+", help="caller script files (YAML)")
        parser.add_argument("--speed", type=float, help="call time runs this much faster")
        parser.add_argument(
            "--control-url",
            default=run_env.sandbox_control_url(),
            help="the sandbox's control port (default: the one `make run` started, or "
            "SANDBOX_HOST and SANDBOX_CONTROL_PORT; %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speed"] is not None and options["speed"] <= 0:
            raise CommandError("--speed must be positive")
        verbosity = options["verbosity"]
        with ControlClient(options["control_url"]) as control:
            runner = ScriptRunner(
                control,
                speed=options["speed"],
                on_step=self._show_step if verbosity >= 1 else None,
                on_item=self._show_item if verbosity >= 2 else None,
            )
            for path in options["scripts"]:
                try:
                    script = load_script(path)
                    self.stdout.write(self.style.MIGRATE_HEADING(f"{script.name} ({path})"))
                    record = runner.run(script)
                except ScriptError as error:
                    raise CommandError(f"{path}: {error}") from None
                except ScriptFailed as failure:
                    raise CommandError(f"{path}: {failure}") from None
                except ControlError as error:
                    raise CommandError(str(error)) from None
                except KeyboardInterrupt:
                    raise CommandError(f"{path}: interrupted; the call was hung up") from None
                self.stdout.write(
                    self.style.SUCCESS(
                        f"passed: call {record.uuid} ({record.conversation_uuid}), "
                        f"{len(record.items)} things heard or seen"
                    )
                )

    def _show_step(self, step: Step) -> None:
        self.stdout.write(f"  {step.number}. {step.describe()}")

    def _show_item(self, item: dict[str, Any]) -> None:
        self.stdout.write(f"       [{item['at']:6.1f}s] {item['kind']}: {item['text']}")
