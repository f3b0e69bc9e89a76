"""VonageClient against a loopback HTTPS server that answers like Vonage (CONTRACT §5, §7)."""

import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from callcentre.tests.fake_vonage import (
    APPLICATION_ID,
    LEG,
    NCCO,
    NOT_FOUND,
    RECORDING,
    UNAUTHORIZED,
    FakeVonage,
    Received,
    running_fake_vonage,
)
from callcentre.vonage.client import (
    CreatedCall,
    VonageClient,
    VonageError,
    get_client,
    reset_client,
)


@pytest.fixture
def vonage_server(tmp_path, monkeypatch):
    with running_fake_vonage(tmp_path) as (fake, cert_path):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert_path)
        yield fake


@pytest.fixture(scope="module")
def application_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def private_pem(application_key) -> str:
    return application_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def client(vonage_server, private_pem) -> VonageClient:
    return VonageClient(
        application_id=APPLICATION_ID,
        private_key=private_pem,
        api_host=vonage_server.host,
        rest_host=vonage_server.host,
        timeout=2.5,
    )


@pytest.fixture
def fresh_client_cache():
    reset_client()
    yield
    reset_client()


def assert_application_jwt(headers: dict, application_key: rsa.RSAPrivateKey) -> None:
    scheme, _, token = headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT"}
    claims = jwt.decode(token, application_key.public_key(), algorithms=["RS256"])
    assert claims["application_id"] == APPLICATION_ID
    assert isinstance(claims["iat"], int)
    assert uuid.UUID(claims["jti"])


def only_request(server: FakeVonage, application_key) -> Received:
    assert len(server.received) == 1
    request = server.received[0]
    assert_application_jwt(request.headers, application_key)
    return request


def test_create_call_with_ncco_sends_the_ncco_verbatim(client, vonage_server, application_key):
    created = client.create_call(
        to={"type": "phone", "number": "447700900001"},
        from_number="447700900000",
        ncco=NCCO,
        event_url="https://centre.example.com/webhooks/event",
    )

    assert created == CreatedCall(
        uuid=LEG,
        conversation_uuid="CON-f972836a-550f-45fa-956c-12a2ab5b7d22",
        status="started",
        direction="outbound",
    )
    request = only_request(vonage_server, application_key)
    assert (request.method, request.path) == ("POST", "/v1/calls")
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "to": [{"type": "phone", "number": "447700900001"}],
        "from": {"type": "phone", "number": "447700900000"},
        "ncco": NCCO,
        "event_url": ["https://centre.example.com/webhooks/event"],
    }


def test_create_call_to_an_app_user_with_answer_url(client, vonage_server, application_key):
    client.create_call(
        to={"type": "app", "user": "agent.alice"},
        answer_url="https://centre.example.com/webhooks/answer",
        random_from_number=True,
    )

    request = only_request(vonage_server, application_key)
    assert (request.method, request.path) == ("POST", "/v1/calls")
    assert request.body == {
        "to": [{"type": "app", "user": "agent.alice"}],
        "random_from_number": True,
        "answer_url": ["https://centre.example.com/webhooks/answer"],
    }


@pytest.mark.parametrize(
    "arguments",
    [
        {"ncco": NCCO},
        {"ncco": NCCO, "from_number": "447700900000", "random_from_number": True},
        {"from_number": "447700900000"},
        {"from_number": "447700900000", "ncco": NCCO, "answer_url": "https://x.example/a"},
    ],
)
def test_create_call_refuses_ambiguous_arguments(client, vonage_server, arguments):
    with pytest.raises(ValueError, match="exactly one of"):
        client.create_call(to={"type": "phone", "number": "447700900001"}, **arguments)

    assert vonage_server.received == []


