#!/usr/bin/env python3
"""Create the development secrets file `.local.env` once, for `make run`.

Usage: python scripts/local_env.py [PROJECT_DIR]

PROJECT_DIR defaults to the project root (the parent of scripts/). The script
writes PROJECT_DIR/.local.env and an RSA key PROJECT_DIR/var/vonage_private.pem
(PKCS#8 PEM) that the built-in Vonage sandbox uses as the application key.
An existing file is never overwritten, so the secrets stay the same from one
run to the next; delete .local.env to get new ones.

Every line of .local.env has the form

    : "${NAME:=value}"; export NAME

so sourcing it with `. ./.local.env` (sh, dash or bash) sets only the variables
that the environment does not already hold: what the user exported wins.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ENV_FILE_NAME = ".local.env"
KEY_FILE = Path("var") / "vonage_private.pem"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shell_default(name: str, value: str) -> str:
    """One line that sets and exports NAME to VALUE unless NAME is already set."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"{name}: a value cannot span lines")
    # Inside "${NAME:=word}" only \ " $ ` and } are special; a backslash quotes each one.
    escaped = "".join("\\" + char if char in '\\"$`}' else char for char in value)
    return f': "${{{name}:={escaped}}}"; export {name}\n'


def create_exclusive(path: Path, data: bytes) -> bool:
    """Write DATA to PATH (mode 0600) unless PATH exists; never leaves a partial file."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.link(tmp_name, path)  # atomic, and fails if another run got there first
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp_name)
    return True


def private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def env_file_text(key_path: Path) -> str:
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VONAGE_SIGNATURE_SECRET": secrets.token_urlsafe(32),
        "VONAGE_API_KEY": "sandbox",
        "VONAGE_API_SECRET": secrets.token_urlsafe(16),
        "VONAGE_APPLICATION_ID": str(uuid.uuid4()),
        "DEMO_PASSWORD": secrets.token_urlsafe(9),
        "VONAGE_PRIVATE_KEY": str(key_path),
    }
    header = (
        "# Development secrets made by scripts/local_env.py for `make run`. Not for production.\n"
        "# Sourced with `. ./.local.env`: variables already in the environment win.\n"
    )
    return header + "".join(shell_default(name, value) for name, value in values.items())


def ensure_local_env(project_dir: Path) -> bool:
    """Create the key and .local.env in PROJECT_DIR if missing. True if .local.env was made."""
    project_dir = project_dir.resolve()
    key_path = project_dir / KEY_FILE
    if not key_path.exists():
        create_exclusive(key_path, private_key_pem())
    env_path = project_dir / ENV_FILE_NAME
    if env_path.exists():
        return False
    return create_exclusive(env_path, env_file_text(key_path).encode())


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__.strip())
        return 0
    if len(argv) > 1:
        print("usage: local_env.py [PROJECT_DIR]", file=sys.stderr)
        return 2
    project_dir = Path(argv[0]) if argv else PROJECT_ROOT
    if not project_dir.is_dir():
        print(f"local_env: {project_dir} is not a directory", file=sys.stderr)
        return 2
    if ensure_local_env(project_dir):
        print(f"local_env: wrote development secrets to {project_dir / ENV_FILE_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
