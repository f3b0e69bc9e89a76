"""What the sandbox sends and answers, checked against Vonage's Voice OpenAPI (specs/voice.v1.yml)
where it defines the fields, and against CONTRACT §2-§3 for the rest of each webhook's shape."""

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from vonage_jwt import JwtClient

from callcentre.tests.helpers import wait_until
from sandbox.tests.helpers import APPLICATION_ID, CALLER, CENTRE, Received

pytestmark = pytest.mark.slow

SPEC = yaml.safe_load((Path(__file__).parent / "specs" / "voice.v1.yml").read_text())
COMPONENTS = SPEC["components"]
CALL_STATUSES = SPEC["paths"]["/"]["get"]["parameters"][0]["schema"]["enum"]
TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def assert_valid(instance: Any, schema: dict[str, Any]) -> None:
    validator = OAS30Validator({**schema, "components": COMPONENTS})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, f"{instance} does not match: {errors}"


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


LEG = {"uuid": ref("uuid"), "conversation_uuid": ref("conversation_uuid")}
ANSWER = obj(
    ["to", "from", "endpoint_type", "uuid", "conversation_uuid", "region_url"],
    to=ref("AddressE164"),
    **{"from": ref("AddressE164")},
    endpoint_type={"type": "string", "enum": ["phone", "sip", "websocket", "app", "vbc"]},
    region_url={"type": "string", "pattern": "^https://"},
    **LEG,
)
STATUS = obj(
    ["from", "to", "uuid", "conversation_uuid", "status", "direction", "timestamp"],
    status={"allOf": [ref("status"), {"enum": CALL_STATUSES}]},
    direction=ref("direction"),
    timestamp=TIMESTAMP,
    **LEG,
)
ANSWERED = obj(["start_time", "rate", "network"])
COMPLETED = obj(
    ["start_time", "end_time", "duration", "rate", "price", "network", "disconnected_by"],
    start_time=TIMESTAMP,
    end_time=TIMESTAMP,
    duration=ref("duration"),
    rate=ref("rate"),
    price=ref("price"),
    network=ref("network"),
    disconnected_by={"type": "string", "enum": ["user", "platform"]},
)
DETAILS = {
    "unanswered": ["unavailable", "timeout", "carrier_timeout"],
    "rejected": ["invalid_number", "restricted", "declined"],
    "failed": ["cannot_route", "number_out_of_service", "internal_error"],
}
INPUT = obj(
    ["from", "to", "uuid", "conversation_uuid", "timestamp", "dtmf", "speech"],
    timestamp=TIMESTAMP,
    dtmf=obj(
        ["digits", "timed_out"],
        digits={"type": "string", "nullable": True},
        timed_out={"type": "boolean"},
    ),
    speech=obj(
        ["results"],
        timeout_reason={"enum": ["end_on_silence_timeout", "max_duration", "start_timeout"]},
        results={
            "type": "array",
            "items": obj(
                ["text", "confidence"], text={"type": "string"}, confidence={"type": "string"}
            ),
        },
    ),
    **LEG,
)
RECORD = obj(
    [
        "start_time",
        "end_time",
        "recording_url",
        "recording_uuid",
        "size",
        "conversation_uuid",
        "timestamp",
    ],
    start_time=TIMESTAMP,
    end_time=TIMESTAMP,
    timestamp=TIMESTAMP,
    recording_url={
        "type": "string",
        "pattern": r"^https://127\.0\.0\.1:\d+/v1/files/[0-9a-f-]{36}$",
    },
    recording_uuid=ref("uuid"),
    size={"type": "integer", "minimum": 1},
    conversation_uuid=ref("conversation_uuid"),
)
ERROR = obj(
    ["reason", "conversation_uuid", "timestamp"], reason={"type": "string"}, timestamp=TIMESTAMP
)


def check_event(payload: dict[str, Any]) -> str:
    """Validate one webhook by its shape; returns what it was."""
    if "status" in payload:
        assert_valid(payload, STATUS)
        status = payload["status"]
        if status == "answered":
            assert_valid(payload, ANSWERED)
        if status == "completed":
            assert_valid(payload, COMPLETED)
        if status in DETAILS:
            assert payload["detail"] in DETAILS[status]
        return f"status:{status}"
    if "dtmf" in payload:
        assert_valid(payload, INPUT)
        return "input"
    if "recording_url" in payload:
        assert_valid(payload, RECORD)
        return "record"
    if "payload" in payload:
        return "notify"
    assert_valid(payload, ERROR)
    return "error"


