"""A durable local spool for webhook payloads that could not be stored right away.

When the database is down a webhook still answers, and its payload is written
here: one JSON file per entry, written to a temporary name, fsynced and then
renamed, so a crash never leaves half an entry. Entries are replayed in the
order they arrived (`manage.py replay_spool` and a periodic Celery task).
"""

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SpoolEntry:
    path: Path
    kind: str
    payload: dict
    received_at: str


def spool_directory() -> Path:
    directory = Path(settings.SPOOL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def spool_write(*, kind: str, payload: dict, received_at: str) -> Path:
    directory = spool_directory()
    # Nanosecond time first so that a sorted listing is arrival order.
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
    temporary = directory / f".{name}.tmp"
    data = json.dumps({"kind": kind, "payload": payload, "received_at": received_at})
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    final = directory / name
    os.rename(temporary, final)
    logger.warning("spooled a %s webhook to %s", kind, final)
    return final


def spool_entries() -> list[SpoolEntry]:
    entries = []
    for path in sorted(spool_directory().glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.exception("unreadable spool entry %s left in place", path)
            continue
        entries.append(
            SpoolEntry(
                path=path,
                kind=data["kind"],
                payload=data["payload"],
                received_at=data["received_at"],
            )
        )
    return entries


def spool_replay(
    handle: Callable[[SpoolEntry], None], *, is_transient: Callable[[Exception], bool]
) -> tuple[int, int]:
    """Hand each entry to `handle` in arrival order.

    An entry is removed only after `handle` returned. A transient failure (the
    database still down) stops the run and keeps that entry and everything
    after it for the next run; any other failure moves the entry aside to
    `failed/` for a person to look at, so one bad payload cannot block the rest.
    Returns (replayed, remaining).
    """
    entries = spool_entries()
    replayed = 0
    for index, entry in enumerate(entries):
        try:
            handle(entry)
        except Exception as error:
            if is_transient(error):
                logger.warning("spool replay paused at %s: %s", entry.path.name, error)
                return replayed, len(entries) - index
            failed = spool_directory() / "failed"
            failed.mkdir(exist_ok=True)
            os.rename(entry.path, failed / entry.path.name)
            logger.exception("spool entry %s failed and was moved to %s", entry.path.name, failed)
            continue
        entry.path.unlink()
        replayed += 1
    return replayed, 0
