"""The Amazon adapter's failure table: every failure -> skip / retry / permanent, with a hint for a person.

A failure is first described in one shape (:class:`Failure`: where it came from, HTTP status, Amazon's
error code and message), then looked up in :data:`FAILURES`, whose first matching row decides. Sources:

- ``sp-api``: an SP-API answer with status >= 400 (Amazon's ``errors[0].code``; empty when the body had no
  ``errors`` — the row for the status then decides);
- ``lwa``: the Login with Amazon token request (``error`` of its JSON answer, e.g. ``invalid_grant``);
- ``network``: no answer at all (connection refused or reset, DNS, timeouts);
- ``document``: a pre-signed document URL (S3) answering >= 400 to a feed upload or a document download
  (S3's error code, e.g. ``AccessDenied`` for an expired URL).

404 depends on the operation: where "not found" means the thing is already gone or simply does not
exist yet (:data:`NOT_FOUND_MEANS_NOTHING_TO_DO`: deletes, cancels, single look-ups of a subscription or
destination) it is a skip; anywhere else (an order, a feed, a report, a listing we expected to be there)
it is permanent, because an id that Amazon does not know needs a person to look at it.

Messages carry the operation, the status, Amazon's code and message: never a token or a secret (they
are never part of what Amazon answers, and request data is not quoted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sp_api.auth.exceptions import AuthorizationError
from sp_api.base.exceptions import SellingApiException

from amazon_odoo.adapters.amazon.clients import SpApiHttpError
from amazon_odoo.adapters.amazon.documents import DocumentHttpError
from amazon_odoo.domain.errors import (
    ConnectorError,
    Disposition,
    PermanentError,
    RetryableError,
    SkipError,
    ThrottledError,
)

SP_API = "sp-api"
LWA = "lwa"
NETWORK = "network"
DOCUMENT = "document"  # a pre-signed document URL (S3): feed uploads, document downloads

# Operations whose 404 means there is nothing to do (see the module's docstring).
NOT_FOUND_MEANS_NOTHING_TO_DO: frozenset[str] = frozenset(
    {
        "getSubscription",
        "getDestination",
        "deleteSubscriptionById",
        "deleteDestination",
        "deleteListingsItem",
        "cancelFeed",
        "cancelReport",
    }
)
ALREADY_EXISTS_ON_CONFLICT: frozenset[str] = frozenset({"createSubscription", "createDestination"})

REAUTHORISE = (
    "re-authorise the seller in Seller Central (Apps and Services > Manage Your Apps) and check that the "
    "app has the roles this operation needs (Developer Central)"
)


@dataclass(frozen=True)
class Failure:
    """One failure, described the same way whatever raised it."""

    source: str
    status: int | None
    code: str = ""
    message: str = ""
    details: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Amazon's message (and details), or what we know when the body said nothing."""
        if self.message:
            return f"{self.message} ({self.details})" if self.details else self.message
        return "no error details (empty error body)" if self.status is not None else "no answer"


@dataclass(frozen=True)
class Rule:
    """A row: ``status`` is ``"*"``, an exact ``"404"`` or a class ``"5xx"``; ``code`` None = any code."""

    source: str
    status: str
    code: str | None
    disposition: Disposition
    resolution: str
    operations: frozenset[str] | None = None

    def matches(self, failure: Failure, operation: str) -> bool:
        if self.source != failure.source:
            return False
        if self.code is not None and self.code.lower() != failure.code.lower():
            return False
        if self.operations is not None and operation not in self.operations:
            return False
        return _status_matches(self.status, failure.status)


def _status_matches(spec: str, status: int | None) -> bool:
    if spec == "*":
        return True
    if status is None:
        return False
    if spec.endswith("xx"):
        return status // 100 == int(spec[0])
    return status == int(spec)


P, R, S = Disposition.PERMANENT, Disposition.RETRY, Disposition.SKIP

