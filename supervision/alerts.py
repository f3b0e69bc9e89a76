"""Alerts: per-queue thresholds (AlertRule, in admin) checked by Celery beat every
ALERTS_EVALUATE_SECONDS; a breach opens an Alert, which ends when the figure is back within
its threshold. A new breach is pushed to the live dashboards (`alert.raised`: banner,
highlighted row, a browser notification for supervisors who allowed them) and, when the rule
says so, sent by SMS (Vonage Messages API) or e-mail to the active on-call contacts.

The figures (docs/dashboards.md, "Alerts"):
- service level over the window = answered within the queue's service-level seconds /
  (answered + abandoned after the short-abandon threshold), of contacts that queued in the
  last `window_minutes` (no alert while nothing was answered or abandoned);
- abandon rate over the window = abandoned (short abandons apart) / (answered + abandoned);
- longest wait = the oldest caller on the line now; waiting = callers on the line now;
- no eligible agent = contacts (callers or callbacks) wait and no agent with the queue's
  skills is signed in (available, busy or in wrap-up);
- agent in one state = an agent with the queue's skills whose activity is `agent_state` for
  longer than the threshold: since their contact was assigned or offered when busy, since
  their presence changed otherwise.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import AgentSkill
from callcentre.celery import enqueue
from callcentre.realtime import SUPERVISORS_GROUP, publish
from callcentre.vonage.client import VonageError, get_client
from reports.selectors import live_board
from routing.models import QueueSkill
from routing.statistics import QueueStatistics, day_figures, queue_statistics
from supervision.models import Alert, AlertMetric, AlertRule, OnCallContact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Breach:
    subject: str
    value: float
    message: str


def window_rates(*, rule: AlertRule, now: datetime) -> tuple[float | None, float | None]:
    """(service level %, abandon rate %) of the rule's queue over its rolling window."""
    since = now - timedelta(minutes=rule.window_minutes)
    figures = day_figures(queues=[rule.queue], since=since)[rule.queue_id]
    offered = figures.answered + figures.abandoned
    if not offered:
        return None, None
    return (100 * figures.answered_in_time / offered, 100 * figures.abandoned / offered)


def eligible_agent_ids(queue_id: int) -> set[int]:
    """Agents with every skill the queue asks for, at the proficiency it asks."""
    needed = list(
        QueueSkill.objects.filter(queue_id=queue_id).values_list("skill_id", "min_proficiency")
    )
    skills: dict[int, dict[int, int]] = {}
    for agent_id, skill_id, level in AgentSkill.objects.values_list(
        "agent_id", "skill_id", "proficiency"
    ):
        skills.setdefault(agent_id, {})[skill_id] = level
    return {
        agent_id
        for agent_id, own in skills.items()
        if all(own.get(skill, 0) >= level for skill, level in needed)
    }


def rule_breaches(
    *, rule: AlertRule, figures: QueueStatistics, agents: list[dict[str, Any]], now: datetime
) -> list[Breach]:
    queue = rule.queue.name
    metric, threshold = rule.metric, rule.threshold
    if metric in (AlertMetric.SERVICE_LEVEL, AlertMetric.ABANDON_RATE):
        service_level, abandon_rate = window_rates(rule=rule, now=now)
        if metric == AlertMetric.SERVICE_LEVEL and service_level is not None:
            if service_level < threshold:
                return [
                    Breach(
                        "",
                        round(service_level, 1),
                        f"{queue}: service level {service_level:.1f}% over the last "
                        f"{rule.window_minutes} min (target {threshold:g}%)",
                    )
                ]
        if metric == AlertMetric.ABANDON_RATE and abandon_rate is not None:
            if abandon_rate > threshold:
                return [
                    Breach(
                        "",
                        round(abandon_rate, 1),
                        f"{queue}: {abandon_rate:.1f}% abandoned over the last "
                        f"{rule.window_minutes} min (limit {threshold:g}%)",
                    )
                ]
        return []
    if metric == AlertMetric.LONGEST_WAIT and figures.longest_wait_seconds > threshold:
        wait = figures.longest_wait_seconds
        return [Breach("", wait, f"{queue}: a caller has waited {wait} s (limit {threshold:g} s)")]
    if metric == AlertMetric.WAITING and figures.waiting > threshold:
        return [
            Breach(
                "",
                figures.waiting,
                f"{queue}: {figures.waiting} callers on the line (limit {threshold:g})",
            )
        ]
    if metric == AlertMetric.NO_AGENT:
        waiting = figures.waiting + figures.callbacks_waiting
        staffed = figures.agents_available + figures.agents_busy + figures.agents_wrap_up
        if waiting and not staffed:
            return [
                Breach(
                    "",
                    waiting,
                    f"{queue}: {waiting} waiting and no agent who could take them is signed in",
                )
            ]
        return []
    if metric == AlertMetric.AGENT_STATE:
        eligible = eligible_agent_ids(rule.queue_id)
        breaches = []
        for row in agents:
            if row["id"] not in eligible or row["activity"] != rule.agent_state:
                continue
            since = (row["contact"] or {}).get("since") if row["activity"] == "busy" else None
            since = since or row["status_since"]
            if since is None:
                continue
            seconds = (now - since).total_seconds()
            if seconds > threshold:
                breaches.append(
                    Breach(
                        f"agent-{row['id']}",
                        round(seconds),
                        f"{row['display_name']} has been {rule.agent_state.replace('_', '-')} "
                        f"for {round(seconds)} s (limit {threshold:g} s, {queue})",
                    )
                )
        return breaches
    return []


