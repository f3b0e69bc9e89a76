"""Reading the Voice API's request parameters, with the 422 reasons Vonage gives."""

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from sandbox.ncco import ENDPOINTS, first_problem


class Invalid(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


def one_endpoint(value: Any) -> dict[str, Any]:
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        raise Invalid("to", "must be an array of one endpoint")
    endpoint = dict(value[0])
    if endpoint.get("type") not in ENDPOINTS:
        raise Invalid("to.type", f"must be one of {', '.join(ENDPOINTS)}")
    if "standard_headers" in endpoint:  # the REST spelling of the NCCO's standardHeaders
        endpoint["standardHeaders"] = endpoint.pop("standard_headers")
    fields, required = ENDPOINTS[endpoint["type"]]
    problem = first_problem(endpoint, fields, required=required)
    if problem:
        raise Invalid("to", problem)
    return endpoint


def one_url(value: Any, name: str) -> str:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], str):
        raise Invalid(name, "must be an array of one URL")
    if not value[0].startswith(("http://", "https://")):
        raise Invalid(name, "must be an http(s) URL")
    return value[0]


def method(body: dict[str, Any], name: str, default: str) -> str:
    method = body.get(name, default)
    if method not in ("GET", "POST"):
        raise Invalid(name, "must be GET or POST")
    return method


def integer(body: Any, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default) if isinstance(body, dict) else default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(name, f"must be an integer from {low} to {high}")
    return value


def query_int(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError:
        raise Invalid(name, "must be an integer") from None
    if not low <= value <= high:
        raise Invalid(name, f"must be from {low} to {high}")
    return value


def parse_time(value: str, name: str) -> datetime:
    moment = parse_datetime(value.replace("Z", "+00:00"))
    if moment is None or moment.tzinfo is None:
        raise Invalid(name, "must be an ISO 8601 time with a zone")
    return moment


def machine_detection(body: dict[str, Any]) -> dict[str, Any] | None:
    advanced = body.get("advanced_machine_detection")
    if advanced is not None:
        problem = first_problem(advanced, {}) if isinstance(advanced, dict) else "must be an object"
        if problem:
            raise Invalid("advanced_machine_detection", problem)
        return {"mode": "detect", **advanced}
    simple = body.get("machine_detection")
    if simple is None:
        return None
    if simple not in ("continue", "hangup"):
        raise Invalid("machine_detection", "must be continue or hangup")
    return {"behavior": simple}