# Resolutions: what a person does about it. ``{text}`` (Amazon's message), ``{operation}``, ``{status}`` and
# ``{code}`` are filled in.
REVOKED = "refresh token revoked or expired: re-authorise the seller and store the new refresh token"
BAD_CLIENT = "LWA refused the app's client id or secret: check or rotate them (Developer Central)"
BAD_GRANT_TYPE = "the app may not use this grant: check the app's set-up in Developer Central"
LWA_REFUSED = "the LWA token request was refused ({code}: {text}): check the seller's LWA credentials"
LWA_THROTTLED = "Login with Amazon is throttling token requests: retried later"
LWA_DOWN = "Login with Amazon is unavailable: retried later"
UNREACHABLE = "Amazon could not be reached (connection error or timeout): retried later"
REFUSED = "the request was refused: {text}"
GONE = "nothing to do: Amazon has no such resource"
UNKNOWN_ID = "Amazon does not know it ({text}): check the id, the seller and the marketplace"
EXISTS = "exists: look it up"
CONFLICT = "it conflicts with its current state at Amazon: {text}"
TOO_LARGE = "the request is too large: send fewer items per call"
FORMAT = "Amazon refused the payload's format: {text}"
THROTTLED = "Amazon's rate limit was reached: retried later"
SERVER = "Amazon had a server error: retried later"
OTHER = "Amazon refused the call ({status} {code}): {text}"
DOC_EXPIRED = "the pre-signed document URL was refused ({code}: {text}), e.g. it expired: retried later"
DOC_GONE = "the document is no longer there ({text}): it expired at Amazon"
DOC_SERVER = "Amazon's document storage had a server error: retried later"
DOC_REFUSED = "Amazon's document storage refused the transfer ({status} {code}): {text}"

# THE table: (source, status, Amazon's code or None for any, disposition, resolution[, operations]).
# First matching row wins. An empty error body has no code, so the row for its status decides.
# fmt: off
FAILURES: tuple[Rule, ...] = (
    # Login with Amazon (the token request)
    Rule(LWA,     "*",   "invalid_grant",       P, REVOKED),
    Rule(LWA,     "*",   "invalid_client",      P, BAD_CLIENT),
    Rule(LWA,     "*",   "unauthorized_client", P, BAD_GRANT_TYPE),
    Rule(LWA,     "429", None,                  R, LWA_THROTTLED),
    Rule(LWA,     "5xx", None,                  R, LWA_DOWN),
    Rule(LWA,     "*",   None,                  P, LWA_REFUSED),
    # no answer at all
    Rule(NETWORK, "*",   None,                  R, UNREACHABLE),
    # SP-API answers
    Rule(SP_API,  "400", "InvalidInput",        P, REFUSED),
    Rule(SP_API,  "400", None,                  P, REFUSED),
    Rule(SP_API,  "401", None,                  P, REAUTHORISE),
    Rule(SP_API,  "403", "Unauthorized",        P, REAUTHORISE),
    Rule(SP_API,  "403", "AccessDenied",        P, REAUTHORISE),
    Rule(SP_API,  "403", None,                  P, REAUTHORISE),
    Rule(SP_API,  "404", None,                  S, GONE, NOT_FOUND_MEANS_NOTHING_TO_DO),
    Rule(SP_API,  "404", None,                  P, UNKNOWN_ID),
    Rule(SP_API,  "409", None,                  S, EXISTS, ALREADY_EXISTS_ON_CONFLICT),
    Rule(SP_API,  "409", None,                  P, CONFLICT),
    Rule(SP_API,  "413", None,                  P, TOO_LARGE),
    Rule(SP_API,  "415", None,                  P, FORMAT),
    Rule(SP_API,  "429", "QuotaExceeded",       R, THROTTLED),
    Rule(SP_API,  "429", None,                  R, THROTTLED),
    Rule(SP_API,  "500", None,                  R, SERVER),
    Rule(SP_API,  "502", None,                  R, SERVER),
    Rule(SP_API,  "503", None,                  R, SERVER),
    Rule(SP_API,  "504", None,                  R, SERVER),
    Rule(SP_API,  "5xx", None,                  R, SERVER),
    Rule(SP_API,  "*",   None,                  P, OTHER),
    # pre-signed document URLs (S3)
    Rule(DOCUMENT, "403", None,                 R, DOC_EXPIRED),
    Rule(DOCUMENT, "404", None,                 P, DOC_GONE),
    Rule(DOCUMENT, "5xx", None,                 R, DOC_SERVER),
    Rule(DOCUMENT, "*",   None,                 P, DOC_REFUSED),
)
# fmt: on

