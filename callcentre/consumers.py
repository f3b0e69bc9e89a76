"""The base of every screen's websocket: one group, pushed only, for a logged-in user.

A screen reads its state over HTTP; its socket only tells it when to read again. Each
screen's consumer says which group a user may listen to (desktop.consumers,
reports.consumers); services publish to that group after commit (callcentre.realtime).
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.contrib.auth.models import User

# Close codes in the application range (4000-4999): the page shows why it was refused. They
# are sent after accept(): a socket closed during the handshake reaches the browser as 1006,
# which a page cannot tell from a network failure (it would retry forever).
NOT_LOGGED_IN = 4401
NOT_ALLOWED = 4403
NO_SUCH_SCREEN = 4404


class PushConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def group_for(self, user: User) -> str | None:
        """The group this user's screen listens to, or None when the user may not."""
        raise NotImplementedError

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(NOT_LOGGED_IN)
            return
        group = await self.group_for(user)
        if group is None:
            await self.refuse(NOT_ALLOWED)
            return
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        """Screens send nothing here (their actions are HTTP calls): ignore it."""

    async def publish(self, message: dict) -> None:
        await self.send_json(message["event"])


class NoSuchScreenConsumer(AsyncWebsocketConsumer):
    """Any other /ws/ path: closed with 4404 instead of the router's 500."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=NO_SUCH_SCREEN)
