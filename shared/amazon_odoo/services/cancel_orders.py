"""Cancel at Amazon (FEATURES.md §3, issue 4 item 5): unshipped Amazon orders cancelled through the order
acknowledgement feed (``POST_ORDER_ACKNOWLEDGEMENT_DATA``, ``StatusCode`` ``Failure`` with a reason).

**By hand** (``amazon-odoo orders cancel``) and **on schedule** (:func:`cancel_cancelled_orders`: Odoo sale
orders of Amazon orders — customer reference set, the seller's company — cancelled in Odoo since the last
run, found with one Odoo search), :func:`cancel_at_amazon` first asks Amazon for each order (``getOrder``):
an order Amazon has cancelled already is left alone, one shipped (or partly) is refused with a log book
entry and nothing is sent for it, one already in a cancellation feed Amazon is still working on is not sent
twice. The rest go in ONE feed, submitted through the feed tracker (job ``cancel_orders``, one message per
order keyed by its Amazon order id), so ``track_feeds`` / ``FEED_PROCESSING_FINISHED`` bring Amazon's
per-order result into the feed record, ``feeds show`` and the log book.

Nothing is recorded per order besides the feed records: Amazon's order status is the marker (an accepted
cancellation makes the order ``CANCELLED``, which the next look skips), and the scheduled job's cursor
(a checkpoint) keeps each run to the orders cancelled in Odoo since the previous one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from amazon_odoo.domain.errors import PermanentError, SkipError
from amazon_odoo.domain.feeds import ORDER_ACKNOWLEDGEMENT, FeedRecord, SubmissionUncertainError
from amazon_odoo.domain.state import Checkpoint, LogLevel
from amazon_odoo.mapping.cancellations import Cancellation, cancellation_feed, check_cancel_reason
from amazon_odoo.mapping.orders import order_external_id
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.feeds import FeedTracker
from amazon_odoo.services.jobs import JobContext

JOB = "cancel_orders"
SCOPE = "orders"  # one scope for every marketplace: an order id is unique across them
ORDER_DATA = ("FULFILLMENT",)
SHIPPED = frozenset({"SHIPPED", "PARTIALLY_SHIPPED"})
FIRST_RUN_DAYS = 7  # the first scheduled run looks this far back
OVERLAP = timedelta(minutes=5)  # each run looks a little before the previous one's start (clock skew)
ODOO_TIME = "%Y-%m-%d %H:%M:%S"


@dataclass
class CancelOutcome:
    """What one call did: the feed (None when nothing was sent) and each order's fate."""

    feed: FeedRecord | None = None
    sent: list[str] = field(default_factory=list)
    already_cancelled: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


