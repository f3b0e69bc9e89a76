"""The OpenAPI schema's scope (drf-spectacular, SPECTACULAR_SETTINGS): the REST API under
/api/ that agents, supervisors and their scripts call. The webhooks are Vonage's callbacks
(CONTRACT.md describes them), not part of this API."""

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.serializers import Serializer

API_PREFIX = "/api/"
NESTED_NAMES = ("Input", "Output")


def only_the_api(endpoints: list[tuple[str, str, str, Any]]) -> list[tuple[str, str, str, Any]]:
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


class ApiSchema(AutoSchema):
    """The house's nested `Input`/`Output` serializers (one per view) named after their view
    in the schema: AgentStatusApi.Input becomes AgentStatusInput, not one clashing "Input"."""

    def get_serializer_name(
        self, serializer: Serializer, direction: Literal["request", "response"]
    ) -> str:
        name = super().get_serializer_name(serializer, direction)
        if name in NESTED_NAMES:
            return type(self.view).__name__.removesuffix("Api") + name
        return name


class Refusal(serializers.Serializer):
    """A 409's body: a DomainError's reason (callcentre.errors)."""

    detail = serializers.CharField(help_text="Why it cannot be done")


def nullable_as_openapi_31(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """OpenAPI 3.1 has no `nullable`: DRF's pagination schema (next, previous) still says
    `nullable: true`, which 3.1 validators ignore. Rewrite it as a type that admits null."""

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(result)
    return result
