"""Refunds at Amazon (FEATURES.md §7, issue 8 part 1): the payment adjustment feed, return pickings, credit notes.

**By hand** (``amazon-odoo orders refund``) and **on schedule** (:func:`export_refunds`: posted Odoo credit
notes of the seller's Amazon orders, when ``returns.send_refunds`` is on), :func:`refund_at_amazon` reads each
order from Amazon (``getOrder`` with its proceeds), plans the refund against what the order charged minus
what earlier refunds gave back (:func:`~amazon_odoo.domain.refunds.plan_refund`: too much, a line refunded
already, an unknown SKU → a log book entry, nothing sent), claims it — a :class:`RefundRecord` written with a
conditional put under a deterministic refund id (``cli-<digest of the request>``, ``cn-<credit note id>``), so
the same refund is never sent twice, even by two workers at once — and sends every claimed refund in ONE
``POST_PAYMENT_ADJUSTMENT_DATA`` feed through the feed tracker. The feed's results come back through
:func:`refund_results_listener`: each refund ends ``ACCEPTED`` or ``REFUSED`` with Amazon's message (the
tracker writes the refusal in the log book); one whose feed never reached Amazon (or ended fatal) is
``NOT_SENT`` and may be sent again.

A refund asked by hand also makes, per the seller's ``returns`` options, the return picking of the refunded
units (``create_return_picking``) and the posted credit note of the order's invoice (``create_credit_note``;
partial refunds keep only the refunded lines), both once (found again by their reference
``Amazon refund <refund id>``). A refund coming from a credit note needs no other credit note. Credit notes
the connector made for refunds that started at Amazon (``services/settlement_refunds.py``, refunds of source
``amazon``) are never sent to Amazon: found by their reference, or by their refund record.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConflictError, ConnectorError, PermanentError, SkipError
from amazon_odoo.domain.feeds import (
    PAYMENT_ADJUSTMENT,
    FeedRecord,
    FeedResults,
    FeedStatus,
    ItemOutcome,
    SubmissionUncertainError,
    new_submission_id,
)
from amazon_odoo.domain.orders import parse_order
from amazon_odoo.domain.refunds import (
    AskedLine,
    Component,
    CreditLine,
    RefundAsk,
    RefundLine,
    RefundRecord,
    RefundRefusedError,
    RefundStatus,
    check_adjustment_reason,
    credit_note_refund_id,
    plan_refund,
)
from amazon_odoo.domain.state import Checkpoint, LogLevel, utcnow
from amazon_odoo.mapping.orders import LineKind, line_external_id, order_external_id
from amazon_odoo.mapping.refunds import adjustment_feed, refund_id_of
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.feeds import FeedListener, FeedTracker, submit_feed
from amazon_odoo.services.jobs import JobContext

JOB = "export_refunds"
SCOPE = "orders"  # one scope for every marketplace: an order id is unique across them
ORDER_DATA = ("PROCEEDS", "FULFILLMENT", "CANCELLATION")
REF_PREFIX = "Amazon refund "  # the reference of the credit notes and the origin of the returns it makes
FIRST_RUN_DAYS = 7  # the first scheduled run looks at credit notes dated this far back
_XMLID_SAFE = re.compile(r"[^a-z0-9_]+")


def odoo_reference(refund_id: str) -> str:
    return f"{REF_PREFIX}{refund_id}"


@dataclass
class RefundOutcome:
    """What one call did: the feed (None when nothing was sent) and each refund's fate, by refund id."""

    feed: FeedRecord | None = None
    sent: list[RefundRecord] = field(default_factory=list)
    planned: list[RefundRecord] = field(default_factory=list)  # dry run: what would be sent
    already: dict[str, RefundRecord] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    odoo: dict[str, list[str]] = field(default_factory=dict)  # refund id -> what was made in Odoo


