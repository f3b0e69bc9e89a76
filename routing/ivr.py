"""The IVR: what a caller hears on arrival and where each answer takes them.

`decide_entry` and `decide_input` decide without writing anything: from the
menus, the business hours, the queue lengths, the CRM (only when a decision
needs it) and the caller's place in the menus they return an IvrDecision:
the NCCO actions, the state to record, and the task to enqueue, if any.
`ivr_choose` loads the menu, decides, and enqueues through routing.queueing;
`ivr_entry` only loads and decides, because the answer webhook stores the
new call together with the decision: the caller (webhooks.handlers)
records the decision through conversations.services, then `enqueue`s.

The caller's place lives in Conversation.attributes["ivr"]: the menu they
are in (`menu_id`) and the no-input and invalid-input counts in that menu.
"""

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from callcentre.vonage import inbound, ncco
from conversations.crm import CrmProfile, crm_profile_for_number
from conversations.models import Conversation
from conversations.selectors import conversation_ivr_state
from routing import hours, selectors, self_service
from routing.models import FallbackAction, IvrMenu, IvrOption, Queue, Skill
from routing.prompts import (
    Voice,
    callback_actions,
    default_voice,
    hold_actions,
    menu_actions,
    menu_voice,
    message_actions,
    option_keywords,
    sentence,
    voicemail_actions,
)
from routing.queueing import task_enqueue
from routing.rooms import waiting_room_name

logger = logging.getLogger(__name__)

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
        }


@dataclass(frozen=True, kw_only=True)
class Treatment:
    """How a caller's task is queued: VIPs get a priority boost and a skill."""

    priority_boost: int = 0
    extra_skill: Skill | None = None
    is_vip: bool = False


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
    return {"ivr_menu": menu.name if menu else "", "vip": treatment.is_vip, "ivr_branch": branch}


# Queues and their closed and overflow branches


def route_to_queue(
    *,
    queue: Queue,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    hold_introduction: str = "Thank you.",
    branch: str = Branch.NONE,
    seen: frozenset[int] = frozenset(),
) -> IvrDecision:
    """Hold in the queue, unless it is closed or full: then its closed or overflow branch.

    `branch` says why the caller arrives here (another queue's closed or overflow branch).
    """
    if queue.pk in seen or len(seen) >= MAX_QUEUE_HOPS:
        logger.warning("queue fallbacks loop or run too deep at %s: voicemail", queue.name)
        return dataclasses.replace(
            voicemail_decision(apology=OVERFLOW_TEXT, menu=menu), branch=branch
        )
    seen = seen | {queue.pk}
    if not queue.is_active or not hours.is_open(hours=queue.business_hours, at=caller.at):
        return fallback_decision(
            branch=branch or Branch.CLOSED,
            action=queue.closed_action,
            message=queue.closed_message,
            target_id=queue.closed_queue_id,
            # An inactive queue takes no callbacks: the caller leaves a message instead.
            callback_queue=queue if queue.is_active else None,
            caller=caller,
            menu=menu,
            treatment=treatment,
            seen=seen,
        )
    if (
        queue.max_queue_length is not None
        and selectors.queue_waiting_count(queue=queue) >= queue.max_queue_length
    ):
        return fallback_decision(
            branch=branch or Branch.OVERFLOW,
            action=queue.overflow_action,
            message=queue.overflow_message,
            target_id=queue.overflow_queue_id,
            callback_queue=queue,
            caller=caller,
            menu=menu,
            treatment=treatment,
            seen=seen,
        )
    return IvrDecision(
        outcome=Outcome.QUEUE,
        actions=hold_actions(
            queue_name=queue.name,
            waiting_room=caller.waiting_room,
            voice=voice_for(menu),
            introduction=hold_introduction,
        ),
        menu=menu,
        branch=branch,
        is_vip=treatment.is_vip,
        enqueue=treated_enqueue(queue=queue, menu=menu, treatment=treatment, branch=branch),
    )


def callback_decision(
    *,
    queue: Queue,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    introduction: str = "",
    branch: str = Branch.NONE,
) -> IvrDecision:
    if not caller.number:
        return dataclasses.replace(
            voicemail_decision(apology=sentence(introduction, NO_CALLBACK_NUMBER_TEXT), menu=menu),
            branch=branch,
        )
    return IvrDecision(
        outcome=Outcome.CALLBACK,
        actions=callback_actions(introduction=introduction, voice=voice_for(menu)),
        menu=menu,
        branch=branch,
        is_vip=treatment.is_vip,
        enqueue=treated_enqueue(
            queue=queue,
            menu=menu,
            treatment=treatment,
            branch=branch,
            is_callback=True,
            callback_number=caller.number,
        ),
    )


