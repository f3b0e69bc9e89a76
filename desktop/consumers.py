"""The agent desktop's websocket: the agent's own group (`agent-<id>`), and nobody else's.

It only pushes (callcentre.consumers.PushConsumer). What the desktop does (presence,
accept, hang up) goes through desktop.api over HTTP.
"""

from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from agents.selectors import agent_for_user
from callcentre.consumers import PushConsumer
from callcentre.realtime import agent_group


class AgentDesktopConsumer(PushConsumer):
    async def group_for(self, user: User) -> str | None:
        agent = await database_sync_to_async(agent_for_user)(user=user)
        return agent_group(agent.pk) if agent is not None else None
