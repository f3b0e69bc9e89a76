"""Sound on a call: audio played into a leg (REST talk and stream), how long a stream plays,
and turning a finished recording into a file at /v1/files/<uuid> and a record event.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from sandbox import audio, payloads
from sandbox.state import Leg, Room

if TYPE_CHECKING:
    from sandbox.platform import Platform


class Media:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform
        self._seconds: dict[str, float | None] = {}

    def play(self, leg: Leg, *, kind: str, text: str, seconds: float, loop: int) -> None:
        self.platform.live_leg(leg)
        self.stop_playing(leg, kind, quietly=True)
        leg.custom[kind] = self.platform.spawn(
            self._play(leg, kind=kind, text=text, seconds=seconds, loop=loop)
        )

    async def _play(self, leg: Leg, *, kind: str, text: str, seconds: float, loop: int) -> None:
        played = 0
        while leg.is_alive and (loop == 0 or played < loop):
            self.platform.rooms.play(leg, kind=kind, text=text)
            await leg.clock.sleep(seconds)
            played += 1

    def stop_playing(self, leg: Leg, kind: str, *, quietly: bool = False) -> None:
        task = leg.custom.pop(kind, None)
        if task is not None and not task.done():
            task.cancel()
            if not quietly:
                leg.note(kind, f"({kind} stopped)")

    async def stream_seconds(self, url: str) -> float | None:
        """How long the audio at `url` plays; None when it cannot be fetched or read."""
        if url not in self._seconds:
            try:
                response = await self.platform.http.get(url, timeout=5.0, follow_redirects=True)
                seconds = audio.audio_seconds(response.content) if response.is_success else None
            except httpx.HTTPError:
                seconds = None
            self._seconds[url] = seconds
        return self._seconds[url]

    # Recordings ---------------------------------------------------------------------------

    async def finish_recording(
        self,
        *,
        leg: Leg,
        started: datetime,
        words: list[str],
        url: str,
        method: str,
        transcription: dict[str, Any] | None = None,
        heard: list[str] | None = None,
        channels: int = 1,
    ) -> None:
        ended = leg.clock.now()
        seconds = (ended - started).total_seconds()
        if heard is None:
            data = await audio.recording_audio(spoken=words, seconds=seconds)
        else:
            data = await audio.split_recording_audio(
                channels=[words, heard], count=channels, seconds=seconds
            )
        recording = self.platform.recordings.save_audio(data)
        recording_url = f"{self.platform.config.api_base}/v1/files/{recording.file_id}"
        leg.note("record", f"Recording saved ({seconds:.0f} s)", recording_url=recording_url)
        payload = payloads.record_event(
            conversation_uuid=leg.conversation_uuid,
            started=started,
            ended=ended,
            recording_url=recording_url,
            recording_uuid=recording.recording_uuid,
            size=recording.size,
        )
        self.platform.send_event(leg, payload, url=url, method=method)
        if transcription is not None:
            file_id = self.platform.recordings.save_transcript(
                recording_uuid=recording.recording_uuid,
                text=" ".join(words),
                language=transcription.get("language", "en-US"),
            )
            event = payloads.transcribed_event(
                conversation_uuid=leg.conversation_uuid,
                recording_uuid=recording.recording_uuid,
                transcription_url=f"{self.platform.config.api_base}/v1/files/{file_id}",
                moment=leg.clock.now(),
            )
            target = (transcription.get("eventUrl") or [url])[0]
            self.platform.send_event(
                leg, event, url=target, method=transcription.get("eventMethod")
            )

    async def finish_room_recording(self, room: Room) -> None:
        started = room.recording_started or datetime.now(UTC)
        ended = datetime.now(UTC) if not room.members else self.platform.now_for(room)
        data = await audio.recording_audio(
            spoken=room.spoken, seconds=(ended - started).total_seconds()
        )
        recording = self.platform.recordings.save_audio(data)
        url, method = room.record_event or (self.platform.config.event_url, "POST")
        payload = payloads.record_event(
            conversation_uuid=room.id,
            started=started,
            ended=ended,
            recording_url=f"{self.platform.config.api_base}/v1/files/{recording.file_id}",
            recording_uuid=recording.recording_uuid,
            size=recording.size,
        )
        await self.platform.sender.notify(url=url, method=method, payload=payload, leg_uuid=None)
