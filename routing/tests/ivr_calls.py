"""A caller going through the IVR over the real, signed webhooks."""

import uuid
from dataclasses import dataclass, field

from conversations.models import Conversation
from conversations.tests import payloads


def unique_number() -> str:
    """A caller number of our own: the CRM cache (Redis in CI) outlives a test."""
    return f"4479{uuid.uuid4().int % 10**8:08d}"


@dataclass
class IvrCall:
    vonage: object
    number: str = field(default_factory=unique_number)
    ids: dict = field(default_factory=payloads.new_call)
    seconds: float = 0

    def answer(self, **extra) -> list[dict]:
        response = self.vonage.post(
            "/webhooks/answer", payloads.answer(self.ids, **{"from": self.number, **extra})
        )
        assert response.status_code == 200, response.content
        return response.json()

    def press(self, digits: str | None) -> list[dict]:
        self.seconds += 10
        return self.post(payloads.dtmf_input(self.ids, digits, at=self.seconds))

    def say(self, text: str) -> list[dict]:
        self.seconds += 10
        return self.post(payloads.speech_input(self.ids, text, at=self.seconds))

    def post(self, payload: dict) -> list[dict]:
        response = self.vonage.post("/webhooks/event", payload)
        assert response.status_code == 200, response.content
        return response.json()

    @property
    def conversation(self) -> Conversation:
        return Conversation.objects.get(vonage_uuid=self.ids["conversation_uuid"])

    @property
    def ivr(self) -> dict:
        return self.conversation.attributes["ivr"]

    @property
    def waiting_room(self) -> str:
        return f"waiting-{self.ids['conversation_uuid']}"


def texts(ncco: list[dict]) -> list[str]:
    return [action["text"] for action in ncco if action["action"] == "talk"]


def actions(ncco: list[dict]) -> list[str]:
    return [action["action"] for action in ncco]
