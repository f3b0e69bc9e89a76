"""The IVR's open question: "How can we help you today?" answered in the caller's words.

A menu with an `intent_question` asks it before its options (`question_decision`). The
answer's words go to the intent classifier (ai.selectors.intent_classify): an active intent
at or above its confidence threshold routes the call to the intent's queue, with its skill
(at its minimum proficiency) and priority boost; anything else (no words, an intent it is
not sure of, one without a queue, no trained model yet) plays the menu's keypad options.
Pure like every IVR decision: nothing is written here (webhooks.handlers records the words
and the intent through ai.services).
"""

import dataclasses
import logging

from ai.selectors import IntentMatch, intent_classify
from routing import selectors
from routing.ivr_decisions import Caller, IvrDecision, Outcome, Treatment
from routing.ivr_queues import route_to_queue
from routing.models import IvrMenu, IvrOption, Skill
from routing.prompts import intent_question_actions, menu_actions

logger = logging.getLogger(__name__)

DID_NOT_UNDERSTAND_TEXT = "Sorry, I didn't understand."


def question_decision(*, menu: IvrMenu, introduction: str, outcome: str) -> IvrDecision:
    return IvrDecision(
        outcome=outcome,
        actions=intent_question_actions(menu=menu, introduction=introduction),
        menu=menu,
        asks_intent=True,
    )


def intent_skill(match: IntentMatch) -> Skill | None:
    if match.route is None or match.route.skill_id is None:
        return None
    return Skill.objects.filter(pk=match.route.skill_id).first()


def answer_decision(
    *, menu: IvrMenu, options: list[IvrOption], speech: str, caller: Caller
) -> IvrDecision:
    """Route by the intent of the caller's answer, or play the keypad options."""
    match = intent_classify(speech) if speech.strip() else None
    if match is not None and match.is_confident and match.route is not None:
        queue_id = match.route.queue_id
        queue = selectors.queue_get_for_routing(queue_id=queue_id) if queue_id else None
        if queue is not None:
            decision = route_to_queue(
                queue=queue,
                caller=caller,
                menu=menu,
                treatment=Treatment(
                    priority_boost=match.route.priority_boost,
                    extra_skill=intent_skill(match),
                    extra_skill_min_proficiency=match.route.min_proficiency,
                    intent=match.name,
                ),
            )
            return dataclasses.replace(decision, intent=match)
    introduction = DID_NOT_UNDERSTAND_TEXT if speech.strip() else ""
    return IvrDecision(
        outcome=Outcome.RETRY if speech.strip() else Outcome.MENU,
        actions=menu_actions(menu=menu, options=options, introduction=introduction),
        menu=menu,
        intent=match,
    )