def test_every_webhook_of_a_call_matches_the_spec_and_the_contract(receiver, start_sandbox):
    flow = {
        "/webhooks/answer": [
            {"action": "input", "type": ["dtmf"], "dtmf": {"timeOut": 1}},
        ],
        "first input": [
            {"action": "input", "type": ["speech"], "speech": {"startTimeout": 1}},
        ],
        "second input": [
            {"action": "input", "type": ["speech", "dtmf"], "speech": {"startTimeout": 60}},
        ],
        "third input": [
            {"action": "record", "endOnKey": "#", "eventUrl": [f"{receiver.url}/recording"]},
            {
                "action": "connect",
                "from": CENTRE,
                "endpoint": [{"type": "phone", "number": "447700900999"}],
            },
            {
                "action": "connect",
                "from": CENTRE,
                "endpoint": [{"type": "phone", "number": "447700900998"}],
            },
            {
                "action": "notify",
                "payload": {"step": "end"},
                "eventUrl": [f"{receiver.url}/notify"],
            },
        ],
    }
    inputs: list[Received] = []

    def respond(request: Received):
        if request.path == "/webhooks/answer":
            return 200, flow["/webhooks/answer"]
        if request.path == "/notify":
            return 200, [{"action": "talk", "text": "Goodbye", "level": 7}]
        if "dtmf" in request.payload:
            inputs.append(request)
            return 200, flow[("first input", "second input", "third input")[len(inputs) - 1]]
        return 204, None

    receiver.respond = respond
    running = start_sandbox(receiver.url, speed=40)
    running.control.set_callee("447700900999", outcome="busy", after=1)
    running.control.set_callee("447700900998", outcome="unanswered", after=1)
    leg = running.control.dial(from_number=CALLER, to_number=CENTRE)

    def listening(count: int) -> bool:
        feed = running.control.call(leg["uuid"])["feed"]
        return len([item for item in feed if item["kind"] in ("listen", "record")]) >= count

    wait_until(lambda: listening(3))
    running.control.say(leg["uuid"], "billing please")
    wait_until(lambda: listening(4))
    running.control.say(leg["uuid"], "my account number is four two")
    running.control.press(leg["uuid"], "#")
    receiver.wait_for(lambda r: "reason" in r.payload, timeout=15)
    receiver.wait_for(lambda r: r.payload.get("status") == "completed", count=3, timeout=15)

    answer = receiver.wait_for(lambda r: r.path == "/webhooks/answer")[0]
    assert_valid(answer.payload, ANSWER)
    kinds = [check_event(r.payload) for r in receiver.received if r.path != "/webhooks/answer"]
    assert {
        "status:started",
        "status:ringing",
        "status:answered",
        "status:completed",
        "status:busy",
        "status:unanswered",
        "input",
        "record",
        "error",
    } <= set(kinds)
    timed_out, speech_timeout, heard = (r.payload for r in inputs)
    assert timed_out["dtmf"] == {"digits": None, "timed_out": True}
    assert speech_timeout["speech"] == {"timeout_reason": "start_timeout", "results": []}
    assert heard["speech"]["results"] == [{"text": "billing please", "confidence": "0.92"}]
    assert heard["speech"]["timeout_reason"] == "end_on_silence_timeout"
    notify = next(r.payload for r in receiver.received if r.path == "/notify")
    assert notify["payload"] == {"step": "end"}
    assert notify["conversation_uuid"] == leg["conversation_uuid"]
    error = next(r.payload for r in receiver.received if "reason" in r.payload)
    assert error["reason"].startswith("Invalid NCCO: action 0 (talk): level must be between")
    assert all(r.claims and r.claims["application_id"] == APPLICATION_ID for r in receiver.received)


def test_the_rest_answers_match_the_spec(receiver, start_sandbox, private_key_pem):
    running = start_sandbox(receiver.url)
    token = JwtClient(APPLICATION_ID, private_key_pem).generate_application_jwt().decode()
    trust = ssl.create_default_context(cafile=str(running.sandbox.certificate.cert))
    http = httpx.Client(
        base_url=running.config.api_base,
        verify=trust,
        headers={"Authorization": f"Bearer {token}"},
    )
    body = {
        "to": [{"type": "phone", "number": "447700900555"}],
        "from": {"type": "phone", "number": CENTRE},
        "ncco": [{"action": "conversation", "name": "rest"}],
    }

    created = http.post("/v1/calls", json=body)
    uuid = created.json()["uuid"]
    wait_until(lambda: http.get(f"/v1/calls/{uuid}").json()["status"] == "answered")
    answers = {
        "CreateCallResponse": created,
        "StartTalkResponse": http.put(f"/v1/calls/{uuid}/talk", json={"text": "Hello"}),
        "StopTalkResponse": http.delete(f"/v1/calls/{uuid}/talk"),
        "DTMFResponse": http.put(f"/v1/calls/{uuid}/dtmf", json={"digits": "12"}),
        "StopStreamResponse": http.delete(f"/v1/calls/{uuid}/stream"),
        "GetCallResponse": http.get(f"/v1/calls/{uuid}"),
        "GetCallsResponse": http.get("/v1/calls", params={"page_size": 1}),
    }
    hangup = http.put(f"/v1/calls/{uuid}", json={"action": "hangup"})
    invalid = http.post("/v1/calls", json={**body, "ncco": [{"action": "talk"}]})
    unsigned = httpx.get(f"{running.config.api_base}/v1/calls", verify=trust)

    assert created.status_code == 201
    for schema, response in answers.items():
        assert response.status_code in (200, 201), (schema, response.text)
        assert_valid(response.json(), ref(schema))
    assert hangup.status_code == 204 and hangup.content == b""
    assert invalid.status_code == 422
    assert invalid.json()["invalid_parameters"] == [
        {"name": "ncco", "reason": "Invalid NCCO: action 0 (talk): text is required"}
    ]
    assert unsigned.status_code == 401
    assert set(unsigned.json()) == {"type", "title", "detail", "instance"}
