"""Closed windows of the order poll: first run, overlap, settle time, resume from a page, manual ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from amazon_odoo.domain.state import Checkpoint
from amazon_odoo.domain.windows import (
    ALL_STATUSES,
    OPEN_STATUSES,
    WindowField,
    WindowOptions,
    advance_page,
    close_window,
    next_window,
    open_window,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
EMPTY = Checkpoint(seller_id="s", job="import_orders")


def test_first_run_reads_unshipped_orders_of_the_last_30_days() -> None:
    window = next_window(None, WindowOptions(), NOW)
    assert window is not None
    assert (window.start, window.end) == (NOW - timedelta(days=30), NOW - timedelta(minutes=2))
    assert window.field is WindowField.CREATED and window.statuses == OPEN_STATUSES


def test_first_run_with_shipped_orders_starts_at_their_date() -> None:
    options = WindowOptions(import_shipped=True, shipped_since=date(2026, 9, 1))
    window = next_window(None, options, NOW)
    assert window is not None
    assert window.start == datetime(2026, 9, 1, tzinfo=UTC) and window.statuses == ALL_STATUSES


def test_later_runs_overlap_and_read_by_last_update() -> None:
    cursor = NOW - timedelta(minutes=17)
    window = next_window(EMPTY.model_copy(update={"cursor": cursor}), WindowOptions(overlap_days=3), NOW)
    assert window is not None
    assert window.start == cursor - timedelta(days=3) and window.field is WindowField.LAST_UPDATED
    assert "CANCELLED" in window.statuses  # a cancellation of an imported order is seen
    assert window.end == NOW - timedelta(minutes=2)


def test_nothing_to_read_inside_the_settle_time() -> None:
    checkpoint = EMPTY.model_copy(update={"cursor": NOW - timedelta(minutes=1)})
    assert next_window(checkpoint, WindowOptions(overlap_days=0), NOW) is None


def test_a_window_in_flight_is_resumed_from_its_page() -> None:
    first = next_window(None, WindowOptions(), NOW)
    assert first is not None
    saved = advance_page(open_window(EMPTY, first), "page-3")
    later = NOW + timedelta(hours=1)  # the run died; the next one starts an hour later
    resumed = next_window(saved, WindowOptions(), later)
    assert resumed is not None
    assert (resumed.start, resumed.end, resumed.next_token) == (first.start, first.end, "page-3")
    assert resumed.field is WindowField.CREATED


def test_closing_moves_the_cursor_to_the_windows_end_only() -> None:
    window = next_window(None, WindowOptions(), NOW)
    assert window is not None
    closed = close_window(advance_page(open_window(EMPTY, window), None))
    assert closed.cursor == window.end
    assert (closed.window_start, closed.window_end, closed.next_token) == (None, None, None)


def test_manual_range_is_capped_at_the_settle_time() -> None:
    since = NOW - timedelta(days=2)
    window = next_window(EMPTY, WindowOptions(), NOW, since=since, until=NOW + timedelta(days=1))
    assert window is not None
    assert (window.start, window.end) == (since, NOW - timedelta(minutes=2))
    assert next_window(EMPTY, WindowOptions(), NOW, since=NOW) is None
