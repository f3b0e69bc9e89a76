"""Typed NCCO builder that serialises to Vonage's wire JSON (CONTRACT.md section 4).

These are our own types rather than the SDK's models because the SDK disagrees with the
contract (section 12): it requires `from` for app endpoints, sends `ringbackTone` as an
array, rejects beep timeouts below 45 s and has no `transcription` or input `mode`.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING, Field, dataclass, field, fields
from types import UnionType
from typing import Any, ClassVar, Literal, NoReturn, TypeAlias, Union, get_args, get_origin

HttpMethod: TypeAlias = Literal["GET", "POST"]
AudioContentType: TypeAlias = Literal[
    "audio/l16;rate=8000", "audio/l16;rate=16000", "audio/l16;rate=24000"
]

_E164 = r"[1-9]\d{6,14}"
_SSML_TAG = re.compile(r"<[^>]*>")


class NccoError(ValueError):
    """An NCCO action that Vonage would reject."""


def _field(
    *,
    key: str | None = None,
    one_element_list: bool = False,
    between: tuple[float, float] | None = None,
    pattern: str | None = None,
    default: Any = None,
) -> Any:
    """A field with a wire key that is not plain camelCase, a `[value]` wire form, or a rule."""
    metadata = {
        "key": key,
        "one_element_list": one_element_list,
        "between": between,
        "pattern": pattern,
    }
    return field(default=default, metadata=metadata)


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    """('a', 'b') for `Literal['a', 'b'] | None`, () for any other annotation."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return next((get_args(o) for o in (annotation, *options) if get_origin(o) is Literal), ())


