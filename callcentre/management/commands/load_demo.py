"""Demo data for a first run: a supervisor, four agents, skills and three queues.

Safe to run again: it updates what is there and never resets a password that
was already set, unless DEMO_PASSWORD says otherwise.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from agents.models import Agent, AgentSkill
from routing.models import Queue, QueueSkill, Skill

SKILLS = ["billing", "sales", "technical", "spanish"]
QUEUES = [
    # name, menu digit, prompt, skills
    ("Sales", "1", "For sales", ["sales"]),
    ("Billing", "2", "For billing and payments", ["billing"]),
    ("Support", "3", "For technical support", ["technical"]),
]
AGENTS = [
    # username, display name, skills with proficiency
    ("alice", "Alice Moreno", {"sales": 8, "spanish": 9}),
    ("bob", "Bob Okafor", {"billing": 8, "technical": 4}),
    ("carol", "Carol Jensen", {"billing": 9}),
    ("dave", "Dave Kim", {"billing": 6, "technical": 8}),
]


class Command(BaseCommand):
    help = "Create demo agents, skills and queues, and a supervisor login."

    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or ""
        with transaction.atomic():
            skills = {name: Skill.objects.get_or_create(name=name)[0] for name in SKILLS}
            for name, digit, prompt, skill_names in QUEUES:
                queue, _ = Queue.objects.update_or_create(
                    name=name, defaults={"menu_digit": digit, "menu_prompt": prompt}
                )
                for skill_name in skill_names:
                    QueueSkill.objects.get_or_create(queue=queue, skill=skills[skill_name])
            supervisor_password = self.ensure_user(
                "supervisor", password=password, is_staff=True, is_superuser=True
            )
            for username, display_name, proficiencies in AGENTS:
                self.ensure_user(username, password=password or supervisor_password)
                agent, _ = Agent.objects.update_or_create(
                    user=get_user_model().objects.get(username=username),
                    defaults={"display_name": display_name, "vonage_user": f"agent-{username}"},
                )
                for skill_name, proficiency in proficiencies.items():
                    AgentSkill.objects.update_or_create(
                        agent=agent,
                        skill=skills[skill_name],
                        defaults={"proficiency": proficiency},
                    )
        port = os.environ.get("PORT", "8000")
        shown = supervisor_password or "(unchanged; set DEMO_PASSWORD to reset it)"
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded: 3 queues (press 1, 2, 3), 4 agents.\n")
            + f"Supervisor: http://127.0.0.1:{port}/admin/  user 'supervisor'  password {shown}\n"
            + "Agents: alice, bob, carol, dave (same password)."
        )

    def ensure_user(self, username: str, *, password: str, **flags: bool) -> str:
        """Create the user if needed; returns the password set now, or '' if left as it was."""
        user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
        if created or password:
            password = password or secrets.token_urlsafe(9)
            user.set_password(password)
            user.save()
            return password
        return ""