def fallback_decision(
    *,
    branch: str,
    action: str,
    message: str,
    target_id: int | None,
    callback_queue: Queue | None,
    caller: Caller,
    menu: IvrMenu | None,
    treatment: Treatment,
    seen: frozenset[int] = frozenset(),
) -> IvrDecision:
    """A closed or full queue or menu (FallbackAction): message, voicemail, callback, queue."""
    message = render(message)
    introduction = message or (CLOSED_TEXT if branch == Branch.CLOSED else OVERFLOW_TEXT)
    voice = voice_for(menu)
    if action == FallbackAction.MESSAGE:
        return IvrDecision(
            outcome=Outcome.MESSAGE,
            actions=message_actions(
                message=message or sentence(introduction, CALL_AGAIN_TEXT), voice=voice
            ),
            menu=menu,
            branch=branch,
        )
    if action == FallbackAction.CALLBACK and callback_queue is not None:
        return callback_decision(
            queue=callback_queue,
            caller=caller,
            menu=menu,
            treatment=treatment,
            introduction=introduction,
            branch=branch,
        )
    if action == FallbackAction.QUEUE and target_id is not None:
        target = selectors.queue_get_for_routing(queue_id=target_id)
        if target is not None:
            return route_to_queue(
                queue=target,
                caller=caller,
                menu=menu,
                treatment=treatment,
                hold_introduction=message or "Thank you.",
                branch=branch,
                seen=seen,
            )
    return IvrDecision(
        outcome=Outcome.VOICEMAIL,
        actions=voicemail_actions(apology=introduction, voice=voice),
        menu=menu,
        branch=branch,
    )


# Menus


def enter_menu(
    *, menu: IvrMenu, caller: Caller, introduction: str, outcome: str = Outcome.MENU
) -> IvrDecision:
    """A menu's options, or its closed branch outside its business hours."""
    if not hours.is_open(hours=menu.business_hours, at=caller.at):
        decision = fallback_decision(
            branch=Branch.CLOSED,
            action=menu.closed_action,
            message=menu.closed_message,
            target_id=menu.closed_queue_id,
            callback_queue=menu.closed_queue,
            caller=caller,
            menu=menu,
            treatment=Treatment(),
        )
        return with_greeting(decision, greeting=introduction, voice=menu_voice(menu))
    options = selectors.menu_options(menu)
    if not options:
        return voicemail_decision(apology=introduction, menu=menu)
    return IvrDecision(
        outcome=outcome,
        actions=menu_actions(menu=menu, options=options, introduction=introduction),
        menu=menu,
    )


def decide_entry(*, menu: IvrMenu | None, caller: Caller) -> IvrDecision:
    """The answer webhook: the entry menu, its closed branch, or a VIP straight to their queue."""
    if menu is None:
        return voicemail_decision(
            apology=f"Thank you for calling {settings.CALL_CENTRE_NAME}.", menu=None
        )
    greeting = render(menu.greeting)
    is_open = hours.is_open(hours=menu.business_hours, at=caller.at)
    # The CRM is asked only when the menu has a VIP queue.
    if is_open and menu.vip_queue is not None and caller.profile and caller.profile.is_vip:
        decision = route_to_queue(
            queue=menu.vip_queue,
            caller=caller,
            menu=menu,
            treatment=Treatment(
                priority_boost=menu.vip_priority_boost,
                extra_skill=menu.vip_skill,
                is_vip=True,
            ),
            hold_introduction="",
        )
        vip_greeting = render(menu.vip_greeting or menu.greeting, name=caller.profile.name)
        return dataclasses.replace(
            with_greeting(decision, greeting=vip_greeting, voice=menu_voice(menu)), is_vip=True
        )
    return enter_menu(menu=menu, caller=caller, introduction=greeting)


def match_option(*, options: list[IvrOption], digits: str, speech: str) -> IvrOption | None:
    """The option for the key pressed, else the first whose keyword the caller said."""
    key = digits[:1]
    for option in options:
        if key and option.digit == key:
            return option
    if not speech:
        return None
    for option in options:
        for keyword in option_keywords(option):
            words = r"\s+".join(re.escape(word) for word in keyword.split())
            if re.search(rf"\b{words}\b", speech, flags=re.IGNORECASE):
                return option
    return None


def decide_input(
    *, menu: IvrMenu | None, state: dict, digits: str, speech: str, caller: Caller
) -> IvrDecision:
    """The input webhook: act on the option chosen, or retry, then voicemail."""
    if menu is None:
        return voicemail_decision(apology=GIVE_UP_TEXT, menu=None)
    options = selectors.menu_options(menu)
    option = match_option(options=options, digits=digits, speech=speech)
    if option is None:
        decision = retry_decision(
            menu=menu,
            options=options,
            no_input=int(state.get("no_input") or 0),
            invalid=int(state.get("invalid") or 0),
            is_silent=not digits and not speech,
        )
    else:
        decision = option_decision(option=option, menu=menu, options=options, caller=caller)
    return dataclasses.replace(decision, answered_menu_id=menu.pk)


def retry_decision(
    *, menu: IvrMenu, options: list[IvrOption], no_input: int, invalid: int, is_silent: bool
) -> IvrDecision:
    if is_silent:
        no_input += 1
        gave_up = no_input > menu.no_input_retries
        heard = NOT_HEARD_TEXT
    else:
        invalid += 1
        gave_up = invalid > menu.invalid_input_retries
        heard = INVALID_TEXT
    if gave_up or not options:
        return voicemail_decision(
            apology=GIVE_UP_TEXT, menu=menu, no_input=no_input, invalid=invalid
        )
    return IvrDecision(
        outcome=Outcome.RETRY,
        actions=menu_actions(menu=menu, options=options, introduction=heard),
        menu=menu,
        no_input=no_input,
        invalid=invalid,
    )


