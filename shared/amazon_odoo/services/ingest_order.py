"""One Amazon order into Odoo: the room both doors (notifications, poll) lead to.

``ingest_order`` parses the order, resolves every Odoo reference it needs in few batched calls (static ones
are cached per process by the gateway), reuses or creates the buyer's partner, loads the sale order by
external id (so the same order delivered any number of times, concurrently or after a crash, is one sale
order with its lines once), confirms it, takes the seller's workflow steps (``services.order_workflow``: delivery of a shipped order,
invoice, post, payment — resumed on a later delivery of the same order), and follows an Amazon cancellation.

Odoo round trips for an order on a warm process (gateway caches filled):

- new order, new customer: existence probe (ir.model.data) + products + partner ``load`` + order ``load``
  + ``action_confirm`` = 5 (4 when the SKUs were seen in the last few minutes);
- new order, known customer: probe + order ``load`` + confirm = 3 (+1 for products not cached);
- the same order again: probe + status read = 2 (a confirmed order is not rewritten);
- the seller's workflow after confirmation (invoice, post, pay; delivery of a shipped order) adds the
  round trips ``services.order_workflow`` lists, and one status read more on a repeat.

Personal data (names, addresses, e-mail) goes to Odoo only: log lines and the result name orders and SKUs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from amazon_odoo.config import MarketplaceConfig, SellerConfig
from amazon_odoo.config import TaxMode as ConfigTaxMode
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.orders import Order, UnknownSkuError, parse_order
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.mapping.orders import (
    XMLID_MODULE,
    PartnerRefs,
    ResolvedRefs,
    TaxMode,
    TaxRounding,
    order_external_id,
    partner_address_codes,
    partner_external_id,
    to_load_rows,
    to_partner_vals,
    to_sale_order_vals,
)
from amazon_odoo.ports import OdooGateway, OrderRefs, OrderRefsQuery, SaleOrderStatus
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.order_workflow import WorkflowSteps, advance_order, status_needs

Log = Callable[..., None]

#: service product role (``config.ServiceProducts`` field) -> ResolvedRefs field
SERVICE_ROLES: dict[str, str] = {
    "shipping": "shipping_product_id",
    "shipping_discount": "shipping_discount_product_id",
    "promotion_discount": "promotion_discount_product_id",
    "gift_wrap": "gift_wrap_product_id",
    "marketplace_tax": "marketplace_tax_product_id",
    "other_charges": "other_charges_product_id",
    "rounding": "rounding_product_id",
}
DRAFT_STATES = ("draft", "sent")


class Outcome:
    CREATED = "created"  # a new sale order
    UPDATED = "updated"  # a quotation loaded again (and confirmed when the workflow says so)
    UNCHANGED = "unchanged"  # already imported and confirmed (or cancelled): nothing to do
    CANCELLED = "cancelled"  # Amazon cancelled it; so did we
    CANCEL_REFUSED = "cancel_refused"  # Amazon cancelled it, but it is delivered or invoiced: note written
    SKIPPED = "skipped"  # not ours to import (FBA, or cancelled before we ever saw it)


@dataclass(frozen=True)
class IngestResult:
    """What happened to one Amazon order. ``sale_order_name`` is None when Odoo's sequence named a new
    order (reading it back would cost a round trip); ``odoo_calls`` counts this order's round trips."""

    amazon_order_id: str
    outcome: str
    sale_order_id: int | None = None
    sale_order_name: str | None = None
    created: bool = False
    confirmed: bool = False
    cancelled: bool = False
    products_created: tuple[str, ...] = ()
    workflow: tuple[str, ...] = ()  # workflow steps taken now: delivery validated, invoiced, posted, paid
    waiting: str = ""  # a workflow step left for later, and why
    odoo_calls: int = 0
    message: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


