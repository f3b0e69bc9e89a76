"""Where the running `make run` serves, for the commands that talk to it from another terminal.

`make run` writes what it chose (its port and public URL, the sandbox's ports) to
`$VAR_DIR/run.env` as `NAME=value` lines when it starts, and removes the file when it stops.
`send_webhook`, `sandbox_call` and `sandbox_load` take their defaults from it, so after
`PORT=8210 make run` they reach that server with nothing exported. A variable set in the
environment wins over the file; command-line options win over both.
"""

import os
from pathlib import Path

from django.conf import settings

RUN_ENV_NAME = "run.env"


def run_env_read(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    values = {}
    for line in text.splitlines():
        name, separator, value = line.partition("=")
        if separator and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def run_env_value(name: str) -> str | None:
    """NAME as the running `make run` chose it; None when the environment sets NAME itself (the
    settings hold it then) or no `make run` is running."""
    if os.environ.get(name):
        return None
    return run_env_read(Path(settings.VAR_DIR) / RUN_ENV_NAME).get(name) or None


def app_url() -> str:
    return (run_env_value("PUBLIC_URL") or settings.PUBLIC_URL).rstrip("/")


def sandbox_control_url() -> str:
    host = run_env_value("SANDBOX_HOST") or settings.SANDBOX_HOST
    port = run_env_value("SANDBOX_CONTROL_PORT") or settings.SANDBOX_CONTROL_PORT
    return f"http://{host}:{port}"