def _to_wire(value: Any) -> Any:
    if isinstance(value, _Node):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {key: _to_wire(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_to_wire(item) for item in value]
    return value


@dataclass(frozen=True, kw_only=True)
class _Node:
    """Checks each field against its annotation and `_field` rules, then `_validate`."""

    # ("action", "talk") for actions, ("type", "phone") for endpoints.
    _tag: ClassVar[tuple[str, str] | None] = None

    def __post_init__(self) -> None:
        for attribute in fields(self):
            self._check_field(attribute, getattr(self, attribute.name))
        self._validate()

    def _validate(self) -> None:
        """Rules that involve more than one field."""

    def _check_field(self, attribute: Field[Any], value: Any) -> None:
        if attribute.type is str and (not isinstance(value, str) or not value):
            self._fail(attribute.name, f"is required, got {value!r}")
        if value is None:
            return
        choices = _literal_choices(attribute.type)
        if choices and value not in choices:
            self._fail(attribute.name, f"must be one of {', '.join(choices)}, got {value!r}")
        if attribute.metadata.get("between"):
            low, high = attribute.metadata["between"]
            if not low <= value <= high:
                limits = f"at least {low}" if high == math.inf else f"between {low} and {high}"
                self._fail(attribute.name, f"must be {limits}, got {value!r}")
        pattern = attribute.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            self._fail(attribute.name, f"must match {pattern}, got {value!r}")

    def _fail(self, name: str, problem: str) -> NoReturn:
        raise NccoError(f"{type(self).__name__}.{name} {problem}")

    def to_dict(self) -> dict[str, Any]:
        """Vonage's JSON, leaving out unset fields so that Vonage's defaults apply."""
        wire: dict[str, Any] = {}
        for attribute in fields(self):
            value = getattr(self, attribute.name)
            if value is None:
                continue
            if attribute.metadata.get("one_element_list"):
                value = [value]
            wire[attribute.metadata.get("key") or _camel_case(attribute.name)] = _to_wire(value)
        if self._tag is not None:
            wire[self._tag[0]] = self._tag[1]
        return wire


@dataclass(frozen=True, kw_only=True)
class Transcription(_Node):
    language: str | None = None
    event_url: str | None = _field(one_element_list=True)
    event_method: HttpMethod | None = None
    sentiment_analysis: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Record(_Node):
    _tag = ("action", "record")
    format: Literal["mp3", "wav", "ogg"] | None = None
    split: Literal["conversation"] | None = None
    channels: int | None = _field(between=(1, 32))
    end_on_silence: int | None = _field(between=(3, 10))
    end_on_key: str | None = _field(pattern=r"[0-9*#]")
    timeout: int | None = _field(key="timeOut", between=(3, 7200))
    beep_start: bool | None = None
    event_url: str | None = _field(one_element_list=True)
    event_method: HttpMethod | None = None
    transcription: Transcription | None = None

    def _validate(self) -> None:
        if self.channels is not None:
            # Vonage ignores channels unless the recording is split; frozen, hence setattr.
            object.__setattr__(self, "split", "conversation")


@dataclass(frozen=True, kw_only=True)
class Conversation(_Node):
    _tag = ("action", "conversation")
    name: str
    music_on_hold_url: str | None = _field(one_element_list=True)
    start_on_enter: bool | None = None
    end_on_exit: bool | None = None
    record: bool | None = None
    can_speak: Sequence[str] | None = None
    can_hear: Sequence[str] | None = None
    mute: bool | None = None
    event_url: str | None = _field(one_element_list=True)
    event_method: HttpMethod | None = None
    transcription: Transcription | None = None

    def _validate(self) -> None:
        if self.mute is not None and self.can_speak is not None:
            self._fail("mute", "cannot be combined with can_speak")


@dataclass(frozen=True, kw_only=True)
class OnAnswer(_Node):
    url: str
    ringback_tone: str | None = None


@dataclass(frozen=True, kw_only=True)
class PhoneEndpoint(_Node):
    _tag = ("type", "phone")
    number: str = _field(pattern=_E164, default=MISSING)
    dtmf_answer: str | None = _field(pattern=r"[0-9*#p]+")
    on_answer: OnAnswer | None = None
    shaken: str | None = None


@dataclass(frozen=True, kw_only=True)
class AppEndpoint(_Node):
    _tag = ("type", "app")
    user: str


@dataclass(frozen=True, kw_only=True)
class WebsocketAuthorization(_Node):
    type: Literal["vonage", "custom"]
    value: str | None = None

    def _validate(self) -> None:
        if self.type == "custom" and not self.value:
            self._fail("value", "is required when type is 'custom'")


@dataclass(frozen=True, kw_only=True)
class WebsocketEndpoint(_Node):
    _tag = ("type", "websocket")
    uri: str = _field(pattern=r"wss?://.+", default=MISSING)
    content_type: AudioContentType = _field(key="content-type", default=MISSING)
    headers: Mapping[str, Any] | None = None
    authorization: WebsocketAuthorization | None = None


@dataclass(frozen=True, kw_only=True)
class SipEndpoint(_Node):
    _tag = ("type", "sip")
    uri: str = _field(pattern=r"sips?:.+", default=MISSING)
    headers: Mapping[str, str] | None = None
    standard_headers: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class VbcEndpoint(_Node):
    _tag = ("type", "vbc")
    extension: str


Endpoint: TypeAlias = PhoneEndpoint | AppEndpoint | WebsocketEndpoint | SipEndpoint | VbcEndpoint


@dataclass(frozen=True, kw_only=True)
class AdvancedMachineDetection(_Node):
    behavior: Literal["continue", "hangup"] | None = None
    mode: Literal["default", "detect", "detect_beep"] | None = None
    # The Voice OAS floor is 30 s; the Python SDK's 45 s is its own (CONTRACT 12.5).
    beep_timeout: int | None = _field(key="beep_timeout", between=(30, 120))


@dataclass(frozen=True, kw_only=True)
class Connect(_Node):
    _tag = ("action", "connect")
    endpoint: Endpoint = _field(one_element_list=True, default=MISSING)
    from_number: str | None = _field(key="from", pattern=_E164)
    random_from_number: bool | None = None
    event_type: Literal["synchronous"] | None = None
    timeout: int | None = None
    limit: int | None = _field(between=(1, 7200))
    machine_detection: Literal["continue", "hangup"] | None = None
    advanced_machine_detection: AdvancedMachineDetection | None = None
    event_url: str | None = _field(one_element_list=True)
    event_method: HttpMethod | None = None
    ringback_tone: str | None = None

    def _validate(self) -> None:
        if not isinstance(self.endpoint, Endpoint):
            self._fail("endpoint", f"must be exactly one endpoint, got {self.endpoint!r}")
        if self.from_number is not None and self.random_from_number:
            self._fail("from_number", "cannot be combined with random_from_number")


@dataclass(frozen=True, kw_only=True)
class Talk(_Node):
    _tag = ("action", "talk")
    text: str
    barge_in: bool | None = None
    loop: int | None = _field(between=(0, math.inf))
    level: float | None = _field(between=(-1, 1))
    language: str | None = None
    style: int | None = _field(between=(0, math.inf))
    premium: bool | None = None

    def _validate(self) -> None:
        spoken_length = len(_SSML_TAG.sub("", self.text))
        if spoken_length > 1500:
            self._fail("text", f"must be at most 1500 characters besides SSML, got {spoken_length}")


@dataclass(frozen=True, kw_only=True)
class Stream(_Node):
    _tag = ("action", "stream")
    stream_url: str = _field(one_element_list=True, default=MISSING)
    level: float | None = _field(between=(-1, 1))
    barge_in: bool | None = None
    loop: int | None = _field(between=(0, math.inf))


@dataclass(frozen=True, kw_only=True)
class DtmfSettings(_Node):
    timeout: int | None = _field(key="timeOut", between=(0, 10))
    max_digits: int | None = _field(between=(1, 20))
    submit_on_hash: bool | None = None


@dataclass(frozen=True, kw_only=True)
class SpeechSettings(_Node):
    uuid: str | None = _field(one_element_list=True)
    end_on_silence: float | None = _field(between=(0.4, 10))
    language: str | None = None
    context: Sequence[str] | None = None
    # The 2021 docs said 1-10 s, the current SDK 1-60 s; the newer source wins (CONTRACT 12.4).
    start_timeout: int | None = _field(between=(1, 60))
    max_duration: int | None = _field(between=(1, 60))
    save_audio: bool | None = None
    sensitivity: int | None = _field(between=(0, 100))


@dataclass(frozen=True, kw_only=True)
class Input(_Node):
    _tag = ("action", "input")
    type: Sequence[Literal["dtmf", "speech"]]
    dtmf: DtmfSettings | None = None
    speech: SpeechSettings | None = None
    event_url: str | None = _field(one_element_list=True)
    event_method: HttpMethod | None = None
    mode: Literal["synchronous", "asynchronous"] | None = None

    def _validate(self) -> None:
        kinds = self.type
        if isinstance(kinds, str) or not kinds or not set(kinds) <= {"dtmf", "speech"}:
            self._fail("type", f"must be a non-empty list of 'dtmf' and/or 'speech', got {kinds!r}")
        if len(set(kinds)) != len(kinds):
            self._fail("type", f"must not repeat an input type, got {kinds!r}")


@dataclass(frozen=True, kw_only=True)
class Notify(_Node):
    _tag = ("action", "notify")
    payload: Mapping[str, Any]
    event_url: str = _field(one_element_list=True, default=MISSING)
    event_method: HttpMethod | None = None

    def _validate(self) -> None:
        if not isinstance(self.payload, Mapping):
            self._fail("payload", f"must be a dict, got {self.payload!r}")


@dataclass(frozen=True, kw_only=True)
class Wait(_Node):
    _tag = ("action", "wait")
    timeout: float | None = _field(between=(0.1, 7200))


@dataclass(frozen=True, kw_only=True)
class Transfer(_Node):
    _tag = ("action", "transfer")
    conversation_id: str
    can_hear: Sequence[str] | None = None
    can_speak: Sequence[str] | None = None
    mute: bool | None = None

    def _validate(self) -> None:
        if self.mute is not None and self.can_speak is not None:
            self._fail("mute", "cannot be combined with can_speak")


Action: TypeAlias = (
    Record | Conversation | Connect | Talk | Stream | Input | Notify | Wait | Transfer
)


def ncco_to_json(actions: Iterable[Action]) -> list[dict[str, Any]]:
    """Serialise an NCCO, checking the one rule that spans actions (talk barge-in)."""
    ncco = list(actions)
    for position, action in enumerate(ncco):
        if isinstance(action, Talk) and action.barge_in:
            following = (later for later in ncco[position + 1 :] if not isinstance(later, Talk))
            if not isinstance(next(following, None), Input):
                raise NccoError(
                    f"Talk.barge_in at {position} needs an Input as the next non-talk action"
                )
    return [action.to_dict() for action in ncco]
