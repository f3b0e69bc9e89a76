"""Fixtures shared by every app's tests."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from callcentre.vonage.signing import sign_webhook

# Shared fixtures: the billing setup (billing_skill, billing, billing_menu) and the Vonage
# sandbox (private_key_pem, receiver, start_sandbox, project_sandbox, asgi_project_sandbox);
# a module's own win. Test modules never import from each other or from a conftest: shared
# plain helpers live in helpers modules (callcentre/tests/test_layout.py checks it).
pytest_plugins = ["routing.tests.fixtures", "sandbox.tests.fixtures"]


@dataclass
class SignedVonage:
    """Sends webhooks the way Vonage does: HS256 JWT with payload_hash, iat and jti."""

    client: Client
    secret: str
    api_key: str

    def post(self, path: str, payload: dict, *, secret: str | None = None):
        body = json.dumps(payload).encode()
        token = sign_webhook(body=body, secret=secret or self.secret, api_key=self.api_key)
        return self.client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    def get(self, path: str, params: dict, *, secret: str | None = None):
        token = sign_webhook(body=b"", secret=secret or self.secret, api_key=self.api_key)
        return self.client.get(f"{path}?{urlencode(params)}", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture(autouse=True)
def fresh_menu_cache() -> Iterator[None]:
    """Each test starts without IVR menus cached by an earlier test (rolled back since)."""
    from routing.selectors import menu_cache

    menu_cache.clear()
    yield
    menu_cache.clear()


@pytest.fixture(autouse=True, scope="session")
def urls_loaded() -> None:
    """The URLconf (and so every view and what it imports: scikit-learn for the IVR's
    intents) is loaded before the first request, as gunicorn's preload and runserver's checks
    load it: otherwise the first webhook of a test run spends its database deadline
    (callcentre.deadline) importing, on a busy machine."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading it is the point


@pytest.fixture(autouse=True)
def fresh_intent_model() -> Iterator[None]:
    """Each test starts without an intent model loaded by an earlier test (ai.selectors)."""
    from ai.selectors import model_cache

    model_cache.clear()
    yield
    model_cache.clear()


@pytest.fixture
def vonage(client: Client, settings) -> SignedVonage:
    return SignedVonage(
        client=client, secret=settings.VONAGE_SIGNATURE_SECRET, api_key=settings.VONAGE_API_KEY
    )


class DatabaseOutage:
    """Makes the real database unreachable: a closed port, or a path that cannot be opened."""

    def __init__(self) -> None:
        self.saved = dict(connection.settings_dict)
        self.is_down = False

    def start(self) -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.close_pool()  # the pool keeps the settings it was made with
            connection.settings_dict["HOST"] = "127.0.0.1"
            connection.settings_dict["PORT"] = "1"
        else:
            connection.settings_dict["NAME"] = "/nonexistent-directory/down.sqlite3"
        self.is_down = True

    def restore(self) -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.close_pool()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved)
        self.is_down = False


@pytest.fixture
def database_down(transactional_db) -> Iterator[DatabaseOutage]:
    outage = DatabaseOutage()
    outage.start()
    try:
        yield outage
    finally:
        outage.restore()


@pytest.fixture
def vonage_api(settings, tmp_path, monkeypatch):
    """Vonage's REST APIs on loopback, with the project's client pointed at them."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from callcentre.tests.fake_vonage import APPLICATION_ID, pkcs8_pem, running_fake_vonage
    from callcentre.vonage.client import reset_client

    with running_fake_vonage(tmp_path) as (fake, cert_path):
        fake.unique_call_uuids = True
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert_path)
        settings.VONAGE_API_HOST = settings.VONAGE_REST_HOST = fake.host
        settings.VONAGE_APPLICATION_ID = APPLICATION_ID
        settings.VONAGE_PRIVATE_KEY = pkcs8_pem(rsa.generate_private_key(65537, 2048))
        settings.VONAGE_NUMBERS = ["447700900000"]
        reset_client()
        yield fake
        reset_client()


SHUTDOWN_GRACE_SECONDS = 3


@dataclass
class AsgiLiveServer:
    url: str


@pytest.fixture
def asgi_live_server(transactional_db, monkeypatch) -> Iterator[AsgiLiveServer]:
    """The project's ASGI application (HTTP and websockets) on loopback, as `make run` and
    the /ws/ server of production serve it, in a thread of the test process (its database)."""
    import socket
    import threading
    import time

    import uvicorn
    from django.db import connections

    from callcentre.asgi import application

    # The server's threads close their connections after each request (no persistent ones
    # left behind), so that the test database can be dropped at the end.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # At the end, a consumer that has not finished within SHUTDOWN_GRACE_SECONDS (still
    # working through its messages, or stuck) is cancelled rather than waited for.
    config = uvicorn.Config(
        application,
        lifespan="off",
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.02)
    yield AsgiLiveServer(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    server.should_exit = True
    thread.join(timeout=SHUTDOWN_GRACE_SECONDS + 10)
    sock.close()
    if thread.is_alive():
        # Its consumers would go on receiving from the process's channel layer, which
        # receives on one event loop at a time: every later test's consumer would fail.
        server.force_exit = True
        raise RuntimeError("the ASGI test server did not stop")


@pytest.fixture
def browser_factory() -> Iterator[Callable[..., object]]:
    """Starts headless Chromium browsers from Debian's packages, driven by Selenium; each is
    quit at the end. Fake microphone and camera, allowed without asking, unless
    `arguments` says otherwise (e.g. ["--deny-permission-prompts"], with `fake_ui=False`).

    Skipped, with the reason, where Chromium is not installed; CI installs it and sets
    CHECK_BROWSER_REQUIRED=1, so there a missing browser fails instead.
    """
    import os
    import shutil

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        reason = "needs Debian's chromium and chromium-driver (apt-get install chromium-driver)"
        if os.environ.get("CHECK_BROWSER_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    started: list = []

    def start(arguments: tuple[str, ...] = (), *, fake_ui: bool = True) -> object:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        defaults = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage"]
        # The softphone asks for the microphone: a fake one, granted without a prompt.
        defaults.append("--use-fake-device-for-media-stream")
        if fake_ui:
            defaults.append("--use-fake-ui-for-media-stream")
        for argument in [*defaults, *arguments]:
            options.add_argument(argument)
        # The driver's path is given, so Selenium Manager never looks for (or downloads) one.
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        driver.set_window_size(1280, 1000)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        driver.quit()


@pytest.fixture
def browser(browser_factory) -> object:
    """One headless Chromium (see browser_factory)."""
    return browser_factory()
