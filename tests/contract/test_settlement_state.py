"""The StateStore's settlement report records (issue 6), against the in-memory fake and DynamoDB on moto."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.domain.errors import ConflictError
from amazon_odoo.domain.settlements import ReportState, SettlementRecord
from tests.contract.aws_fixtures import Clock


def record(clock: Clock, report_id: str, days_ago: int = 0, **changes: Any) -> SettlementRecord:
    base = SettlementRecord(
        seller_id="mugs-us",
        report_id=report_id,
        marketplace_id="ATVPDKIKX0DER",
        document_id=f"amzn1.spdoc.{report_id}",
        report_created_at=clock.now - timedelta(days=days_ago),
        created_at=clock.now,
        updated_at=clock.now,
    )
    return base.model_copy(update=changes)


def test_save_locks_optimistically_and_round_trips_money(state_store: Any, clock: Clock) -> None:
    first = state_store.save_settlement(record(clock, "51243019877"))
    assert first.version == 1 and first.state is ReportState.NEW
    with pytest.raises(ConflictError):  # another worker recorded the same report meanwhile
        state_store.save_settlement(record(clock, "51243019877"))
    done = first.touched(
        clock.now,
        state=ReportState.IMPORTED,
        settlement_id="23871640912",
        total=Decimal("29.20"),
        currency="USD",
        statement_id=7,
        open_lines=1,
    )
    second = state_store.save_settlement(done)
    assert second.version == 2
    with pytest.raises(ConflictError):  # a stale copy
        state_store.save_settlement(first.touched(clock.now, message="stale"))
    stored = state_store.get_settlement("mugs-us", "51243019877")
    assert stored == second and stored.total == Decimal("29.20") and str(stored.total) == "29.20"
    assert state_store.get_settlement("mugs-us", "nope") is None
    assert state_store.get_settlement("other-seller", "51243019877") is None


def test_records_never_expire(state_store: Any, clock: Clock) -> None:
    state_store.save_settlement(record(clock, "1", state=ReportState.RECONCILED))
    clock.advance(days=400)  # far beyond the log book's retention: a report is still processed once
    assert state_store.get_settlement("mugs-us", "1") is not None
    assert [r.report_id for r in state_store.list_settlements("mugs-us")] == ["1"]


def test_listed_newest_report_first_filtered_by_state(state_store: Any, clock: Clock) -> None:
    state_store.save_settlement(record(clock, "100", days_ago=30, state=ReportState.RECONCILED))
    state_store.save_settlement(record(clock, "300", days_ago=2, state=ReportState.NEW))
    state_store.save_settlement(record(clock, "200", days_ago=16, state=ReportState.IMPORTED))
    state_store.save_settlement(record(clock, "400", days_ago=1, state=ReportState.FAILED))
    other = record(clock, "500").model_copy(update={"seller_id": "other"})
    state_store.save_settlement(other)
    assert [r.report_id for r in state_store.list_settlements("mugs-us")] == ["400", "300", "200", "100"]
    pending = state_store.list_settlements("mugs-us", [ReportState.NEW, ReportState.IMPORTED])
    assert [r.report_id for r in pending] == ["300", "200"]
    assert [r.report_id for r in state_store.list_settlements("mugs-us", limit=2)] == ["400", "300"]
    assert state_store.list_settlements("mugs-us", limit=0) == []
    assert [r.report_id for r in state_store.list_settlements("other")] == ["500"]