CALL_OPERATIONS = [
    pytest.param(lambda c: c.hangup(LEG), "PUT", "", {"action": "hangup"}, id="hangup"),
    pytest.param(lambda c: c.mute(LEG), "PUT", "", {"action": "mute"}, id="mute"),
    pytest.param(lambda c: c.unmute(LEG), "PUT", "", {"action": "unmute"}, id="unmute"),
    pytest.param(lambda c: c.earmuff(LEG), "PUT", "", {"action": "earmuff"}, id="earmuff"),
    pytest.param(lambda c: c.unearmuff(LEG), "PUT", "", {"action": "unearmuff"}, id="unearmuff"),
    pytest.param(
        lambda c: c.transfer_to_ncco(LEG, NCCO),
        "PUT",
        "",
        {"action": "transfer", "destination": {"type": "ncco", "ncco": NCCO}},
        id="transfer_to_ncco",
    ),
    pytest.param(
        lambda c: c.transfer_to_url(LEG, "https://centre.example.com/webhooks/answer"),
        "PUT",
        "",
        {
            "action": "transfer",
            "destination": {"type": "ncco", "url": ["https://centre.example.com/webhooks/answer"]},
        },
        id="transfer_to_url",
    ),
    pytest.param(
        lambda c: c.talk(LEG, text="Please hold", language="en-GB", loop=2),
        "PUT",
        "/talk",
        {"text": "Please hold", "language": "en-GB", "loop": 2},
        id="talk",
    ),
    pytest.param(
        lambda c: c.talk(LEG, text="Please hold"),
        "PUT",
        "/talk",
        {"text": "Please hold", "loop": 1},
        id="talk_defaults",
    ),
    pytest.param(lambda c: c.stop_talk(LEG), "DELETE", "/talk", None, id="stop_talk"),
    pytest.param(
        lambda c: c.stream(LEG, url="https://centre.example.com/static/hold.mp3", loop=0),
        "PUT",
        "/stream",
        {"stream_url": ["https://centre.example.com/static/hold.mp3"], "loop": 0},
        id="stream",
    ),
    pytest.param(lambda c: c.stop_stream(LEG), "DELETE", "/stream", None, id="stop_stream"),
    pytest.param(
        lambda c: c.send_dtmf(LEG, digits="1p2#"), "PUT", "/dtmf", {"digits": "1p2#"}, id="dtmf"
    ),
]


@pytest.mark.parametrize(("operation", "method", "suffix", "body"), CALL_OPERATIONS)
def test_call_operation_sends_the_contract_request(
    client, vonage_server, application_key, operation, method, suffix, body
):
    assert operation(client) is None

    request = only_request(vonage_server, application_key)
    assert (request.method, request.path) == (method, f"/v1/calls/{LEG}{suffix}")
    assert request.body == body


@pytest.mark.parametrize(
    ("channel", "to", "from_", "expected_to", "expected_from"),
    [
        ("sms", "+447700900001", "447700900000", "447700900001", "447700900000"),
        ("sms", "447700900001", "Acme", "447700900001", "Acme"),
        ("whatsapp", "447700900001", "+447700900000", "447700900001", "447700900000"),
        ("messenger", "1234567890", "0987654321", "1234567890", "0987654321"),
        ("viber_service", "447700900001", "Acme", "447700900001", "Acme"),
    ],
)
def test_send_message(
    client, vonage_server, application_key, channel, to, from_, expected_to, expected_from
):
    message_uuid = client.send_message(
        channel=channel, to=to, from_=from_, text="Your ticket is 7", client_ref="ticket-7"
    )

    assert message_uuid == "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"
    request = only_request(vonage_server, application_key)
    assert (request.method, request.path) == ("POST", "/v1/messages")
    assert request.body == {
        "to": expected_to,
        "from": expected_from,
        "text": "Your ticket is 7",
        "client_ref": "ticket-7",
        "channel": channel,
        "message_type": "text",
    }


def test_send_message_refuses_unknown_channel(client, vonage_server):
    with pytest.raises(ValueError, match="unsupported message channel 'fax'"):
        client.send_message(channel="fax", to="447700900001", from_="447700900000", text="Hi")

    assert vonage_server.received == []


def test_download_recording(client, vonage_server, application_key):
    url = f"https://{vonage_server.host}/v1/files/aaaaaaaa-bbbb-cccc-dddd-0123456789ab"

    assert client.download_recording(url) == RECORDING

    request = only_request(vonage_server, application_key)
    assert (request.method, request.path) == (
        "GET",
        "/v1/files/aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    )


def test_download_recording_error_is_mapped(client, vonage_server):
    path = "/v1/files/gone"
    vonage_server.answers[("GET", path)] = (404, NOT_FOUND)

    with pytest.raises(VonageError) as raised:
        client.download_recording(f"https://{vonage_server.host}{path}")

    assert raised.value.status == 404
    assert raised.value.reason == "Not Found: Call with the provided uuid not found"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/vonage.com/v1/files/x",
        "https://api.nexmo.com.evil.example/v1/files/x",
        "https://api.nexmo.com@evil.example/v1/files/x",
        "http://api.nexmo.com/v1/files/x",
        "{sandbox_over_http}",
    ],
)
def test_download_recording_never_sends_credentials_elsewhere(client, vonage_server, url):
    url = url.replace("{sandbox_over_http}", f"http://{vonage_server.host}/v1/files/x")

    with pytest.raises(ValueError, match="refusing to send Vonage credentials"):
        client.download_recording(url)

    assert vonage_server.received == []


