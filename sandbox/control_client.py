"""A small synchronous client for the sandbox's control API (caller scripts, tests, load mode)."""

from typing import Any

import httpx


class ControlError(Exception):
    pass


# No cap on connections: a load run's callers each hold a long poll open (hundreds at once at
# 180 Erlangs); httpx's default pool of 100 made the rest wait and time out as "failed" callers.
# Idle connections are dropped after 2 s, before the sandbox's server (uvicorn: 5 s) closes
# them: reusing one it was closing failed as "Server disconnected without sending a response".
LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=1000, keepalive_expiry=2.0)


class ControlClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, limits=LIMITS)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ControlClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise ControlError(
                f"the sandbox does not answer at {self.base_url} ({error}); is it running? "
                "(`make run`, or `manage.py run_sandbox`)"
            ) from error
        if response.status_code >= 400:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise ControlError(f"{method} {path}: HTTP {response.status_code}: {reason}")
        return response.json() if response.content else None

    def state(self) -> dict[str, Any]:
        return self._request("GET", "/control/state")

    def dial(self, *, from_number: str, to_number: str, speed: float | None = None) -> dict:
        body: dict[str, Any] = {"from": from_number, "to": to_number}
        if speed is not None:
            body["speed"] = speed
        return self._request("POST", "/control/calls", json=body)

    def call(self, uuid: str, *, after: int = 0, wait: float = 0) -> dict[str, Any]:
        return self._request(
            "GET",
            f"/control/calls/{uuid}",
            params={"after": after, "wait": wait},
            timeout=wait + 10,
        )

    def calls(self, *, to: str = "", live: bool = False) -> list[dict[str, Any]]:
        params = {"to": to, "live": "1" if live else ""}
        return self._request("GET", "/control/calls", params=params)["calls"]

    def press(self, uuid: str, digits: str) -> None:
        self._request("POST", f"/control/calls/{uuid}/dtmf", json={"digits": digits})

    def say(self, uuid: str, text: str) -> None:
        self._request("POST", f"/control/calls/{uuid}/speech", json={"text": text})

    def hangup(self, uuid: str) -> None:
        self._request("POST", f"/control/calls/{uuid}/hangup", json={})

    def answer(self, uuid: str) -> None:
        self._request("POST", f"/control/calls/{uuid}/answer", json={})

    def reject(self, uuid: str) -> None:
        self._request("POST", f"/control/calls/{uuid}/reject", json={})

    def set_callee(self, address: str, **script: Any) -> None:
        self._request("PUT", f"/control/callees/{address}", json=script)

    def webhooks(self, *, leg: str | None = None) -> list[dict[str, Any]]:
        params = {"leg": leg} if leg else {}
        return self._request("GET", "/control/webhooks", params=params)["deliveries"]

    def send_message(self, *, channel: str, from_number: str, to_number: str, text: str) -> dict:
        body = {"channel": channel, "from": from_number, "to": to_number, "text": text}
        return self._request("POST", "/control/messages", json=body)

    def messages(self, number: str = "") -> list[dict[str, Any]]:
        return self._request("GET", "/control/messages", params={"number": number})["messages"]
