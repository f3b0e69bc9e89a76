"""Conversations as the NCCO `conversation` action and `connect` make them (CONTRACT §4).

A named conversation holds its participants on music until someone with `startOnEnter`
(the default) joins; `endOnExit` ends it for everyone; `canHear`/`canSpeak`/`mute` and the
REST mute/earmuff decide who hears whom, which the sandbox shows as the words a participant
says appearing in the others' feeds.
"""

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sandbox import sound
from sandbox.state import Leg, Membership, Room

if TYPE_CHECKING:
    from sandbox.platform import Platform


def describe(leg: Leg) -> str:
    if leg.endpoint_type == "app":
        return f"{leg.address} (app)"
    if leg.endpoint_type == "phone" and leg.direction == "inbound":
        return f"+{leg.from_address}"
    if leg.endpoint_type == "phone":
        return f"+{leg.address}"
    return leg.address


def file_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1] or url


class Rooms:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    def join(self, leg: Leg, room: Room, membership: Membership) -> None:
        if leg.room is not None:
            self.leave(leg)
        room.members[leg.uuid] = membership
        leg.room = room
        if room.name is not None:
            leg.note("conversation", f"Joined conversation {room.name}", conversation=room.id)
        for other in room.members.values():
            if other.leg is not leg and room.started:
                other.leg.note("conversation", f"{describe(leg)} joined the conversation")
        if membership.start_on_enter and not room.started:
            self.start(room)
        elif room.started:
            self._announce(room)
        else:
            self._hold(leg, membership)

    def bridge(self, room: Room, memberships: list[Membership]) -> None:
        """Put legs together at once (connect): each hears it is connected with the others."""
        for membership in memberships:
            if membership.leg.room is not None:
                self.leave(membership.leg)
            room.members[membership.leg.uuid] = membership
            membership.leg.room = room
        self.start(room)

    def start(self, room: Room) -> None:
        room.started = True
        if room.record and room.recording_started is None:
            room.recording_started = self.platform.now_for(room)
        self._announce(room)

    def _hold(self, leg: Leg, membership: Membership) -> None:
        if leg.endpoint_type == "websocket":
            sound.hold_music(self.platform, leg, membership.music_on_hold)
        if membership.music_on_hold:
            leg.note(
                "hold",
                f"♪ Music on hold is playing ({file_name(membership.music_on_hold)}) until "
                "the conversation starts",
                url=membership.music_on_hold,
            )
        else:
            leg.note("hold", "Waiting in silence until the conversation starts")

    def _announce(self, room: Room) -> None:
        for membership in room.members.values():
            leg = membership.leg
            if leg.connected:
                continue
            leg.connected = True
            sound.hold_music(self.platform, leg, None)
            others = [describe(o.leg) for o in room.members.values() if o.leg is not leg]
            with_whom = f" with {', '.join(others)}" if others else ""
            leg.note("connected", f"Connected{with_whom}", conversation=room.id)
            leg.feed.touch()

    def leave(self, leg: Leg) -> None:
        room = leg.room
        if room is None:
            return
        membership = room.members.pop(leg.uuid, None)
        leg.room = None
        leg.connected = False
        if membership is None:
            return
        membership.left.set()
        if room.started and not room.ended:
            for other in room.members.values():
                other.leg.note("conversation", f"{describe(leg)} left the conversation")
        if membership.end_on_exit and room.started and not room.ended:
            self.end(room)
        if not room.members:
            self.platform.registry.forget_room(room)
            if room.record and room.recording_started is not None:
                self.platform.spawn(self.platform.media.finish_room_recording(room))

    def end(self, room: Room) -> None:
        room.ended = True
        for membership in list(room.members.values()):
            leg = membership.leg
            leg.note("conversation", "The conversation has ended")
            self.leave(leg)
            # A leg with no NCCO of its own (moved here by transfer) has nothing to go back to.
            if leg.is_alive and (leg.ncco_task is None or leg.ncco_task.done()):
                self.platform.spawn(self.platform.hangup(leg, by="platform"))

    def speak(self, leg: Leg, text: str) -> None:
        room = leg.room
        if room is None or not room.started or leg.uuid not in room.members:
            return
        speaker = room.members[leg.uuid]
        if not (speaker.mute or leg.muted):
            room.spoken.append(text)
        for listener in room.members.values():
            if room.hears(listener, speaker):
                listener.leg.note("heard", f"{describe(leg)}: “{text}”", speaker=leg.uuid)
                sound.hear(self.platform, listener.leg, text)
                for words in listener.leg.hearing:
                    words.append(text)

    def play(self, leg: Leg, *, kind: str, text: str) -> None:
        """Audio played into a leg (REST talk/stream) is heard by whoever can hear that leg."""
        leg.note(kind, text)
        room = leg.room
        if room is None or not room.started or leg.uuid not in room.members:
            return
        speaker = room.members[leg.uuid]
        for listener in room.members.values():
            if listener.leg is not leg and room.hears(listener, speaker):
                listener.leg.note(kind, text)
                if kind == "talk":
                    sound.hear(self.platform, listener.leg, text)
