"""SpApiGateway.call: a token before each call, bounded full-jitter retries, failure table, live rate."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from amazon_odoo.adapters.amazon.clients import SellerCredentials, SpApiHttpError
from amazon_odoo.adapters.amazon.gateway import SpApiGateway, iso_utc
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.domain.errors import PermanentError, RetryableError, SkipError, ThrottledError
from amazon_odoo.settings import Settings

CREDENTIALS = SellerCredentials("amzn1.application-oa2-client.x", "secret-value", "Atzr|refresh-value")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Answer:
    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.headers = headers or {}


def scripted(*outcomes: BaseException | Answer) -> tuple[Callable[..., Answer], list[tuple[Any, ...]]]:
    """A fake SP-API call that raises or answers in order, recording its arguments."""
    calls: list[tuple[Any, ...]] = []
    pending = list(outcomes)

    def fn(*args: Any, **kwargs: Any) -> Answer:
        calls.append((args, kwargs))
        outcome = pending.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return fn, calls


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def gateway(clock: FakeClock, *, attempts: int = 4, max_wait: float = 5.0, seed: int = 7) -> SpApiGateway:
    settings = Settings(AMAZON_MAX_ATTEMPTS=attempts, AMAZON_MAX_WAIT_SECONDS=max_wait)
    return SpApiGateway(
        "seller-1",
        CREDENTIALS,
        "NA",
        settings,
        limiter=RateLimiter(clock=clock),
        sleep=clock.sleep,
        rng=random.Random(seed),
    )


def err(
    status: int, code: str = "", message: str = "", headers: dict[str, str] | None = None
) -> SpApiHttpError:
    return SpApiHttpError(status, [{"code": code, "message": message}] if code else [], headers or {})


def test_success_returns_the_answer_and_passes_arguments(clock: FakeClock) -> None:
    answer = Answer()
    fn, calls = scripted(answer)
    assert gateway(clock).call("getOrder", fn, "111-1", includedData="BUYER", record="order 111-1") is answer
    assert calls == [(("111-1",), {"includedData": "BUYER"})]  # record is consumed by call()
    assert clock.sleeps == []


def test_503_is_retried_with_jittered_backoff_then_succeeds(clock: FakeClock) -> None:
    fn, calls = scripted(err(503, "ServiceUnavailable", "later"), err(503), Answer())
    gateway(clock).call("getMarketplaceParticipations", fn)
    assert len(calls) == 3
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0  # full jitter under 0.5 * 2**n


def test_retries_are_bounded_by_max_attempts(clock: FakeClock) -> None:
    fn, calls = scripted(*[err(500)] * 10)
    with pytest.raises(RetryableError) as caught:
        gateway(clock, attempts=3).call("getOrder", fn, record="order 1")
    assert len(calls) == 3
    assert type(caught.value) is RetryableError and caught.value.record == "order 1"
    assert isinstance(caught.value.__cause__, SpApiHttpError)


def test_connection_errors_are_retried(clock: FakeClock) -> None:
    fn, calls = scripted(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), Answer())
    gateway(clock).call("getOrder", fn)
    assert len(calls) == 3


def test_permanent_and_skip_are_not_retried(clock: FakeClock) -> None:
    fn, calls = scripted(err(400, "InvalidInput", "Invalid input: createdAfter"))
    with pytest.raises(PermanentError) as caught:
        gateway(clock).call("searchOrders", fn)
    assert len(calls) == 1
    assert caught.value.resolution == "the request was refused: Invalid input: createdAfter"

    fn, calls = scripted(err(409, "Conflict", "exists"))
    with pytest.raises(SkipError):
        gateway(clock).call("createSubscription", fn)
    assert len(calls) == 1


def test_429_on_a_slow_operation_hands_back_with_retry_after(clock: FakeClock) -> None:
    headers = {"x-amzn-RateLimit-Limit": "0.016"}
    fn, calls = scripted(err(429, "QuotaExceeded", "You exceeded your quota", headers), Answer())
    with pytest.raises(ThrottledError) as caught:
        gateway(clock).call("getMarketplaceParticipations", fn)
    assert len(calls) == 1
    assert caught.value.retry_after == pytest.approx(1 / 0.016)
    assert clock.sleeps == []


def test_429_on_a_fast_operation_waits_for_a_token_and_retries(clock: FakeClock) -> None:
    fn, calls = scripted(err(429, "QuotaExceeded", "slow down"), Answer())
    gateway(clock).call("getOrder", fn)  # 0.5/s: the next token is 2 s away, within the 5 s max wait
    assert len(calls) == 2
    assert sum(clock.sleeps) == pytest.approx(2.0)


def test_429_storm_ends_in_throttled_after_max_attempts(clock: FakeClock) -> None:
    fn, calls = scripted(*[err(429, "QuotaExceeded", "x")] * 10)
    with pytest.raises(ThrottledError) as caught:
        gateway(clock, attempts=3, max_wait=30).call("getOrder", fn)
    assert len(calls) == 3
    assert caught.value.retry_after is not None and caught.value.retry_after >= 2.0


def test_empty_bucket_with_a_long_wait_never_calls(clock: FakeClock) -> None:
    gw = gateway(clock)
    fn, calls = scripted(*[Answer()] * 21)
    for _ in range(20):
        gw.call("searchOrders", fn)
    assert clock.sleeps == []
    with pytest.raises(ThrottledError) as caught:
        gw.call("searchOrders", fn, record="seller-1 window")
    assert len(calls) == 20
    assert caught.value.retry_after == pytest.approx(1 / 0.0056)
    assert "searchOrders" in caught.value.message


def test_short_bucket_wait_sleeps(clock: FakeClock) -> None:
    gw = gateway(clock)
    fn, _ = scripted(*[Answer()] * 31)
    for _ in range(31):
        gw.call("getOrder", fn)
    assert clock.sleeps == [pytest.approx(2.0)]


def test_live_rate_header_is_adopted(clock: FakeClock) -> None:
    limiter = RateLimiter(clock=clock)
    gw = SpApiGateway("seller-1", CREDENTIALS, "NA", Settings(), limiter=limiter, sleep=clock.sleep)
    fn, _ = scripted(Answer({"x-amzn-RateLimit-Limit": "10.0"}))
    gw.call("getOrder", fn)
    assert limiter.bucket("seller-1", "getOrder").rate == 10.0
    assert limiter.bucket("seller-2", "getOrder").rate == 0.5


def test_unknown_exceptions_propagate_untouched(clock: FakeClock) -> None:
    fn, calls = scripted(KeyError("bug"))
    with pytest.raises(KeyError):
        gateway(clock).call("getOrder", fn)
    assert len(calls) == 1


def test_backoff_is_full_jitter_capped_by_max_wait(clock: FakeClock) -> None:
    class Highest(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    gw = SpApiGateway(
        "s",
        CREDENTIALS,
        "NA",
        Settings(AMAZON_MAX_WAIT_SECONDS=3),
        limiter=RateLimiter(clock=clock),
        rng=Highest(),
    )
    assert [gw.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert all(0 <= gateway(clock).backoff(n) <= min(5.0, 0.5 * 2 ** (n - 1)) for n in range(1, 8))


def test_iso_utc() -> None:
    assert iso_utc(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == "2026-03-01T12:00:00Z"
    assert iso_utc(datetime(2026, 3, 1, 13, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1)))) == (
        "2026-03-01T12:00:00.250Z"
    )
    with pytest.raises(ValueError):
        iso_utc(datetime(2026, 3, 1))


def test_search_orders_needs_a_marketplace(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        gateway(clock).search_orders(marketplace_ids=[])


def test_repr_has_no_credentials(clock: FakeClock) -> None:
    gw = gateway(clock)
    assert "secret-value" not in repr(gw) and "refresh-value" not in repr(gw)
    assert "secret-value" not in repr(CREDENTIALS) and "refresh-value" not in repr(CREDENTIALS)