def _order(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    order = answer.get("order")
    return order if isinstance(order, Mapping) else {}


def _status(order: Mapping[str, Any]) -> str:
    fulfillment = order.get("fulfillment")
    return str(fulfillment.get("fulfillmentStatus") or "") if isinstance(fulfillment, Mapping) else ""


def _marketplace(order: Mapping[str, Any], default: str) -> str:
    channel = order.get("salesChannel")
    marketplace = channel.get("marketplaceId") if isinstance(channel, Mapping) else None
    return str(marketplace or default)


def _item_ids(order: Mapping[str, Any]) -> tuple[str, ...]:
    items = order.get("orderItems") or []
    return tuple(str(i["orderItemId"]) for i in items if isinstance(i, Mapping) and i.get("orderItemId"))


def cancel_at_amazon(
    ctx: JobContext,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    order_ids: Sequence[str],
    reason: str,
    *,
    item_ids: Mapping[str, Sequence[str]] | None = None,
) -> CancelOutcome:
    """Cancel ``order_ids`` at Amazon with ``reason`` (one of Amazon's CancelReason values) in one feed.

    ``item_ids`` limits an order to the items named (default: all its items). A bad reason raises
    ConfigError before anything is asked; throttling or an unreachable Amazon is raised (nothing sent)."""
    reason = check_cancel_reason(reason)
    outcome = CancelOutcome()
    seller = ctx.seller
    in_flight = tracker.items_in_flight(seller.id, JOB, SCOPE)
    cancellations: list[Cancellation] = []
    marketplaces: set[str] = set()
    for order_id in dict.fromkeys(order_ids):
        record = f"order {order_id}"
        if order_id in in_flight:
            outcome.in_flight.append(order_id)
            ctx.counts["in_flight"] += 1
            continue
        try:
            order = _order(amazon.get_order(order_id, included_data=ORDER_DATA))
        except (PermanentError, SkipError) as error:
            _refuse(ctx, outcome, order_id, f"Amazon does not give order {order_id}: {error.message}")
            continue
        ctx.counts["orders_checked"] += 1
        status = _status(order)
        if status == "CANCELLED":
            outcome.already_cancelled.append(order_id)
            ctx.counts["already_cancelled"] += 1
            ctx.log(f"Amazon order {order_id} is cancelled already: nothing sent", record=record)
            continue
        if status in SHIPPED:
            _refuse(
                ctx,
                outcome,
                order_id,
                f"Amazon order {order_id} is {status.lower().replace('_', ' ')}: it cannot be cancelled",
                resolution="refund the buyer in Seller Central (or take the goods back as a return)",
            )
            continue
        wanted = tuple(item_ids.get(order_id, ())) if item_ids else ()
        cancellations.append(
            Cancellation(order_id=order_id, reason=reason, item_ids=wanted or _item_ids(order))
        )
        marketplaces.add(_marketplace(order, seller.marketplaces[0].id))
    if not cancellations:
        return outcome
    content = cancellation_feed(seller.merchant_id, cancellations)
    sent = [c.order_id for c in cancellations]
    try:
        outcome.feed = tracker.submit(
            seller,
            feed_type=ORDER_ACKNOWLEDGEMENT,
            marketplace_ids=sorted(marketplaces),
            content=content,
            job=JOB,
            scope=SCOPE,
        )
    except SubmissionUncertainError as error:  # the tracker settles it; nothing is sent again meanwhile
        ctx.counts["feeds_uncertain"] += 1
        ctx.log_error(error)
        outcome.sent = sent
        return outcome
    outcome.sent = sent
    ctx.counts["orders_sent"] += len(sent)
    ctx.counts["feeds_submitted"] += 1
    ctx.log(
        f"cancellation ({reason}) of {len(sent)} order(s) sent to Amazon in feed {outcome.feed.feed_id}: "
        + ", ".join(sent),
        record=f"feed {outcome.feed.feed_id}",
        details={"orders": sent, "reason": reason, "submission_id": outcome.feed.submission_id},
    )
    return outcome


def _refuse(
    ctx: JobContext, outcome: CancelOutcome, order_id: str, message: str, *, resolution: str = ""
) -> None:
    outcome.refused[order_id] = message
    ctx.counts["refused"] += 1
    ctx.log(
        message,
        level=LogLevel.ERROR,
        record=f"order {order_id}",
        resolution=resolution or "check the Amazon order id (amazon-odoo orders import ORDER_ID reads it)",
    )


def cancel_cancelled_orders(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    state: StateStore,
    now: datetime,
) -> CancelOutcome:
    """The scheduled job: Amazon orders whose Odoo sale order was cancelled since the last run are
    cancelled at Amazon with the seller's ``orders.cancel_reason`` (one Odoo search, one feed)."""
    seller = ctx.seller
    reason = check_cancel_reason(seller.orders.cancel_reason)
    checkpoint = state.get_checkpoint(seller.id, JOB) or Checkpoint(seller_id=seller.id, job=JOB)
    since = (checkpoint.cursor - OVERLAP) if checkpoint.cursor else now - timedelta(days=FIRST_RUN_DAYS)
    company = odoo.company_id(seller.odoo.company)
    rows = odoo.search_read(
        "sale.order",
        [
            ("state", "=", "cancel"),
            ("client_order_ref", "!=", False),
            ("company_id", "=", company),
            ("write_date", ">=", since.strftime(ODOO_TIME)),
        ],
        ["client_order_ref"],
        order="id",
    )
    order_ids = _imported_by_us(odoo, rows, [mp.id for mp in seller.marketplaces])
    ctx.counts["cancelled_in_odoo"] = len(order_ids)
    # throttled or unreachable raises before the cursor moves: the next run sees the same orders again
    outcome = cancel_at_amazon(ctx, amazon, tracker, order_ids, reason) if order_ids else CancelOutcome()
    state.save_checkpoint(checkpoint.model_copy(update={"cursor": now}))
    return outcome


def _imported_by_us(
    odoo: OdooGateway, rows: Sequence[Mapping[str, Any]], marketplaces: Sequence[str]
) -> list[str]:
    """Amazon order ids of the rows that are this seller's imported Amazon orders (their ``__amazon__`` external
    id names one of its marketplaces): a customer reference alone may be any customer's PO number. 1 call."""
    wanted: dict[str, tuple[int, str]] = {}
    for row in rows:
        ref = str(row.get("client_order_ref") or "").strip()
        for marketplace in marketplaces if ref else ():
            name = order_external_id(marketplace, ref).split(".", 1)[1]
            wanted[name] = (int(row["id"]), ref)
    found = odoo.xmlid_map(list(wanted)) if wanted else {}
    return list(dict.fromkeys(ref for name, (so_id, ref) in wanted.items() if found.get(name) == so_id))
