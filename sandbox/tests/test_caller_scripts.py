"""Caller scripts: the YAML format, the runner's failure messages, and `manage.py sandbox_call`."""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sandbox.caller_scripts import ScriptError, load_script, parse_script
from sandbox.runner import ScriptFailed, ScriptRunner
from sandbox.tests.helpers import CENTRE, Received

EXAMPLE = Path(__file__).resolve().parent.parent / "scripts" / "billing_on_hold.yaml"
MENU = [
    {"action": "talk", "text": "Hello. For billing, press 2.", "bargeIn": True},
    {"action": "input", "type": ["dtmf", "speech"], "dtmf": {"maxDigits": 1}},
]


def test_the_example_script_parses():
    script = load_script(EXAMPLE)

    assert script.name == "Billing caller waits on hold"
    assert [step.kind for step in script.steps] == [
        "dial",
        "expect",
        "expect",
        "press",
        "expect",
        "expect",
        "talk",
        "hangup",
    ]
    assert script.steps[0].value == {"from": "447700900123", "to": CENTRE}
    assert script.steps[2].value == ("say", "press 2")
    assert script.steps[2].within == 5


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([{"press": "2"}], "the first step must be `dial`"),
        ([{"dial": {}}, {"dance": 1}], "step 2: unknown step 'dance'"),
        ([{"dial": {}}, {"press": "A"}], "step 2: press takes keys 0-9, * and #"),
        ([{"dial": {}}, {"expect": {"say": "x", "hear": "y"}}], "expect one of say, hear"),
        ([{"dial": {}}, {"talk": "long"}], "step 2: talk takes seconds"),
        ({"speed": 0, "steps": [{"dial": {}}]}, "speed must be a positive number"),
        ([], "a script is a list of steps"),
    ],
)
def test_a_wrong_script_says_what_is_wrong(data, problem):
    with pytest.raises(ScriptError, match=re.escape(problem)):
        parse_script(data)


def menu_then_goodbye(receiver):
    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, MENU
        if "dtmf" in request.payload:
            return 200, [{"action": "talk", "text": "Goodbye."}]
        return 204, None

    receiver.respond = respond


@pytest.mark.slow
def test_a_failed_expectation_names_the_step_and_what_was_heard(receiver, start_sandbox):
    menu_then_goodbye(receiver)
    running = start_sandbox(receiver.url)
    script = parse_script(
        [
            {"dial": {"to": CENTRE}},
            {"expect": {"say": "press 2", "within": 5}},
            {"press": "2"},
            {"expect": {"say": "Connecting you to Billing", "within": 3}},
        ]
    )

    with pytest.raises(ScriptFailed) as failure:
        ScriptRunner(running.control).run(script)

    message = str(failure.value)
    assert message.startswith("step 4 (expect say 'Connecting you to Billing' within 3s) failed: ")
    assert "talk: Hello. For billing, press 2." in message
    assert "talk: Goodbye." in message


@pytest.mark.slow
def test_sandbox_call_runs_a_script_and_fails_with_a_non_zero_exit(
    receiver, start_sandbox, tmp_path, capsys
):
    menu_then_goodbye(receiver)
    running = start_sandbox(receiver.url)
    good = tmp_path / "good.yaml"
    good.write_text(
        "steps:\n  - dial: {to: '447700900000'}\n  - expect: {say: 'press 2'}\n"
        "  - press: '2'\n  - expect: {say: 'Goodbye'}\n  - expect_ended: {within: 5}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - dial: {}\n  - expect: {say: 'press 9', within: 2}\n")

    call_command("sandbox_call", str(good), "--control-url", running.control.base_url)
    with pytest.raises(CommandError) as failure:
        call_command(
            "sandbox_call", str(bad), "--control-url", running.control.base_url, "--speed", "40"
        )

    assert "passed: call" in capsys.readouterr().out
    assert "bad.yaml: step 2 (expect say 'press 9' within 2s) failed: " in str(failure.value)
    assert "talk: Hello. For billing, press 2." in str(failure.value)


def test_sandbox_call_says_when_no_sandbox_is_running(tmp_path):
    with pytest.raises(CommandError, match="the sandbox does not answer at http://127.0.0.1:9"):
        call_command("sandbox_call", str(EXAMPLE), "--control-url", "http://127.0.0.1:9")


def hold_forever(receiver):
    """The call stays on the line until somebody hangs up."""

    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, [{"action": "talk", "text": "Please hold.", "loop": 0}]
        return 204, None

    receiver.respond = respond


@pytest.mark.slow
def test_a_failed_script_ends_its_call(receiver, start_sandbox):
    hold_forever(receiver)
    running = start_sandbox(receiver.url)
    script = parse_script([{"dial": {"to": CENTRE}}, {"expect": {"say": "press 9", "within": 2}}])

    with pytest.raises(ScriptFailed):
        ScriptRunner(running.control).run(script)

    assert running.control.calls(live=True) == []
    (completed,) = receiver.wait_for(lambda request: request.payload.get("status") == "completed")
    assert completed.payload["direction"] == "inbound"


@pytest.mark.slow
def test_an_interrupted_script_ends_its_call(receiver, start_sandbox):
    hold_forever(receiver)
    running = start_sandbox(receiver.url)
    script = parse_script([{"dial": {"to": CENTRE}}, {"expect": {"hear": "hold"}}, {"talk": 600}])

    def interrupt_on_talk(step):
        if step.kind == "talk":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ScriptRunner(running.control, on_step=interrupt_on_talk).run(script)

    assert running.control.calls(live=True) == []


def test_sandbox_call_finds_the_sandbox_make_run_started(settings, tmp_path, monkeypatch):
    # `SANDBOX_CONTROL_PORT=9 make run` wrote where its sandbox listens; nothing is exported here.
    monkeypatch.delenv("SANDBOX_CONTROL_PORT", raising=False)
    monkeypatch.delenv("SANDBOX_HOST", raising=False)
    settings.VAR_DIR = tmp_path
    (tmp_path / "run.env").write_text("SANDBOX_HOST=127.0.0.1\nSANDBOX_CONTROL_PORT=9\n")

    with pytest.raises(CommandError, match="the sandbox does not answer at http://127.0.0.1:9 "):
        call_command("sandbox_call", str(EXAMPLE))
