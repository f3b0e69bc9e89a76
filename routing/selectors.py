"""Routing reads. The IVR loads a menu with everything its decision needs in a few queries."""

from django.db import connection
from django.db.models import Prefetch, QuerySet

from agents.models import Agent
from callcentre.versioned import VersionedCache
from conversations.models import Member, Message
from routing.models import VOICEMAIL_CHANNEL, IvrMenu, IvrOption, Offer, Queue, Task

# The order options are announced in: the keys of a phone pad, 0 after 9.
KEY_ORDER = "1234567890*#"


def hours_prefetches(path: str) -> list[str]:
    """Prefetch lookups for the opening periods and holidays of the hours at `path`."""
    prefix = f"{path}__" if path else ""
    return [f"{prefix}business_hours__periods", f"{prefix}business_hours__holidays"]


def queues_for_routing() -> QuerySet[Queue]:
    return Queue.objects.select_related("business_hours").prefetch_related(*hours_prefetches(""))


def menus_for_ivr() -> QuerySet[IvrMenu]:
    options = IvrOption.objects.select_related("queue__business_hours", "submenu")
    return IvrMenu.objects.select_related(
        "business_hours",
        "closed_queue__business_hours",
        "vip_queue__business_hours",
        "vip_skill",
    ).prefetch_related(
        Prefetch("options", queryset=options),
        *hours_prefetches(""),
        *hours_prefetches("closed_queue"),
        *hours_prefetches("vip_queue"),
        *hours_prefetches("options__queue"),
    )


# The menu tree (menus, options, their queues, opening hours and holidays) changes when
# someone edits it in the admin, and is read by every call: each process keeps the menus it
# loaded and re-reads them when the shared version key moves (routing.signals bumps it on
# every save or delete of those models). The key is looked at once per MENU_CHECK_SECONDS
# at most, so an edit reaches every process within that time; if the cache is unreachable,
# menus are kept for MENU_CHECK_SECONDS only. QuerySet.update() and bulk_create() send no
# signals: code that edits the tree that way calls menu_tree_changed() after commit.
# Callers must not modify what they are given.
MENU_VERSION_KEY = "routing:menus:version"
MENU_CHECK_SECONDS = 1.0


menu_cache: VersionedCache[IvrMenu | None] = VersionedCache(
    version_key=MENU_VERSION_KEY, check_seconds=lambda: MENU_CHECK_SECONDS, what="IVR menus"
)


def menu_tree_changed() -> None:
    """The menu tree was edited (and committed): every process re-reads its menus."""
    menu_cache.changed()


def menu_entry() -> IvrMenu | None:
    """The menu callers hear first (at most one: a constraint)."""
    return menu_cache.get("entry", lambda: menus_for_ivr().filter(is_entry=True).first())


def menu_get(*, menu_id: int) -> IvrMenu | None:
    return menu_cache.get(menu_id, lambda: menus_for_ivr().filter(pk=menu_id).first())


def menu_options(menu: IvrMenu) -> list[IvrOption]:
    """The options a caller can choose, in key order; options leading to inactive queues hide."""
    offered = [
        option for option in menu.options.all() if option.queue is None or option.queue.is_active
    ]
    return sorted(
        offered,
        key=lambda option: (
            KEY_ORDER.index(option.digit) if option.digit in KEY_ORDER else len(KEY_ORDER)
        ),
    )


def queue_get_for_routing(*, queue_id: int) -> Queue | None:
    return queues_for_routing().filter(pk=queue_id).first()


def queue_waiting_count(*, queue: Queue) -> int:
    """Callers holding in the queue now (callbacks and voicemails wait off the line and do
    not count)."""
    return (
        Task.objects.filter(
            queue=queue, state__in=[Task.State.QUEUED, Task.State.OFFERED], is_callback=False
        )
        .exclude(channel=VOICEMAIL_CHANNEL)
        .count()
    )