_ERROR_CLASSES: dict[Disposition, type[ConnectorError]] = {
    Disposition.SKIP: SkipError,
    Disposition.RETRY: RetryableError,
    Disposition.PERMANENT: PermanentError,
}
# httpx's errors that mean "no answer" (matched by name: only adapters.odoo may import httpx).
_HTTPX_NO_ANSWER = frozenset({"TransportError", "TimeoutException"})


def _is_transport_error(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(cls.__module__ == "httpx" and cls.__name__ in _HTTPX_NO_ANSWER for cls in type(exc).__mro__)


def describe(exc: BaseException) -> Failure | None:
    """The :class:`Failure` an exception stands for; None when it is not an Amazon failure at all."""
    if isinstance(exc, SpApiHttpError):
        return Failure(SP_API, exc.status, exc.code, exc.message, exc.details, exc.headers)
    if isinstance(exc, DocumentHttpError):
        return Failure(DOCUMENT, exc.status, exc.code, exc.message, headers=exc.headers)
    if isinstance(exc, AuthorizationError):
        return Failure(LWA, _int_or_none(exc.status_code), str(exc.error_code or ""), str(exc.message or ""))
    if isinstance(exc, SellingApiException):
        headers: Any = getattr(exc, "headers", None) or {}
        return Failure(
            SP_API,
            _int_or_none(exc.code),
            str(getattr(exc, "amzn_code", "") or ""),
            str(getattr(exc, "message", "") or ""),
            headers=dict(headers),
        )
    if _is_transport_error(exc):
        return Failure(NETWORK, None, type(exc).__name__, _shorten(str(exc)))
    return None


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rule_for(failure: Failure, operation: str) -> Rule:
    for rule in FAILURES:
        if rule.matches(failure, operation):
            return rule
    raise LookupError(f"no failure rule for {failure.source}")  # unreachable: every source ends with "*"


def is_throttling(failure: Failure) -> bool:
    return failure.status == 429 or failure.code == "QuotaExceeded"


def to_error(failure: Failure, operation: str, record: str = "") -> ConnectorError:
    """The domain error for a failure of ``operation`` (``record`` names what it concerns, if known)."""
    rule = rule_for(failure, operation)
    status = "" if failure.status is None else str(failure.status)
    resolution = rule.resolution.format(
        text=failure.text, operation=operation, status=status or "-", code=failure.code or "-"
    )
    where = "Login with Amazon" if failure.source == LWA else "Amazon"
    what = " ".join(part for part in (f"HTTP {status}" if status else "", failure.code) if part)
    message = f"{operation}: {where} answered {what}: {failure.text}"
    if failure.source == NETWORK:
        message = f"{operation}: no answer from Amazon ({failure.code}: {failure.text})"
    cls: type[ConnectorError] = _ERROR_CLASSES[rule.disposition]
    if rule.disposition is Disposition.RETRY and is_throttling(failure):
        cls = ThrottledError
    return cls(message, resolution=resolution, record=record, source="amazon", code=failure.code or status)


def classify(exc: BaseException, operation: str, record: str = "") -> ConnectorError | None:
    """The domain error for an exception raised by an SP-API call; None when it is not Amazon's."""
    if isinstance(exc, ConnectorError):
        return exc
    failure = describe(exc)
    return None if failure is None else to_error(failure, operation, record)
