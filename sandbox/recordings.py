"""Recording files: kept under the sandbox directory, served at /v1/files/<file uuid>.

As at Vonage, the file's uuid (in `recording_url`) differs from the `recording_uuid`.
"""

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

FILE_ID = re.compile(r"^[0-9a-f-]{36}$")


@dataclass(frozen=True)
class StoredFile:
    path: Path
    content_type: str


@dataclass(frozen=True)
class Recording:
    file_id: str
    recording_uuid: str
    size: int


class RecordingStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "recordings"
        self.directory.mkdir(parents=True, exist_ok=True)

    def save_audio(self, data: bytes) -> Recording:
        file_id = str(uuid.uuid4())
        (self.directory / f"{file_id}.wav").write_bytes(data)
        return Recording(file_id=file_id, recording_uuid=str(uuid.uuid4()), size=len(data))

    def save_transcript(self, *, recording_uuid: str, text: str, language: str) -> str:
        file_id = str(uuid.uuid4())
        transcript = {
            "recording_uuid": recording_uuid,
            "channels": [{"transcript": [{"sentence": text, "raw_sentence": text}]}],
            "language": language,
        }
        (self.directory / f"{file_id}.json").write_text(json.dumps(transcript))
        return file_id

    def find(self, file_id: str) -> StoredFile | None:
        if not FILE_ID.match(file_id):
            return None
        for suffix, content_type in ((".wav", "audio/wav"), (".json", "application/json")):
            path = self.directory / f"{file_id}{suffix}"
            if path.exists():
                return StoredFile(path=path, content_type=content_type)
        return None