@pytest.mark.parametrize(
    ("status", "answer", "reason"),
    [
        (401, UNAUTHORIZED, "Unauthorized: You did not provide correct credentials."),
        (404, NOT_FOUND, "Not Found: Call with the provided uuid not found"),
    ],
)
def test_http_errors_become_vonage_errors(client, vonage_server, status, answer, reason):
    vonage_server.answers[("PUT", f"/v1/calls/{LEG}")] = (status, answer)
    vonage_server.answers[("POST", "/v1/calls")] = (status, answer)

    with pytest.raises(VonageError) as hangup_error:
        client.hangup(LEG)
    with pytest.raises(VonageError) as create_error:
        client.create_call(
            to={"type": "phone", "number": "447700900001"},
            from_number="447700900000",
            ncco=NCCO,
        )

    for raised in (hangup_error, create_error):
        assert raised.value.status == status
        assert raised.value.reason == reason
        assert str(raised.value) == f"{status}: {reason}"


def test_messages_problem_details_become_vonage_error(client, vonage_server):
    problem = {
        "type": "https://developer.vonage.com/api-errors/messages#1150",
        "title": "Invalid params",
        "detail": "The value of one or more parameters is invalid.",
        "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf",
    }
    vonage_server.answers[("POST", "/v1/messages")] = (422, problem)

    with pytest.raises(VonageError) as raised:
        client.send_message(channel="sms", to="447700900001", from_="Acme", text="Hi")

    assert raised.value.status == 422
    assert raised.value.reason == (
        "Invalid params: The value of one or more parameters is invalid."
    )


def test_untrusted_certificate_is_a_vonage_error_without_status(client, vonage_server, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")

    with pytest.raises(VonageError) as raised:
        client.hangup(LEG)

    assert raised.value.status is None
    assert raised.value.reason.startswith("SSLError: ")


def test_unreachable_host_is_a_vonage_error_without_status(private_pem):
    client = VonageClient(
        application_id=APPLICATION_ID, private_key=private_pem, api_host="127.0.0.1:1"
    )

    with pytest.raises(VonageError) as raised:
        client.mute(LEG)

    assert raised.value.status is None
    assert raised.value.reason.startswith("ConnectionError: ")


def test_leg_uuid_cannot_redirect_the_request(client, vonage_server):
    with pytest.raises(ValueError, match="not a call leg uuid"):
        client.hangup("../messages")

    assert vonage_server.received == []


def test_pkcs1_private_key_is_refused_with_a_clear_error(application_key):
    pkcs1 = application_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()

    with pytest.raises(ValueError, match=r"PKCS#1 \(BEGIN RSA PRIVATE KEY\).*openssl pkcs8"):
        VonageClient(application_id=APPLICATION_ID, private_key=pkcs1)


@pytest.mark.parametrize("file_name", ["private.key", "vonage-private-key"])
def test_private_key_from_a_file_path(
    tmp_path, vonage_server, private_pem, application_key, file_name
):
    key_path = tmp_path / file_name
    key_path.write_text(private_pem)
    client = VonageClient(
        application_id=APPLICATION_ID, private_key=str(key_path), api_host=vonage_server.host
    )

    client.hangup(LEG)

    only_request(vonage_server, application_key)


def test_private_key_with_escaped_newlines(vonage_server, private_pem, application_key):
    one_line = private_pem.strip().replace("\n", "\\n")
    client = VonageClient(
        application_id=APPLICATION_ID, private_key=one_line, api_host=vonage_server.host
    )

    client.hangup(LEG)

    only_request(vonage_server, application_key)


def test_missing_private_key_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.key"

    with pytest.raises(ValueError, match="neither PEM text nor a readable file"):
        VonageClient(application_id=APPLICATION_ID, private_key=str(missing))


def test_get_client_is_built_from_settings_once(
    settings, tmp_path, vonage_server, private_pem, application_key, fresh_client_cache
):
    key_path = tmp_path / "private.key"
    key_path.write_text(private_pem)
    settings.VONAGE_APPLICATION_ID = APPLICATION_ID
    settings.VONAGE_PRIVATE_KEY = str(key_path)
    settings.VONAGE_API_HOST = vonage_server.host
    settings.VONAGE_API_SECRET = ""

    first = get_client()
    first.unmute(LEG)

    assert get_client() is first
    only_request(vonage_server, application_key)
    reset_client()
    assert get_client() is not first


def test_get_client_without_credentials_is_improperly_configured(settings, fresh_client_cache):
    settings.VONAGE_APPLICATION_ID = ""
    settings.VONAGE_PRIVATE_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY"):
        get_client()