# What the engine promises, as checks that every snapshot of the database must pass. Each is
# one statement, so one snapshot: a claim writes the agent's load, the task's state and the
# offer in one transaction. The concurrency test runs them while matchers race;
# bench/routing.py after each round.
INVARIANT_CHECKS = (
    (
        "tasks with more than one pending-or-accepted offer",
        """SELECT count(*) FROM (SELECT task_id FROM routing_offer
           WHERE state IN ('pending', 'accepted') GROUP BY task_id HAVING count(*) > 1) twice""",
    ),
    (
        "offered tasks without exactly one pending offer",
        """SELECT count(*) FROM routing_task t WHERE t.state = 'offered' AND (SELECT count(*)
           FROM routing_offer o WHERE o.task_id = t.id AND o.state = 'pending') <> 1""",
    ),
    (
        "pending offers whose task is not 'offered'",
        """SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
           WHERE o.state = 'pending' AND t.state <> 'offered'""",
    ),
    (
        "agents whose pending offers + assigned tasks exceed a capacity",
        """SELECT count(*) FROM agents_agent a
           WHERE (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending' AND t.channel = 'voice')
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel = 'voice')
               > a.voice_capacity
              OR (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending'
                    AND t.channel NOT IN ('voice', 'voicemail'))
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned'
                    AND t.channel NOT IN ('voice', 'voicemail'))
               > a.chat_capacity
              OR (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending' AND t.channel = 'voicemail')
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel = 'voicemail')
               > a.voicemail_capacity
              OR a.voice_load > a.voice_capacity OR a.chat_load > a.chat_capacity
              OR a.voicemail_load > a.voicemail_capacity""",
    ),
    (
        "agents whose load counters differ from the rows they count",
        """SELECT count(*) FROM agents_agent a
           WHERE a.voice_load <>
                 (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending' AND t.channel = 'voice')
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel = 'voice')
              OR a.chat_load <>
                 (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending'
                    AND t.channel NOT IN ('voice', 'voicemail'))
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned'
                    AND t.channel NOT IN ('voice', 'voicemail'))
              OR a.voicemail_load <>
                 (SELECT count(*) FROM routing_offer o JOIN routing_task t ON t.id = o.task_id
                  WHERE o.agent_id = a.id AND o.state = 'pending' AND t.channel = 'voicemail')
               + (SELECT count(*) FROM routing_task t
                  WHERE t.agent_id = a.id AND t.state = 'assigned' AND t.channel = 'voicemail')""",
    ),
    (
        "agents who do not mix channels carrying calls and other work at once",
        """SELECT count(*) FROM agents_agent
           WHERE NOT mixes_channels AND voice_load > 0 AND (chat_load > 0 OR voicemail_load > 0)""",
    ),
)


def routing_invariant_violations() -> dict[str, int]:
    """How many rows break each of the engine's invariants: all zero when it kept its word."""
    found = {}
    with connection.cursor() as cursor:
        for label, statement in INVARIANT_CHECKS:
            cursor.execute(statement)
            found[label] = cursor.fetchone()[0]
    return found


# An agent's own work (the desktop)


def agent_pending_offers(*, agent: Agent) -> QuerySet[Offer]:
    """The offers waiting for the agent's answer, oldest first, with who is calling."""
    return (
        Offer.objects.filter(agent=agent, state=Offer.State.PENDING)
        .select_related("task__queue", "task__conversation__customer")
        .order_by("created_at", "pk")
    )


def agent_assigned_tasks(*, agent: Agent) -> QuerySet[Task]:
    """The contacts the agent holds now, with the customer and the agent's own legs."""
    own_legs = Member.objects.filter(kind=Member.Kind.AGENT, agent=agent).order_by("pk")
    return (
        Task.objects.filter(agent=agent, state=Task.State.ASSIGNED)
        .select_related("queue", "conversation__customer")
        .prefetch_related(
            Prefetch("conversation__members", own_legs, to_attr="agent_legs"),
            Prefetch("conversation__messages", Message.objects.order_by("occurred_at", "pk")),
        )
        .order_by("assigned_at", "pk")
    )


def task_get_assigned_to_agent(*, agent: Agent, task_id: int) -> Task | None:
    """A contact the agent holds now, or None: the access rule of every action on one."""
    return (
        Task.objects.select_related("conversation", "agent")
        .filter(pk=task_id, agent=agent, state=Task.State.ASSIGNED)
        .first()
    )


def agent_conversation_ids(*, agent: Agent) -> set[int]:
    """The conversations offered to the agent now or held by them (the desktop's reach)."""
    offered = Offer.objects.filter(agent=agent, state=Offer.State.PENDING).values_list(
        "task__conversation_id", flat=True
    )
    held = Task.objects.filter(agent=agent, state=Task.State.ASSIGNED).values_list(
        "conversation_id", flat=True
    )
    return set(offered) | set(held)
