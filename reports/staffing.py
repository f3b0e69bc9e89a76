"""Staffing: how many agents a queue needs (Erlang C, or Erlang A when callers' mean patience
is given), and a plan per interval of a day from the last weeks of history.

The queueing models are reports/erlang.py's; this module searches them for the fewest agents
that meet a service-level target and adds shrinkage (the share of paid time agents are not
on the phones: breaks, training, absence): scheduled = ceil(on the phones ÷ (1 − shrinkage)).
docs/reports.md ("Staffing") gives the formulas.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Sum

from callcentre.errors import DomainError
from reports.erlang import ErlangA, ErlangC, erlang_a, erlang_c
from reports.history_models import ContactStat, Dimension, Period
from reports.rollups import day_bounds, report_zone

MOST_AGENTS = 5000  # the search gives up beyond this many (a typing error, not a centre)


class StaffingError(DomainError):
    """A staffing question with no answer as asked."""


@dataclass(frozen=True, kw_only=True)
class StaffingQuestion:
    arrivals_per_hour: float
    handle_seconds: float
    target_percent: float = 80.0  # of callers answered within target_seconds
    target_seconds: float = 20.0
    shrinkage_percent: float = 30.0
    patience_seconds: float | None = None  # Erlang A when given

    def check(self) -> None:
        if self.arrivals_per_hour < 0:
            raise StaffingError("The arrival rate cannot be negative.")
        if self.handle_seconds <= 0:
            raise StaffingError("The handle time must be more than 0 seconds.")
        if not 0 < self.target_percent < 100:
            raise StaffingError("The service-level target must be between 0 and 100 %.")
        if self.target_seconds < 0:
            raise StaffingError("The answer time target cannot be negative.")
        if not 0 <= self.shrinkage_percent < 100:
            raise StaffingError("Shrinkage must be from 0 up to (not including) 100 %.")
        if self.patience_seconds is not None and self.patience_seconds <= 0:
            raise StaffingError("The mean patience must be more than 0 seconds.")


@dataclass(frozen=True, kw_only=True)
class StaffingAnswer:
    model: str  # "Erlang C" or "Erlang A"
    offered_load: float  # Erlangs
    agents: int  # on the phones
    scheduled: int  # with shrinkage
    service_level_percent: float
    average_speed_of_answer: float  # seconds
    occupancy_percent: float
    abandon_percent: float  # 0 with Erlang C: nobody hangs up there
    waiting_percent: float


def staffing_needed(question: StaffingQuestion) -> StaffingAnswer:
    """The fewest agents on the phones that answer `target_percent` of callers within
    `target_seconds` (and, with Erlang C, keep the queue stable), with their figures."""
    question.check()
    if question.arrivals_per_hour == 0:
        return answer(question, None, 0)
    load = question.arrivals_per_hour * question.handle_seconds / 3600
    # No fewer: agents answer at most agents ÷ load of the callers, in either model.
    agents = max(1, math.floor(load * question.target_percent / 100))
    while agents <= MOST_AGENTS:
        model = predict(question, agents)
        if 100 * model.service_level(question.target_seconds) >= question.target_percent:
            return answer(question, model, agents)
        agents += 1
    raise StaffingError(f"More than {MOST_AGENTS} agents would be needed; check the figures.")


def predict(question: StaffingQuestion, agents: int) -> ErlangA | ErlangC:
    if question.patience_seconds:
        return erlang_a(
            arrivals_per_hour=question.arrivals_per_hour,
            handle_seconds=question.handle_seconds,
            agents=agents,
            patience_seconds=question.patience_seconds,
        )
    return erlang_c(
        arrivals_per_hour=question.arrivals_per_hour,
        handle_seconds=question.handle_seconds,
        agents=agents,
    )


def answer(
    question: StaffingQuestion, model: ErlangA | ErlangC | None, agents: int
) -> StaffingAnswer:
    name = "Erlang A" if question.patience_seconds else "Erlang C"
    if model is None:  # no calls: nobody needed
        return StaffingAnswer(
            model=name,
            offered_load=0.0,
            agents=0,
            scheduled=0,
            service_level_percent=100.0,
            average_speed_of_answer=0.0,
            occupancy_percent=0.0,
            abandon_percent=0.0,
            waiting_percent=0.0,
        )
    abandoning = model.probability_of_abandoning if isinstance(model, ErlangA) else 0.0
    return StaffingAnswer(
        model=name,
        offered_load=model.offered_load,
        agents=agents,
        scheduled=scheduled(agents, question.shrinkage_percent),
        service_level_percent=100 * model.service_level(question.target_seconds),
        average_speed_of_answer=model.average_speed_of_answer,
        occupancy_percent=100 * model.occupancy,
        abandon_percent=100 * abandoning,
        waiting_percent=100 * model.probability_of_waiting,
    )


def scheduled(agents: int, shrinkage_percent: float) -> int:
    """Agents to schedule so that `agents` are on the phones after shrinkage."""
    return math.ceil(round(agents / (1 - shrinkage_percent / 100), 9))


# A plan for a day from history


@dataclass(frozen=True, kw_only=True)
class PlanRow:
    starts: str  # local time, "09:00"
    offered_per_interval: float  # the weeks' average
    handle_seconds: float
    staffing: StaffingAnswer | None  # None: nothing was offered then


def staffing_plan(
    *,
    day: date,
    weeks: int,
    interval_minutes: int,
    question: StaffingQuestion,
    queue_id: int | None = None,
) -> list[PlanRow]:
    """Agents per interval of `day`, from the same weekday of the `weeks` weeks before it:
    each interval's average contacts offered and their handle time (talk + hold + wrap-up;
    the question's handle time where none was handled), through staffing_needed."""
    if interval_minutes not in (15, 30, 60):
        raise StaffingError("The plan's interval is 15, 30 or 60 minutes.")
    if not 1 <= weeks <= 52:
        raise StaffingError("The plan reads 1 to 52 weeks of history.")
    zone = report_zone()
    offered: dict[str, float] = {}
    handled: dict[str, float] = {}
    handle_seconds: dict[str, float] = {}
    for week in range(1, weeks + 1):
        start, end = day_bounds(day - timedelta(weeks=week))
        stats = ContactStat.objects.filter(
            period=Period.QUARTER_HOUR,
            dimension=Dimension.TOTAL,
            bucket__gte=start,
            bucket__lt=end,
        )
        if queue_id is not None:
            stats = stats.filter(queue_id=queue_id)
        rows = stats.values("bucket").annotate(
            offered=Sum("offered"),
            handled=Sum("handled"),
            seconds=Sum("handle_seconds") + Sum("wrap_up_seconds"),
        )
        for row in rows:
            slot = slot_start(row["bucket"].astimezone(zone), interval_minutes)
            offered[slot] = offered.get(slot, 0) + (row["offered"] or 0)
            handled[slot] = handled.get(slot, 0) + (row["handled"] or 0)
            handle_seconds[slot] = handle_seconds.get(slot, 0) + (row["seconds"] or 0)
    plan = []
    for slot in sorted(offered):
        average = offered[slot] / weeks
        handle = handle_seconds[slot] / handled[slot] if handled[slot] else question.handle_seconds
        staffing = None
        if average > 0:
            per_hour = average * 60 / interval_minutes
            staffing = staffing_needed(
                StaffingQuestion(
                    arrivals_per_hour=per_hour,
                    handle_seconds=handle,
                    target_percent=question.target_percent,
                    target_seconds=question.target_seconds,
                    shrinkage_percent=question.shrinkage_percent,
                    patience_seconds=question.patience_seconds,
                )
            )
        plan.append(
            PlanRow(
                starts=slot,
                offered_per_interval=average,
                handle_seconds=handle,
                staffing=staffing,
            )
        )
    return plan


def slot_start(moment: datetime, interval_minutes: int) -> str:
    minute = moment.minute - moment.minute % interval_minutes
    return f"{moment.hour:02d}:{minute:02d}"
