"""One seller's SP-API behind the ``AmazonGateway`` port: every call through :meth:`SpApiGateway.call`.

``call(operation, fn, *args, **kwargs)`` is the only way out to Amazon. For ONE call it

1. takes a token from the (seller, operation) bucket, sleeping when the token is due within
   ``AMAZON_MAX_WAIT_SECONDS`` and raising :class:`ThrottledError` (``retry_after``) when not;
2. makes the call; on success adopts the live ``x-amzn-RateLimit-Limit`` rate and returns the answer;
3. on failure looks the failure up in the failure table (``failures.py``): skip and permanent are raised
   at once; retryable ones (429, 5xx, no answer) are retried up to ``AMAZON_MAX_ATTEMPTS`` calls in all,
   after a full-jitter exponential backoff (``uniform(0, min(max_wait, base * 2**n))``). A 429 drains the
   bucket and waits at least until a token is due: when that is longer than the max wait the call ends in
   ``ThrottledError(retry_after=...)`` and the work goes back to its queue.

New operations are one line each, e.g.
``self.call("getFeed", self.client(Feeds).get_feed, feed_id, record=f"feed {feed_id}")``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from sp_api.api import Sellers
from sp_api.api.orders.orders_2026_01_01 import OrdersV20260101

from amazon_odoo.adapters.amazon.clients import ClientFactory, ClientT, SellerCredentials
from amazon_odoo.adapters.amazon.failures import SP_API, describe, is_throttling, to_error
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter, default_limiter
from amazon_odoo.domain.errors import ConnectorError, PermanentError
from amazon_odoo.domain.marketplaces import MarketplaceParticipation, SellerAccount
from amazon_odoo.settings import Settings

T = TypeVar("T")

log = logging.getLogger(__name__)

# The first retry waits up to this long; each further one up to twice as long (capped by the max wait).
BACKOFF_BASE_SECONDS = 0.5


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as Amazon's date-time parameters want it (aware datetimes only)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes sent to Amazon must be timezone-aware")
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def response_body(response: Any) -> Any:
    """The JSON body of an answer as Amazon sent it."""
    body = getattr(response, "body", None)
    if body is None:  # a library response that did not come through our client subclass
        body = getattr(response, "payload", None)
    return body


def response_payload(response: Any) -> Any:
    """The ``payload`` of APIs that wrap their answer in one (Sellers, Orders v0, ...)."""
    body = response_body(response)
    return body.get("payload") if isinstance(body, dict) else body


class SpApiGateway:
    """The ``AmazonGateway`` of one seller (selling partner) in one region.

    Buckets and tokens may be shared between threads; the library's clients may not (each keeps the
    method of its last request on itself), so use one gateway per thread when calling concurrently.
    """

    def __init__(
        self,
        seller_id: str,
        credentials: SellerCredentials,
        region: str,
        settings: Settings,
        *,
        clients: ClientFactory | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        backoff_base: float = BACKOFF_BASE_SECONDS,
    ) -> None:
        self.seller_id = seller_id
        self.region = str(region)
        self.settings = settings
        self._credentials = credentials
        self._clients = clients or ClientFactory(settings)
        self._limiter = limiter or default_limiter()
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not cryptography
        self._backoff_base = backoff_base

    def __repr__(self) -> str:
        return f"SpApiGateway(seller_id={self.seller_id!r}, region={self.region!r})"

    # -- plumbing --------------------------------------------------------------------------------------

    def client(self, api: type[ClientT]) -> ClientT:
        """This seller's client of a library API class (built on first use, then reused)."""
        return self._clients.client(api, self.seller_id, self.region, self._credentials)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff before retry number ``attempt`` (1, 2, ...)."""
        cap = min(self.settings.amazon_max_wait_seconds, self._backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, cap)

    def call(self, operation: str, fn: Callable[..., T], *args: Any, record: str = "", **kwargs: Any) -> T:
        """Make ONE SP-API call guarded by the bucket, the retries and the failure table.

        ``operation`` is Amazon's operation id (it names the bucket and the failure rules); ``record``
        (consumed here, not passed on) names what the call concerns in errors, e.g. ``"order 113-..."``.
        """
        max_wait = self.settings.amazon_max_wait_seconds
        max_attempts = self.settings.amazon_max_attempts
        bucket = self._limiter.bucket(self.seller_id, operation)
        attempt = 0
        while True:
            attempt += 1
            wait = bucket.reserve(max_wait, what=operation, record=record)
            if wait > 0:
                self._sleep(wait)
            try:
                result = fn(*args, **kwargs)
            except ConnectorError:
                raise
            except Exception as exc:  # classified below; anything unknown is re-raised as is
                failure = describe(exc)
                if failure is None:
                    raise
                self._limiter.observe(self.seller_id, operation, failure.headers)
                error = to_error(failure, operation, record)
                if not error.retryable:
                    raise error from exc
                delay = self.backoff(attempt)
                if is_throttling(failure) and failure.source == SP_API:
                    bucket.drain()  # Amazon's bucket for this operation is empty: so is ours
                    delay = max(delay, bucket.wait_time())
                if delay > max_wait or attempt >= max_attempts:
                    if is_throttling(failure) or delay > max_wait:
                        error.retry_after = delay
                    log.warning(
                        "amazon call failed, handing back",
                        extra={"operation": operation, "attempt": attempt, "code": error.code},
                    )
                    raise error from exc
                log.info(
                    "amazon call retried",
                    extra={"operation": operation, "attempt": attempt, "code": error.code, "delay": delay},
                )
                self._sleep(delay)
                continue
            self._limiter.observe(self.seller_id, operation, getattr(result, "headers", None))
            return result

    def _parsed(self, operation: str, parse: Callable[[], T], record: str = "") -> T:
        try:
            return parse()
        except (ValidationError, TypeError, AttributeError) as exc:
            raise PermanentError(
                f"{operation}: Amazon's answer does not have the documented shape ({type(exc).__name__})",
                resolution="report it: the SP-API model may have changed",
                record=record,
                source="amazon",
                code="UnexpectedAnswer",
            ) from exc

    # -- Sellers API -----------------------------------------------------------------------------------

    def marketplace_participations(self) -> list[MarketplaceParticipation]:
        operation = "getMarketplaceParticipations"
        response = self.call(operation, self.client(Sellers).get_marketplace_participation)
        payload = response_payload(response)
        return self._parsed(
            operation, lambda: [MarketplaceParticipation.model_validate(item) for item in payload]
        )

    def account(self) -> SellerAccount:
        operation = "getAccount"
        response = self.call(operation, self.client(Sellers).get_account)
        payload = response_payload(response)
        return self._parsed(operation, lambda: SellerAccount.model_validate(payload))

    # -- Orders API v2026-01-01 ------------------------------------------------------------------------

    def search_orders(
        self,
        *,
        marketplace_ids: Sequence[str],
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        fulfillment_statuses: Sequence[str] = (),
        fulfilled_by: Sequence[str] = (),
        included_data: Sequence[str] = (),
        max_results_per_page: int | None = None,
        pagination_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of ``searchOrders``: Amazon's JSON (``orders``, ``pagination.nextToken`` when more)."""
        if not marketplace_ids:
            raise ValueError("searchOrders needs at least one marketplace id")
        params: dict[str, Any] = {"marketplaceIds": list(marketplace_ids)}
        for name, moment in (
            ("createdAfter", created_after),
            ("createdBefore", created_before),
            ("lastUpdatedAfter", last_updated_after),
            ("lastUpdatedBefore", last_updated_before),
        ):
            if moment is not None:
                params[name] = iso_utc(moment)
        for name, values in (
            ("fulfillmentStatuses", fulfillment_statuses),
            ("fulfilledBy", fulfilled_by),
            ("includedData", included_data),
        ):
            if values:
                params[name] = list(values)
        if max_results_per_page is not None:
            params["maxResultsPerPage"] = max_results_per_page
        if pagination_token:
            params["paginationToken"] = pagination_token
        response = self.call("searchOrders", self.client(OrdersV20260101).search_orders, **params)
        return self._parsed("searchOrders", lambda: dict(response_body(response)))

    def get_order(self, order_id: str, included_data: Sequence[str] = ()) -> dict[str, Any]:
        """``getOrder``: Amazon's JSON (``{"order": {...}}``), items always included."""
        record = f"order {order_id}"
        params: dict[str, Any] = {"includedData": list(included_data)} if included_data else {}
        response = self.call(
            "getOrder", self.client(OrdersV20260101).get_order, order_id, record=record, **params
        )
        return self._parsed("getOrder", lambda: dict(response_body(response)), record)

    def close(self) -> None:
        """Close this gateway's HTTP connections (clients are rebuilt on next use)."""
        self._clients.close()
