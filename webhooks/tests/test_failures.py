"""The database is down or slow: webhooks still answer in time and nothing is lost."""

import threading
import time

import pytest
from django.db import connection

from callcentre.spool import spool_entries
from conversations.models import Conversation, Event, Member
from conversations.tests import payloads
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from webhooks import handlers

BUDGET_SECONDS = 3.0


def billing_menu() -> None:
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="2", queue=QueueFactory(name="Billing"))


@pytest.fixture(autouse=True)
def empty_spool(settings, tmp_path):
    settings.SPOOL_DIR = tmp_path / "spool"


def test_answer_with_database_down_gives_voicemail_in_time_and_spools(vonage, database_down):
    call = payloads.new_call()

    started = time.monotonic()
    response = vonage.post("/webhooks/answer", payloads.answer(call))
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < BUDGET_SECONDS
    assert [action["action"] for action in response.json()] == ["talk", "record", "talk"]
    assert response.json()[0]["text"].startswith("We're sorry, we can't take your call right now.")
    [entry] = spool_entries()
    assert (entry.kind, entry.payload["uuid"]) == ("answer", call["uuid"])


def test_events_spooled_while_down_are_replayed_in_order(vonage, database_down):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        assert vonage.post("/webhooks/event", payload).status_code == 204
    assert [entry.kind for entry in spool_entries()] == ["answer"] + ["event"] * 4

    database_down.restore()
    replayed, remaining = handlers.replay_spool()

    assert (replayed, remaining) == (5, 0)
    assert spool_entries() == []
    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.ENDED
    assert conversation.duration_seconds == 245
    assert Member.objects.get().call_status == "completed"
    assert Event.objects.count() == 5


def test_replay_while_still_down_keeps_everything(vonage, database_down):
    vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))

    replayed, remaining = handlers.replay_spool()

    assert (replayed, remaining) == (0, 1)
    assert len(spool_entries()) == 1


def test_input_with_database_down_still_gets_an_ncco(vonage, database_down):
    response = vonage.post("/webhooks/event", payloads.dtmf_input(payloads.new_call(), "2"))

    assert response.status_code == 200
    assert [action["action"] for action in response.json()] == ["talk", "record", "talk"]


@pytest.mark.postgres
def test_answer_with_a_locked_table_gives_voicemail_in_time(vonage, transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row and table locks time out only there")
    billing_menu()
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    holder = psycopg.connect(
        **{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    )
    holder.execute("LOCK TABLE conversations_conversation IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(10, holder.rollback)
    release.start()
    try:
        started = time.monotonic()
        response = vonage.post("/webhooks/answer", payloads.answer(payloads.new_call()))
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        holder.rollback()
        holder.close()

    assert response.status_code == 200
    assert elapsed < BUDGET_SECONDS
    assert response.json()[0]["text"].startswith("We're sorry")
    assert len(spool_entries()) == 1
    handlers.replay_spool()
    assert Conversation.objects.count() == 1


def test_answer_with_redis_down_still_works_and_refuses_replays(vonage, settings, db):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    billing_menu()
    call = payloads.new_call()

    started = time.monotonic()
    response = vonage.post("/webhooks/answer", payloads.answer(call))
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < BUDGET_SECONDS
    assert response.json()[0]["text"].endswith("For Billing, press 2.")
    assert Conversation.objects.get().vonage_uuid == call["conversation_uuid"]
