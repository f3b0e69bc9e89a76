"""A simulated agent: logs in to the project's agent API with its token, goes available, looks
at its offers every `poll_seconds` and accepts them, as an agent desktop would.

The sandbox answers the agent's softphone leg (its app answer delay). When the call is over
(the API shows no load) the agent hangs up its leg, which the customer left, and, with a wrap-up
time, ends wrap-up after that many call seconds: the project's own wrap-up timer runs on the
wall clock, which would stretch every wrap-up `speed` times.
"""

import threading
import time
from dataclasses import dataclass, field

import httpx

from sandbox.control_client import ControlClient, ControlError
from sandbox.load.plan import LoadPlan
from sandbox.load.setup import AgentAccount


@dataclass
class AgentRecord:
    account: AgentAccount
    available_at: float | None = None
    accepted: list[tuple[int, float]] = field(default_factory=list)  # (offer id, when)
    conflicts: int = 0  # offers gone by the time the agent accepted (409)
    problems: list[str] = field(default_factory=list)


class SimulatedAgent:
    def __init__(
        self, *, account: AgentAccount, plan: LoadPlan, app_url: str, control: ControlClient
    ) -> None:
        self.plan = plan
        self.control = control
        self.record = AgentRecord(account)
        self.http = httpx.Client(
            base_url=app_url.rstrip("/"),
            headers={"Authorization": f"Token {account.token}"},
            timeout=10,
        )
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.on_call = False
        self.thread = threading.Thread(target=self.run, name=account.username, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        self.http.close()

    def run(self) -> None:
        try:
            self.post("/api/agent/status", {"status": "available"})
            self.record.available_at = time.time()
        except httpx.HTTPError as error:
            self.note(f"could not go available: {error}")
            return
        finally:
            self.ready.set()
        while not self.stopping.is_set():
            try:
                self.work()
            except (httpx.HTTPError, ControlError, ValueError) as error:
                self.note(f"{type(error).__name__}: {error}")
            self.stopping.wait(self.plan.poll_seconds)
        try:
            self.post("/api/agent/status", {"status": "offline"})
            self.hang_up_legs()
        except (httpx.HTTPError, ControlError, ValueError) as error:
            self.note(f"logging out: {error}")

    def work(self) -> None:
        me = self.get("/api/agent/")
        for offer in me["offers"]:
            response = self.http.post(f"/api/agent/offers/{offer['id']}/accept")
            if response.status_code == 200:
                self.record.accepted.append((offer["id"], time.time()))
                self.on_call = True
            elif response.status_code == 409:
                self.record.conflicts += 1
            else:
                self.note(f"accept {offer['id']}: HTTP {response.status_code}")
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
