"""export_shipments with in-memory ports: the run's cursor, Amazon's limits, time budget, notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import PermanentError, RetryableError, ThrottledError
from amazon_odoo.domain.shipments import ShipmentStatus
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.mapping.orders import LineKind, line_external_id, order_external_id
from amazon_odoo.mapping.shipments import OdooCarrier, OdooDelivery, OdooMove, OdooSaleLine
from amazon_odoo.services.export_shipments import (
    FIRST_RUN_LOOKBACK,
    FULL_PAGE,
    JOB,
    OVERLAP,
    export_shipments,
)
from amazon_odoo.services.jobs import run_job
from tests.fakes import InMemoryStateStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MARKET = "ATVPDKIKX0DER"


def seller() -> SellerConfig:
    raw = {
        "sellers": [
            {
                "id": "mugs-us",
                "name": "Mugs",
                "merchant_id": "A3MUGSUS8ACCPT",
                "region": "NA",
                "credentials": {
                    "lwa_client_id": "secret:x/id",
                    "lwa_client_secret": "secret:x/secret",
                    "refresh_token": "secret:x/token",
                },
                "odoo": {"company": "Blue Mug Co."},
                "marketplaces": [{"id": MARKET}],
            }
        ]
    }
    return parse_sellers_file(raw).sellers[0]


def delivery(n: int, *, market: str = MARKET, amazon: bool = True) -> OdooDelivery:
    order = f"114-0000000-{n:07d}"
    sale_line = OdooSaleLine(
        id=n, product_id=1, external_id=line_external_id(order, f"9{n}", LineKind.PRODUCT)
    )
    return OdooDelivery(
        id=n,
        name=f"WH/OUT/{n:05d}",
        date_done=NOW - timedelta(hours=10) + timedelta(minutes=n),
        carrier=OdooCarrier(id=1, name="UPS"),
        tracking_ref=f"1Z{n}",
        sale_order_id=n,
        client_order_ref=order,
        order_external_id=order_external_id(market, order) if amazon else None,
        moves=(OdooMove(id=n, product_id=1, quantity=1, sale_line=sale_line),),
    )


class FakeOdoo:
    def __init__(self, deliveries: Sequence[OdooDelivery], *, notes_fail: bool = False) -> None:
        self.deliveries = list(deliveries)
        self.asked: list[tuple[datetime, list[int], int]] = []
        self.notes: list[tuple[str, int, str]] = []
        self.notes_fail = notes_fail

    def done_deliveries(
        self, company: str, since: datetime, picking_ids: Sequence[int] = (), limit: int = 500
    ) -> list[OdooDelivery]:
        assert company == "Blue Mug Co."
        self.asked.append((since, sorted(picking_ids), limit))
        found = [d for d in self.deliveries if (d.date_done and d.date_done >= since) or d.id in picking_ids]
        return sorted(found, key=lambda d: d.sort_key)[:limit]

    def post_notes(self, notes: Sequence[tuple[str, int, str]]) -> list[int]:
        if self.notes_fail:
            raise RetryableError("Odoo is down", source="odoo")
        self.notes += notes
        return list(range(len(notes)))


class FakeAmazon:
    def __init__(self, *, throttle_at: int | None = None, refuse: bool = False) -> None:
        self.sent: list[tuple[str, Mapping[str, Any]]] = []
        self.throttle_at = throttle_at
        self.refuse = refuse

    def confirm_shipment(self, order_id: str, marketplace_id: str, package_detail: Mapping[str, Any]) -> None:
        if self.throttle_at is not None and len(self.sent) + 1 >= self.throttle_at:
            raise ThrottledError("confirmShipment: rate limit", retry_after=5)
        if self.refuse:
            raise PermanentError("confirmShipment: Amazon answered HTTP 400 InvalidInput: nope")
        self.sent.append((order_id, package_detail))

    def get_order(self, order_id: str, included_data: Sequence[str] = ()) -> dict[str, Any]:
        raise AssertionError("no getOrder expected")


def run(state: InMemoryStateStore, odoo: FakeOdoo, amazon: FakeAmazon, now: datetime = NOW, **kw: Any) -> Any:
    shop = seller()
    return run_job(state, shop, JOB, lambda ctx: export_shipments(ctx, odoo, amazon, state, now, **kw))  # type: ignore[arg-type]


def test_first_run_looks_back_then_the_cursor_moves_with_an_overlap() -> None:
    state, odoo, amazon = InMemoryStateStore(), FakeOdoo([delivery(1), delivery(2)]), FakeAmazon()
    run(state, odoo, amazon)
    assert odoo.asked[0] == (NOW - FIRST_RUN_LOOKBACK, [], 500)
    assert len(amazon.sent) == 2
    checkpoint = state.get_checkpoint("mugs-us", JOB)
    assert checkpoint is not None and checkpoint.cursor == delivery(2).date_done
    run(state, odoo, amazon, NOW + timedelta(minutes=30))
    assert odoo.asked[1][0] == (delivery(2).date_done or NOW) - OVERLAP
    assert len(amazon.sent) == 2  # nothing twice


def test_deliveries_of_other_orders_and_marketplaces_are_left_alone() -> None:
    state = InMemoryStateStore()
    odoo = FakeOdoo([delivery(1, amazon=False), delivery(2, market="A1PA6795UKMFR9"), delivery(3)])
    amazon = FakeAmazon()
    result = run(state, odoo, amazon)
    assert result.counts["not_amazon"] == 2 and [o for o, _ in amazon.sent] == ["114-0000000-0000003"]


def test_throttled_run_stops_cleanly_and_the_next_one_carries_on() -> None:
    state = InMemoryStateStore()
    odoo, amazon = FakeOdoo([delivery(n) for n in range(1, 5)]), FakeAmazon(throttle_at=3)
    first = run(state, odoo, amazon)
    assert len(amazon.sent) == 2 and first.counts["left_for_next_run"] == 2
    assert first.status.value == "partial"
    assert any(
        "wait for the next run" in e.message for e in state.list_logs("mugs-us", level=LogLevel.WARNING)
    )
    assert state.get_shipments("mugs-us", [("114-0000000-0000003", 3)])[3].status is ShipmentStatus.PENDING
    checkpoint = state.get_checkpoint("mugs-us", JOB)
    assert checkpoint is not None and checkpoint.cursor == delivery(3).date_done  # not past the third
    amazon.throttle_at = None
    second = run(state, odoo, amazon, NOW + timedelta(minutes=15))
    assert [o[-2:] for o, _ in amazon.sent] == ["01", "02", "03", "04"]  # each once
    assert second.counts["deliveries_confirmed"] == 2 and second.counts["done_before"] == 2
    assert state.open_shipments("mugs-us") == []


def test_no_delivery_is_started_after_the_time_budget() -> None:
    ticks = iter(range(100))
    state, odoo, amazon = InMemoryStateStore(), FakeOdoo([delivery(n) for n in range(1, 5)]), FakeAmazon()
    result = run(state, odoo, amazon, time_budget=2.5, clock=lambda: float(next(ticks)))
    assert len(amazon.sent) == 2 and result.counts["left_for_next_run"] == 2


def test_a_full_page_resumes_without_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("amazon_odoo.services.export_shipments.PAGE_SIZE", 2)
    state, odoo, amazon = InMemoryStateStore(), FakeOdoo([delivery(n) for n in range(1, 4)]), FakeAmazon()
    run(state, odoo, amazon)
    checkpoint = state.get_checkpoint("mugs-us", JOB)
    assert checkpoint is not None and checkpoint.next_token == FULL_PAGE
    run(state, odoo, amazon, NOW + timedelta(minutes=1))
    assert odoo.asked[1][0] == delivery(2).date_done
    assert [o[-1] for o, _ in amazon.sent] == ["1", "2", "3"]


def test_refused_ones_stay_open_and_come_back_through_their_ids() -> None:
    state, odoo = InMemoryStateStore(), FakeOdoo([delivery(1)])
    run(state, odoo, FakeAmazon(refuse=True))
    [open_record] = state.open_shipments("mugs-us")
    assert open_record.status is ShipmentStatus.REFUSED and "nope" in open_record.message
    run(state, odoo, FakeAmazon(), NOW + timedelta(days=3, hours=7))  # long after: found by its id
    assert odoo.asked[1][1] == [1]
    assert state.open_shipments("mugs-us") == []


def test_notes_that_cannot_be_written_leave_a_log_line_not_a_failure() -> None:
    state, odoo, amazon = InMemoryStateStore(), FakeOdoo([delivery(1)], notes_fail=True), FakeAmazon()
    result = run(state, odoo, amazon)
    assert result.counts["deliveries_confirmed"] == 1
    assert any(
        "could not be written" in e.message for e in state.list_logs("mugs-us", level=LogLevel.WARNING)
    )
    assert state.get_shipments("mugs-us", [("114-0000000-0000001", 1)])[1].status is ShipmentStatus.DONE
