import pytest

from callcentre.spool import spool_entries, spool_replay, spool_write


@pytest.fixture(autouse=True)
def spool_dir(settings, tmp_path):
    settings.SPOOL_DIR = tmp_path / "spool"
    return settings.SPOOL_DIR


def write(number: int) -> None:
    spool_write(kind="event", payload={"n": number}, received_at="2026-11-22T09:00:00+00:00")


def test_entries_come_back_in_arrival_order():
    for number in range(5):
        write(number)

    assert [entry.payload["n"] for entry in spool_entries()] == [0, 1, 2, 3, 4]


def test_no_temporary_files_are_left_behind(spool_dir):
    write(1)

    assert [path.name.endswith(".json") for path in spool_dir.iterdir()] == [True]


def test_replay_removes_what_was_handled():
    for number in range(3):
        write(number)
    handled = []

    result = spool_replay(
        lambda entry: handled.append(entry.payload["n"]), is_transient=lambda e: True
    )

    assert result == (3, 0)
    assert handled == [0, 1, 2]
    assert spool_entries() == []


def test_a_transient_failure_keeps_that_entry_and_the_rest():
    for number in range(3):
        write(number)

    def handle(entry):
        if entry.payload["n"] == 1:
            raise ConnectionError("still down")

    result = spool_replay(handle, is_transient=lambda error: isinstance(error, ConnectionError))

    assert result == (1, 2)
    assert [entry.payload["n"] for entry in spool_entries()] == [1, 2]


def test_a_bad_entry_is_moved_aside_and_does_not_block_the_rest(spool_dir):
    for number in range(3):
        write(number)

    def handle(entry):
        if entry.payload["n"] == 1:
            raise ValueError("cannot be applied")

    result = spool_replay(handle, is_transient=lambda error: isinstance(error, ConnectionError))

    assert result == (2, 0)
    assert spool_entries() == []
    assert len(list((spool_dir / "failed").iterdir())) == 1


def test_replay_command_reports_and_fails_while_entries_remain(settings, database_down):
    from django.core.management import CommandError, call_command

    spool_write(
        kind="answer",
        payload={"uuid": "u", "conversation_uuid": "c"},
        received_at="2026-11-22T09:00:00+00:00",
    )

    with pytest.raises(CommandError, match="1 spooled webhook"):
        call_command("replay_spool")