def _order_payload(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    order = answer.get("order")
    return order if isinstance(order, Mapping) else answer


def refund_at_amazon(
    ctx: JobContext,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    asks: Sequence[RefundAsk],
    *,
    odoo: OdooGateway | None = None,
    dry_run: bool = False,
    clock: Callable[[], datetime] = utcnow,
) -> RefundOutcome:
    """Send ``asks`` to Amazon in one payment adjustment feed (each refund once), then make the return
    pickings and credit notes of the refunds asked by hand (``odoo`` given, per the seller's options).

    A bad reason raises ConfigError before anything is asked; throttling or an unreachable Amazon is raised
    with nothing sent (refunds claimed for the feed are released: ``NOT_SENT``)."""
    seller = ctx.seller
    state = tracker.state
    asks = [ask.model_copy(update={"reason": check_adjustment_reason(ask.reason)}) for ask in asks]
    outcome = RefundOutcome()
    submission_id = new_submission_id(clock())
    claimed: list[RefundRecord] = []
    for ask in asks:
        earlier = state.order_refunds(seller.id, ask.order_id)
        existing = next((r for r in earlier if r.refund_id == ask.refund_id), None)
        if existing is not None and existing.status is not RefundStatus.NOT_SENT:
            outcome.already[ask.refund_id] = existing
            ctx.counts["already_sent"] += 1
            continue
        record = f"order {ask.order_id}"
        try:
            order = parse_order(_order_payload(amazon.get_order(ask.order_id, included_data=ORDER_DATA)))
        except (PermanentError, SkipError) as error:
            _refuse(ctx, outcome, ask, f"Amazon does not give order {ask.order_id}: {error.message}")
            continue
        ctx.counts["orders_checked"] += 1
        if not order.is_merchant_fulfilled:
            _refuse(
                ctx,
                outcome,
                ask,
                f"Amazon order {ask.order_id} is fulfilled by Amazon: its refunds are Amazon's",
                resolution="nothing to send; refund FBA orders in Seller Central",
            )
            continue
        try:
            lines = plan_refund(ask, order, [r for r in earlier if r.refund_id != ask.refund_id])
        except RefundRefusedError as error:
            _refuse(ctx, outcome, ask, error.message, resolution=error.resolution)
            if ask.source == "credit_note" and not dry_run:
                _remember_refusal(state, seller.id, ask, error.message, existing, clock())
            continue
        now = clock()
        refund = RefundRecord(
            seller_id=seller.id,
            order_id=ask.order_id,
            refund_id=ask.refund_id,
            marketplace_id=order.sales_channel.marketplace_id or seller.marketplaces[0].id,
            reason=ask.reason,
            currency=order.currency or "",
            lines=lines,
            source=ask.source,
            full=ask.full,
            credit_note_id=ask.credit_note_id,
            status=RefundStatus.SENDING,
            submission_id=submission_id,
            message_id=len(claimed) + 1,
            created_at=existing.created_at if existing else now,
            updated_at=now,
            version=existing.version if existing else 0,
        )
        if dry_run:
            outcome.planned.append(refund)
            continue
        try:
            claimed.append(state.save_refund(refund))
        except ConflictError:  # another worker claimed it meanwhile: it sends it
            ctx.counts["already_sent"] += 1
            ctx.log(
                f"refund {ask.refund_id} of order {ask.order_id} is being sent by another run", record=record
            )
    if claimed:
        _send(ctx, amazon, tracker, claimed, outcome, submission_id, clock)
    if odoo is not None and not dry_run:  # the Odoo side of refunds Amazon accepted that lacks it (a retry)
        for refund in list(outcome.already.values()):
            if refund.source == "cli" and refund.status is RefundStatus.ACCEPTED:
                _odoo_side(ctx, odoo, state, refund, outcome, clock)
    return outcome


def _send(
    ctx: JobContext,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    claimed: list[RefundRecord],
    outcome: RefundOutcome,
    submission_id: str,
    clock: Callable[[], datetime],
) -> None:
    seller = ctx.seller
    state = tracker.state
    content = adjustment_feed(seller.merchant_id, claimed)
    try:
        feed = submit_feed(
            amazon,
            state,
            tracker.documents,
            seller_id=seller.id,
            feed_type=PAYMENT_ADJUSTMENT,
            marketplace_ids=sorted({r.marketplace_id for r in claimed}),
            content=content,
            job=JOB,
            scope=SCOPE,
            clock=clock,
            submission_id=submission_id,
        )
    except SubmissionUncertainError as error:  # the tracker settles the feed; the claims stay (never resent)
        ctx.counts["feeds_uncertain"] += 1
        ctx.log_error(error)
        outcome.sent.extend(claimed)
        return
    except ConnectorError as error:  # nothing reached Amazon: release the claims, raise
        for refund in claimed:
            state.save_refund(refund.touched(clock(), status=RefundStatus.NOT_SENT, message=error.message))
        raise
    now = clock()
    for refund in claimed:
        outcome.sent.append(
            state.save_refund(refund.touched(now, status=RefundStatus.SENT, feed_id=feed.feed_id))
        )
    outcome.feed = feed
    ctx.counts["refunds_sent"] += len(claimed)
    ctx.counts["feeds_submitted"] += 1
    ctx.log(
        f"{len(claimed)} refund(s) sent to Amazon in feed {feed.feed_id}: "
        + ", ".join(f"{r.order_id} {r.total} {r.currency} ({r.reason})" for r in claimed),
        record=f"feed {feed.feed_id}",
        details={"refunds": [r.refund_id for r in claimed], "submission_id": feed.submission_id},
    )


def _refuse(
    ctx: JobContext, outcome: RefundOutcome, ask: RefundAsk, message: str, *, resolution: str = ""
) -> None:
    outcome.refused[ask.refund_id] = message
    ctx.counts["refused"] += 1
    ctx.log(
        message,
        level=LogLevel.ERROR,
        record=f"order {ask.order_id}",
        resolution=resolution or "check the Amazon order id (amazon-odoo orders import ORDER_ID reads it)",
        details={
            "refund_id": ask.refund_id,
            **({"credit_note_id": ask.credit_note_id} if ask.credit_note_id else {}),
        },
    )


def _remember_refusal(
    state: StateStore,
    seller_id: str,
    ask: RefundAsk,
    message: str,
    existing: RefundRecord | None,
    now: datetime,
) -> None:
    """A credit note that cannot be refunded is recorded REFUSED (nothing sent): the next runs, which see it
    again, leave it alone instead of logging it every time."""
    refusal = RefundRecord(
        seller_id=seller_id,
        order_id=ask.order_id,
        refund_id=ask.refund_id,
        reason=ask.reason,
        lines=(),
        source=ask.source,
        credit_note_id=ask.credit_note_id,
        status=RefundStatus.REFUSED,
        message=message,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        version=existing.version if existing else 0,
    )
    with contextlib.suppress(ConflictError):
        state.save_refund(refusal)


# -- Odoo: return picking and credit note of a refund asked by hand ----------------------------------------


def _odoo_side(
    ctx: JobContext,
    odoo: OdooGateway,
    state: StateStore,
    refund: RefundRecord,
    outcome: RefundOutcome,
    clock: Callable[[], datetime],
) -> None:
    options = ctx.seller.returns
    want_return = options.create_return_picking and not refund.return_picking_ids
    want_credit = options.create_credit_note and refund.credit_note_id is None
    if not (want_return or want_credit):
        return
    done: list[str] = []
    changes: dict[str, object] = {}
    record = f"order {refund.order_id}"
    try:
        name = order_external_id(refund.marketplace_id, refund.order_id).split(".", 1)[1]
        sale_order = odoo.xmlid_map([name]).get(name)
        if sale_order is None:
            raise PermanentError(
                f"Amazon order {refund.order_id} is not in Odoo: no return or credit note made for refund "
                f"{refund.refund_id}",
                record=record,
                resolution="import the order (amazon-odoo orders import ORDER_ID), then run the refund command "
                "again: the refund is not sent twice, the return and credit note are made",
            )
        ref = odoo_reference(refund.refund_id)
        if want_return:
            quantities = {line.sku: line.quantity for line in refund.lines if line.quantity}
            if quantities:
                company = odoo.company_id(ctx.seller.odoo.company)
                products = odoo.products_by_sku(company, list(quantities))
                by_product = {
                    products[sku]: Decimal(qty) for sku, qty in quantities.items() if sku in products
                }
                status = odoo.sale_order_status(sale_order)
                if status.delivered and by_product:
                    pickings = odoo.return_deliveries(sale_order, by_product, origin=ref)
                    changes["return_picking_ids"] = tuple(pickings)
                    done.append("return " + ", ".join(map(str, pickings)))
                else:
                    done.append("no return (nothing delivered)")
        if want_credit:
            status = odoo.sale_order_status(sale_order, invoices=True)
            posted = [inv.id for inv in status.invoices if inv.state == "posted"]
            if not posted:
                raise PermanentError(
                    f"sale order {status.name} has no posted invoice: no credit note made for refund "
                    f"{refund.refund_id}",
                    record=record,
                    resolution="post the invoice, then run the refund command again (it is not sent twice)",
                )
            earlier = [
                r
                for r in state.order_refunds(ctx.seller.id, refund.order_id)
                if r.refund_id != refund.refund_id and r.status.counts
            ]
            lines = None if _whole(refund, earlier) else _credit_lines(odoo, refund)
            credit_note = odoo.refund_invoice(posted[0], reason=refund.reason, ref=ref, lines=lines)
            changes["credit_note_id"] = credit_note
            done.append(f"credit note {credit_note}")
    except ConnectorError as error:
        ctx.log_error(error)
        done.append(f"Odoo: {error.message}")
    if changes:
        saved = state.save_refund(refund.touched(clock(), **changes))
        outcome.sent = [saved if r.refund_id == saved.refund_id else r for r in outcome.sent]
        if refund.refund_id in outcome.already:
            outcome.already[refund.refund_id] = saved
        ctx.counts["odoo_documents"] += len(changes)
    outcome.odoo[refund.refund_id] = done


def _whole(refund: RefundRecord, earlier: Sequence[RefundRecord]) -> bool:
    """The first refund of an order, of all of it: the credit note reverses the whole invoice."""
    return refund.full and not earlier


def _credit_lines(odoo: OdooGateway, refund: RefundRecord) -> dict[int, CreditLine]:
    """Sale order line id -> what the credit note keeps of it (1 read of external ids)."""
    wanted: dict[str, tuple[RefundLine, LineKind]] = {}
    for line in refund.lines:
        if line.amounts.get(Component.PRINCIPAL) or line.quantity:
            wanted[line_external_id(refund.order_id, line.order_item_id, LineKind.PRODUCT)] = (
                line,
                LineKind.PRODUCT,
            )
        if line.amounts.get(Component.SHIPPING):
            for item in (line.order_item_id, None):
                wanted[line_external_id(refund.order_id, item, LineKind.SHIPPING)] = (line, LineKind.SHIPPING)
    names = {xmlid.split(".", 1)[1]: xmlid for xmlid in wanted}
    found = odoo.xmlid_map(list(names))
    out: dict[int, CreditLine] = {}
    for name, sale_line in found.items():
        line, kind = wanted[names[name]]
        if kind is LineKind.SHIPPING:
            out[sale_line] = CreditLine(quantity=Decimal(1), price_unit=line.amounts[Component.SHIPPING])
        elif line.quantity:
            out[sale_line] = CreditLine(
                quantity=Decimal(line.quantity),
                price_unit=_unit_of(line.amounts.get(Component.PRINCIPAL), line.quantity),
            )
        else:
            out[sale_line] = CreditLine(quantity=Decimal(1), price_unit=line.amounts.get(Component.PRINCIPAL))
    return out


def _unit_of(principal: Decimal | None, quantity: int) -> Decimal | None:
    """The unit price Amazon refunds, when it divides exactly into cents (units refunded after a refund by
    amount are worth less than the invoice's price); None keeps the invoice's unit price."""
    if not principal:
        return None
    unit = (principal / quantity).quantize(Decimal("0.01"))
    return unit if unit * quantity == principal else None


# -- the feed's results ------------------------------------------------------------------------------------


def refund_results_listener(
    state: StateStore,
    *,
    odoo: Callable[[], OdooGateway | None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FeedListener:
    """Told when a refund feed is finished: each refund of it ends ACCEPTED, REFUSED (Amazon's message kept;
    the tracker logs it) or NOT_SENT (its feed failed: it may be sent again). Idempotent.

    A refund asked by hand that Amazon accepted gets its return picking and credit note now (``odoo``
    given, per the seller's returns options): nothing is made in Odoo for a refund Amazon refuses. An Odoo
    failure is logged (the refund command run again completes it), never raised."""

    def odoo_side(saved: RefundRecord, feed_id: str) -> None:
        gateway = odoo() if odoo is not None and saved.source == "cli" else None
        seller = state.get_seller(saved.seller_id) if gateway is not None else None
        if gateway is None or seller is None:
            return
        ctx = JobContext(seller=seller, job=JOB, state=state, run_id=f"feed-{feed_id}")
        _odoo_side(ctx, gateway, state, saved, RefundOutcome(sent=[saved]), clock)

    def listen(record: FeedRecord, results: FeedResults) -> None:
        failed_feed = results.status in (FeedStatus.FATAL, FeedStatus.CANCELLED, FeedStatus.NOT_SUBMITTED)
        now = clock()
        for item in results.items:
            refund_id = refund_id_of(item.value)
            for refund in state.order_refunds(record.seller_id, item.key):
                if refund.refund_id != refund_id or refund.submission_id != record.submission_id:
                    continue
                if item.outcome.applied:
                    status, message = RefundStatus.ACCEPTED, item.text
                elif failed_feed:
                    status, message = RefundStatus.NOT_SENT, results.message or item.text
                elif item.outcome is ItemOutcome.ERROR:
                    status, message = RefundStatus.REFUSED, item.text
                else:
                    status, message = RefundStatus.SENT, item.text or results.message
                if (status, message, record.feed_id) != (refund.status, refund.message, refund.feed_id):
                    refund = state.save_refund(
                        refund.touched(now, status=status, message=message, feed_id=record.feed_id)
                    )
                if refund.status is RefundStatus.ACCEPTED:
                    odoo_side(refund, record.feed_id)

    return listen


# -- the scheduled job: posted Odoo credit notes of Amazon orders ----------------------------------------


def _shipping_product_name(seller_id: str) -> str:
    parts = ("service", seller_id, "shipping")
    return "_".join(_XMLID_SAFE.sub("_", part.lower()).strip("_") for part in parts)


def credit_note_asks(
    odoo: OdooGateway, seller: SellerConfig, company_id: int, since: date
) -> tuple[list[RefundAsk], dict[int, str]]:
    """The refunds the seller's posted credit notes of Amazon orders dated ``since`` or later ask for (the
    connector's own credit notes left out), and the credit notes that cannot become one (id -> why)."""
    documents = odoo.buyer_documents(company_id, "out_refund", since, [m.id for m in seller.marketplaces])
    if not documents:
        return [], {}
    moves = {
        int(row["id"]): row
        for row in odoo.read("account.move", [d.move_id for d in documents], ["ref", "invoice_line_ids"])
    }
    line_ids = [line for row in moves.values() for line in row.get("invoice_line_ids") or []]
    rows = odoo.read(
        "account.move.line",
        line_ids,
        ["move_id", "product_id", "quantity", "price_subtotal", "price_total", "display_type"],
    )
    product_ids = sorted({int(r["product_id"][0]) for r in rows if r.get("product_id")})
    skus = {
        int(p["id"]): str(p.get("default_code") or "")
        for p in odoo.read("product.product", product_ids, ["default_code"])
    }
    shipping_name = _shipping_product_name(seller.id)
    shipping_product = odoo.xmlid_map([shipping_name]).get(shipping_name)
    asks: list[RefundAsk] = []
    problems: dict[int, str] = {}
    reason = check_adjustment_reason(seller.returns.default_reason)
    for document in documents:
        move = moves.get(document.move_id, {})
        if str(move.get("ref") or "").startswith(REF_PREFIX):
            continue  # made by the connector: for a refund asked by hand (sent already) or done at Amazon
        lines: list[AskedLine] = []
        shipping = Decimal(0)
        shipping_tax = Decimal(0)
        for row in rows:
            if int(row["move_id"][0]) != document.move_id or row.get("display_type") not in (None, "product"):
                continue
            product = int(row["product_id"][0]) if row.get("product_id") else 0
            subtotal = Decimal(str(row.get("price_subtotal") or 0))
            total = Decimal(str(row.get("price_total") or 0))
            if product and product == shipping_product:
                shipping += subtotal
                shipping_tax += total - subtotal
            elif product and skus.get(product):
                quantity = Decimal(str(row.get("quantity") or 0))
                lines.append(
                    AskedLine(
                        sku=skus[product],
                        quantity=int(quantity) if quantity == quantity.to_integral_value() else None,
                        principal=subtotal,
                        tax=total - subtotal,
                    )
                )
        if not lines and not shipping:
            problems[document.move_id] = f"credit note {document.name} has no line of a product with a SKU"
            continue
        asks.append(
            RefundAsk(
                order_id=document.order_id,
                refund_id=credit_note_refund_id(document.move_id),
                reason=reason,
                lines=tuple(lines),
                shipping=shipping or None,
                shipping_tax=shipping_tax if shipping else None,
                source="credit_note",
                credit_note_id=document.move_id,
            )
        )
    return asks, problems


def export_refunds(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    state: StateStore,
    now: datetime,
) -> RefundOutcome:
    """The scheduled job: posted credit notes of the seller's Amazon orders not refunded at Amazon yet are
    refunded there (one feed), with ``returns.default_reason``. Off unless ``returns.send_refunds``."""
    seller = ctx.seller
    if not seller.returns.send_refunds:
        ctx.counts["switched_off"] = 1
        return RefundOutcome()
    checkpoint = state.get_checkpoint(seller.id, JOB) or Checkpoint(seller_id=seller.id, job=JOB)
    since = (
        (checkpoint.cursor - timedelta(days=1)) if checkpoint.cursor else now - timedelta(days=FIRST_RUN_DAYS)
    )
    company = odoo.company_id(seller.odoo.company)
    asks, problems = credit_note_asks(odoo, seller, company, since.date())
    for move_id, message in problems.items():
        ctx.log(
            message,
            level=LogLevel.WARNING,
            record=f"account.move {move_id}",
            resolution="refund it by hand (amazon-odoo orders refund ORDER_ID --line SKU=AMOUNT ...)",
        )
    asks = [ask for ask in asks if not _made_for_amazon(state, seller.id, ask)]
    ctx.counts["credit_notes"] = len(asks)
    outcome = refund_at_amazon(ctx, amazon, tracker, asks) if asks else RefundOutcome()
    state.save_checkpoint(checkpoint.model_copy(update={"cursor": now}))
    return outcome


def _made_for_amazon(state: StateStore, seller_id: str, ask: RefundAsk) -> bool:
    """The credit note was made by the connector for a refund that started at Amazon (settlements): Amazon
    refunded it already, it is never sent back (even when its reference was changed in Odoo)."""
    return any(
        r.source == "amazon" and r.credit_note_id == ask.credit_note_id
        for r in state.order_refunds(seller_id, ask.order_id)
    )


def refund_summary(records: Iterable[RefundRecord]) -> list[str]:
    """One line per refund for ``orders refunds``/the CLI: id, status, total, reason, lines, Odoo records."""
    out: list[str] = []
    for r in records:
        lines = "; ".join(
            f"{line.sku or line.order_item_id}"
            + (f" x{line.quantity}" if line.quantity else "")
            + " "
            + ", ".join(f"{c.value} {a}" for c, a in line.amounts.items())
            for line in r.lines
        )
        odoo = []
        if r.credit_note_id:
            odoo.append(f"credit note {r.credit_note_id}")
        if r.return_picking_ids:
            odoo.append("return " + ", ".join(map(str, r.return_picking_ids)))
        extra = f" [{'; '.join(odoo)}]" if odoo else ""
        message = f" — {r.message}" if r.message else ""
        out.append(
            f"{r.refund_id} {r.status.value} {r.total} {r.currency} {r.reason}: {lines}{extra}{message}"
        )
    return out


def full_ask(order_id: str, refund_id: str, reason: str) -> RefundAsk:
    return RefundAsk(order_id=order_id, refund_id=refund_id, reason=reason, full=True)


__all__ = [
    "JOB",
    "RefundOutcome",
    "credit_note_asks",
    "export_refunds",
    "full_ask",
    "odoo_reference",
    "refund_at_amazon",
    "refund_results_listener",
    "refund_summary",
]
