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
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from callcentre.vonage import ncco
from conversations.models import Conversation
from conversations.selectors import conversation_ivr_state
from routing import hours, selectors, self_service
from routing.ivr_decisions import (
    GIVE_UP_TEXT,
    INVALID_TEXT,
    NOT_HEARD_TEXT,
    SERVICE_UNAVAILABLE_TEXT,
    Branch,
    Caller,
    IvrDecision,
    Outcome,
    Treatment,
    render,
    voicemail_decision,
    with_greeting,
)
from routing.ivr_intents import answer_decision, question_decision
from routing.ivr_queues import callback_decision, fallback_decision, route_to_queue
from routing.models import IvrMenu, IvrOption, Queue
from routing.prompts import (
    menu_actions,
    menu_voice,
    option_keywords,
)
from routing.queueing import task_enqueue

logger = logging.getLogger(__name__)


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
    if menu.intent_question:
        return question_decision(menu=menu, introduction=introduction, outcome=outcome)
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
    if state.get("asks_intent") and not digits:
        decision = answer_decision(menu=menu, options=options, speech=speech, caller=caller)
        return dataclasses.replace(decision, answered_menu_id=menu.pk)
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


def enqueue(*, decision: IvrDecision, conversation: Conversation) -> None:
    request = decision.enqueue
    if request is None:
        return
    task_enqueue(
        conversation=conversation,
        queue=request.queue,
        priority_boost=request.priority_boost,
        extra_skill=request.extra_skill,
        extra_skill_min_proficiency=request.extra_skill_min_proficiency,
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