def ingest_order(
    order_json: Mapping[str, Any],
    seller: SellerConfig,
    odoo: OdooGateway,
    log: JobContext | Log | None = None,
) -> IngestResult:
    """Import one Amazon order (Orders API v2026-01-01 JSON) into Odoo, idempotently.

    Raises OrderDataError (malformed order), UnknownSkuError (a SKU has no product and the seller does not
    let the connector create it), MissingReferenceError / PermanentError (a setting names nothing in Odoo)
    — all permanent, the caller logs them — and RetryableError (Odoo down, a concurrent load of the same
    order: retry, the retry is an update). ``log`` is a JobContext or ``log(message, level=, record=,
    resolution=)``; it receives the non-personal events worth a log book line."""
    order = parse_order(order_json)
    if not order.is_merchant_fulfilled:
        return IngestResult(order.order_id, Outcome.SKIPPED, message="not merchant fulfilled")
    marketplace = seller.marketplace(order.marketplace_id)
    start = odoo.calls
    refs = odoo.order_refs(_refs_query(order, seller, marketplace))

    order_xmlid = order_external_id(order.marketplace_id, order.order_id)
    partner_xmlid = partner_external_id(order)
    delivery_xmlid = f"{partner_xmlid}_delivery"
    names = [_xmlid_name(x) for x in (order_xmlid, partner_xmlid, delivery_xmlid)]
    existing = odoo.xmlid_map(names)
    order_id = existing.get(names[0])

    needs_pickings, needs_invoices = status_needs(order, seller)
    status: SaleOrderStatus | None = None
    if order_id is not None:
        status = odoo.sale_order_status(
            order_id,
            deliveries=needs_pickings or order.is_cancelled,
            invoices=needs_invoices or order.is_cancelled,
        )
        if order.is_cancelled:
            return _cancel(order, status, odoo, log, start)
        if status.state not in DRAFT_STATES:
            steps = advance_order(order, status, seller, refs.company_id, odoo, _logger(log))
            return IngestResult(
                order.order_id,
                Outcome.UPDATED if steps.done else Outcome.UNCHANGED,
                sale_order_id=order_id,
                sale_order_name=status.name,
                confirmed=status.state == "sale",
                cancelled=status.state == "cancel",
                workflow=tuple(steps.done),
                waiting=steps.waiting,
                odoo_calls=odoo.calls - start,
            )
    elif order.is_cancelled:
        return IngestResult(
            order.order_id,
            Outcome.SKIPPED,
            odoo_calls=odoo.calls - start,
            message="cancelled on Amazon before it was imported",
        )

    products, created_skus = _products(order, seller, refs, odoo, log)
    partner_id = existing.get(names[1])
    delivery_id = existing.get(names[2])
    if partner_id is None or delivery_id is None:
        partner_id = _load_partner(order, refs, marketplace, odoo, partner_xmlid, delivery_xmlid)
        delivery_id = None  # the order refers to the delivery address by its external id

    resolved = _resolved(refs, marketplace, partner_id, delivery_id, products)
    vals = to_sale_order_vals(order, resolved, seller.orders)
    fields, rows = to_load_rows(vals)
    if delivery_id is None:
        fields, rows = _shipping_by_xmlid(fields, rows, delivery_xmlid)
    try:
        [so_id] = odoo.load("sale.order", fields, rows, context={"tz": "UTC"})
    except PermanentError:
        odoo.forget_products(refs.company_id)  # a cached product may be gone; the retry looks again
        raise

    confirmed = False
    steps = WorkflowSteps()
    if seller.workflow.confirm_order:
        confirmed = _confirm(so_id, odoo)
    if confirmed and (needs_pickings or needs_invoices):
        # a new order has no invoice yet: its deliveries are read only when Amazon says it shipped
        fresh = (
            odoo.sale_order_status(so_id, deliveries=True)
            if needs_pickings
            else SaleOrderStatus(id=so_id, name=vals.name or "", state="sale")
        )
        steps = advance_order(order, fresh, seller, refs.company_id, odoo, _logger(log))
    created = order_id is None
    return IngestResult(
        order.order_id,
        Outcome.CREATED if created else Outcome.UPDATED,
        sale_order_id=so_id,
        sale_order_name=vals.name or (status.name if status else None),
        created=created,
        confirmed=confirmed,
        products_created=created_skus,
        workflow=tuple(steps.done),
        waiting=steps.waiting,
        odoo_calls=odoo.calls - start,
        details={"lines": len(vals.order_line), "amount_total": str(vals.amazon_total)},
    )