def option_decision(
    *, option: IvrOption, menu: IvrMenu, options: list[IvrOption], caller: Caller
) -> IvrDecision:
    Action = IvrOption.Action
    if option.action == Action.QUEUE and option.queue is not None:
        return route_to_queue(queue=option.queue, caller=caller, menu=menu, treatment=Treatment())
    if option.action == Action.CALLBACK and option.queue is not None:
        return callback_decision(
            queue=option.queue, caller=caller, menu=menu, treatment=Treatment()
        )
    if option.action == Action.SUBMENU and option.submenu_id is not None:
        submenu = selectors.menu_get(menu_id=option.submenu_id)
        if submenu is not None:
            return enter_menu(
                menu=submenu,
                caller=caller,
                introduction=render(submenu.greeting),
                outcome=Outcome.SUBMENU,
            )
    if option.action == Action.REPEAT:
        return IvrDecision(
            outcome=Outcome.REPEAT,
            actions=menu_actions(menu=menu, options=options, introduction=render(menu.greeting)),
            menu=menu,
        )
    if option.action == Action.SELF_SERVICE:
        return self_service_decision(option=option, menu=menu, options=options, caller=caller)
    if option.action != Action.VOICEMAIL:
        logger.warning("IVR option %s of menu %s is incomplete: voicemail", option.pk, menu.name)
    return voicemail_decision(apology="", menu=menu)


def self_service_decision(
    *, option: IvrOption, menu: IvrMenu, options: list[IvrOption], caller: Caller
) -> IvrDecision:
    """The handler's answer, then the same menu again."""
    voice = menu_voice(menu)
    handler = self_service.handler_get(option.handler)
    if handler is None:
        logger.warning("unknown self-service handler %r in menu %s", option.handler, menu.name)
        said: list[ncco.Action] = [voice.talk(SERVICE_UNAVAILABLE_TEXT)]
    else:
        said = list(
            handler(
                self_service.SelfServiceRequest(
                    menu=menu, voice=voice, at=caller.at, profile=lambda: caller.profile
                )
            )
        )
    return IvrDecision(
        outcome=Outcome.SELF_SERVICE,
        actions=[*said, *menu_actions(menu=menu, options=options, introduction="")],
        menu=menu,
    )


# Entry points for the webhooks: load, decide, enqueue.


def enqueue(*, decision: IvrDecision, conversation: Conversation) -> None:
    request = decision.enqueue
    if request is None:
        return
    task_enqueue(
        conversation=conversation,
        queue=request.queue,
        priority_boost=request.priority_boost,
        extra_skill=request.extra_skill,
        attributes=request.attributes,
        is_callback=request.is_callback,
        callback_number=request.callback_number,
    )


def ivr_entry(*, conversation: Conversation, at: datetime | None = None) -> IvrDecision:
    """What a caller hears on arrival. Writes nothing (the conversation may not be stored
    yet): a VIP's task is enqueued by `enqueue` once it is."""
    caller = Caller(conversation=conversation, at=at or timezone.now())
    return decide_entry(menu=selectors.menu_entry(), caller=caller)


def current_menu(state: dict) -> tuple[IvrMenu | None, dict]:
    """The menu the caller is in; the entry menu (with fresh counts) if that one is gone."""
    menu_id = state.get("menu_id")
    menu = selectors.menu_get(menu_id=menu_id) if menu_id else None
    if menu is None:
        return selectors.menu_entry(), {}
    return menu, state


def caller_menu(*, conversation: Conversation) -> IvrMenu | None:
    """The menu the caller last was in: what they hear later keeps its language and voice."""
    return current_menu(conversation_ivr_state(conversation=conversation))[0]


def overflow_decision(
    *, conversation: Conversation, queue: Queue, action: str, at: datetime | None = None
) -> IvrDecision:
    """A caller who waited past the queue's maximum wait: its overflow branch, as the IVR
    says it to callers who find the queue full (routing.voice.caller_redirect)."""
    return fallback_decision(
        branch=Branch.OVERFLOW,
        action=action,
        message=queue.overflow_message,
        target_id=queue.overflow_queue_id,
        callback_queue=queue,
        caller=Caller(conversation=conversation, at=at or timezone.now()),
        menu=caller_menu(conversation=conversation),
        treatment=Treatment(),
    )


def ivr_choose(
    *, conversation: Conversation, digits: str, speech: str, at: datetime | None = None
) -> IvrDecision:
    """Act on the caller's answer to the menu they are in."""
    caller = Caller(conversation=conversation, at=at or timezone.now())
    menu, state = current_menu(conversation_ivr_state(conversation=conversation))
    decision = decide_input(menu=menu, state=state, digits=digits, speech=speech, caller=caller)
    enqueue(decision=decision, conversation=conversation)
    return decision
