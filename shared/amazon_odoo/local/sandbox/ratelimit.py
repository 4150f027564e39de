"""Token buckets per (selling partner or application, operation), as Amazon's usage plans work.

Rates and bursts are those of ``SPAPI.md`` (the operations' documented defaults); operations the table
does not name fall back to the usage plan written in the model's operation description, then to 1/5.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

# operation -> (rate per second, burst); from SPAPI.md and the models' usage plans.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "confirmShipment": (2.0, 10),
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "getFeeds": (0.0222, 10),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "cancelFeed": (2.0, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
    "getReports": (0.0222, 10),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "cancelReport": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "putListingsItem": (5.0, 10),
    "deleteListingsItem": (5.0, 10),
    "searchListingsItems": (5.0, 5),
    "getSubscriptions": (1.0, 5),
    "getSubscription": (1.0, 5),
    "createSubscription": (1.0, 5),
    "getSubscriptionById": (1.0, 5),
    "deleteSubscriptionById": (1.0, 5),
    "getDestinations": (1.0, 5),
    "createDestination": (1.0, 5),
    "getDestination": (1.0, 5),
    "deleteDestination": (1.0, 5),
    "getMarketplaceParticipations": (0.016, 15),
    "getAccount": (0.016, 15),
}
DEFAULT_PLAN: tuple[float, int] = (1.0, 5)

_PLAN_ROW = re.compile(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|")


def plan_from_description(description: str) -> tuple[float, int] | None:
    """Read the ``| rate | burst |`` row of an operation's "Usage Plan" table."""
    match = _PLAN_ROW.search(description)
    if match is None:
        return None
    return float(match.group(1)), int(match.group(2))


def format_rate(rate: float) -> str:
    """The ``x-amzn-RateLimit-Limit`` value: Amazon prints the rate as a plain decimal."""
    text = f"{rate:.4f}".rstrip("0").rstrip(".")
    return text if "." in text else f"{text}.0"


@dataclass
class TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """Thread-safe buckets, created full on first use; ``clock`` is the sandbox's injectable clock."""

    def __init__(self, clock: Callable[[], float], plans: dict[str, tuple[float, int]] | None = None) -> None:
        self._clock = clock
        self._plans = dict(USAGE_PLANS if plans is None else plans)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def plan(self, operation: str) -> tuple[float, int]:
        return self._plans.get(operation, DEFAULT_PLAN)

    def set_plan(self, operation: str, rate: float, burst: int) -> None:
        """Change an operation's usage plan (e.g. a scenario's raised limits); resets its buckets."""
        with self._lock:
            self._plans[operation] = (rate, burst)
            for key in [key for key in self._buckets if key[1] == operation]:
                del self._buckets[key]

    def learn_plan(self, operation: str, plan: tuple[float, int]) -> None:
        """Adopt a model's documented plan for an operation the table does not name."""
        with self._lock:
            self._plans.setdefault(operation, plan)

    def acquire(self, principal: str, operation: str) -> bool:
        rate, burst = self.plan(operation)
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((principal, operation))
            if bucket is None:
                bucket = TokenBucket(rate=rate, burst=burst, tokens=float(burst), updated=now)
                self._buckets[(principal, operation)] = bucket
            return bucket.take(now)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
