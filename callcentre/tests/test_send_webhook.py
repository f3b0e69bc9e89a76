"""The by-hand webhook command against the app served over real HTTP."""

import pytest
from django.core.management import CommandError, call_command

from conversations.models import Conversation
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.helpers import require_task_enqueue


@pytest.fixture
def billing(transactional_db):
    billing = QueueFactory(name="Billing")
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing", keywords="billing", queue=billing)
    return billing


def test_a_call_by_hand_gets_the_menu_then_the_queue(live_server, billing, capsys):
    require_task_enqueue()
    call_command("send_webhook", "answer", "--call", "hand-1", "--url", live_server.url)
    answered = capsys.readouterr().out
    call_command(
        "send_webhook", "input", "--call", "hand-1", "--digits", "2", "--url", live_server.url
    )
    chosen = capsys.readouterr().out
    call_command(
        "send_webhook",
        "status",
        "--call",
        "hand-1",
        "--status",
        "completed",
        "--url",
        live_server.url,
    )

    assert answered.startswith("HTTP 200")
    assert "For billing, press 2." in answered
    assert "Connecting you to Billing" in chosen
    conversation = Conversation.objects.get(vonage_uuid="CON-hand-1")
    assert conversation.attributes["ivr"]["queue"] == "Billing"
    assert conversation.state == Conversation.State.ENDED


def test_a_caller_by_hand_may_say_their_words(live_server, billing, capsys):
    call_command("send_webhook", "answer", "--call", "hand-2", "--url", live_server.url)
    capsys.readouterr()
    call_command(
        "send_webhook",
        "input",
        "--call",
        "hand-2",
        "--speech",
        "billing please",
        "--url",
        live_server.url,
    )

    assert "Connecting you to Billing" in capsys.readouterr().out
    conversation = Conversation.objects.get(vonage_uuid="CON-hand-2")
    assert conversation.attributes["speech"] == [{"text": "billing please", "confidence": 0.92}]


def test_a_wrong_secret_is_reported_as_a_failure(live_server, billing):
    with pytest.raises(CommandError, match="HTTP 401"):
        call_command(
            "send_webhook",
            "answer",
            "--call",
            "hand-2",
            "--url",
            live_server.url,
            "--secret",
            "another-secret-that-is-long-enough-to-use",
        )

    assert Conversation.objects.count() == 0


def test_an_unreachable_app_is_a_clear_error():
    with pytest.raises(CommandError, match="Could not reach http://127.0.0.1:1"):
        call_command("send_webhook", "answer", "--url", "http://127.0.0.1:1")


def test_without_url_it_posts_where_make_run_serves(
    live_server, billing, settings, tmp_path, monkeypatch, capsys
):
    # `PORT=8210 make run` wrote where it serves; nothing is exported in this terminal.
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    settings.VAR_DIR = tmp_path
    (tmp_path / "run.env").write_text(f"# make run\nPORT=8210\nPUBLIC_URL={live_server.url}\n")

    call_command("send_webhook", "answer", "--call", "hand-3")

    assert capsys.readouterr().out.startswith("HTTP 200")
    assert Conversation.objects.filter(vonage_uuid="CON-hand-3").count() == 1


def test_an_exported_public_url_wins_over_make_runs_choice(
    live_server, billing, settings, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("PUBLIC_URL", live_server.url)
    settings.PUBLIC_URL = live_server.url
    settings.VAR_DIR = tmp_path
    (tmp_path / "run.env").write_text("PUBLIC_URL=http://127.0.0.1:9\n")

    call_command("send_webhook", "answer", "--call", "hand-4")

    assert capsys.readouterr().out.startswith("HTTP 200")
