from django.db.models import Prefetch, QuerySet

from agents.models import Agent
from conversations.models import Member, Message
from routing.models import Offer, Task


def agent_for_vonage_user(*, vonage_user: str) -> Agent | None:
    return Agent.objects.filter(vonage_user=vonage_user).first()


def agent_for_user(*, user) -> Agent | None:
    """The agent profile of a logged-in user, or None (supervisors need not be agents)."""
    if not user.is_authenticated:
        return None
    return Agent.objects.filter(user=user).first()


def agent_pending_offers(*, agent: Agent) -> QuerySet[Offer]:
    """The offers waiting for the agent's answer, oldest first, with who is calling."""
    return (
        Offer.objects.filter(agent=agent, state=Offer.State.PENDING)
        .select_related("task__queue", "task__conversation__customer")
        .order_by("created_at", "pk")
    )


def agent_assigned_tasks(*, agent: Agent) -> QuerySet[Task]:
    """The contacts the agent holds now, with the customer and the agent's own legs."""
    own_legs = Member.objects.filter(kind=Member.Kind.AGENT, agent=agent).order_by("pk")
    return (
        Task.objects.filter(agent=agent, state=Task.State.ASSIGNED)
        .select_related("queue", "conversation__customer")
        .prefetch_related(
            Prefetch("conversation__members", own_legs, to_attr="agent_legs"),
            Prefetch("conversation__messages", Message.objects.order_by("occurred_at", "pk")),
        )
        .order_by("assigned_at", "pk")
    )
