"""Which NCCOs the sandbox accepts: the official SDK's models (vonage_voice) and CONTRACT §4.

Where the two disagree (CONTRACT §12) the contract wins, and sandbox/tests/test_ncco.py lists
each case: an app `connect` may omit `from`; `ringbackTone` is a URL string; `beep_timeout`
starts at 30 s; a websocket endpoint needs `content-type`; `connect` takes exactly one
endpoint; `talk` text is measured without SSML; `bargeIn` must be followed by an `input`.
JSON types are taken as written: "5" is not a number here.
"""

import math
import re
from collections.abc import Callable
from typing import Any

ACTIONS = frozenset(
    {"record", "conversation", "connect", "talk", "stream", "input", "notify", "wait", "transfer"}
)
E164 = re.compile(r"[1-9]\d{6,14}")
SIP_URI = re.compile(r"(sip|sips):\+?[\w|:.\-@;,=%&]+.*")
SSML_TAG = re.compile(r"<[^>]*>")
WAIT_LIMITS = (0.1, 7200.0)

Check = Callable[[Any], str | None]


class NccoInvalid(ValueError):
    """Vonage would refuse this NCCO; `reason` goes into the error event."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def integer(low: float = -math.inf, high: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if not _is_int(value):
            return f"must be an integer, got {value!r}"
        return None if low <= value <= high else f"must be between {low} and {high}, got {value}"

    return check


def number(low: float = -math.inf, high: float = math.inf) -> Check:
    def check(value: Any) -> str | None:
        if not _is_number(value):
            return f"must be a number, got {value!r}"
        return None if low <= value <= high else f"must be between {low} and {high}, got {value}"

    return check


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else f"must be a non-empty string: {value!r}"


def pattern(regex: re.Pattern[str] | str) -> Check:
    compiled = re.compile(regex) if isinstance(regex, str) else regex

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            return f"must match {compiled.pattern}, got {value!r}"
        return None

    return check


def choice(*options: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}: {value!r}"

    return check


def strings(*, exactly_one: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return f"must be an array of strings, got {value!r}"
        if exactly_one and len(value) != 1:
            return f"must be an array of exactly one URL, got {len(value)}"
        return None

    return check


def mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"must be an object, got {value!r}"


def nested(fields: dict[str, Check], *, required: tuple[str, ...] = ()) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"must be an object, got {value!r}"
        return first_problem(value, fields, required=required)

    return check


def first_problem(
    item: dict[str, Any], fields: dict[str, Check], *, required: tuple[str, ...] = ()
) -> str | None:
    for name in required:
        if item.get(name) is None:
            return f"{name} is required"
    for name, check in fields.items():
        if item.get(name) is not None and (problem := check(item[name])):
            return f"{name} {problem}"
    return None


EVENT = {"eventUrl": strings(exactly_one=True), "eventMethod": choice("GET", "POST")}
TRANSCRIPTION = nested(
    {
        "language": text,
        "eventUrl": strings(exactly_one=True),
        "eventMethod": choice("GET", "POST"),
        "sentimentAnalysis": boolean,
    }
)
ENDPOINTS: dict[str, tuple[dict[str, Check], tuple[str, ...]]] = {
    "phone": (
        {
            "number": pattern(E164),
            "dtmfAnswer": pattern(r"[0-9#*p]+"),
            "onAnswer": nested({"url": text, "ringbackTone": text}, required=("url",)),
            "shaken": text,
        },
        ("number",),
    ),
    "app": ({"user": text}, ("user",)),
    "websocket": (
        {
            "uri": pattern(r"wss?://.+"),
            "content-type": choice(
                "audio/l16;rate=8000", "audio/l16;rate=16000", "audio/l16;rate=24000"
            ),
            "headers": mapping,
            "authorization": nested(
                {"type": choice("vonage", "custom"), "value": text}, required=("type",)
            ),
        },
        ("uri", "content-type"),
    ),
    "sip": (
        {"uri": pattern(SIP_URI), "headers": mapping, "standardHeaders": mapping},
        ("uri",),
    ),
    "vbc": ({"extension": text}, ("extension",)),
}
ACTION_FIELDS: dict[str, tuple[dict[str, Check], tuple[str, ...]]] = {
    "record": (
        {
            "format": choice("mp3", "wav", "ogg"),
            "split": choice("conversation"),
            "channels": integer(1, 32),
            "endOnSilence": integer(3, 10),
            "endOnKey": pattern(r"[0-9*#]"),
            "timeOut": integer(3, 7200),
            "beepStart": boolean,
            "transcription": TRANSCRIPTION,
            **EVENT,
        },
        (),
    ),
    "conversation": (
        {
            "name": text,
            "musicOnHoldUrl": strings(exactly_one=True),
            "startOnEnter": boolean,
            "endOnExit": boolean,
            "record": boolean,
            "canSpeak": strings(),
            "canHear": strings(),
            "mute": boolean,
            "transcription": TRANSCRIPTION,
            **EVENT,
        },
        ("name",),
    ),
    "connect": (
        {
            "from": pattern(E164),
            "randomFromNumber": boolean,
            "eventType": choice("synchronous"),
            "timeout": integer(1, 7200),
            "limit": integer(1, 7200),
            "machineDetection": choice("continue", "hangup"),
            "advancedMachineDetection": nested(
                {
                    "behavior": choice("continue", "hangup"),
                    "mode": choice("default", "detect", "detect_beep"),
                    "beep_timeout": integer(30, 120),
                }
            ),
            **EVENT,
        },
        ("endpoint",),
    ),
    "talk": (
        {
            "text": text,
            "bargeIn": boolean,
            "loop": integer(0),
            "level": number(-1, 1),
            "language": text,
            "style": integer(0),
            "premium": boolean,
        },
        ("text",),
    ),
    "stream": (
        {
            "streamUrl": strings(exactly_one=True),
            "level": number(-1, 1),
            "bargeIn": boolean,
            "loop": integer(0),
        },
        ("streamUrl",),
    ),
    "input": (
        {
            "dtmf": nested(
                {"timeOut": integer(0, 10), "maxDigits": integer(1, 20), "submitOnHash": boolean}
            ),
            "speech": nested(
                {
                    "uuid": strings(),
                    "endOnSilence": number(0.4, 10),
                    "language": text,
                    "context": strings(),
                    "startTimeout": integer(1, 60),
                    "maxDuration": integer(1, 60),
                    "saveAudio": boolean,
                    "sensitivity": integer(0, 100),
                }
            ),
            "mode": choice("synchronous", "asynchronous"),
            **EVENT,
        },
        ("type",),
    ),
    "notify": ({"payload": mapping, **EVENT}, ("payload", "eventUrl")),
    "wait": ({"timeout": number()}, ()),
    "transfer": (
        {"conversationId": text, "canHear": strings(), "canSpeak": strings(), "mute": boolean},
        ("conversationId",),
    ),
}


def validate_ncco(ncco: Any) -> list[dict[str, Any]]:
    """The NCCO with Vonage's defaults untouched, or NccoInvalid naming the first problem."""
    if not isinstance(ncco, list):
        raise NccoInvalid("Invalid NCCO: expected a JSON array of actions")
    for index, action in enumerate(ncco):
        problem = _action_problem(action)
        if problem:
            name = action.get("action") if isinstance(action, dict) else None
            raise NccoInvalid(f"Invalid NCCO: action {index} ({name or '?'}): {problem}")
    for index, action in enumerate(ncco):
        if action.get("bargeIn") is True and action["action"] in ("talk", "stream"):
            following = [a["action"] for a in ncco[index + 1 :] if a["action"] != "talk"]
            if not following or following[0] != "input":
                raise NccoInvalid(
                    f"Invalid NCCO: action {index} ({action['action']}): bargeIn needs an "
                    "input as the next non-talk action"
                )
    return ncco


