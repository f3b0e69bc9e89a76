"""`manage.py vonage_users_sync [vonage_user ...]`: create or update the agents' Vonage users
(all agents, or those named) through the Users API. Idempotent: run it again at any time.
Exits non-zero, naming each agent it could not sync and why, when any failed."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.models import Agent
from agents.softphone import VonageUserError, agent_vonage_user_sync


class Command(BaseCommand):
    help = "Create or update the agents' Vonage users (Client SDK users) through the Users API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names", nargs="*", help="Agents' Vonage user names (default: every agent)."
        )

    def handle(self, *args: Any, names: list[str], **options: Any) -> None:
        agents = Agent.objects.order_by("vonage_user")
        if names:
            agents = agents.filter(vonage_user__in=names)
            unknown = sorted(set(names) - set(agents.values_list("vonage_user", flat=True)))
            if unknown:
                raise CommandError(f"no agent has the Vonage user name {', '.join(unknown)}")
        failures = []
        for agent in agents:
            try:
                synced = agent_vonage_user_sync(agent=agent)
            except VonageUserError as error:
                failures.append(str(error))
                self.stderr.write(str(error))
                continue
            except ImproperlyConfigured as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{agent.vonage_user}: {synced.action} ({synced.user.id})")
        if failures:
            raise CommandError(f"{len(failures)} agent(s) not synced: see above")
