"""Routing: configuration (skills, queues, hours, IVR menus) and work (tasks, offers).

A Task is one contact that needs an agent. Its skill requirements live in
TaskSkillGroup/TaskSkill rows: an agent is eligible when they satisfy every
skill of at least one group (escalation can add a group, e.g. another queue's
skills). An Offer proposes a task to one agent at a time.

The models live in three modules (queues, menus, work); Django and the rest of the
project import them from here, the app's models module.
"""

from routing.models.desk import CannedReply, DispositionCode
from routing.models.menus import (
    IvrMenu,
    IvrOption,
)
from routing.models.queues import (
    PROFICIENCY_VALIDATORS,
    BusinessHours,
    EscalationStep,
    FallbackAction,
    Holiday,
    OpeningPeriod,
    Queue,
    QueueSkill,
    Skill,
    Strategy,
    validate_time_zone,
)
from routing.models.work import (
    VOICEMAIL_CHANNEL,
    Offer,
    Task,
    TaskSkill,
    TaskSkillGroup,
)

__all__ = [
    "PROFICIENCY_VALIDATORS",
    "validate_time_zone",
    "Skill",
    "BusinessHours",
    "OpeningPeriod",
    "Holiday",
    "Strategy",
    "FallbackAction",
    "Queue",
    "QueueSkill",
    "EscalationStep",
    "IvrMenu",
    "IvrOption",
    "Task",
    "TaskSkillGroup",
    "TaskSkill",
    "Offer",
    "VOICEMAIL_CHANNEL",
    "DispositionCode",
    "CannedReply",
]
