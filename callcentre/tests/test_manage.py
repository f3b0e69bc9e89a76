"""`manage.py` in a shell that has not loaded `.local.env`: one sentence, no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MISSING_SECRET = (
    "manage.py: SECRET_KEY is not set: run `make run` once, then `. ./.local.env` "
    "in this shell (or export SECRET_KEY yourself).\n"
)


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    # Nothing from the developer's shell or the test settings leaks in.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", [["--help"], ["check"], ["migrate", "--help"]])
def test_without_a_secret_key_a_command_says_what_to_do(args):
    result = manage(*args)

    assert (result.returncode, result.stdout, result.stderr) == (1, "", MISSING_SECRET)


def test_a_malformed_setting_is_one_sentence_too():
    result = manage("check", SECRET_KEY="a-secret-key-for-this-test", DEBUG="maybe")

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "manage.py: DEBUG must be a boolean (1/0, true/false), got 'maybe'\n",
    )


def test_with_a_secret_key_commands_run():
    result = manage("check", SECRET_KEY="a-secret-key-for-this-test")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
