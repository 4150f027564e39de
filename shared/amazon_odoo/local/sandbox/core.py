"""The small vocabulary every part of the sandbox shares: requests, replies, errors, clocks."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from amazon_odoo.local.sandbox.state import SandboxState, SellerState

JsonObject = dict[str, Any]

QUOTA_EXCEEDED: JsonObject = {
    "errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]
}

_DEFAULT_ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("InvalidInput", "Request has missing or invalid parameters and cannot be parsed."),
    401: ("Unauthorized", "Access to requested resource is denied."),
    403: ("Unauthorized", "Access to requested resource is denied."),
    404: ("NotFound", "The requested resource does not exist."),
    409: ("Conflict", "The resource specified conflicts with the current state."),
    413: ("RequestEntityTooLarge", "The request size exceeded the maximum accepted size."),
    415: ("UnsupportedMediaType", "The request payload is in an unsupported format."),
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
}


def error_body(
    status: int, message: str | None = None, details: str | None = None, code: str | None = None
) -> JsonObject:
    """Amazon's error shape ``{"errors": [{"code", "message", "details"}]}``; the code defaults by status."""
    default_code, default_message = _DEFAULT_ERROR_CODES.get(status, ("InternalFailure", "Unexpected error."))
    error: JsonObject = {"code": code or default_code, "message": message or default_message}
    if details is not None:
        error["details"] = details
    return {"errors": [error]}


class ApiError(Exception):
    """Raised by a handler to answer with Amazon's error shape."""

    def __init__(
        self, status: int, message: str | None = None, *, details: str | None = None, code: str | None = None
    ) -> None:
        self.status = status
        self.body = error_body(status, message, details, code)
        super().__init__(f"{status} {self.body['errors'][0]['message']}")


def invalid_input(message: str, details: str = "") -> ApiError:
    return ApiError(400, message, details=details, code="InvalidInput")


@dataclass
class Reply:
    """What a handler answers. ``body`` is JSON (dict), raw bytes, text, or nothing (204)."""

    status: int = 200
    body: JsonObject | bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def encoded(self) -> tuple[bytes, str]:
        if self.body is None:
            return b"", self.content_type or "application/json"
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), self.content_type or "text/plain; charset=utf-8"
        return json.dumps(self.body).encode("utf-8"), self.content_type or "application/json"


@dataclass
class TokenGrant:
    """A live LWA access token: whose it is and until when (on the sandbox clock)."""

    access_token: str
    client_id: str
    expires_at: float
    seller_id: str | None = None
    scope: str | None = None

    @property
    def grantless(self) -> bool:
        return self.seller_id is None


@dataclass
class ApiRequest:
    """One SP-API call as the handlers see it; query values keep every repetition."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: bytes
    operation: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    grant: TokenGrant | None = None
    json_body: Any = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def list_param(self, name: str) -> list[str]:
        """Array parameters arrive comma-separated (csv) or repeated; accept both."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(part for part in value.split(",") if part != "")
        return out

    def int_param(self, name: str, default: int) -> int:
        value = self.param(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise invalid_input(f"Invalid value for {name}: {value!r} is not an integer.") from exc

    def path_param(self, name: str) -> str:
        return unquote(self.path_params[name])

    def body_object(self) -> JsonObject:
        if not isinstance(self.json_body, dict):
            raise invalid_input("The request body must be a JSON object.")
        return self.json_body


@dataclass
class Context:
    """What a handler may touch: the state, the base URL, the clocks, the notification outbox."""

    state: SandboxState
    base_url: str
    clock: Callable[[], float]
    request: ApiRequest

    @property
    def seller(self) -> SellerState:
        grant = self.request.grant
        if grant is None or grant.seller_id is None:
            raise ApiError(403, details="This operation requires a selling partner authorisation.")
        return self.state.seller(grant.seller_id)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, as Amazon writes its timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """ISO 8601 date-time; naive values are taken as UTC. Raises ValueError."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4()}"


def numeric_id(digits: int = 11) -> str:
    """A decimal id like Amazon's feed and report ids (no leading zero)."""
    first = str(secrets.randbelow(9) + 1)
    return first + "".join(str(secrets.randbelow(10)) for _ in range(digits - 1))
