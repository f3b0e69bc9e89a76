"""Demo data for a first run: a supervisor, four agents, skills, three queues and a menu.

The README's scenarios work at any hour: the Main menu, Billing and Support have no business
hours (always open). Sales keeps office hours, Monday to Friday 8 AM to 8 PM London time, so
the hours feature shows: outside them, pressing 1 gives Sales' closed message and voicemail.

Safe to run again: it updates what is there (the demo agents' skills are set to the ones
below) and never resets a password that was already set, unless DEMO_PASSWORD says otherwise.
"""

import os
import secrets
from datetime import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from agents.models import Agent, AgentSkill
from ai.demo import demo_ai_load
from routing.models import (
    BusinessHours,
    CannedReply,
    DispositionCode,
    FallbackAction,
    IvrMenu,
    IvrOption,
    OpeningPeriod,
    Queue,
    QueueSkill,
    Skill,
)
from speech import engines

SKILLS = ["billing", "sales", "technical", "spanish", "vip"]
HOURS_NAME = "Office hours"
HOURS_TIME_ZONE = "Europe/London"
OPENING = [(weekday, time(8), time(20)) for weekday in range(5)]  # Monday to Friday, 8 AM-8 PM
QUEUES = [
    # name, skills, office hours (False: open around the clock), closed message
    ("Sales", ["sales"], True, "Sales is open Monday to Friday, 8 AM to 8 PM, London time."),
    ("Billing", ["billing"], False, ""),
    ("Support", ["technical"], False, ""),
    # Agents' click-to-call contacts (OUTBOUND_QUEUE, routing/outbound.py); no menu leads here.
    ("Outbound", [], False, ""),
]
TRANSCRIBED_QUEUE = "Billing"  # its calls are transcribed live (docs/transcription.md)
# The workspace: each queue's wrap-up (seconds, extension, disposition required) and codes.
WRAP_UP = {
    "Billing": (60, 60, True),
    "Support": (30, 30, False),
}
DISPOSITIONS = {
    "Billing": [
        ("explained", "Bill explained"),
        ("refund", "Refund agreed"),
        ("payment", "Payment taken"),
        ("escalated", "Escalated to a supervisor"),
    ],
    "Support": [
        ("solved", "Solved"),
        ("workaround", "Workaround given"),
        ("fault", "Fault logged"),
    ],
}
CANNED_REPLIES = [
    # queue (None: every queue), title, text
    (None, "Greeting", "Hello {customer_name}, this is {agent_name} from {queue}. How can I help?"),
    (None, "Goodbye", "Thank you for contacting us, {customer_name}. Have a good day!"),
    ("Support", "Restart", "Could you switch the router off for 30 seconds and on again?"),
]
MENU_NAME = "Main"
MENU_OPTIONS = [
    # digit, prompt, keywords, action, queue name, self-service handler
    ("1", "For sales", "sales, buy", IvrOption.Action.QUEUE, "Sales", ""),
    (
        "2",
        "For billing and payments",
        "billing, bill, payment",
        IvrOption.Action.QUEUE,
        "Billing",
        "",
    ),
    (
        "3",
        "For technical support",
        "support, technical, help",
        IvrOption.Action.QUEUE,
        "Support",
        "",
    ),
    (
        "9",
        "To have technical support call you back",
        "call back, callback",
        IvrOption.Action.CALLBACK,
        "Support",
        "",
    ),
    (
        "0",
        "To hear our opening hours",
        "opening hours, hours, open",
        IvrOption.Action.SELF_SERVICE,
        None,
        "opening_hours",
    ),
]
AGENTS = [
    # username, display name, skills with proficiency. Dave alone has `technical` (Support, where
    # messages wait), so the README's chat reaches him while Bob, who took its call, is available.
    ("alice", "Alice Moreno", {"sales": 8, "spanish": 9}),
    ("bob", "Bob Okafor", {"billing": 8}),
    ("carol", "Carol Jensen", {"billing": 9, "vip": 9}),
    ("dave", "Dave Kim", {"billing": 6, "technical": 8}),
]


def transcription_line() -> str:
    if not engines.is_enabled():
        return "Live transcription: off (SPEECH_ENGINE=off)."
    return (
        f"Live transcription: {TRANSCRIBED_QUEUE}'s calls, once an agent answers "
        f"(engine: {engines.engine_name()})."
    )