# ------------------------------------------------------------------------------------------ helpers


def _xmlid_name(external_id: str) -> str:
    return external_id.removeprefix(f"{XMLID_MODULE}.")


def _refs_query(order: Order, seller: SellerConfig, marketplace: MarketplaceConfig) -> OrderRefsQuery:
    billing, delivery = partner_address_codes(order)
    countries = tuple(c for c in (billing.country_code, delivery.country_code) if c)
    states = tuple(
        (codes.country_code, codes.state)
        for codes in (billing, delivery)
        if codes.country_code and codes.state
    )
    return OrderRefsQuery(
        company=seller.odoo.company,
        service_prefix=seller.id,
        service_products=seller.service_products.model_dump(),
        price_include=marketplace.effective_tax_mode is ConfigTaxMode.PRICE_INCLUDED,
        pricelist=marketplace.pricelist,
        warehouse=marketplace.warehouse,
        sales_team=marketplace.sales_team,
        payment_term=seller.orders.payment_term or None,
        fiscal_position=marketplace.fiscal_position,
        language=marketplace.default_language,
        countries=countries,
        states=states,
    )


def _products(
    order: Order, seller: SellerConfig, refs: OrderRefs, odoo: OdooGateway, log: JobContext | Log | None
) -> tuple[dict[str, int], tuple[str, ...]]:
    skus = order.seller_skus()
    products = odoo.products_by_sku(refs.company_id, skus)
    missing = [sku for sku in skus if sku not in products]
    if not missing:
        return products, ()
    if not seller.orders.create_missing_products:
        raise UnknownSkuError(order.order_id, missing, marketplace_id=order.marketplace_id)
    titles: dict[str, str] = {}
    for item in order.order_items:
        if item.seller_sku in missing:
            titles.setdefault(item.seller_sku, item.product.title or item.seller_sku)
    products.update(odoo.create_products(refs.company_id, titles))
    _emit(
        log,
        f"created Odoo product(s) for SKU {', '.join(missing)} (Amazon order {order.order_id})",
        record=f"order {order.order_id}",
        resolution="complete the new products in Odoo (cost, route, taxes) if needed",
    )
    return products, tuple(missing)


def _load_partner(
    order: Order,
    refs: OrderRefs,
    marketplace: MarketplaceConfig,
    odoo: OdooGateway,
    partner_xmlid: str,
    delivery_xmlid: str,
) -> int:
    billing, delivery = partner_address_codes(order)

    def country(code: str | None) -> int | None:
        return refs.countries.get(code.upper()) if code else None

    def state(codes_country: str | None, codes_state: str | None) -> int | None:
        if not codes_country or not codes_state:
            return None
        return refs.states.get((codes_country.upper(), codes_state))

    partner_refs = PartnerRefs(
        delivery_country_id=country(delivery.country_code),
        delivery_state_id=state(delivery.country_code, delivery.state),
        billing_country_id=country(billing.country_code),
        billing_state_id=state(billing.country_code, billing.state),
        lang=refs.language,
    )
    vals = to_partner_vals(order, partner_refs)
    children = [(delivery_xmlid, child.to_create_vals()) for child in vals.child_ids[:1]]
    return odoo.load_partner(
        partner_xmlid, vals.model_copy(update={"child_ids": ()}).to_create_vals(), children
    )


