"""Token buckets per (seller, operation): documented plans, burst, refill, live header, long waits."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from amazon_odoo.adapters.amazon.rate_limit import (
    DEFAULT_PLAN,
    USAGE_PLANS,
    RateLimiter,
    TokenBucket,
    rate_from_headers,
    usage_plan,
)
from amazon_odoo.domain.errors import ThrottledError

SPAPI_MD = Path(__file__).resolve().parents[3] / "shared" / "SPAPI.md"


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_plans_match_the_documented_table() -> None:
    if not SPAPI_MD.is_file():
        pytest.skip("SPAPI.md is not beside this checkout")
    rows = re.findall(
        r"^\| (\S+\.json) \| (\w+) \| (?:GET|POST|PUT|PATCH|DELETE) \S+ \| ([0-9.]+) \| ([0-9]+) \|",
        SPAPI_MD.read_text(),
        flags=re.MULTILINE,
    )
    assert len(rows) >= 25
    for _model, operation, rate, burst in rows:
        assert USAGE_PLANS[operation] == (float(rate), int(burst)), operation


def test_unknown_operation_gets_the_cautious_default() -> None:
    assert usage_plan("someNewOperation") == DEFAULT_PLAN
    assert usage_plan("searchOrders") == (0.0056, 20)


def test_burst_then_one_token_per_interval() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0.5, burst=3, clock=clock)
    assert [bucket.reserve(max_wait=10) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve(max_wait=10) == pytest.approx(2.0)  # 1 / 0.5 s, reserved
    assert bucket.reserve(max_wait=10) == pytest.approx(4.0)  # the next one queues behind it
    clock.advance(4.0)
    assert bucket.tokens == pytest.approx(0.0)
    clock.advance(2.0)
    assert bucket.reserve(max_wait=0) == 0.0


def test_refill_never_exceeds_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=5.0, burst=5, clock=clock)
    for _ in range(5):
        bucket.reserve(max_wait=0)
    clock.advance(3600)
    assert bucket.tokens == pytest.approx(5.0)


def test_long_wait_raises_throttled_with_retry_after_and_takes_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=0.0056, burst=20, clock=clock)  # searchOrders
    for _ in range(20):
        assert bucket.reserve(max_wait=5) == 0.0
    with pytest.raises(ThrottledError) as caught:
        bucket.reserve(max_wait=5, what="searchOrders", record="seller S1")
    error = caught.value
    assert error.retry_after == pytest.approx(1 / 0.0056)
    assert error.retryable and error.record == "seller S1" and "searchOrders" in error.message
    assert bucket.tokens == pytest.approx(0.0)  # the refused call did not take a token
    clock.advance(1 / 0.0056)
    assert bucket.reserve(max_wait=5) == 0.0


def test_short_wait_is_returned_for_the_caller_to_sleep() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=1, clock=clock)
    assert bucket.reserve(max_wait=5) == 0.0
    assert bucket.reserve(max_wait=5) == pytest.approx(0.5)


def test_header_adjusts_the_rate_and_keeps_tokens() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    bucket = limiter.bucket("S1", "getOrder")
    assert (bucket.rate, bucket.burst) == (0.5, 30)
    for _ in range(30):
        bucket.reserve(max_wait=0)
    limiter.observe("S1", "getOrder", {"X-Amzn-RateLimit-Limit": "2.0"})  # header names are case-blind
    assert bucket.rate == 2.0
    assert bucket.wait_time() == pytest.approx(0.5)
    limiter.observe("S1", "getOrder", {"x-amzn-RateLimit-Limit": "not a number"})
    limiter.observe("S1", "getOrder", {"x-amzn-RateLimit-Limit": "0"})
    limiter.observe("S1", "getOrder", {})
    limiter.observe("S1", "getOrder", None)
    assert bucket.rate == 2.0


def test_rate_from_headers() -> None:
    assert rate_from_headers({"x-amzn-RateLimit-Limit": " 0.0167 "}) == pytest.approx(0.0167)
    assert rate_from_headers({"content-type": "application/json"}) is None
    assert rate_from_headers({"x-amzn-ratelimit-limit": "-1"}) is None


def test_drain_empties_the_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=5, clock=clock)
    bucket.drain()
    assert bucket.tokens == 0.0
    assert bucket.wait_time() == pytest.approx(1.0)


def test_buckets_are_per_seller_and_operation_and_created_lazily() -> None:
    limiter = RateLimiter(clock=FakeClock())
    assert limiter.bucket("S1", "getOrder") is limiter.bucket("S1", "getOrder")
    assert limiter.bucket("S1", "getOrder") is not limiter.bucket("S2", "getOrder")
    assert limiter.bucket("S1", "getOrder") is not limiter.bucket("S1", "searchOrders")
    assert limiter.bucket("S1", "createFeed").rate == 0.0083


def test_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(rate=0.001, burst=200, clock=FakeClock())
    granted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            try:
                bucket.reserve(max_wait=0)
            except ThrottledError:
                with lock:
                    refused.append(1)
            else:
                with lock:
                    granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(granted), len(refused)) == (200, 200)


def test_bucket_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, burst=0)
