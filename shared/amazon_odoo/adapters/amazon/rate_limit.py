"""Token buckets per (seller, operation), as Amazon's usage plans work.

Amazon gives each selling partner and application a bucket per operation: ``burst`` tokens, refilled at
``rate`` per second; a call on an empty bucket gets 429. We keep a matching bucket on our side so we wait
before Amazon refuses, adopt the live rate Amazon reports in ``x-amzn-RateLimit-Limit``, and drain our
bucket when Amazon says 429 (its bucket is empty whatever ours believed).

Before each call :meth:`TokenBucket.reserve` takes a token. When one is due within ``max_wait`` seconds
the caller sleeps that long; when not, no token is taken and :class:`ThrottledError` carries
``retry_after`` so the work goes back to its queue instead of sleeping in a Lambda.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from amazon_odoo.domain.errors import ThrottledError

# The documented usage plans (SPAPI.md): operation -> (rate in requests per second, burst).
# ``getOrder`` is the same plan in Orders v0 and v2026-01-01.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "searchOrders": (0.0056, 20),
    "getFeeds": (0.0222, 10),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
    "getReports": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "putListingsItem": (5.0, 10),
    "searchListingsItems": (5.0, 5),
    "getSubscriptions": (1.0, 5),
    "getSubscription": (1.0, 5),
    "createSubscription": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createDestination": (1.0, 5),
    "listTransactions": (0.5, 10),
    "getMarketplaceParticipations": (0.016, 15),
    "getAccount": (0.016, 15),
    "searchCatalogItems": (2.0, 2),
    "getCatalogItem": (2.0, 2),
    "getDefinitionsProductType": (5.0, 10),
    # Not an operation: JSON_LISTINGS_FEED submissions are at most 5 per 5 minutes per region (SPAPI.md);
    # the gateway takes a token here as well as from createFeed's bucket.
    "createFeed:JSON_LISTINGS_FEED": (5 / 300, 5),
}
# An operation missing from the table gets a cautious plan (and the live header corrects it).
DEFAULT_PLAN: tuple[float, int] = (1.0, 5)

RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"


def usage_plan(operation: str) -> tuple[float, int]:
    return USAGE_PLANS.get(operation, DEFAULT_PLAN)


def rate_from_headers(headers: Mapping[str, str] | None) -> float | None:
    """The live rate Amazon reports (``x-amzn-RateLimit-Limit``, any header case); None if absent/invalid."""
    if not headers:
        return None
    wanted = RATE_LIMIT_HEADER.lower()
    for name, value in headers.items():
        if name.lower() == wanted:
            try:
                rate = float(str(value).strip())
            except ValueError:
                return None
            return rate if rate > 0 else None
    return None


@dataclass
class TokenBucket:
    """A thread-safe token bucket on a monotonic ``clock`` (seconds)."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._tokens = float(self.burst)
        self._updated = self.clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now

    @property
    def tokens(self) -> float:
        """Tokens available now (negative while callers wait for tokens they reserved)."""
        with self._lock:
            self._refill(self.clock())
            return self._tokens

    def reserve(self, max_wait: float, *, what: str = "", record: str = "") -> float:
        """Take a token; return how long to wait before using it.

        Raises :class:`ThrottledError` (and takes nothing) when the token is due later than ``max_wait``;
        ``what`` (the operation) and ``record`` only label that error.
        """
        with self._lock:
            self._refill(self.clock())
            wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
            if wait > max_wait:
                prefix = f"{what}: " if what else ""
                raise ThrottledError(
                    f"{prefix}rate limit: next call allowed in {wait:.1f} s "
                    f"(rate {self.rate:g}/s, burst {self.burst})",
                    resolution="the work is handed back to its queue and retried later",
                    record=record,
                    source="amazon",
                    code="QuotaExceeded",
                    retry_after=wait,
                )
            self._tokens -= 1.0
            return wait

    def wait_time(self) -> float:
        """Seconds until one token is available (without taking it)."""
        with self._lock:
            self._refill(self.clock())
            return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def set_rate(self, rate: float) -> None:
        """Adopt a new refill rate (tokens gained so far are kept)."""
        if rate <= 0:
            return
        with self._lock:
            self._refill(self.clock())
            self.rate = rate

    def drain(self) -> None:
        """Amazon said 429: its bucket is empty, so ours is too (reservations still pending stay owed)."""
        with self._lock:
            self._refill(self.clock())
            self._tokens = min(self._tokens, 0.0)


class RateLimiter:
    """Buckets per (seller, operation), created on first use; thread-safe. One per process by default."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        plans: Mapping[str, tuple[float, int]] | None = None,
    ) -> None:
        self.clock = clock
        self._plans = dict(USAGE_PLANS if plans is None else plans)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, seller_id: str, operation: str) -> TokenBucket:
        key = (seller_id, operation)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate, burst = self._plans.get(operation, DEFAULT_PLAN)
                bucket = TokenBucket(rate, burst, self.clock)
                self._buckets[key] = bucket
            return bucket

    def observe(self, seller_id: str, operation: str, headers: Mapping[str, str] | None) -> None:
        """Adopt the live rate of an answer's ``x-amzn-RateLimit-Limit`` header, when it has one."""
        rate = rate_from_headers(headers)
        if rate is not None:
            self.bucket(seller_id, operation).set_rate(rate)


_default_limiter: RateLimiter | None = None
_default_lock = threading.Lock()


def default_limiter() -> RateLimiter:
    """The process's buckets (created on first use), shared by every gateway of this process."""
    global _default_limiter
    with _default_lock:
        if _default_limiter is None:
            _default_limiter = RateLimiter()
        return _default_limiter
