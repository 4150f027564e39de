"""Parked orders and their retry on the in-memory fakes: which orders are read again (one Odoo lookup, no
Amazon call unless a SKU was mapped), what stays parked, and the work consumer's parking rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import PermanentError, RetryableError, ThrottledError
from amazon_odoo.domain.jobs import JobRequest, parse_utc
from amazon_odoo.domain.orders import UnknownSkuError
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.services import work
from amazon_odoo.services.import_orders import INCLUDED_DATA, order_message
from amazon_odoo.services.ingest_order import IngestResult
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.order_recovery import (
    InlineIngest,
    RecordingQueue,
    queue_delivery,
    retry_after_poll,
    retry_parked_orders,
    summary,
)
from amazon_odoo.services.work import WorkConsumer
from tests.fakes import InMemoryStateStore, InMemoryWorkQueue

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class FakeOdoo:
    """products_by_sku and company_id only, counting lookups."""

    def __init__(self, skus: Sequence[str] = ()) -> None:
        self.products = {sku: n for n, sku in enumerate(skus, start=1)}
        self.lookups: list[list[str]] = []
        self.fail: Exception | None = None

    def company_id(self, name: str) -> int:
        return 1

    def products_by_sku(self, company_id: int, skus: Sequence[str]) -> dict[str, int]:
        if self.fail is not None:
            raise self.fail
        self.lookups.append(list(skus))
        return {sku: self.products[sku] for sku in skus if sku in self.products}

    def add(self, sku: str) -> None:
        self.products[sku] = len(self.products) + 1


class FakeAmazon:
    def __init__(self, orders: Mapping[str, dict[str, Any]]) -> None:
        self.orders = dict(orders)
        self.reads: list[str] = []
        self.throttle_from: int | None = None  # the n-th call (1-based) on is throttled

    def get_order(self, order_id: str, included_data: Sequence[str] = ()) -> dict[str, Any]:
        assert tuple(included_data) == INCLUDED_DATA
        self.reads.append(order_id)
        if self.throttle_from is not None and len(self.reads) >= self.throttle_from:
            raise ThrottledError("QuotaExceeded", retry_after=2)
        if order_id not in self.orders:
            raise PermanentError(f"order {order_id} not found", record=f"order {order_id}")
        return {"order": self.orders[order_id]}


def amazon_order(order_id: str, *skus: str) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "salesChannel": {"marketplaceId": "ATVPDKIKX0DER"},
        "orderItems": [{"product": {"sellerSku": sku}} for sku in skus],
    }


@pytest.fixture
def seller() -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return parse_sellers_file(raw).sellers[0]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(seller: SellerConfig, clock: Clock) -> InMemoryStateStore:
    store = InMemoryStateStore(clock=clock)
    store.replace_sellers([seller])
    return store


@pytest.fixture
def odoo() -> FakeOdoo:
    return FakeOdoo(["MUG-BLUE-12"])


@pytest.fixture
def ingested(monkeypatch: pytest.MonkeyPatch, odoo: FakeOdoo) -> list[str]:
    """ingest_order stand-in: UnknownSkuError for SKUs the fake Odoo lacks, else a created sale order."""
    done: list[str] = []

    def fake_ingest(order: Mapping[str, Any], seller: SellerConfig, gateway: Any, log: Any = None) -> Any:
        skus = [item["product"]["sellerSku"] for item in order["orderItems"]]
        if "BROKEN" in skus:
            raise PermanentError("pricelist 'X' does not exist in Odoo", resolution="create it")
        if "FLAKY" in skus:
            raise RetryableError("Odoo is restarting")
        missing = [sku for sku in skus if sku not in odoo.products]
        if missing:
            raise UnknownSkuError(order["orderId"], missing, marketplace_id="ATVPDKIKX0DER")
        done.append(order["orderId"])
        return IngestResult(order["orderId"], "created", sale_order_id=len(done), odoo_calls=4)

    monkeypatch.setattr(work, "ingest_order", fake_ingest)
    return done


def consumer(state: InMemoryStateStore, odoo: FakeOdoo) -> WorkConsumer:
    return WorkConsumer(state, lambda: odoo)


def park(state: InMemoryStateStore, order_id: str, *skus: str) -> None:
    state.park_order("mugs-us", order_id, missing_skus=skus, marketplace_id="ATVPDKIKX0DER", reason="r")


# ------------------------------------------------------------------------------ the work consumer


def test_unknown_sku_parks_the_order_and_says_it_once(
    state: InMemoryStateStore, odoo: FakeOdoo, clock: Clock, ingested: list[str]
) -> None:
    c = consumer(state, odoo)
    message = order_message("mugs-us", amazon_order("114-1", "MUG-BLUE-12", "MUG-GREEN-12"), "poll")
    assert c.handle_message(message) == "parked"
    (parked,) = state.list_parked_orders("mugs-us")
    assert (parked.order_id, parked.missing_skus, parked.attempts) == ("114-1", ("MUG-GREEN-12",), 1)
    assert parked.marketplace_id == "ATVPDKIKX0DER" and "MUG-GREEN-12" in parked.reason
    (entry,) = state.list_logs("mugs-us")
    assert entry.level is LogLevel.ERROR and "orders retry" in entry.resolution

    clock.now += timedelta(minutes=15)  # the poll's overlap brings it again
    handled = c.handle(message)
    assert handled.outcome == "parked" and handled.missing_skus == ("MUG-GREEN-12",)
    again = state.get_parked_order("mugs-us", "114-1")
    assert (
        again is not None and again.attempts == 2 and again.first_seen == T0 and again.last_seen == clock.now
    )
    assert len(state.list_logs("mugs-us")) == 1  # counted on the record, not written again

    odoo.add("MUG-GREEN-12")
    handled = c.handle(message)
    assert handled.outcome == "created" and handled.result is not None and handled.result.odoo_calls == 4
    assert state.list_parked_orders("mugs-us") == []  # a successful ingest unparks, whatever door


def test_a_parked_order_failing_otherwise_is_held_for_a_person(
    state: InMemoryStateStore, odoo: FakeOdoo, ingested: list[str]
) -> None:
    c = consumer(state, odoo)
    park(state, "114-2", "BROKEN")
    assert c.handle_message(order_message("mugs-us", amazon_order("114-2", "BROKEN"), "retry")) == "failed"
    held = state.get_parked_order("mugs-us", "114-2")
    assert held is not None and held.missing_skus == () and "pricelist" in held.reason and held.attempts == 2
    # an order that was never parked is not parked for a permanent failure: the log book has it
    assert c.handle_message(order_message("mugs-us", amazon_order("114-3", "BROKEN"), "poll")) == "failed"
    assert state.get_parked_order("mugs-us", "114-3") is None
    assert [e.message for e in state.list_logs("mugs-us")].count("pricelist 'X' does not exist in Odoo") == 2
    # a retryable failure goes back to the queue and leaves the record as it was
    park(state, "114-4", "FLAKY")
    with pytest.raises(RetryableError):
        c.handle_message(order_message("mugs-us", amazon_order("114-4", "FLAKY"), "poll"))
    flaky = state.get_parked_order("mugs-us", "114-4")
    assert flaky is not None and flaky.attempts == 1 and flaky.missing_skus == ("FLAKY",)


def test_unusable_messages_are_rejected_not_parked(state: InMemoryStateStore, odoo: FakeOdoo) -> None:
    c = consumer(state, odoo)
    assert c.handle_message("{not json") == "rejected"
    assert c.handle_message({"kind": "other"}) == "rejected"
    assert c.handle_message(order_message("nobody", amazon_order("114-5", "X"), "poll")) == "rejected"
    assert state.list_parked_orders() == []


# ------------------------------------------------------------------------------ retry selection


def test_nothing_parked_costs_no_odoo_and_no_amazon_call(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo
) -> None:
    amazon = FakeAmazon({})
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, pytest.fail)
    assert report.checked == 0 and report.retried == [] and odoo.lookups == [] and amazon.reads == []


def test_one_lookup_selects_the_orders_whose_skus_are_all_mapped(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo, clock: Clock
) -> None:
    park(state, "114-A", "MUG-GREEN-12")
    clock.now += timedelta(minutes=1)
    park(state, "114-B", "TEAPOT-BLACK")
    clock.now += timedelta(minutes=1)
    park(state, "114-C", "MUG-GREEN-12", "TEAPOT-BLACK")
    odoo.add("MUG-GREEN-12")  # the seller mapped one of the two SKUs
    clock.now += timedelta(hours=1)
    amazon = FakeAmazon({oid: amazon_order(oid, "MUG-GREEN-12") for oid in ("114-A", "114-B", "114-C")})
    delivered: list[str] = []

    def deliver(order: dict[str, Any]) -> str:
        delivered.append(order["orderId"])
        return "queued"

    report = retry_parked_orders(seller, state, lambda: odoo, amazon, deliver)
    assert odoo.lookups == [["MUG-GREEN-12", "TEAPOT-BLACK"]]  # one batched lookup, each SKU once
    assert amazon.reads == ["114-A"] and delivered == ["114-A"] and report.outcomes == {"114-A": "queued"}
    assert report.checked == 3 and [p.order_id for p in report.waiting] == ["114-B", "114-C"]
    # A stays parked until its ingest succeeds (the consumer unparks it); B and C are refreshed
    a, b, c = (state.get_parked_order("mugs-us", oid) for oid in ("114-A", "114-B", "114-C"))
    assert a is not None and a.attempts == 1
    assert b is not None and b.attempts == 2 and b.last_seen == clock.now and b.reason == "r"
    assert c is not None and c.missing_skus == ("TEAPOT-BLACK",) and c.first_seen == T0 + timedelta(minutes=2)
    assert c.reason == "SKU TEAPOT-BLACK of Amazon order 114-C matches no Odoo product"


def test_named_orders_are_read_again_whatever_the_sku_check_says(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo
) -> None:
    park(state, "114-A", "MUG-GREEN-12")  # still unmapped
    park(state, "114-B", "MUG-GREEN-12")
    amazon = FakeAmazon({"114-A": amazon_order("114-A", "X"), "114-N": amazon_order("114-N", "X")})
    report = retry_parked_orders(
        seller,
        state,
        lambda: odoo,
        amazon,
        lambda order: "queued",
        order_ids=["114-A", "114-N", "114-A"],
    )
    assert odoo.lookups == [] and amazon.reads == ["114-A", "114-N"]  # not parked, still read: asked for
    assert report.checked == 1 and list(report.outcomes) == ["114-A", "114-N"]
    b = state.get_parked_order("mugs-us", "114-B")
    assert b is not None and b.attempts == 1  # not named: not touched


def test_limit_skip_and_throttling_leave_the_rest_parked_for_later(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo, clock: Clock
) -> None:
    for n in range(5):
        park(state, f"114-{n}", "MUG-BLUE-12")  # all mapped by now
        clock.now += timedelta(seconds=1)
    amazon = FakeAmazon({f"114-{n}": amazon_order(f"114-{n}", "MUG-BLUE-12") for n in range(5)})
    report = retry_parked_orders(
        seller,
        state,
        lambda: odoo,
        amazon,
        lambda order: "queued",
        skip={"114-1"},
        limit=2,
    )
    assert report.already_queued == ["114-1"] and amazon.reads == ["114-0", "114-2"]
    assert report.deferred == ["114-3", "114-4"]

    amazon.reads.clear()
    amazon.throttle_from = 2  # Amazon asks to wait from the 2nd read on
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, lambda order: "queued")
    assert list(report.outcomes) == ["114-0"]
    assert (
        report.deferred == ["114-1", "114-2", "114-3", "114-4"] and "QuotaExceeded" in report.errors["114-1"]
    )
    assert len(state.list_parked_orders("mugs-us")) == 5


def test_an_order_amazon_cannot_give_is_held_and_retried_by_hand_only(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo
) -> None:
    park(state, "114-GONE", "MUG-BLUE-12")
    amazon = FakeAmazon({})
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, pytest.fail)
    assert "not found" in report.errors["114-GONE"]
    held = state.get_parked_order("mugs-us", "114-GONE")
    assert held is not None and held.missing_skus == () and "could not be read again" in held.reason
    amazon.reads.clear()
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, pytest.fail)
    assert amazon.reads == [] and [p.order_id for p in report.held] == ["114-GONE"]  # not automatically
    amazon.orders["114-GONE"] = amazon_order("114-GONE", "MUG-BLUE-12")
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, lambda o: "queued", by_hand=True)
    assert report.outcomes == {"114-GONE": "queued"}


def test_inline_retry_ingests_and_unparks(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo, ingested: list[str]
) -> None:
    c = consumer(state, odoo)
    c.handle_message(order_message("mugs-us", amazon_order("114-7", "MUG-GREEN-12"), "poll"))
    c.handle_message(order_message("mugs-us", amazon_order("114-8", "TEAPOT-BLACK"), "poll"))
    odoo.add("MUG-GREEN-12")
    amazon = FakeAmazon({"114-7": amazon_order("114-7", "MUG-GREEN-12")})
    seen: list[tuple[int, int]] = []
    sink = InlineIngest(c, progress=lambda done, known: seen.append((done, known)))
    report = retry_parked_orders(seller, state, lambda: odoo, amazon, sink.delivery("mugs-us"))
    assert report.outcomes == {"114-7": "created"} and ingested == ["114-7"]
    assert [p.order_id for p in state.list_parked_orders("mugs-us")] == ["114-8"]
    assert sink.outcomes == {"created": 1} and seen == [(1, 1)]


def test_the_scheduled_retry_queues_counts_and_never_fails_the_poll(
    seller: SellerConfig, state: InMemoryStateStore, odoo: FakeOdoo
) -> None:
    park(state, "114-A", "MUG-BLUE-12")
    park(state, "114-B", "TEAPOT-BLACK")
    queue = InMemoryWorkQueue()
    amazon = FakeAmazon({"114-A": amazon_order("114-A", "MUG-BLUE-12")})
    ctx = JobContext(seller=seller, job="import_orders", state=state, run_id="run-1")
    retry_after_poll(ctx, state, lambda: odoo, amazon, queue)
    (message,) = queue.messages
    assert message["source"] == "retry" and message["order"]["orderId"] == "114-A"
    assert ctx.counts == {"parked_waiting": 1, "parked_requeued": 1} and ctx.problems == 0
    assert any("114-A" in e.message and e.level is LogLevel.INFO for e in state.list_logs("mugs-us"))

    odoo.fail = RetryableError("Odoo is restarting", record="odoo")
    ctx = JobContext(seller=seller, job="import_orders", state=state, run_id="run-2")
    assert retry_after_poll(ctx, state, lambda: odoo, amazon, queue) is None
    assert ctx.problems == 1 and state.list_logs("mugs-us")[0].level is LogLevel.WARNING


def test_recording_queue_notes_the_orders_the_poll_queued() -> None:
    inner = InMemoryWorkQueue()
    recording = RecordingQueue(inner)
    assert recording.send_batch([order_message("s", amazon_order("114-1"), "poll")]) == 1
    recording.send(order_message("s", amazon_order("114-2"), "poll"))
    recording.send({"kind": "something_else"})
    assert recording.order_ids == {"114-1", "114-2"} and len(inner.messages) == 3
    deliver = queue_delivery(inner, "s")
    assert deliver(amazon_order("114-3")) == "queued" and inner.messages[-1]["source"] == "retry"


def test_inline_ingest_reports_progress_per_page_and_per_order(
    state: InMemoryStateStore, odoo: FakeOdoo, ingested: list[str]
) -> None:
    seen: list[tuple[int, int]] = []
    sink = InlineIngest(consumer(state, odoo), progress=lambda done, known: seen.append((done, known)))
    page1 = [order_message("mugs-us", amazon_order(f"114-{n}", "MUG-BLUE-12"), "manual") for n in range(2)]
    page2 = [order_message("mugs-us", amazon_order("114-9", "NOPE"), "manual")]
    assert sink.send_batch(page1) == 2
    sink.send_batch(page2)
    assert seen == [(0, 2), (1, 2), (2, 2), (2, 3), (3, 3)]
    assert sink.outcomes == {"created": 2, "parked": 1} and summary(sink.outcomes) == "2 created, 1 parked"
    assert summary({}) == "no orders"


# ------------------------------------------------------------------------------ windows by hand


def test_dates_and_times_are_read_as_utc() -> None:
    assert parse_utc("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_utc("2026-11-06", end_of_day=True) == datetime(2026, 11, 7, tzinfo=UTC)
    assert parse_utc("2026-11-01T08:30") == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert parse_utc("2026-11-01T08:30:00Z", end_of_day=True) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert parse_utc("2026-11-01T10:30:00+02:00") == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    for bad in ("2026-13-01", "yesterday", "01/11/2026", ""):
        with pytest.raises(ValueError):
            parse_utc(bad)


def test_job_request_windows() -> None:
    request = JobRequest.from_event(
        {"job": "import_orders", "seller": "s", "since": "2026-11-01", "until": "2026-11-06"},
        default_job="import_orders",
    )
    assert request.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert request.until == datetime(2026, 11, 7, tzinfo=UTC)
    assert JobRequest.from_event({"job": "import_orders"}, default_job="import_orders").since is None
    with pytest.raises(PermanentError, match=r"event\.since"):
        JobRequest.from_event({"since": "soon"}, default_job="import_orders")
    with pytest.raises(PermanentError, match=r"event\.until needs"):
        JobRequest.from_event({"until": "2026-11-01"}, default_job="import_orders")
    with pytest.raises(ValueError, match="since must be before until"):
        JobRequest(job="import_orders", since=T0, until=T0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-13-01"], "[option --from] '2026-13-01' is not a date or an ISO date-time"),
        (["--from", "2026-11-01", "--to", "noon"], "[option --to] 'noon' is not a date"),
        (["--from", "2026-11-06", "--to", "2026-11-01"], "[option --from] --from 2026-11-06 is not before"),
        (["--to", "2026-11-01"], "[option --to] --to needs --from"),
        (["--queue"], "[option --queue] --queue applies to a window"),
        (["--from", "2999-01-01"], "is in the future"),
    ],
)
def test_bad_windows_are_one_line_errors_naming_the_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from amazon_odoo.cli import main

    assert main(["run", "import-orders", "--seller", "mugs-us", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_window_is_for_import_orders_only(capsys: pytest.CaptureFixture[str]) -> None:
    from amazon_odoo.cli import main

    assert main(["run", "check-connections", "--from", "2026-11-01"]) == 2
    assert "apply to import-orders only" in capsys.readouterr().err


def test_the_progress_bar_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from amazon_odoo.cli import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    idle = _Progress("orders retry")
    idle(0, 0)  # nothing known: no bar at all
    idle.close()
    assert terminal.getvalue() == ""
    bar = _Progress("import-orders")
    for done, known in [(0, 2), (1, 2), (2, 2), (2, 3), (3, 3)]:
        bar(done, known)
    bar.close()
    assert "import-orders" in terminal.getvalue() and "3/3" in terminal.getvalue()

    pipe = io.StringIO()  # not a terminal (a log file, CI): nothing written
    monkeypatch.setattr("sys.stderr", pipe)
    quiet = _Progress("import-orders")
    quiet(1, 1)
    quiet.close()
    assert pipe.getvalue() == ""
