"""Several matchers at once on PostgreSQL while agents accept, reject, finish and come and go.

Afterwards, and at every moment sampled during the run, no agent held more
work than their capacity, and no task was assigned twice.
"""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from agents.models import Agent
from agents.presence import Actor
from routing.engine import agent_route, task_route
from routing.errors import RoutingError
from routing.models import Offer, Task
from routing.offers import offer_accept, offer_reject, offers_expire
from routing.presence import agent_presence_set, agent_ready
from routing.queueing import task_complete, task_enqueue
from routing.selectors import routing_invariant_violations
from routing.tests.factories import (
    ConversationFactory,
    QueueFactory,
    QueueSkillFactory,
    SkillFactory,
    available_agent,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AGENTS = 40
TASKS = 300
# The run lasts at least SECONDS and until enough offers were accepted and invariant samples
# taken to mean something, or MAX_SECONDS on a machine too busy to get there (the test then fails
# on the counts below).
SECONDS = 8
MAX_SECONDS = 60
ENOUGH = 60


@pytest.fixture
def busy_centre(vonage_api):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks and SKIP LOCKED are what is under test")
    randomness = random.Random(42)
    skills = [SkillFactory(name=name) for name in ("billing", "sales", "technical")]
    queues = []
    for skill in skills:
        queue = QueueFactory(name=skill.name.title(), offer_timeout_seconds=5)
        QueueSkillFactory(queue=queue, skill=skill, min_proficiency=3)
        queues.append(queue)
    agents = [
        available_agent(
            f"Agent{number}",
            skills={skill: randomness.randint(1, 10) for skill in randomness.sample(skills, 2)},
            status="away",
            mixes_channels=number % 5 == 0,
        )
        for number in range(AGENTS)
    ]
    tasks = [
        task_enqueue(
            conversation=ConversationFactory(
                channel=randomness.choice(["voice", "voice", "sms", "whatsapp"])
            ),
            queue=randomness.choice(queues),
            priority_boost=randomness.choice([0, 0, 5]),
        )
        for _ in range(TASKS)
    ]
    return agents, tasks


def run_until(finished, work, errors: list, seed: int) -> None:
    randomness = random.Random(seed)
    try:
        while not finished():
            try:
                work(randomness)
            except RoutingError:
                pass  # the race was lost cleanly: exactly what the engine must allow
            finally:
                # As a request does: the connection goes back to the pool (more threads
                # run here than the pool holds connections).
                connections.close_all()
    except Exception as error:  # any other error fails the test
        errors.append(error)
    finally:
        connections.close_all()


def test_concurrent_matchers_never_overbook_or_double_assign(busy_centre):
    agents, tasks = busy_centre
    agent_ids = [agent.pk for agent in agents]
    task_ids = [task.pk for task in tasks]
    errors: list = []
    violations: list = []
    samples = []
    accepted = []
    started = time.monotonic()

    def finished() -> bool:
        elapsed = time.monotonic() - started
        enough = min(len(accepted), len(samples)) >= ENOUGH
        return elapsed > MAX_SECONDS or (elapsed > SECONDS and enough)

    def matcher(randomness):
        if randomness.random() < 0.5:
            task_route(task_id=randomness.choice(task_ids))
        else:
            agent_route(agent_id=randomness.choice(agent_ids))

    def agent_behaviour(randomness):
        agent = Agent.objects.get(pk=randomness.choice(agent_ids))
        roll = randomness.random()
        offer = Offer.objects.filter(agent=agent, state=Offer.State.PENDING).first()
        if offer is not None and roll < 0.5:
            offer_accept(offer_id=offer.pk, agent=agent)
            accepted.append(offer.pk)
        elif offer is not None and roll < 0.7:
            offer_reject(offer_id=offer.pk, agent=agent)
        elif roll < 0.85:
            assigned = Task.objects.filter(agent=agent, state=Task.State.ASSIGNED).first()
            if assigned is not None:
                task_complete(task_id=assigned.pk, agent=agent)
                agent_ready(agent=agent)
        else:
            agent_presence_set(
                actor=Actor.AGENT,
                agent=agent,
                status=randomness.choice(["available", "available", "away"]),
            )

    def reaper(randomness):
        offers_expire(now=timezone.now() + timedelta(seconds=randomness.choice([0, 6])))
        time.sleep(0.05)

    def monitor(randomness):
        broken = {label: n for label, n in routing_invariant_violations().items() if n}
        samples.append(1)
        if broken:
            violations.append(broken)

    for agent in agents:
        agent_presence_set(actor=Actor.AGENT, agent=agent, status="available")
    workers = (
        [threading.Thread(target=run_until, args=(finished, matcher, errors, n)) for n in range(4)]
        + [
            threading.Thread(target=run_until, args=(finished, agent_behaviour, errors, 10 + n))
            for n in range(3)
        ]
        + [threading.Thread(target=run_until, args=(finished, reaper, errors, 20))]
        + [threading.Thread(target=run_until, args=(finished, monitor, errors, 30))]
    )
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=MAX_SECONDS + 60)

    assert errors == []
    assert violations == []
    assert len(samples) > 50
    accepted_per_task = {}
    for task_id in Offer.objects.filter(state=Offer.State.ACCEPTED).values_list(
        "task_id", flat=True
    ):
        accepted_per_task[task_id] = accepted_per_task.get(task_id, 0) + 1
    assert accepted_per_task and max(accepted_per_task.values()) == 1
    assert Offer.objects.filter(state=Offer.State.ACCEPTED).count() > 50
    # The counters agree with the rows they summarise.
    for agent in Agent.objects.all():
        pending = Offer.objects.filter(agent=agent, state=Offer.State.PENDING)
        assigned = Task.objects.filter(agent=agent, state=Task.State.ASSIGNED)
        assert agent.voice_load == (
            pending.filter(task__channel="voice").count() + assigned.filter(channel="voice").count()
        ), agent
        assert agent.chat_load == (
            pending.exclude(task__channel="voice").count()
            + assigned.exclude(channel="voice").count()
        ), agent
    assert set(routing_invariant_violations().values()) == {0}