class Command(BaseCommand):
    help = "Create demo agents, skills and queues, and a supervisor login."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD") or ""
        with transaction.atomic():
            skills = {name: Skill.objects.get_or_create(name=name)[0] for name in SKILLS}
            hours = self.ensure_hours()
            queues = {}
            for name, skill_names, has_office_hours, closed_message in QUEUES:
                queues[name], _ = Queue.objects.update_or_create(
                    name=name,
                    defaults={
                        "business_hours": hours if has_office_hours else None,
                        "closed_action": FallbackAction.VOICEMAIL,
                        "closed_message": closed_message,
                        "transcribe_calls": name == TRANSCRIBED_QUEUE,
                    },
                )
                for skill_name in skill_names:
                    QueueSkill.objects.get_or_create(queue=queues[name], skill=skills[skill_name])
            self.ensure_workspace(queues=queues)
            self.ensure_menu(queues=queues, vip_skill=skills["vip"])
            # Intents (and their classifier, trained after commit), articles, assist rules.
            demo_ai_load(queues=queues, skills=skills)
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
                # A skill an earlier demo gave (Bob's `technical`) would send the chat to him.
                AgentSkill.objects.filter(agent=agent).exclude(
                    skill__name__in=proficiencies
                ).delete()
        port = os.environ.get("PORT", "8000")
        shown = supervisor_password or "(unchanged; set DEMO_PASSWORD to reset it)"
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: the Main menu, open around the clock: it asks how it can"
                " help (say 'I have a problem with my bill'), then offers keys (2 for Billing,"
                " 3 for Support, 9 for a callback, 0 for the opening hours; 1 for Sales, open"
                " Monday to Friday, 8 AM to 8 PM, London time), 3 queues (and Outbound for"
                " click-to-call), 4 agents, 5 intents and 4 assist rules.\n"
            )
            + f"Supervisor: http://127.0.0.1:{port}/admin/  user 'supervisor'  password {shown}\n"
            + f"Agent desktop: http://127.0.0.1:{port}/desktop/  users alice, bob, carol, dave"
            + " (same password).\n"
            + transcription_line()
        )

    def ensure_workspace(self, *, queues: dict[str, Queue]) -> None:
        """Wrap-up rules, disposition codes and canned replies (docs/desktop.md)."""
        for name, (seconds, extension, required) in WRAP_UP.items():
            Queue.objects.filter(pk=queues[name].pk).update(
                wrap_up_seconds=seconds,
                wrap_up_extension_seconds=extension,
                disposition_required=required,
            )
        for name, codes in DISPOSITIONS.items():
            for position, (code, label) in enumerate(codes):
                DispositionCode.objects.update_or_create(
                    queue=queues[name], code=code, defaults={"label": label, "position": position}
                )
        for queue_name, title, text in CANNED_REPLIES:
            CannedReply.objects.update_or_create(
                queue=queues[queue_name] if queue_name else None,
                title=title,
                defaults={"text": text},
            )

    def ensure_hours(self) -> BusinessHours:
        hours, _ = BusinessHours.objects.get_or_create(
            name=HOURS_NAME, defaults={"time_zone": HOURS_TIME_ZONE}
        )
        for weekday, opens, closes in OPENING:
            OpeningPeriod.objects.get_or_create(
                hours=hours, weekday=weekday, opens=opens, closes=closes
            )
        return hours

    def ensure_menu(self, *, queues: dict[str, Queue], vip_skill: Skill) -> IvrMenu:
        # Only the entry menu if no other menu is: a supervisor's own entry menu stays.
        is_entry = not IvrMenu.objects.filter(is_entry=True).exclude(name=MENU_NAME).exists()
        menu, _ = IvrMenu.objects.update_or_create(
            name=MENU_NAME,
            defaults={
                "is_entry": is_entry,
                "greeting": "Thank you for calling {centre}.",
                "intent_question": "In a few words, how can we help you today?",
                # Open around the clock, so the README's scenarios work at any hour.
                "business_hours": None,
                "closed_action": FallbackAction.VOICEMAIL,
                "closed_message": "",
                "vip_greeting": "Welcome back, {name}.",
                "vip_queue": queues["Billing"],
                "vip_skill": vip_skill,
            },
        )
        for digit, prompt, keywords, action, queue_name, handler in MENU_OPTIONS:
            IvrOption.objects.update_or_create(
                menu=menu,
                digit=digit,
                defaults={
                    "prompt": prompt,
                    "keywords": keywords,
                    "action": action,
                    "queue": queues[queue_name] if queue_name else None,
                    "handler": handler,
                },
            )
        return menu

    def ensure_user(self, username: str, *, password: str, **flags: bool) -> str:
        """Create the user if needed; returns the password set now, or '' if left as it was."""
        user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
        if created or password:
            password = password or secrets.token_urlsafe(9)
            user.set_password(password)
            user.save()
            return password
        return ""
