"""The Amazon failure table: every failure gets a disposition and a resolution a person can act on."""

from __future__ import annotations

import httpx
import pytest
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base.exceptions import SellingApiBadRequestException, SellingApiServerException

from amazon_odoo.adapters.amazon.clients import SpApiHttpError
from amazon_odoo.adapters.amazon.failures import (
    FAILURES,
    LWA,
    NETWORK,
    SP_API,
    Failure,
    classify,
    describe,
    rule_for,
)
from amazon_odoo.domain.errors import (
    ConnectorError,
    Disposition,
    PermanentError,
    RetryableError,
    SkipError,
    ThrottledError,
)


def http(
    status: int, code: str = "", message: str = "", headers: dict[str, str] | None = None
) -> SpApiHttpError:
    errors = [{"code": code, "message": message}] if code or message else []
    return SpApiHttpError(status, errors, headers or {})


CASES: list[tuple[BaseException, str, type[ConnectorError], str]] = [
    (http(400, "InvalidInput", "Invalid marketplace id X1"), "searchOrders", PermanentError,
     "the request was refused: Invalid marketplace id X1"),
    (http(400), "searchOrders", PermanentError, "empty error body"),
    (http(401, "Unauthorized", "Access denied"), "getOrder", PermanentError, "re-authorise the seller"),
    (http(403, "Unauthorized", "Access is denied."), "getOrder", PermanentError, "roles"),
    (http(403, "AccessDenied", "no role"), "getOrder", PermanentError, "re-authorise the seller"),
    (http(403), "getOrder", PermanentError, "re-authorise the seller"),
    (http(404, "NotFound", "Order 1 not found"), "getOrder", PermanentError, "check the id"),
    (http(404, "NotFound", "no subscription"), "getSubscription", SkipError, "nothing to do"),
    (http(404), "deleteSubscriptionById", SkipError, "nothing to do"),
    (http(409, "Conflict", "exists"), "createSubscription", SkipError, "exists: look it up"),
    (http(409, "Conflict", "exists"), "createDestination", SkipError, "exists: look it up"),
    (http(409, "Conflict", "state"), "cancelFeed", PermanentError, "conflicts"),
    (http(413), "createFeed", PermanentError, "too large"),
    (http(415, "UnsupportedMediaType", "xml"), "createFeed", PermanentError, "format"),
    (http(429, "QuotaExceeded", "You exceeded your quota"), "searchOrders", ThrottledError, "rate limit"),
    (http(429), "searchOrders", ThrottledError, "rate limit"),
    (http(500, "InternalFailure", "oops"), "getOrder", RetryableError, "server error"),
    (http(500), "getOrder", RetryableError, "server error"),
    (http(502), "getOrder", RetryableError, "server error"),
    (http(503, "ServiceUnavailable", "later"), "getOrder", RetryableError, "server error"),
    (http(504), "getOrder", RetryableError, "server error"),
    (http(418, "Teapot", "short and stout"), "getOrder", PermanentError, "418 Teapot"),
    (AuthorizationError("invalid_grant", "The request has an invalid grant parameter", 400), "getOrder",
     PermanentError, "refresh token revoked or expired: re-authorise"),
    (AuthorizationError("invalid_client", "Client authentication failed", 401), "getOrder", PermanentError,
     "client id or secret"),
    (AuthorizationError("unauthorized_client", "nope", 400), "getOrder", PermanentError, "grant"),
    (AuthorizationError("", "", 503), "getOrder", RetryableError, "Login with Amazon is unavailable"),
    (AuthorizationError("", "", 429), "getOrder", ThrottledError, "throttling token requests"),
    (AuthorizationError("invalid_request", "no param", 400), "getOrder", PermanentError, "invalid_request"),
    (ConnectionRefusedError(111, "Connection refused"), "getOrder", RetryableError, "could not be reached"),
    (TimeoutError("timed out"), "getOrder", RetryableError, "could not be reached"),
    (httpx.ConnectError("connection failed"), "getOrder", RetryableError, "could not be reached"),
    (httpx.ReadTimeout("read timed out"), "getOrder", RetryableError, "could not be reached"),
    (httpx.RemoteProtocolError("Server disconnected"), "getOrder", RetryableError, "could not be reached"),
    (SellingApiBadRequestException([{"code": "InvalidInput", "message": "bad date"}]), "searchOrders",
     PermanentError, "the request was refused: bad date"),
    (SellingApiServerException([{"code": "InternalFailure", "message": "x"}]), "getOrder", RetryableError,
     "server error"),
]  # fmt: skip


@pytest.mark.parametrize(("exc", "operation", "expected", "hint"), CASES)
def test_table(exc: BaseException, operation: str, expected: type[ConnectorError], hint: str) -> None:
    error = classify(exc, operation, record="order 111-1")
    assert type(error) is expected
    assert hint in error.resolution or hint in error.message
    assert error.message.startswith(f"{operation}: ")
    assert error.record == "order 111-1" and error.source == "amazon"
    assert "{" not in error.resolution  # every placeholder filled


def test_amazon_code_and_message_are_in_the_error() -> None:
    error = classify(http(400, "InvalidInput", "Invalid createdAfter"), "searchOrders")
    assert error is not None
    assert error.code == "InvalidInput"
    assert error.message == "searchOrders: Amazon answered HTTP 400 InvalidInput: Invalid createdAfter"
    assert error.disposition is Disposition.PERMANENT


def test_empty_body_is_classified_by_status() -> None:
    error = classify(http(500), "getMarketplaceParticipations")
    assert isinstance(error, RetryableError) and error.code == "500"
    assert "empty error body" in error.message


def test_lwa_errors_never_quote_credentials() -> None:
    error = classify(AuthorizationError("invalid_grant", "bad refresh token", 400), "getOrder")
    assert error is not None
    assert error.message == "getOrder: Login with Amazon answered HTTP 400 invalid_grant: bad refresh token"


def test_connector_errors_pass_through_and_unknown_errors_are_not_amazons() -> None:
    skip = SkipError("already done")
    assert classify(skip, "getOrder") is skip
    assert classify(ValueError("bug"), "getOrder") is None
    assert describe(KeyError("x")) is None


def test_every_source_ends_with_a_catch_all() -> None:
    for source in (SP_API, LWA, NETWORK):
        assert rule_for(Failure(source, 599, "NeverSeen"), "anyOperation").code is None
    dispositions = {rule.disposition for rule in FAILURES}
    assert dispositions == {Disposition.SKIP, Disposition.RETRY, Disposition.PERMANENT}
    assert all(rule.resolution for rule in FAILURES)
