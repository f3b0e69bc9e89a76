#!/usr/bin/env python3
"""Print what stdin holds once every HOST:PORT accepts connections.

Usage: python scripts/when_listening.py [--timeout SECONDS] HOST:PORT...

`make run` pipes its login banner through this, in the background, so the banner comes after
the servers' start-up lines instead of scrolling away above them. It only opens and closes a
TCP connection (no request, so no line in the server's log). Exits 1 without printing when a
port is still closed at the timeout (default 120 s): the server did not start.
"""

from __future__ import annotations

import socket
import sys
import time

POLL_SECONDS = 0.2


def parse_address(text: str) -> tuple[str, int]:
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(f"not HOST:PORT: {text!r}")
    return host, int(port)


def is_listening(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=POLL_SECONDS):
            return True
    except OSError:
        return False


def wait_until_listening(addresses: list[tuple[str, int]], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    waiting = list(addresses)
    while waiting:
        waiting = [address for address in waiting if not is_listening(address)]
        if waiting and time.monotonic() >= deadline:
            return False
        if waiting:
            time.sleep(POLL_SECONDS)
    return True


def main(argv: list[str]) -> int:
    timeout = 120.0
    if argv[:1] == ["--timeout"] and len(argv) > 1:
        timeout, argv = float(argv[1]), argv[2:]
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        addresses = [parse_address(text) for text in argv]
    except ValueError as error:
        print(f"when_listening: {error}", file=sys.stderr)
        return 2
    text = sys.stdin.read()
    if not wait_until_listening(addresses, timeout=timeout):
        return 1
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