def _action_problem(action: Any) -> str | None:
    if not isinstance(action, dict):
        return f"must be an object, got {action!r}"
    name = action.get("action")
    if name not in ACTIONS:
        return "Syntax error in NCCO. Invalid value type or action."
    fields, required = ACTION_FIELDS[name]
    problem = first_problem(action, fields, required=required)
    if problem:
        return problem
    return EXTRA_RULES.get(name, lambda _: None)(action)


def _talk_rules(action: dict[str, Any]) -> str | None:
    spoken = len(SSML_TAG.sub("", action["text"]))
    return (
        f"text must be at most 1500 characters besides SSML, got {spoken}"
        if spoken > 1500
        else None
    )


def _mute_rules(action: dict[str, Any]) -> str | None:
    if action.get("canSpeak") and action.get("mute"):
        return "mute cannot be combined with canSpeak"
    return None


def _input_rules(action: dict[str, Any]) -> str | None:
    kinds = action["type"]
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= {"dtmf", "speech"}:
        return f"type must be a non-empty array of 'dtmf' and/or 'speech', got {kinds!r}"
    if len(set(kinds)) != len(kinds):
        return f"type must not repeat an input type, got {kinds!r}"
    return None


def _connect_rules(action: dict[str, Any]) -> str | None:
    endpoints = action["endpoint"]
    if not isinstance(endpoints, list) or len(endpoints) != 1:
        return "endpoint must be an array of exactly one endpoint"
    endpoint = endpoints[0]
    if not isinstance(endpoint, dict) or endpoint.get("type") not in ENDPOINTS:
        return f"endpoint type must be one of {', '.join(ENDPOINTS)}"
    fields, required = ENDPOINTS[endpoint["type"]]
    problem = first_problem(endpoint, fields, required=required)
    if problem:
        return f"endpoint {problem}"
    authorization = endpoint.get("authorization") or {}
    if authorization.get("type") == "custom" and not authorization.get("value"):
        return "endpoint authorization value is required when its type is custom"
    has_from = action.get("from") is not None
    if has_from and action.get("randomFromNumber") is True:
        return "from cannot be combined with randomFromNumber"
    if not has_from and action.get("randomFromNumber") is None and endpoint["type"] != "app":
        return "from or randomFromNumber is required"
    tone = action.get("ringbackTone")
    if tone is not None and not isinstance(tone, str | list):
        return f"ringbackTone must be a URL, got {tone!r}"
    return None


EXTRA_RULES: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "talk": _talk_rules,
    "conversation": _mute_rules,
    "transfer": _mute_rules,
    "input": _input_rules,
    "connect": _connect_rules,
}


def wait_seconds(action: dict[str, Any]) -> float:
    """Wait's timeout, clamped to 0.1-7200 s like the SDK model (default 10 s)."""
    timeout = action.get("timeout")
    if timeout is None:
        return 10.0
    return min(max(float(timeout), WAIT_LIMITS[0]), WAIT_LIMITS[1])