def _resolved(
    refs: OrderRefs,
    marketplace: MarketplaceConfig,
    partner_id: int,
    delivery_id: int | None,
    products: Mapping[str, int],
) -> ResolvedRefs:
    services = {
        SERVICE_ROLES[role]: pid for role, pid in refs.service_products.items() if role in SERVICE_ROLES
    }
    return ResolvedRefs(
        partner_id=partner_id,
        partner_shipping_id=delivery_id,
        products=dict(products),
        tax_mode=TaxMode(marketplace.effective_tax_mode.value),
        taxes=dict(refs.taxes),
        tax_rounding=TaxRounding(refs.tax_rounding),
        currency=refs.currency,
        currency_digits=refs.currency_digits,
        price_digits=refs.price_digits,
        pricelist_id=refs.pricelist_id,
        warehouse_id=refs.warehouse_id,
        team_id=refs.team_id,
        payment_term_id=refs.payment_term_id,
        fiscal_position_id=refs.fiscal_position_id,
        company_id=refs.company_id,
        delivery_lines=refs.delivery_lines,
        **services,
    )


def _shipping_by_xmlid(
    fields: Sequence[str], rows: Sequence[Sequence[str]], delivery_xmlid: str
) -> tuple[list[str], list[list[str]]]:
    """Point ``partner_shipping_id`` at the delivery address's external id (its database id is unknown
    right after the partner ``load``, which answers the parent's id only)."""
    out_fields = list(fields)
    index = out_fields.index("partner_shipping_id/.id")
    out_fields[index] = "partner_shipping_id/id"
    out_rows = [list(row) for row in rows]
    for row in out_rows:
        if row[index]:
            row[index] = delivery_xmlid
    return out_fields, out_rows


def _confirm(so_id: int, odoo: OdooGateway) -> bool:
    """Confirm a quotation; a concurrent worker confirming it first is fine (1 more read to tell)."""
    try:
        odoo.confirm_orders([so_id])
    except PermanentError:
        if odoo.sale_order_status(so_id).state != "sale":
            raise
    return True


def _cancel(
    order: Order, status: SaleOrderStatus, odoo: OdooGateway, log: JobContext | Log | None, start: int
) -> IngestResult:
    if status.state == "cancel":
        return IngestResult(
            order.order_id,
            Outcome.UNCHANGED,
            sale_order_id=status.id,
            sale_order_name=status.name,
            cancelled=True,
            odoo_calls=odoo.calls - start,
        )
    if status.delivered or status.invoiced:
        done = " and ".join(
            what for what, flag in (("delivered", status.delivered), ("invoiced", status.invoiced)) if flag
        )
        message = (
            f"Amazon cancelled order {order.order_id}, but {status.name} is already {done}: "
            "it was not cancelled in Odoo."
        )
        resolution = "create a return and/or a credit note in Odoo if the goods come back or were refunded"
        if status.open_pickings:  # invoiced but not (fully) shipped: nobody must ship it now
            odoo.cancel_deliveries(status.open_pickings)
            message += " Its open deliveries were cancelled so that it is not shipped."
            resolution = "create a credit note for the invoice (Amazon refunds the buyer)"
        odoo.post_note("sale.order", status.id, f"{message} {resolution[0].upper()}{resolution[1:]}.")
        _emit(log, message, level=LogLevel.WARNING, record=f"order {order.order_id}", resolution=resolution)
        return IngestResult(
            order.order_id,
            Outcome.CANCEL_REFUSED,
            sale_order_id=status.id,
            sale_order_name=status.name,
            confirmed=status.state == "sale",
            odoo_calls=odoo.calls - start,
            message=message,
        )
    odoo.cancel_orders([status.id])
    return IngestResult(
        order.order_id,
        Outcome.CANCELLED,
        sale_order_id=status.id,
        sale_order_name=status.name,
        cancelled=True,
        odoo_calls=odoo.calls - start,
    )


def _logger(log: JobContext | Log | None) -> Log | None:
    if log is None:
        return None

    def emit(
        message: str, *, level: LogLevel = LogLevel.INFO, record: str = "", resolution: str = ""
    ) -> None:
        _emit(log, message, level=level, record=record, resolution=resolution)

    return emit


def _emit(
    log: JobContext | Log | None,
    message: str,
    *,
    level: LogLevel = LogLevel.INFO,
    record: str = "",
    resolution: str = "",
) -> None:
    if log is None:
        return
    if isinstance(log, JobContext):
        log.log(message, level=level, record=record, resolution=resolution)
    else:
        log(message, level=level, record=record, resolution=resolution)
