"""The IVR's vocabulary: what a decision is (IvrDecision: the NCCO actions, the state to
record, the task to enqueue), who is calling (Caller), what callers hear when something
is not possible, and the voicemail every branch can end in."""

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.conf import settings

from ai.selectors import IntentMatch
from callcentre.vonage import inbound, ncco
from conversations.crm import CrmProfile, crm_profile_for_number
from conversations.models import Conversation
from routing.models import IvrMenu, Queue, Skill
from routing.prompts import (
    Voice,
    default_voice,
    menu_voice,
    voicemail_actions,
)
from routing.rooms import waiting_room_name

# A closed or full queue may send callers on to another queue, which may do the same:
# this many queues at most, then voicemail (it also breaks loops such as A -> B -> A).
MAX_QUEUE_HOPS = 4


CLOSED_TEXT = "We are closed right now."


OVERFLOW_TEXT = "Sorry, all our agents are busy."


CALL_AGAIN_TEXT = "Please call again later. Goodbye."


NOT_HEARD_TEXT = "Sorry, I didn't catch that."


INVALID_TEXT = "Sorry, that is not one of the options."


GIVE_UP_TEXT = "Sorry we could not help you."


NO_CALLBACK_NUMBER_TEXT = "Sorry, we can't call you back on this line."


SERVICE_UNAVAILABLE_TEXT = "Sorry, that service is not available right now."


class Outcome:
    MENU = "menu"
    SUBMENU = "submenu"
    REPEAT = "repeat"
    SELF_SERVICE = "self_service"
    RETRY = "retry"
    QUEUE = "queue"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"
    MESSAGE = "message"


class Branch:
    NONE = ""
    CLOSED = "closed"
    OVERFLOW = "overflow"


@dataclass(frozen=True, kw_only=True)
class Enqueue:
    """A task for routing.queueing.task_enqueue."""

    queue: Queue
    priority_boost: int = 0
    extra_skill: Skill | None = None
    extra_skill_min_proficiency: int = 1
    is_callback: bool = False
    callback_number: str = ""
    attributes: dict = field(default_factory=dict)


def treated_enqueue(
    *,
    queue: Queue,
    menu: IvrMenu | None,
    treatment: "Treatment",
    branch: str,
    is_callback: bool = False,
    callback_number: str = "",
) -> Enqueue:
    """The caller's task in `queue`, with their treatment (a VIP's boost and skill)."""
    return Enqueue(
        queue=queue,
        priority_boost=treatment.priority_boost,
        extra_skill=treatment.extra_skill,
        extra_skill_min_proficiency=treatment.extra_skill_min_proficiency,
        attributes=task_attributes(menu=menu, treatment=treatment, branch=branch),
        is_callback=is_callback,
        callback_number=callback_number,
    )


@dataclass(frozen=True, kw_only=True)
class IvrDecision:
    outcome: str
    actions: list[ncco.Action]
    # The menu the caller is in afterwards: the next input is read against it.
    menu: IvrMenu | None
    branch: str = Branch.NONE
    enqueue: Enqueue | None = None
    is_vip: bool = False
    no_input: int = 0
    invalid: int = 0
    # The menu the answer was given in (inputs only).
    answered_menu_id: int | None = None
    # The next input answers the menu's open question (routing.ivr_intents).
    asks_intent: bool = False
    # What the classifier made of the caller's words (an answer to the open question).
    intent: IntentMatch | None = None

    @property
    def queue(self) -> Queue | None:
        return self.enqueue.queue if self.enqueue else None

    def state(self) -> dict:
        """What to keep in Conversation.attributes["ivr"]."""
        state: dict[str, object] = {
            "menu_id": self.menu.pk if self.menu else None,
            "no_input": self.no_input,
            "invalid": self.invalid,
        }
        if self.asks_intent:
            state["asks_intent"] = True
        if self.enqueue is not None:
            state["queue"] = self.enqueue.queue.name
            state["queue_id"] = self.enqueue.queue.pk
        return state

    def entry_state(self) -> dict:
        return {**self.state(), "entry": self.outcome, "vip": self.is_vip}

    def choice(self, *, digits: str, speech: str) -> dict:
        """One answer to a menu, for the conversation's record."""
        return {
            "menu_id": self.answered_menu_id,
            "digits": digits,
            "speech": speech,
            "outcome": self.outcome,
            "branch": self.branch,
            "queue": self.queue.name if self.queue else None,
            "queue_id": self.queue.pk if self.queue else None,
            **(self.intent.as_record() if self.intent is not None else {}),
        }


@dataclass(frozen=True, kw_only=True)
class Treatment:
    """How a caller's task is queued: VIPs get a priority boost and a skill."""

    priority_boost: int = 0
    extra_skill: Skill | None = None
    extra_skill_min_proficiency: int = 1
    is_vip: bool = False
    intent: str = ""


class Caller:
    """What the IVR knows about the call. The CRM is asked only if a decision needs it."""

    def __init__(self, *, conversation: Conversation, at: datetime) -> None:
        self.conversation = conversation
        self.at = at

    @property
    def number(self) -> str:
        """The caller's phone number (E.164 digits); '' for a Client SDK or unknown caller."""
        if self.conversation.customer_id is None:
            return ""
        return inbound.phone_number(self.conversation.from_address)

    @property
    def waiting_room(self) -> str:
        return waiting_room_name(self.conversation)

    @cached_property
    def profile(self) -> CrmProfile | None:
        if not self.number:
            return None
        # The answer webhook has read the caller's Customer already: no second query.
        loaded = Conversation.customer.is_cached(self.conversation)
        return crm_profile_for_number(
            self.number, customer=self.conversation.customer if loaded else None
        )


def render(text: str, *, name: str = "") -> str:
    """Fill {centre} and {name}; a missing name leaves no dangling comma ('Welcome back.')."""
    text = text.replace("{centre}", settings.CALL_CENTRE_NAME).replace("{name}", name)
    text = re.sub(r"\s*,\s*(?=[.!?]|$)", "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def voice_for(menu: IvrMenu | None) -> Voice:
    return menu_voice(menu) if menu is not None else default_voice()


def with_greeting(decision: IvrDecision, *, greeting: str, voice: Voice) -> IvrDecision:
    if not greeting:
        return decision
    return dataclasses.replace(decision, actions=[voice.talk(greeting), *decision.actions])


def voicemail_decision(
    *, apology: str, menu: IvrMenu | None, no_input: int = 0, invalid: int = 0
) -> IvrDecision:
    return IvrDecision(
        outcome=Outcome.VOICEMAIL,
        actions=voicemail_actions(apology=apology, voice=voice_for(menu)),
        menu=menu,
        no_input=no_input,
        invalid=invalid,
    )


def task_attributes(*, menu: IvrMenu | None, treatment: Treatment, branch: str) -> dict:
    attributes = {
        "ivr_menu": menu.name if menu else "",
        "vip": treatment.is_vip,
        "ivr_branch": branch,
    }
    if treatment.intent:
        attributes["intent"] = treatment.intent
    return attributes
