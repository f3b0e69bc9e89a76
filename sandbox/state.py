"""In-memory state of the sandbox: call legs, conversations (rooms) and what each leg hears.

Everything here is touched only from the sandbox's event loop, so there are no locks.
"""

import asyncio
import collections
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sandbox.clock import Clock

Direction = Literal["inbound", "outbound"]
# Who plays the person on a leg: the phone page or a caller script, a scripted callee, an
# agent's softphone (the page or auto-answer), or a websocket server.
Party = Literal["caller", "callee", "agent", "websocket"]

ENDING_STATUSES = frozenset(
    {"completed", "busy", "cancelled", "unanswered", "rejected", "failed", "timeout"}
)


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_conversation_uuid() -> str:
    return f"CON-{uuid.uuid4()}"


@dataclass
class FeedItem:
    seq: int
    at: float  # call seconds since the leg started
    kind: str
    text: str
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": round(self.at, 2),
            "kind": self.kind,
            "text": self.text,
            **({"data": self.data} if self.data else {}),
        }


class Feed:
    """What the person on a leg hears and sees, in order; readers can wait for more."""

    def __init__(self) -> None:
        self.items: list[FeedItem] = []
        self._changed = asyncio.Event()

    def add(self, *, at: float, kind: str, text: str, **data: Any) -> FeedItem:
        item = FeedItem(seq=len(self.items) + 1, at=at, kind=kind, text=text, data=data)
        self.items.append(item)
        self.touch()
        return item

    def touch(self) -> None:
        """Wake readers (new item, or the leg's state changed)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def after(self, seq: int) -> list[FeedItem]:
        return self.items[seq:]

    async def wait(self, *, after: int, timeout: float) -> None:
        if len(self.items) > after:
            return
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            pass


class InputBox:
    """Keys and phrases from the person on a leg, kept until an input (or record) takes them."""

    def __init__(self) -> None:
        self._items: collections.deque[tuple[str, str]] = collections.deque()
        self._arrived = asyncio.Event()

    def put(self, kind: str, value: str) -> None:
        self._items.append((kind, value))
        self._arrived.set()

    def pop(self) -> tuple[str, str]:
        item = self._items.popleft()
        if not self._items:
            self._arrived.clear()
        return item

    def clear(self) -> None:
        self._items.clear()
        self._arrived.clear()

    async def wait(self, timeout: float) -> bool:
        """True when something is there (now or within `timeout` real seconds)."""
        if self._items:
            return True
        try:
            await asyncio.wait_for(self._arrived.wait(), max(timeout, 0.0))
        except TimeoutError:
            return False
        return bool(self._items)


@dataclass
class Leg:
    uuid: str
    conversation_uuid: str
    direction: Direction
    endpoint: dict[str, Any]  # the leg's far end: {"type": "phone", "number": ...}, app user...
    from_endpoint: dict[str, Any]  # who it is from: {"type": "phone", "number": ...}
    party: Party
    clock: Clock
    event_url: str
    event_method: str
    answer_url: str | None = None
    answer_method: str = "GET"
    status: str = "started"
    detail: str | None = None
    created_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    disconnected_by: str | None = None
    muted: bool = False
    earmuffed: bool = False
    connected: bool = False  # joined a started conversation, or its connect was answered
    room: "Room | None" = None
    feed: Feed = field(default_factory=Feed)
    inputs: InputBox = field(default_factory=InputBox)
    listening: bool = False  # an input, a barge-in talk or a record wants the person's input
    barged_in: bool = False  # input interrupted a bargeIn talk: skip talk until the input
    recorders: list[list[str]] = field(default_factory=list)  # active recordings' words
    # What split recordings (`split: conversation`) of this leg heard from the others.
    hearing: list[list[str]] = field(default_factory=list)
    dtmf_listener: tuple[str, str] | None = None  # (url, method) for asynchronous input
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    ringing_decision: "asyncio.Future[str] | None" = None
    ncco_task: "asyncio.Task[None] | None" = None
    parent_uuid: str | None = None  # the leg whose connect created this one
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint_type(self) -> str:
        return str(self.endpoint.get("type", "phone"))

    @property
    def address(self) -> str:
        """The `to` of this leg's webhooks: a number, user, URI or extension."""
        endpoint = self.endpoint
        return str(
            endpoint.get("number")
            or endpoint.get("user")
            or endpoint.get("uri")
            or endpoint.get("extension")
            or ""
        )

    @property
    def from_address(self) -> str | None:
        return self.from_endpoint.get("number")

    @property
    def from_user(self) -> str | None:
        return self.from_endpoint.get("user")

    @property
    def is_alive(self) -> bool:
        return self.status not in ENDING_STATUSES

    def note(self, kind: str, text: str, **data: Any) -> FeedItem:
        return self.feed.add(at=self.clock.elapsed(), kind=kind, text=text, **data)


@dataclass
class Membership:
    leg: Leg
    start_on_enter: bool = True
    end_on_exit: bool = False
    can_hear: list[str] | None = None  # None: everyone
    can_speak: list[str] | None = None
    mute: bool = False
    event_url: str | None = None
    event_method: str = "POST"
    music_on_hold: str | None = None
    left: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Room:
    """A Vonage conversation: a named one from the NCCO, or a call's own (bridged by connect)."""

    id: str
    name: str | None
    members: dict[str, Membership] = field(default_factory=dict)
    started: bool = False
    ended: bool = False
    record: bool = False
    spoken: list[str] = field(default_factory=list)
    record_event: tuple[str, str] | None = None  # (url, method) of the recording event
    recording_started: datetime | None = None
    created: datetime | None = None

    def hears(self, listener: Membership, speaker: Membership) -> bool:
        if listener.leg.uuid == speaker.leg.uuid or listener.leg.earmuffed:
            return False
        if speaker.mute or speaker.leg.muted:
            return False
        if listener.can_hear is not None and speaker.leg.uuid not in listener.can_hear:
            return False
        return speaker.can_speak is None or listener.leg.uuid in speaker.can_speak


@dataclass
class Registry:
    legs: dict[str, Leg] = field(default_factory=dict)
    rooms_by_id: dict[str, Room] = field(default_factory=dict)
    rooms_by_name: dict[str, Room] = field(default_factory=dict)
    _order: Iterator[int] = field(default_factory=itertools.count)
    order: dict[str, int] = field(default_factory=dict)

    def add_leg(self, leg: Leg) -> Leg:
        self.legs[leg.uuid] = leg
        self.order[leg.uuid] = next(self._order)
        return leg

    def legs_in_order(self) -> list[Leg]:
        return sorted(self.legs.values(), key=lambda leg: self.order[leg.uuid])

    def legs_of_conversation(self, conversation_uuid: str) -> list[Leg]:
        return [leg for leg in self.legs_in_order() if leg.conversation_uuid == conversation_uuid]

    def room_for_name(self, name: str, *, created: datetime) -> Room:
        room = self.rooms_by_name.get(name)
        if room is None:
            room = Room(id=new_conversation_uuid(), name=name, created=created)
            self.rooms_by_name[name] = room
            self.rooms_by_id[room.id] = room
        return room

    def room_for_call(self, conversation_uuid: str, *, created: datetime) -> Room:
        room = self.rooms_by_id.get(conversation_uuid)
        if room is None:
            room = Room(id=conversation_uuid, name=None, started=True, created=created)
            self.rooms_by_id[conversation_uuid] = room
        return room

    def forget_room(self, room: Room) -> None:
        self.rooms_by_id.pop(room.id, None)
        if room.name is not None and self.rooms_by_name.get(room.name) is room:
            del self.rooms_by_name[room.name]
