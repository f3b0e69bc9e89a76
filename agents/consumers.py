"""The agent desktop's websocket: the agent's own group, and nobody else's.

It only pushes. What the desktop does (presence, accept, hang up) goes through
agents.api over HTTP; what routing publishes to `agent-<id>` after commit
(callcentre.realtime) comes out here as JSON, one message per event.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from agents.selectors import agent_for_user
from routing.services import agent_group

# Close codes in the application range (4000-4999): the desktop shows why it was refused.
NOT_LOGGED_IN = 4401
NOT_AN_AGENT = 4403


class AgentDesktopConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=NOT_LOGGED_IN)
            return
        agent = await database_sync_to_async(agent_for_user)(user=user)
        if agent is None:
            await self.close(code=NOT_AN_AGENT)
            return
        self.group = agent_group(agent.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "agent_id": agent.pk})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        """The desktop sends nothing here (its actions are HTTP calls): ignore it."""

    async def publish(self, message: dict) -> None:
        await self.send_json(message["event"])
