"""Starting and stopping the sandbox: the HTTPS Vonage API and the HTTP control port, both on
one asyncio loop with the call engine, in the foreground (run_sandbox) or in a background
thread (tests, caller scripts with --start).
"""

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import httpx
import uvicorn

from sandbox.api import VonageApi
from sandbox.appjwt import Authenticator
from sandbox.certs import CertificatePaths, ensure_certificate
from sandbox.config import SandboxConfig
from sandbox.control import ControlApi
from sandbox.messages import MessageCentre
from sandbox.platform import Platform
from sandbox.recordings import RecordingStore
from sandbox.softphones import Softphones
from sandbox.users import UsersApi, UserStore
from sandbox.webhooks import WebhookSender

START_TIMEOUT = 15.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the sandbox decides when both servers stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"the sandbox cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.certificate: CertificatePaths | None = None
        self.platform: Platform | None = None
        self.messages: MessageCentre | None = None
        self.users: UserStore | None = None
        self._servers: list[_Server] = []
        self._serving: list[asyncio.Task[None]] = []
        self._http: httpx.AsyncClient | None = None
        self._control: ControlApi | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def api_host(self) -> str:
        return self.config.api_host

    @property
    def control_url(self) -> str:
        return self.config.control_base

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.certificate = ensure_certificate(self.config.directory)
        api_socket = _bind(self.config.host, self.config.port)
        try:
            control_socket = _bind(self.config.host, self.config.control_port)
        except OSError:
            api_socket.close()
            raise
        self.config = self.config.with_ports(
            port=api_socket.getsockname()[1], control_port=control_socket.getsockname()[1]
        )
        self._http = httpx.AsyncClient(limits=httpx.Limits(max_connections=200))
        sender = WebhookSender(config=self.config, client=self._http)
        recordings = RecordingStore(self.config.directory)
        self.platform = Platform(
            config=self.config, sender=sender, recordings=recordings, http=self._http
        )
        self.messages = MessageCentre(
            sender=sender,
            inbound_url=self.config.inbound_message_url,
            status_url=self.config.message_status_url,
            speed=self.config.speed,
        )
        authenticator = Authenticator(
            application_id=self.config.application_id,
            private_key=self.config.private_key,
            api_key=self.config.api_key,
            api_secret=self.config.api_secret,
        )
        users = self.users = UserStore.load(
            self.config.directory / "users.json", api_base=self.config.api_base
        )
        self.platform.softphones = Softphones(
            platform=self.platform, users=users, authenticator=authenticator
        )
        api = VonageApi(
            platform=self.platform,
            messages=self.messages,
            recordings=recordings,
            authenticator=authenticator,
            users=UsersApi(users),
        )
        control = self._control = ControlApi(
            platform=self.platform, messages=self.messages, softphones=self.platform.softphones
        )
        common: dict[str, Any] = {
            "log_config": None,
            "lifespan": "off",
            "access_log": False,
            "timeout_graceful_shutdown": 1,
            "log_level": "warning",
        }
        self._servers = [
            _Server(
                uvicorn.Config(
                    api,
                    ssl_certfile=str(self.certificate.cert),
                    ssl_keyfile=str(self.certificate.key),
                    **common,
                )
            ),
            _Server(uvicorn.Config(control, **common)),
        ]
        self._serving = [
            asyncio.create_task(server.serve(sockets=[sock]))
            for server, sock in zip(self._servers, (api_socket, control_socket), strict=True)
        ]
        await self._wait_started()

    async def _wait_started(self) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while not all(server.started for server in self._servers):
            for task in self._serving:
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError("a sandbox server stopped while starting")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the sandbox servers did not start in time")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            await asyncio.sleep(0.05)
        for server in self._servers:
            # Calls end with the sandbox: no waiting for keep-alive or long-poll connections.
            server.should_exit = server.force_exit = True
        await asyncio.gather(*self._serving, return_exceptions=True)
        if self.platform is not None:
            await self.platform.close()
        if self.messages is not None:
            await self.messages.close()
        if self._http is not None:
            await self._http.aclose()

    async def serve_until(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    # In a background thread (tests, scripts) -------------------------------------------

    def start_in_thread(self) -> "Sandbox":
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as error:  # reported to the starting thread
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="vonage-sandbox", daemon=True)
        self._thread.start()
        ready.wait(START_TIMEOUT + 5)
        if failure:
            raise failure[0]
        return self

    def stop_thread(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._thread = None

    def run(self, coroutine: Coroutine[Any, Any, Any], *, timeout: float = 10.0) -> Any:
        """Run a coroutine on the sandbox's loop from another thread and return its result."""
        if self._loop is None:
            raise RuntimeError("the sandbox is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)
