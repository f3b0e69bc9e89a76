import zoneinfo
from datetime import time, timedelta

import factory
from django.utils import timezone

from agents.models import AgentSkill
from agents.tests.factories import AgentFactory
from conversations.models import Channel, Conversation
from routing.models import (
    BusinessHours,
    Holiday,
    IvrMenu,
    IvrOption,
    OpeningPeriod,
    Queue,
    QueueSkill,
    Skill,
)


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"skill-{n}")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")


class QueueSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueueSkill

    queue = factory.SubFactory(QueueFactory)
    skill = factory.SubFactory(SkillFactory)
    min_proficiency = 1


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    vonage_uuid = factory.Sequence(lambda n: f"CON-test-{n}")
    channel = Channel.VOICE
    from_address = "447700900123"
    started_at = factory.LazyFunction(timezone.now)


def available_agent(name: str, *, skills: dict[Skill, int], idle_minutes: float = 1, **fields):
    """An available agent with the given skills, idle for `idle_minutes`."""
    fields.setdefault("status", "available")
    agent = AgentFactory(
        display_name=name,
        vonage_user=f"agent-{name.lower()}",
        idle_since=timezone.now() - timedelta(minutes=idle_minutes),
        **fields,
    )
    for skill, proficiency in skills.items():
        AgentSkill.objects.create(agent=agent, skill=skill, proficiency=proficiency)
    return agent


class BusinessHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessHours

    name = factory.Sequence(lambda n: f"Hours {n}")
    time_zone = "Europe/London"


class OpeningPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningPeriod

    hours = factory.SubFactory(BusinessHoursFactory)
    weekday = OpeningPeriod.Weekday.MONDAY
    opens = time(9)
    closes = time(17)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    hours = factory.SubFactory(BusinessHoursFactory)
    name = "Holiday"


class IvrMenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IvrMenu

    name = factory.Sequence(lambda n: f"Menu {n}")
    greeting = "Thank you for calling {centre}."


class IvrOptionFactory(factory.django.DjangoModelFactory):
    """An option that leads to a queue; pass action= and its target for the others."""

    class Meta:
        model = IvrOption

    menu = factory.SubFactory(IvrMenuFactory)
    digit = factory.Sequence(lambda n: str(n % 10))
    prompt = factory.LazyAttribute(
        lambda option: f"For {option.queue.name}" if option.queue else ""
    )
    action = IvrOption.Action.QUEUE
    queue = factory.SubFactory(QueueFactory)


def hours_open_now(**fields) -> BusinessHours:
    """Hours with one period from an hour ago to an hour from now, on the hours' wall clock."""
    hours = BusinessHoursFactory(**fields)
    local_now = timezone.now().astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    start = local_now - timedelta(hours=1)
    end = local_now + timedelta(hours=1)
    OpeningPeriodFactory(
        hours=hours,
        weekday=start.weekday(),
        opens=start.time().replace(second=0, microsecond=0),
        closes=end.time().replace(second=0, microsecond=0),
    )
    return hours


def hours_closed_now(**fields) -> BusinessHours:
    """Hours whose one period is open today, but a holiday closes today on their wall clock."""
    hours = hours_open_now(**fields)
    local_now = timezone.now().astimezone(zoneinfo.ZoneInfo(hours.time_zone))
    HolidayFactory(hours=hours, date=local_now.date())
    return hours
