"""A simulated agent: logs in to the project's agent API with its token, goes available, and
takes its offers from the agent desktop's websocket (/ws/agent/, with a logged-in session's
cookie), as static/agents/desktop.js does: an `offer.created` event is accepted at once over
the API, an `agent.changed` event makes it read its state again (GET /api/agent/). A slow look
at the API every HEAL_SECONDS (longer with many agents) heals a missed message, as the desktop's
reload on reconnect does.

The sandbox answers the agent's softphone leg (its app answer delay). When the call is over
(the API shows no load) the agent hangs up its leg, which the customer left, and, with a wrap-up
time, ends wrap-up after that many call seconds: the project's own wrap-up timer runs on the
wall clock, which would stretch every wrap-up `speed` times.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from sandbox.control_client import ControlClient, ControlError
from sandbox.load.plan import LoadPlan
from sandbox.load.setup import AgentAccount

# Each agent reads its state from the API at least every HEAL_SECONDS, and the agents together
# at most HEALS_PER_SECOND times a second (195 agents: every 49 s), so the heal does not
# become the load.
HEAL_SECONDS = 5.0
HEALS_PER_SECOND = 4.0
FOLLOWING_SECONDS = 0.1  # real seconds an agent.changed waits for an offer.created behind it


@dataclass
class AgentRecord:
    account: AgentAccount
    available_at: float | None = None
    accepted: list[tuple[int, float]] = field(default_factory=list)  # (offer id, when)
    conflicts: int = 0  # offers gone by the time the agent accepted (409)
    problems: list[str] = field(default_factory=list)
    # offer id -> when its offer.created event reached the agent (wall clock)
    offer_seen_at: dict[int, float] = field(default_factory=dict)


class SimulatedAgent:
    def __init__(
        self,
        *,
        account: AgentAccount,
        plan: LoadPlan,
        app_url: str,
        control: ControlClient,
        socket_url: str | None = None,
    ) -> None:
        self.plan = plan
        self.control = control
        self.record = AgentRecord(account)
        self.http = httpx.Client(
            base_url=app_url.rstrip("/"),
            headers={"Authorization": f"Token {account.token}"},
            timeout=10,
        )
        self.socket_url = agent_socket_url(socket_url or app_url)
        self.origin = origin_of(app_url)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.on_call = False
        self.socket: ClientConnection | None = None
        self.thread = threading.Thread(target=self.run, name=account.username, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        self.http.close()

    def run(self) -> None:
        try:
            self.socket = self.open_socket()
            self.post("/api/agent/status", {"status": "available"})
            self.record.available_at = time.time()
        except (httpx.HTTPError, WebSocketException, OSError, ValueError) as error:
            self.note(f"could not go available: {type(error).__name__}: {error}")
            return
        finally:
            self.ready.set()
        heal_seconds = max(HEAL_SECONDS, self.plan.agents / HEALS_PER_SECOND)
        healed_at = time.monotonic()
        while not self.stopping.is_set():
            try:
                event = self.next_event(timeout=0.5)
                if event is not None:
                    self.handle(event)
                if time.monotonic() - healed_at > heal_seconds:
                    healed_at = time.monotonic()
                    self.look()
            except (httpx.HTTPError, ControlError, ValueError) as error:
                self.note(f"{type(error).__name__}: {error}")
            except (WebSocketException, OSError) as error:
                self.note(f"websocket: {type(error).__name__}: {error}; reconnecting")
                self.stopping.wait(0.5)
                try:
                    self.socket = self.open_socket()
                    self.look()
                except (WebSocketException, OSError, httpx.HTTPError) as again:
                    self.note(f"websocket: {again}")
        try:
            self.post("/api/agent/status", {"status": "offline"})
            self.hang_up_legs()
        except (httpx.HTTPError, ControlError, ValueError) as error:
            self.note(f"logging out: {error}")
        if self.socket is not None:
            self.socket.close()

    def open_socket(self) -> ClientConnection:
        socket = connect(
            self.socket_url,
            additional_headers={
                "Cookie": f"sessionid={self.record.account.session_key}",
                "Origin": self.origin,
            },
            open_timeout=10,
        )
        hello = json.loads(socket.recv(timeout=10))
        if hello.get("type") != "hello":
            socket.close()
            raise ValueError(f"the agent websocket refused the session: {hello}")
        return socket

    def next_event(self, *, timeout: float) -> dict | None:
        assert self.socket is not None
        try:
            return json.loads(self.socket.recv(timeout=timeout))
        except TimeoutError:
            return None

    def handle(self, event: dict) -> None:
        if event.get("type") == "offer.created":
            offer_id = event["offer_id"]
            if any(offer_id == accepted for accepted, _ in self.record.accepted):
                return  # taken already from the API, after an agent.changed
            self.record.offer_seen_at[offer_id] = time.time()
            self.accept(offer_id)
        elif event.get("type") == "agent.changed":
            # A call's end and the next offer to this agent commit together, publishing
            # agent.changed (the freed capacity) just before offer.created: take the offer from
            # its own event when it is right behind, as the desktop rings on offer.created,
            # rather than first reading it from the API.
            following = self.next_event(timeout=FOLLOWING_SECONDS)
            if following is not None:
                self.handle(following)
            self.look()

    def accept(self, offer_id: int) -> None:
        response = self.http.post(f"/api/agent/offers/{offer_id}/accept")
        if response.status_code == 200:
            self.record.accepted.append((offer_id, time.time()))
            self.on_call = True
        elif response.status_code == 409:
            self.record.conflicts += 1
        else:
            self.note(f"accept {offer_id}: HTTP {response.status_code}")

    def look(self) -> None:
        """Read the agent's state, as the desktop does on `agent.changed`: accept an offer a
        missed message left, and hang up once the call is over."""
        me = self.get("/api/agent/")
        accepted = {offer_id for offer_id, _ in self.record.accepted}
        for offer in me["offers"]:
            if offer["id"] not in accepted:
                self.accept(offer["id"])
        if self.on_call and not me["offers"] and me["voice_load"] == 0:
            self.on_call = False
            self.hang_up_legs()
            if self.plan.wrap_up_seconds > 0:
                self.stopping.wait(self.plan.real_seconds(self.plan.wrap_up_seconds))
                self.post("/api/agent/wrap-up/end", {})

    def hang_up_legs(self) -> None:
        for leg in self.control.calls(to=self.record.account.vonage_user, live=True):
            self.control.hangup(leg["uuid"])

    def get(self, path: str) -> dict:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict) -> dict:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json() if response.content else {}

    def note(self, problem: str) -> None:
        if len(self.record.problems) < 20:
            self.record.problems.append(problem)


def agent_socket_url(base_url: str) -> str:
    """ws(s)://host:port/ws/agent/ for the server at `base_url` (http(s) or ws(s))."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}/ws/agent/"


def origin_of(app_url: str) -> str:
    parts = urlsplit(app_url)
    return f"{parts.scheme}://{parts.netloc}"
