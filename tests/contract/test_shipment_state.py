"""The StateStore's shipment records (issue 4), against the in-memory fake and DynamoDB on moto server."""

from __future__ import annotations

from typing import Any

import pytest

from amazon_odoo.domain.errors import ConflictError
from amazon_odoo.domain.shipments import (
    Outcome,
    PackageConfirmation,
    ShipmentRecord,
    ShipmentStatus,
    ShippedItem,
)
from tests.contract.aws_fixtures import Clock


def record(clock: Clock, order: str, picking: int, **changes: Any) -> ShipmentRecord:
    package = PackageConfirmation(
        reference=str(picking * 100 + 1),
        items=(ShippedItem(order_item_id="60217734910021", quantity=2),),
        carrier_code="UPS",
        tracking_number="1Z999",
    )
    base = ShipmentRecord(
        seller_id="mugs-us",
        order_id=order,
        picking_id=picking,
        picking_name=f"WH/OUT/{picking:05d}",
        marketplace_id="ATVPDKIKX0DER",
        packages=(package,),
        created_at=clock.now,
        updated_at=clock.now,
    )
    return base.model_copy(update=changes)


def done(saved: ShipmentRecord, clock: Clock) -> ShipmentRecord:
    packages = tuple(p.model_copy(update={"status": ShipmentStatus.DONE}) for p in saved.packages)
    return saved.touched(
        clock.now, status=ShipmentStatus.DONE, outcome=Outcome.CONFIRMED, done_at=clock.now, packages=packages
    )


def test_save_locks_optimistically_and_round_trips(state_store: Any, clock: Clock) -> None:
    first = state_store.save_shipment(record(clock, "114-1", 7, status=ShipmentStatus.SENDING))
    assert first.version == 1
    with pytest.raises(ConflictError):  # another run created it meanwhile
        state_store.save_shipment(record(clock, "114-1", 7))
    second = state_store.save_shipment(done(first, clock))
    assert second.version == 2
    with pytest.raises(ConflictError):  # a stale copy
        state_store.save_shipment(first.touched(clock.now, message="stale"))
    assert state_store.get_shipments("mugs-us", [("114-1", 7)]) == {7: second}
    assert state_store.get_shipments("other-seller", [("114-1", 7)]) == {}


def test_get_shipments_reads_many_keys_at_once(state_store: Any, clock: Clock) -> None:
    saved = {p: state_store.save_shipment(record(clock, f"114-{p % 3}", p)) for p in (3, 50, 120)}
    keys = [(f"114-{p % 3}", p) for p in range(1, 151)]  # more than one BatchGetItem page
    assert state_store.get_shipments("mugs-us", keys) == saved
    assert state_store.get_shipments("mugs-us", [("114-1", 3)]) == {}  # wrong order id: another key
    assert state_store.get_shipments("mugs-us", []) == {}


def test_open_shipments_are_the_ones_not_done_oldest_first(state_store: Any, clock: Clock) -> None:
    late = state_store.save_shipment(record(clock, "114-2", 20, status=ShipmentStatus.REFUSED))
    clock.advance(minutes=-5)
    early = state_store.save_shipment(record(clock, "114-1", 10, status=ShipmentStatus.INVALID))
    closing = state_store.save_shipment(record(clock, "114-1", 11, status=ShipmentStatus.SENDING))
    assert [r.picking_id for r in state_store.open_shipments("mugs-us")] == [10, 11, 20]
    clock.advance(minutes=10)
    state_store.save_shipment(done(closing, clock))
    assert state_store.open_shipments("mugs-us") == [early, late]
    assert state_store.open_shipments("nobody") == []


def test_order_shipments_and_expiry_of_done_records(state_store: Any, clock: Clock) -> None:
    a = state_store.save_shipment(done(state_store.save_shipment(record(clock, "114-7", 1)), clock))
    b = state_store.save_shipment(record(clock, "114-7", 2, status=ShipmentStatus.INVALID))
    state_store.save_shipment(record(clock, "114-70", 3))  # another order, same prefix
    assert [r.picking_id for r in state_store.order_shipments("mugs-us", "114-7")] == [1, 2]
    clock.advance(days=91)  # done records expire with the log book (90 days); open ones never do
    assert state_store.order_shipments("mugs-us", "114-7") == [b]
    assert state_store.get_shipments("mugs-us", [("114-7", 1), ("114-7", 2)]) == {2: b}
    assert a.done_at is not None and state_store.open_shipments("mugs-us")[0] == b
