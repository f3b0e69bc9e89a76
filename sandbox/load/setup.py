"""The centre a load run plays against: its queue, set for the run, and the simulated agents.

The agents are real users and agents (`load-agent-1`, ...) with the queue's skills, an API
token and a logged-in session (for the desktop's websocket), created on the first run and
reused. The queue's wrap-up is set to the plan's for the run,
its maximum wait and length are lifted (overflow would take callers out of the measurement), and
everything is put back afterwards.
"""

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.services import api_token_create
from agents.models import Agent, AgentSkill
from routing import hours
from routing.models import IvrOption, Queue, QueueSkill, Task
from routing.selectors import menu_entry, menu_tree_changed
from sandbox.load.plan import LoadPlan, PlanError

AGENT_PREFIX = "load-agent-"
LOAD_TOKEN_NAME = "load test"
QUEUE_SETTINGS_FOR_THE_RUN = ("wrap_up_seconds", "max_wait_seconds", "max_queue_length")


@dataclass(frozen=True)
class AgentAccount:
    agent_id: int
    username: str
    vonage_user: str
    token: str
    session_key: str  # a logged-in session, for the desktop's websocket (cookie auth)


@dataclass
class Centre:
    queue: Queue
    digit: str
    accounts: list[AgentAccount]
    saved_queue_settings: dict[str, object] = field(default_factory=dict)


def centre_prepare(plan: LoadPlan) -> Centre:
    queue = Queue.objects.filter(name__iexact=plan.queue, is_active=True).first()
    if queue is None:
        names = ", ".join(Queue.objects.filter(is_active=True).values_list("name", flat=True))
        raise PlanError(f"no active queue {plan.queue!r} (queues: {names or 'none'})")
    digit = entry_digit_for(queue)
    now = timezone.now()
    if not hours.is_open(hours=queue.business_hours, at=now):
        raise PlanError(f"the {queue.name} queue is closed now: its callers would not queue")
    others = (
        Agent.objects.filter(status=Agent.Status.AVAILABLE)
        .exclude(user__username__startswith=AGENT_PREFIX)
        .values_list("display_name", flat=True)
    )
    if others:
        raise PlanError(
            f"other agents are available ({', '.join(others)}): they would be offered the "
            "run's calls and never answer. Set them away or offline first."
        )
    left_over = Task.objects.filter(
        queue=queue, state__in=(Task.State.QUEUED, Task.State.OFFERED, Task.State.ASSIGNED)
    ).count()
    busy = Agent.objects.filter(user__username__startswith=AGENT_PREFIX, voice_load__gt=0)
    if left_over or busy.exists():
        raise PlanError(
            f"the {queue.name} queue has {left_over} unfinished tasks and {busy.count()} load "
            "agents still hold a call: a run stopped before its end left calls the sandbox "
            "(its state is in memory) no longer knows. Load runs want a database of their own: "
            "drop and recreate it (make load migrates it and loads the demo data)."
        )
    with transaction.atomic():
        accounts = [agent_account(number, queue) for number in range(1, plan.agents + 1)]
        saved = {name: getattr(queue, name) for name in QUEUE_SETTINGS_FOR_THE_RUN}
        Queue.objects.filter(pk=queue.pk).update(
            wrap_up_seconds=round(plan.wrap_up_seconds),
            max_wait_seconds=None,
            max_queue_length=None,
        )
    menu_tree_changed()
    return Centre(queue=queue, digit=digit, accounts=accounts, saved_queue_settings=saved)


def centre_restore(centre: Centre) -> None:
    Queue.objects.filter(pk=centre.queue.pk).update(**centre.saved_queue_settings)
    menu_tree_changed()


def entry_digit_for(queue: Queue) -> str:
    """The key a caller presses in the entry menu to reach the queue."""
    menu = menu_entry()
    if menu is None:
        raise PlanError("there is no entry IVR menu: callers would not reach a queue")
    if not hours.is_open(hours=menu.business_hours, at=timezone.now()):
        raise PlanError(f"the {menu.name} menu is closed now: its callers would not queue")
    option = (
        IvrOption.objects.filter(menu=menu, action=IvrOption.Action.QUEUE, queue=queue)
        .order_by("digit")
        .first()
    )
    if option is None:
        raise PlanError(f"no key of the {menu.name} menu leads to the {queue.name} queue")
    return option.digit


def agent_account(number: int, queue: Queue) -> AgentAccount:
    username = f"{AGENT_PREFIX}{number}"
    user, _ = get_user_model().objects.get_or_create(username=username)
    agent, _ = Agent.objects.get_or_create(
        user=user, defaults={"display_name": f"Load agent {number}", "vonage_user": username}
    )
    for requirement in QueueSkill.objects.filter(queue=queue):
        AgentSkill.objects.update_or_create(
            agent=agent, skill_id=requirement.skill_id, defaults={"proficiency": 10}
        )
    # Only a key's hash is stored: each run makes its agent a new key, replacing the last.
    user.api_tokens.filter(name=LOAD_TOKEN_NAME).delete()
    _, key = api_token_create(user=user, name=LOAD_TOKEN_NAME)
    return AgentAccount(agent.pk, username, agent.vonage_user, key, session_for(user))


def session_for(user: Any) -> str:
    """A session logged in as `user`, as the login page makes: the websocket's credentials."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
