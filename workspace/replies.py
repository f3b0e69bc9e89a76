"""Canned replies for chats: the queue's own and those of every queue, with placeholders
filled in for the contact ({customer_name}, {agent_name}, {queue})."""

import string

from django.db.models import Q

from agents.models import Agent
from routing.models import CannedReply, Task

PLACEHOLDERS = ("customer_name", "agent_name", "queue")


class Fill(dict):
    """Unknown placeholders stay as written, so a typo in the admin shows instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def reply_fill(text: str, values: dict[str, str]) -> str:
    try:
        return string.Formatter().vformat(text, (), Fill(values))
    except (ValueError, IndexError):
        return text  # stray braces: the text as written


def canned_replies(*, agent: Agent, task: Task) -> list[dict]:
    """The active canned replies for a contact, filled in."""
    customer = task.conversation.customer
    values = {
        "customer_name": (customer.name if customer and customer.name else "there"),
        "agent_name": agent.display_name,
        "queue": task.queue.name,
    }
    replies = CannedReply.objects.filter(
        Q(queue=task.queue_id) | Q(queue__isnull=True), is_active=True
    ).order_by("title", "pk")
    return [
        {"id": reply.pk, "title": reply.title, "text": reply_fill(reply.text, values)}
        for reply in replies
    ]
