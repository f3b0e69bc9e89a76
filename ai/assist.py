"""Agent assist: the rules (ai.models.AssistRule) that turn what a contact is about, what
was said and how the customer feels into a suggestion for the agent, and what the agent
did with it.

A rule matches when every condition it sets holds: the conversation's intent, any of its
keywords in the latest utterance (whole words, any case), the running sentiment at or below
its limit. Each rule suggests once per contact. The agents on the contact are told over
their desktop's websocket after commit; the desktop reads the suggestions with its state.
"""

import re
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.models import Agent
from ai.models import AssistRule, Suggestion
from callcentre.errors import DomainError
from callcentre.realtime import agent_changed_later, agent_group, publish
from conversations.models import Conversation, Member


class AssistError(DomainError):
    pass


def keyword_said(keyword: str, text: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in keyword.split())
    return re.search(rf"\b{words}\b", text, flags=re.IGNORECASE) is not None


def rule_matches(*, rule: AssistRule, conversation: Conversation, text: str) -> bool:
    if rule.intent_id is not None and (
        rule.intent is None or rule.intent.name != conversation.intent
    ):
        return False
    keywords = rule.keyword_list()
    if keywords and not any(keyword_said(keyword, text) for keyword in keywords):
        return False
    if rule.sentiment_at_most is not None and (
        conversation.sentiment is None or conversation.sentiment > rule.sentiment_at_most
    ):
        return False
    return True


def because(rule: AssistRule, conversation: Conversation) -> str:
    reasons = []
    if rule.intent_id is not None:
        reasons.append(f"intent {conversation.intent}")
    if rule.keywords:
        reasons.append("words said")
    if rule.sentiment_at_most is not None:
        reasons.append(f"sentiment {conversation.sentiment:+.2f}")
    return ", ".join(reasons)[:200]


def suggestions_make(*, conversation: Conversation, text: str) -> list[Suggestion]:
    """The new suggestions the latest utterance triggers (in the caller's transaction)."""
    rules = AssistRule.objects.filter(is_active=True).select_related("intent", "article")
    already = set(
        Suggestion.objects.filter(conversation=conversation).values_list("rule_id", flat=True)
    )
    created = []
    for rule in rules:
        if rule.pk in already or not rule_matches(rule=rule, conversation=conversation, text=text):
            continue
        try:
            with transaction.atomic():  # a savepoint: another process may have made it
                created.append(
                    Suggestion.objects.create(
                        conversation=conversation,
                        rule=rule,
                        kind=rule.kind,
                        text=rule.text,
                        article_title=rule.article.title if rule.article else "",
                        article_url=rule.article.url if rule.article else "",
                        because=because(rule, conversation),
                    )
                )
        except IntegrityError:
            continue
    return created


def suggestion_payload(suggestion: Suggestion) -> dict:
    return {
        "id": suggestion.pk,
        "conversation_id": suggestion.conversation_id,
        "kind": suggestion.kind,
        "text": suggestion.text,
        "article_title": suggestion.article_title,
        "article_url": suggestion.article_url,
        "because": suggestion.because,
        "state": suggestion.state,
    }


def agents_on_call(conversation: Conversation) -> list[int]:
    """Agents with a leg in the call now (a chat's agent is given by its caller)."""
    return list(
        Member.objects.filter(
            conversation=conversation,
            kind=Member.Kind.AGENT,
            agent__isnull=False,
            left_at__isnull=True,
        )
        .values_list("agent_id", flat=True)
        .distinct()
    )


def agents_tell_later(
    *, conversation: Conversation, suggestions: list[Suggestion], agent_id: int | None
) -> None:
    """After commit, the agents on the contact get the new suggestions (and read their
    state again: the sentiment on the card may have moved)."""
    agent_ids = {agent_id} if agent_id is not None else set()
    agent_ids.update(agents_on_call(conversation))
    payload = {
        "conversation_id": conversation.pk,
        "sentiment": conversation.sentiment,
        "suggestions": [suggestion_payload(suggestion) for suggestion in suggestions],
    }
    for agent in sorted(agent_ids):
        transaction.on_commit(partial(publish, agent_group(agent), "assist.suggestions", payload))


def suggestion_decide(*, suggestion: Suggestion, agent: Agent, used: bool) -> Suggestion:
    """The agent used the suggestion or dismissed it: once, kept for reports."""
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if suggestion.state != Suggestion.State.SHOWN:
            raise AssistError(
                f"This suggestion was already {suggestion.get_state_display().lower()}."
            )
        suggestion.state = Suggestion.State.USED if used else Suggestion.State.DISMISSED
        suggestion.agent = agent
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["state", "agent", "decided_at"])
        agent_changed_later(agent.pk)
    return suggestion
