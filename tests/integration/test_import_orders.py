"""The order poll against the SP-API sandbox: full pages, one call per page, resumable, cursor closed last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ThrottledError
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.services.import_orders import JOB, poll_orders
from amazon_odoo.services.jobs import run_job
from tests.fakes import InMemoryStateStore, InMemoryWorkQueue


def ids(queue: InMemoryWorkQueue) -> list[str]:
    return [m["order"]["orderId"] for m in queue.messages]


def poll(
    state: InMemoryStateStore, seller: SellerConfig, amazon: Any, queue: InMemoryWorkQueue, **kw: Any
) -> Any:
    now = kw.pop("now", datetime.now(UTC))
    return run_job(state, seller, JOB, lambda ctx: poll_orders(ctx, amazon, queue, state, now, **kw))


def test_first_run_queues_unshipped_orders_in_one_call(
    sandbox: SpApiSandbox, seller: SellerConfig, amazon: SpApiGateway
) -> None:
    state, queue = InMemoryStateStore(), InMemoryWorkQueue()
    now = datetime.now(UTC)
    run = poll(state, seller, amazon, queue, now=now)
    assert sorted(ids(queue)) == ["114-5820417-3390021", "702-3318840-1227604"]
    assert run.counts == {"windows": 1, "pages": 1, "orders_queued": 2}
    assert len(sandbox.calls("searchOrders")) == 1 and not sandbox.calls("getOrder")
    message = queue.messages[0]
    assert (
        message["kind"] == "amazon_order"
        and message["source"] == "poll"
        and message["seller_id"] == "mugs-us"
    )
    assert "buyer" in message["order"] and "orderItems" in message["order"]  # nothing to fetch per order
    checkpoint = state.get_checkpoint("mugs-us", JOB)
    assert checkpoint is not None and checkpoint.cursor == now - timedelta(minutes=2)
    assert checkpoint.window_start is None and checkpoint.next_token is None
    assert sandbox.violations == []

    # the next run reads by last update with the overlap: the cancellation of an earlier order is seen
    queue.messages.clear()
    poll(state, seller, amazon, queue)  # a later run (the sandbox refuses a window ending in the future)
    assert "114-9041177-6652310" in ids(queue)


class ThrottledAfter:
    """The real gateway, throttled from the ``n``-th searchOrders call on (as Amazon is after a burst)."""

    def __init__(self, gateway: SpApiGateway, n: int) -> None:
        self.gateway, self.n, self.calls = gateway, n, 0

    def search_orders(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls >= self.n:
            raise ThrottledError("QuotaExceeded", retry_after=180)
        return self.gateway.search_orders(**kwargs)


def test_throttled_run_resumes_from_its_page_and_closes_once(
    sandbox: SpApiSandbox, seller: SellerConfig, amazon: SpApiGateway
) -> None:
    state, queue = InMemoryStateStore(), InMemoryWorkQueue()
    now = datetime.now(UTC)
    with pytest.raises(ThrottledError):
        poll(state, seller, ThrottledAfter(amazon, 2), queue, now=now, page_size=1)
    assert len(queue.messages) == 1
    in_flight = state.get_checkpoint("mugs-us", JOB)
    assert in_flight is not None and in_flight.cursor is None and in_flight.next_token
    assert state.last_runs("mugs-us")[JOB].status.value == "failed"

    poll(state, seller, amazon, queue, now=now + timedelta(minutes=5), page_size=1)
    assert sorted(ids(queue)) == ["114-5820417-3390021", "702-3318840-1227604"]  # each once
    closed = state.get_checkpoint("mugs-us", JOB)
    assert closed is not None and closed.cursor == now - timedelta(minutes=2)  # the window it started
    assert closed.window_start is None and sandbox.violations == []


def test_manual_range_leaves_the_cursor_alone(
    sandbox: SpApiSandbox, seller: SellerConfig, amazon: SpApiGateway
) -> None:
    state, queue = InMemoryStateStore(), InMemoryWorkQueue()
    now = datetime.now(UTC)
    poll(
        state,
        seller,
        amazon,
        queue,
        now=now,
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 11, 6, tzinfo=UTC),
    )
    assert state.get_checkpoint("mugs-us", JOB) is None
    assert all(m["source"] == "manual" for m in queue.messages)
    assert sandbox.violations == []
