"""Listen, whisper and barge: a supervisor's phone joins a live call's named conversation.

The supervisor's phone (a number, or their Vonage app user) is called with an NCCO that
joins the conversation the customer and the agent talk in (routing.rooms) with the audio
controls of the NCCO `conversation` action (CONTRACT §4):

| mode    | canSpeak (who hears the supervisor) | canHear (whom the supervisor hears) |
|---------|-------------------------------------|-------------------------------------|
| listen  | [] (nobody)                         | omitted (everyone)                  |
| whisper | [the agent's leg]                   | omitted (everyone)                  |
| barge   | omitted (everyone)                  | omitted (everyone)                  |

Switching mode transfers the supervisor's leg to a new NCCO joining the same conversation
with the new controls (PUT /v1/calls/{uuid} transfer); leaving hangs the leg up. Each step
is a SupervisorAction. The agent is told (a `supervisor.monitoring` message on their desktop)
only when MONITORING_TELLS_AGENT is on.
"""

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from callcentre.realtime import SUPERVISORS_GROUP, agent_group, publish
from callcentre.vonage import ncco
from callcentre.vonage.client import VonageError, get_client
from conversations.models import Member
from conversations.selectors import customer_leg_uuid
from conversations.services.calls import member_add_agent_leg
from routing.models import Task
from routing.rooms import waiting_room_name
from routing.voice import agent_live_leg, caller_id, event_url
from supervision.audit import Person, action_record
from supervision.errors import SupervisionError
from supervision.models import MonitoringMode, MonitoringSession, SupervisorAction

logger = logging.getLogger(__name__)


def supervisor_endpoint(*, number: str = "", app_user: str = "") -> dict[str, str]:
    """The supervisor's phone as a Vonage endpoint: a number (E.164 digits) or an app user."""
    number = number.strip().lstrip("+").replace(" ", "")
    app_user = app_user.strip()
    if bool(number) == bool(app_user):
        raise SupervisionError("Give either the number to call you on or your Vonage app user.")
    if number:
        if not number.isdigit() or not 7 <= len(number) <= 15:
            raise SupervisionError(f"{number!r} is not a phone number (E.164 digits).")
        return {"type": "phone", "number": number}
    return {"type": "app", "user": app_user}


def monitoring_ncco(*, room: str, mode: str, agent_leg_uuid: str) -> list[dict[str, Any]]:
    """The NCCO that puts the supervisor's leg into the call with the mode's audio controls."""
    can_speak: list[str] | None = {
        MonitoringMode.LISTEN: [],
        MonitoringMode.WHISPER: [agent_leg_uuid],
        MonitoringMode.BARGE: None,
    }[MonitoringMode(mode)]
    return ncco.ncco_to_json(
        [
            ncco.Conversation(
                name=room,
                start_on_enter=True,
                end_on_exit=False,
                can_speak=can_speak,
                event_url=event_url(),
            )
        ]
    )


def _check_mode(mode: str) -> None:
    if mode not in MonitoringMode.values:
        raise SupervisionError(
            f"Unknown monitoring mode {mode!r}; use one of {', '.join(MonitoringMode.values)}."
        )


def monitoring_start(
    *, user: Person, task_id: int, mode: str, endpoint: dict[str, str]
) -> MonitoringSession:
    """Call the supervisor's phone into the task's live call in `mode`."""
    _check_mode(mode)
    if not isinstance(user, User):
        raise SupervisionError("Log in to monitor a call.")
    task = Task.objects.select_related("conversation", "agent").filter(pk=task_id).first()
    if task is None:
        raise SupervisionError("No such contact.")
    if task.channel != "voice" or task.state != Task.State.ASSIGNED or task.agent is None:
        raise SupervisionError("Only a call an agent is on can be monitored.")
    agent_leg = agent_live_leg(task=task)
    customer_leg = customer_leg_uuid(conversation=task.conversation)
    if agent_leg is None or agent_leg.leg_uuid is None or customer_leg is None:
        raise SupervisionError("The agent and the caller are not connected yet.")
    if MonitoringSession.objects.filter(
        supervisor_id=user.pk, task=task, ended_at__isnull=True
    ).exists():
        raise SupervisionError("You are already monitoring this call; change the mode instead.")
    room = waiting_room_name(task.conversation)
    try:
        created = get_client().create_call(
            to=endpoint,
            ncco=monitoring_ncco(room=room, mode=mode, agent_leg_uuid=agent_leg.leg_uuid),
            event_url=event_url(),
            **caller_id(),
        )
    except VonageError as error:
        raise SupervisionError(f"Vonage could not call your phone: {error}") from error
    tell_agent = settings.MONITORING_TELLS_AGENT
    with transaction.atomic():
        session = MonitoringSession.objects.create(
            supervisor=user,
            task=task,
            conversation=task.conversation,
            agent=task.agent,
            mode=mode,
            endpoint=endpoint,
            room=room,
            agent_leg_uuid=agent_leg.leg_uuid,
            customer_leg_uuid=customer_leg,
            leg_uuid=created.uuid,
            agent_told=tell_agent,
            started_at=timezone.now(),
        )
        # The supervisor's leg is part of the customer's call, not a call of its own.
        member_add_agent_leg(
            conversation=task.conversation,
            agent_id=None,
            leg_uuid=created.uuid,
            kind=Member.Kind.EXTERNAL,
        )
        action_record(
            user=user,
            kind=SupervisorAction.Kind.MONITOR_START,
            agent_id=task.agent_id,
            task_id=task.pk,
            session=session,
            detail={"mode": mode, "endpoint": endpoint, "agent_told": tell_agent},
        )
        _announce(session)
    return session


