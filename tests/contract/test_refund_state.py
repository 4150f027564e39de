"""The StateStore's refund records (issue 8), against the in-memory fake and DynamoDB on moto server: a refund
is claimed once (conditional put), updated with optimistic locking, listed per order oldest first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.domain.errors import ConflictError
from amazon_odoo.domain.refunds import Component, RefundLine, RefundRecord, RefundStatus
from tests.contract.aws_fixtures import Clock


def record(clock: Clock, order: str, refund_id: str, **changes: Any) -> RefundRecord:
    base = RefundRecord(
        seller_id="mugs-us",
        order_id=order,
        refund_id=refund_id,
        marketplace_id="ATVPDKIKX0DER",
        currency="USD",
        lines=(
            RefundLine(
                order_item_id="60217734910021",
                sku="MUG-BLUE-12",
                quantity=1,
                amounts={Component.PRINCIPAL: Decimal("12.00"), Component.SHIPPING: Decimal("2.50")},
            ),
        ),
        created_at=clock.now,
        updated_at=clock.now,
    )
    return base.model_copy(update=changes)


def test_a_refund_is_claimed_once_and_locked_optimistically(state_store: Any, clock: Clock) -> None:
    claimed = state_store.save_refund(record(clock, "114-1", "cli-abc"))
    assert claimed.version == 1 and claimed.status is RefundStatus.SENDING
    with pytest.raises(ConflictError):  # another worker claims the same refund
        state_store.save_refund(record(clock, "114-1", "cli-abc"))
    sent = state_store.save_refund(claimed.touched(clock.now, status=RefundStatus.SENT, feed_id="5001"))
    assert sent.version == 2
    with pytest.raises(ConflictError):  # a stale copy
        state_store.save_refund(claimed.touched(clock.now, status=RefundStatus.NOT_SENT))
    assert state_store.order_refunds("mugs-us", "114-1") == [sent]
    assert sent.total == Decimal("14.50")


def test_order_refunds_lists_one_order_oldest_first(state_store: Any, clock: Clock) -> None:
    late = state_store.save_refund(record(clock, "114-2", "cn-9"))
    clock.advance(minutes=-5)
    early = state_store.save_refund(record(clock, "114-2", "cli-x"))
    state_store.save_refund(record(clock, "114-22", "cli-y"))  # another order whose id starts the same
    assert state_store.order_refunds("mugs-us", "114-2") == [early, late]
    assert state_store.order_refunds("other-seller", "114-2") == []
