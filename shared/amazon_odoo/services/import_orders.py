"""The order poll (issue 3's safety net beside the notifications): closed windows of searchOrders pages,
each order handed to the work queue on its own so one bad order never blocks the rest.

searchOrders refills one call every ~3 minutes after a burst of 20 (SPAPI.md), so the poll reads full
pages (100 orders) with every dataset the mapping needs, and never calls Amazon once per order. The
checkpoint records the window before the first page and the page token after each page is queued: a run
that is throttled or dies resumes where it stopped, and the cursor moves only when the window is closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from amazon_odoo.domain.state import Checkpoint
from amazon_odoo.domain.windows import (
    WindowField,
    WindowOptions,
    advance_page,
    close_window,
    next_window,
    open_window,
)
from amazon_odoo.ports import AmazonGateway, StateStore, WorkQueue
from amazon_odoo.services.jobs import JobContext

JOB = "import_orders"
PAGE_SIZE = 100
# Everything ingest_order needs, so the poll path never calls getOrder.
INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "TAX",
)
ORDER_MESSAGE = "amazon_order"


def order_message(seller_id: str, order: dict[str, Any], source: str) -> dict[str, Any]:
    """The work item for one order (SQS, encrypted at rest; the order is never stored in DynamoDB)."""
    return {"kind": ORDER_MESSAGE, "seller_id": seller_id, "source": source, "order": order}


def poll_orders(
    ctx: JobContext,
    amazon: AmazonGateway,
    queue: WorkQueue,
    state: StateStore,
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> None:
    """Queue every order of the due window (or of ``since``..``until`` by hand, which leaves the cursor)."""
    seller = ctx.seller
    manual = since is not None
    checkpoint = state.get_checkpoint(seller.id, JOB) or Checkpoint(seller_id=seller.id, job=JOB)
    options = WindowOptions.model_validate(seller.orders.model_dump())
    window = next_window(None if manual else checkpoint, options, now, since=since, until=until)
    if window is None:
        ctx.counts["windows"] = 0
        return
    ctx.counts["windows"] = 1
    if not manual and checkpoint.window_start is None:
        checkpoint = state.save_checkpoint(open_window(checkpoint, window))
    marketplaces: Sequence[str] = [mp.id for mp in seller.marketplaces]
    token = window.next_token
    while True:
        by_creation = window.field is WindowField.CREATED
        page = amazon.search_orders(
            marketplace_ids=marketplaces,
            created_after=window.start if by_creation else None,
            created_before=window.end if by_creation else None,
            last_updated_after=None if by_creation else window.start,
            last_updated_before=None if by_creation else window.end,
            fulfillment_statuses=window.statuses,
            fulfilled_by=("MERCHANT",),
            included_data=INCLUDED_DATA,
            max_results_per_page=page_size,
            pagination_token=token,
        )
        ctx.counts["pages"] += 1
        orders = [o for o in page.get("orders", []) if isinstance(o, dict)]
        if orders:
            ctx.counts["orders_queued"] += queue.send_batch(
                [order_message(seller.id, order, "manual" if manual else "poll") for order in orders]
            )
        token = (page.get("pagination") or {}).get("nextToken")
        if not manual:
            checkpoint = state.save_checkpoint(advance_page(checkpoint, token))
        if not token:
            break
    if not manual:
        state.save_checkpoint(close_window(checkpoint))