def session_get_for_user(*, user: Person, session_id: int) -> MonitoringSession:
    session = (
        MonitoringSession.objects.select_related("supervisor", "agent")
        .filter(pk=session_id, supervisor_id=user.pk)
        .first()
    )
    if session is None:
        raise SupervisionError("No such monitoring session of yours.")
    return session


def monitoring_set_mode(*, user: Person, session_id: int, mode: str) -> MonitoringSession:
    """Switch between listen, whisper and barge without hanging up."""
    _check_mode(mode)
    with transaction.atomic():
        session = session_get_for_user(user=user, session_id=session_id)
        session = MonitoringSession.objects.select_for_update().get(pk=session.pk)
        if session.ended_at is not None:
            raise SupervisionError("This monitoring session has ended.")
        if session.mode == mode:
            return session
        try:
            get_client().transfer_to_ncco(
                session.leg_uuid,
                monitoring_ncco(
                    room=session.room, mode=mode, agent_leg_uuid=session.agent_leg_uuid
                ),
            )
        except VonageError as error:
            raise SupervisionError(f"Vonage could not switch the mode: {error}") from error
        previous = session.mode
        session.mode = mode
        session.save(update_fields=["mode"])
        action_record(
            user=user,
            kind=SupervisorAction.Kind.MONITOR_MODE,
            agent_id=session.agent_id,
            task_id=session.task_id,
            session=session,
            detail={"from": previous, "to": mode},
        )
        _announce(session)
    return session


def monitoring_end(*, user: Person, session_id: int) -> MonitoringSession:
    """Leave the call: the supervisor's leg is hung up (the call goes on)."""
    with transaction.atomic():
        session = session_get_for_user(user=user, session_id=session_id)
        session = MonitoringSession.objects.select_for_update().get(pk=session.pk)
        if session.ended_at is not None:
            return session
        try:
            get_client().hangup(session.leg_uuid)
        except VonageError as error:  # the call has ended already, most likely
            logger.info("could not hang up monitoring leg %s: %s", session.leg_uuid, error)
        session.ended_at = timezone.now()
        session.save(update_fields=["ended_at"])
        action_record(
            user=user,
            kind=SupervisorAction.Kind.MONITOR_END,
            agent_id=session.agent_id,
            task_id=session.task_id,
            session=session,
        )
        _announce(session)
    return session


def sessions_close_ended(*, now: datetime | None = None) -> int:
    """Close the sessions whose call (or supervisor's leg) has ended without a "leave"."""
    now = now or timezone.now()
    ended_legs = Member.objects.filter(left_at__isnull=False).values("leg_uuid")
    ended_tasks = Task.objects.exclude(state=Task.State.ASSIGNED).values("pk")
    return (
        MonitoringSession.objects.filter(ended_at__isnull=True)
        .filter(Q(leg_uuid__in=ended_legs) | Q(task_id__in=ended_tasks))
        .update(ended_at=now)
    )


def session_as_json(session: MonitoringSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "task_id": session.task_id,
        "agent_id": session.agent_id,
        "mode": session.mode,
        "leg_uuid": session.leg_uuid,
        "started_at": session.started_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "agent_told": session.agent_told,
    }


def _announce(session: MonitoringSession) -> None:
    payload = session_as_json(session)
    transaction.on_commit(lambda: publish(SUPERVISORS_GROUP, "board.changed", {}, coalesce=True))
    if session.agent_told:
        transaction.on_commit(
            lambda: publish(agent_group(session.agent_id), "supervisor.monitoring", payload)
        )
