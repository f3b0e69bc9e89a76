"""Vonage's Users API (`/v1/users`, CONTRACT §9), the subset the project uses: create, list
(with the `name` filter the SDK's `ListUsersFilter` sends), get, update (PATCH) and delete.

A user is `{id: "USR-…", name, display_name, image_url, properties: {custom_data}, channels,
_links: {self: {href}}}`. Names are unique per application: a second user of the same name is
a 409 with Vonage's `user:error:duplicate-name`. The users are kept in the sandbox's directory
(`users.json`), so they outlive a restart, as Vonage's do; app legs and softphone sessions
(sandbox/softphones.py) are for users that exist here.
"""

import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.http import Request, Response, empty, json_response

ERRORS_BASE = "https://developer.nexmo.com/api-errors/conversation"
MAX_NAME = 100
USER_FIELDS = ("name", "display_name", "image_url", "properties", "channels")


class UserError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def body(self) -> dict[str, Any]:
        titles = {400: "Bad request.", 404: "Not found.", 409: "Conflict."}
        return {
            "title": titles.get(self.status, "Error."),
            "type": f"{ERRORS_BASE}#{self.code}",
            "code": self.code,
            "detail": self.detail,
            "instance": str(uuid.uuid4()),
        }


@dataclass
class UserStore:
    """The application's users, by id, saved to `path` after every change."""

    path: Path
    api_base: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: Path, *, api_base: str) -> "UserStore":
        store = cls(path=path, api_base=api_base)
        if path.is_file():
            try:
                saved = json.loads(path.read_text())
            except ValueError:
                saved = []
            store.users = {user["id"]: user for user in saved if isinstance(user, dict)}
        return store

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(list(self.users.values()), indent=1))
        temporary.replace(self.path)

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((user for user in self.users.values() if user["name"] == name), None)

    def exists(self, name: str) -> bool:
        return self.by_name(name) is not None

    def get(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            raise UserError(404, "user:error:not-found", f"User '{user_id}' does not exist.")
        return user

    def create(self, body: Any) -> dict[str, Any]:
        fields = _fields(body)
        name = fields.get("name") or f"NAM-{uuid.uuid4()}"
        with self.lock:
            if self.exists(name):
                raise UserError(409, "user:error:duplicate-name", "User already exists")
            user_id = f"USR-{uuid.uuid4()}"
            user = {"id": user_id, **fields, "name": name}
            user.setdefault("display_name", name)
            self.users[user_id] = user
            self._save()
        return user

    def update(self, user_id: str, body: Any) -> dict[str, Any]:
        fields = _fields(body)
        with self.lock:
            user = self.get(user_id)
            name = fields.get("name")
            if name and name != user["name"] and self.exists(name):
                raise UserError(409, "user:error:duplicate-name", "User already exists")
            user.update(fields)
            self._save()
        return user

    def delete(self, user_id: str) -> None:
        with self.lock:
            self.get(user_id)
            del self.users[user_id]
            self._save()

    def as_json(self, user: dict[str, Any]) -> dict[str, Any]:
        return {**user, "_links": {"self": {"href": f"{self.api_base}/v1/users/{user['id']}"}}}

    def listing(self, query: dict[str, str]) -> dict[str, Any]:
        """One page (the sandbox holds a few users: never a next cursor)."""
        try:
            page_size = int(query.get("page_size", 10))
        except ValueError:
            raise UserError(
                400, "http:error:validation-fail", "page_size must be a number"
            ) from None
        if not 1 <= page_size <= 100:
            raise UserError(400, "http:error:validation-fail", "page_size must be 1 to 100")
        users = sorted(self.users.values(), key=lambda user: user["id"])
        if query.get("order", "asc").lower() == "desc":
            users.reverse()
        if query.get("name"):
            users = [user for user in users if user["name"] == query["name"]]
        href = f"{self.api_base}/v1/users"
        return {
            "page_size": page_size,
            "_embedded": {
                "users": [
                    {
                        "id": user["id"],
                        "name": user["name"],
                        "display_name": user.get("display_name"),
                        "_links": {"self": {"href": f"{href}/{user['id']}"}},
                    }
                    for user in users[:page_size]
                ]
            },
            "_links": {"first": {"href": href}, "self": {"href": href}},
        }


def _fields(body: Any) -> dict[str, Any]:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise UserError(400, "http:error:validation-fail", "the body must be a JSON object")
    fields = {key: body[key] for key in USER_FIELDS if body.get(key) is not None}
    name = fields.get("name")
    if name is not None and (not isinstance(name, str) or not 0 < len(name) <= MAX_NAME):
        raise UserError(400, "http:error:validation-fail", f"name must be 1-{MAX_NAME} characters")
    for key in ("display_name", "image_url"):
        if key in fields and not isinstance(fields[key], str):
            raise UserError(400, "http:error:validation-fail", f"{key} must be a string")
    for key in ("properties", "channels"):
        if key in fields and not isinstance(fields[key], dict):
            raise UserError(400, "http:error:validation-fail", f"{key} must be an object")
    return fields


class UsersApi:
    """The `/v1/users` handlers of the sandbox's Vonage API (sandbox/api.py checks the JWT)."""

    def __init__(self, store: UserStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Any]]:
        user = r"/v1/users/(?P<user_id>[^/]+)"
        return [
            ("POST", "/v1/users/?", self.create),
            ("GET", "/v1/users/?", self.list),
            ("GET", user, self.get),
            ("PATCH", user, self.update),
            ("DELETE", user, self.delete),
        ]

    async def create(self, request: Request) -> Response:
        return self._answer(201, lambda: self.store.as_json(self.store.create(request.json())))

    async def list(self, request: Request) -> Response:
        return self._answer(200, lambda: self.store.listing(request.query))

    async def get(self, request: Request, user_id: str) -> Response:
        return self._answer(200, lambda: self.store.as_json(self.store.get(user_id)))

    async def update(self, request: Request, user_id: str) -> Response:
        return self._answer(
            200, lambda: self.store.as_json(self.store.update(user_id, request.json()))
        )

    async def delete(self, request: Request, user_id: str) -> Response:
        try:
            self.store.delete(user_id)
        except UserError as error:
            return json_response(error.status, error.body())
        return empty(204)

    @staticmethod
    def _answer(status: int, make: Any) -> Response:
        try:
            return json_response(status, make())
        except UserError as error:
            return json_response(error.status, error.body())
