"""The order poll's closed windows (DESIGN §2 "Orders in", §7 "Closed windows").

A window is ``[start, end]`` with ``end = now - 2 min`` (Amazon's data settles about two minutes after a
change) and ``start = cursor - overlap days`` (Amazon does not guarantee every order in a date range, so
each run re-reads the last few days). The first run reads the unshipped FBM orders created in the last
``first_import_days`` days, or everything since ``shipped_since`` when shipped orders are imported too;
later runs read by last update, so status changes and cancellations are seen as well.

A window is saved in the checkpoint before its first page is read, and its page token after every page,
so a run that dies resumes the same window from the same page; the cursor moves to ``end`` only when the
last page was handed on (:func:`close_window`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from amazon_odoo.domain.state import Checkpoint

SETTLE = timedelta(minutes=2)
OPEN_STATUSES = ("PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED")
ALL_STATUSES = (*OPEN_STATUSES, "SHIPPED", "CANCELLED", "UNFULFILLABLE")


class WindowOptions(BaseModel):
    """The seller's order options that shape the windows (``config.OrderOptions`` carries them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    first_import_days: int = 30
    overlap_days: int = 3
    import_shipped: bool = False
    shipped_since: date | None = None


class WindowField(StrEnum):
    CREATED = "created"
    LAST_UPDATED = "last_updated"


class Window(BaseModel):
    """One searchOrders query, possibly resumed from a page."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime
    field: WindowField
    statuses: tuple[str, ...]
    next_token: str | None = None


def _first_start(options: WindowOptions, now: datetime) -> datetime:
    if options.import_shipped and options.shipped_since is not None:
        return datetime.combine(options.shipped_since, time.min, tzinfo=UTC)
    return now - timedelta(days=options.first_import_days)


def next_window(
    checkpoint: Checkpoint | None,
    options: WindowOptions,
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Window | None:
    """The window to read now, or None when there is nothing new to read yet.

    ``since``/``until`` ask for a manual range (recovery by hand); they never touch the cursor's meaning.
    A window in flight (saved but not closed) is resumed as it was, page token included.
    """
    end_limit = now - SETTLE
    if since is not None:
        end = min(until or end_limit, end_limit)
        if since >= end:
            return None
        statuses = ALL_STATUSES if options.import_shipped else (*OPEN_STATUSES, "CANCELLED")
        return Window(start=since, end=end, field=WindowField.CREATED, statuses=statuses)
    if checkpoint is not None and checkpoint.window_start is not None and checkpoint.window_end is not None:
        field = WindowField.CREATED if checkpoint.cursor is None else WindowField.LAST_UPDATED
        return Window(
            start=checkpoint.window_start,
            end=checkpoint.window_end,
            field=field,
            statuses=_statuses(options, field),
            next_token=checkpoint.next_token,
        )
    if checkpoint is None or checkpoint.cursor is None:
        start, field = _first_start(options, now), WindowField.CREATED
    else:
        start, field = checkpoint.cursor - timedelta(days=options.overlap_days), WindowField.LAST_UPDATED
    if start >= end_limit:
        return None
    return Window(start=start, end=end_limit, field=field, statuses=_statuses(options, field))


def _statuses(options: WindowOptions, field: WindowField) -> tuple[str, ...]:
    if field is WindowField.CREATED and not options.import_shipped:
        return OPEN_STATUSES  # first run: unshipped orders only
    if options.import_shipped:
        return ALL_STATUSES
    return (*OPEN_STATUSES, "CANCELLED")  # later runs: also the cancellations of orders already imported


def open_window(checkpoint: Checkpoint, window: Window) -> Checkpoint:
    """The checkpoint that records ``window`` as in flight (saved before its first page is read)."""
    return checkpoint.model_copy(
        update={"window_start": window.start, "window_end": window.end, "next_token": window.next_token}
    )


def advance_page(checkpoint: Checkpoint, next_token: str | None) -> Checkpoint:
    """After a page was handed on: remember where the next page starts."""
    return checkpoint.model_copy(update={"next_token": next_token})


def close_window(checkpoint: Checkpoint) -> Checkpoint:
    """After the last page: the cursor moves to the window's end and nothing is in flight."""
    if checkpoint.window_end is None:
        raise ValueError("no window in flight to close")
    return checkpoint.model_copy(
        update={"cursor": checkpoint.window_end, "window_start": None, "window_end": None, "next_token": None}
    )