def alerts_evaluate(*, now: datetime | None = None) -> tuple[int, int]:
    """Open alerts for new breaches and end those that stopped: (opened, ended)."""
    now = now or timezone.now()
    rules = list(AlertRule.objects.filter(is_active=True).select_related("queue"))
    if not rules:
        return 0, 0
    figures = {
        row.queue_id: row
        for row in queue_statistics(now=now, queue_ids={r.queue_id for r in rules})
    }
    agents = live_board(now=now)["agents"]
    opened = ended = 0
    for rule in rules:
        found = {}
        if rule.queue_id in figures:  # an inactive queue has no live figures: nothing to watch
            found = {
                breach.subject: breach
                for breach in rule_breaches(
                    rule=rule, figures=figures[rule.queue_id], agents=agents, now=now
                )
            }
        open_alerts = {alert.subject: alert for alert in rule.alerts.filter(ended_at__isnull=True)}
        for subject, alert in open_alerts.items():
            if subject not in found:
                ended += Alert.objects.filter(pk=alert.pk, ended_at__isnull=True).update(
                    ended_at=now
                )
        for subject, breach in found.items():
            if subject in open_alerts:
                Alert.objects.filter(pk=open_alerts[subject].pk).update(value=breach.value)
                continue
            opened += alert_open(rule=rule, breach=breach, now=now)
    if opened or ended:
        publish(SUPERVISORS_GROUP, "board.changed", {}, coalesce=True)
    return opened, ended


def alert_open(*, rule: AlertRule, breach: Breach, now: datetime) -> int:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule,
                subject=breach.subject,
                message=breach.message,
                value=breach.value,
                started_at=now,
            )
    except IntegrityError:  # another evaluation opened it first
        return 0
    publish(SUPERVISORS_GROUP, "alert.raised", alert_as_json(alert))
    if rule.notify_sms or rule.notify_email:
        enqueue("supervision.notify_on_call", alert.pk)
    return 1


def alert_notify(*, alert_id: int) -> list[str]:
    """Tell the on-call list about a breach, by SMS and/or e-mail as its rule says; once."""
    alert = Alert.objects.select_related("rule").filter(pk=alert_id).first()
    if alert is None or alert.notified:
        return []
    rule, told = alert.rule, []
    contacts = list(OnCallContact.objects.filter(is_active=True))
    if rule.notify_sms and settings.VONAGE_NUMBERS:
        for contact in contacts:
            if not contact.phone:
                continue
            try:
                get_client().send_message(
                    channel="sms",
                    to=contact.phone,
                    from_=settings.VONAGE_NUMBERS[0],
                    text=f"{settings.CALL_CENTRE_NAME} alert: {alert.message}",
                    client_ref=f"alert-{alert.pk}",
                )
                told.append(f"sms:{contact.phone}")
            except VonageError as error:
                logger.warning("alert %s: SMS to %s failed: %s", alert.pk, contact.phone, error)
    if rule.notify_email:
        addresses = [contact.email for contact in contacts if contact.email]
        if addresses:
            send_mail(
                subject=f"{settings.CALL_CENTRE_NAME} alert: {rule.queue.name}",
                message=alert.message,
                from_email=None,
                recipient_list=addresses,
            )
            told += [f"email:{address}" for address in addresses]
    Alert.objects.filter(pk=alert.pk).update(notified=told)
    return told


def alert_as_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "queue_id": alert.rule.queue_id,
        "queue": alert.rule.queue.name,
        "metric": alert.rule.metric,
        "subject": alert.subject,
        "message": alert.message,
        "value": alert.value,
        "started_at": alert.started_at.isoformat(),
        "ended_at": alert.ended_at.isoformat() if alert.ended_at else None,
    }


def alerts_board(*, recent: int = 20) -> dict[str, list[dict[str, Any]]]:
    """What the dashboard shows: the alerts open now and the latest that ended."""
    alerts = Alert.objects.select_related("rule__queue")
    return {
        "open": [alert_as_json(a) for a in alerts.filter(ended_at__isnull=True)],
        "ended": [
            alert_as_json(a)
            for a in alerts.filter(ended_at__isnull=False).order_by("-ended_at")[:recent]
        ],
    }
