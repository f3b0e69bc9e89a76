"""The supervisors' live dashboard websocket: the `supervisors` group, staff users only.

Like the agent desktop's, it only says when to read the board again
(GET /api/dashboard/live).
"""

from django.contrib.auth.models import User

from callcentre.consumers import PushConsumer
from callcentre.realtime import SUPERVISORS_GROUP


class LiveBoardConsumer(PushConsumer):
    async def group_for(self, user: User) -> str | None:
        return SUPERVISORS_GROUP if user.is_staff else None
