"""Amazon order + resolved Odoo references → Odoo values (pure: no lookups, no I/O, no logging).

Everything Odoo-side arrives resolved in :class:`ResolvedRefs`; the mapper decides the lines and amounts.
Its output, :class:`SaleOrderVals`, goes to Odoo with one ``sale.order.load`` (:func:`to_load_rows`), which
creates or updates by external id (``ODOO.md`` §3):
``__amazon__.order_<marketplace>_<amazon order id>`` for the order, ``__amazon__.oline_<amazon order id>_
<order item id>`` for an item's product line and ``…_<order item id>_<kind>`` / ``…_<kind>`` for service
lines (non-alphanumerics become ``_``). The Amazon order item id is thus kept on each line in Odoo (its
external id) and exposed on :class:`SaleOrderLineVals` (``amazon_order_item_id``); shipment confirmation finds
it back with :func:`order_item_id_from_external_id`.

**Totals equal to Amazon's, to the cent** (``ODOO.md`` §2 "Making amount_total equal the Amazon total").
Amazon splits each item's money into charges (item, shipping, gift wrap, discounts…) and tax; the order's
total is their sum (:func:`~amazon_odoo.domain.orders.amazon_order_total`). Per item:

- *Marketplace facilitator* (the item's ``tax.taxCollections`` says ``MARKETPLACE_FACILITATOR``: Amazon
  collects and remits the tax, as in most US states): its lines carry **no tax** and its tax goes, summed
  over the order, on **one line on the "Marketplace Facilitator Tax" service product**.
- Otherwise the seller owes the tax, and ``ResolvedRefs.tax_mode`` says how its Odoo taxes work:
  - ``price_included`` (EU VAT, the default): each line carries the **price-included** tax of the item's
    rate, with the **gross** price (charge + the tax Amazon puts on it). Odoo then derives net and tax
    from the gross, so the total is exact; Odoo's VAT may differ from Amazon's by a cent, the total never.
  - ``price_excluded`` (e.g. Canada, Japan): lines carry the **net** price and the excluded tax of the
    rate; the mapper computes the tax Odoo will add (per line or globally, ``tax_rounding``) and puts any
    difference from Amazon's tax on a no-tax rounding adjustment line.
  The rate is the one among ``ResolvedRefs.taxes`` (percent → tax id) that best explains Amazon's tax on
  the item's charges; no rate close enough → :class:`MissingTaxError`. An item with no tax gets the 0 %
  tax when one is given, otherwise no tax.

**Line totals that do not divide by the quantity** (``ODOO.md`` §2 pitfall 5): the quantity always stays the
ordered quantity (stock moves need it). The unit price is the exact quotient with up to ``price_digits``
decimals (Odoo's "Product Price" precision; 4 is recommended) whenever that unit price times the quantity
rounds back to the line total — 50.00 / 3 → 16.6667, and 3 x 16.6667 = 50.0001 → 50.00. When it does not
(precision 2: 3 x 16.67 = 50.01), the difference goes on a **rounding adjustment line** (one per tax set,
on ``rounding_product_id``); without a rounding product that raises :class:`PriceRoundingError` naming both
fixes.

Lines of zero amount are left out, except an item's product line (quantity matters even at price 0).
Personal data never leaves the returned values: nothing here logs, and errors name SKUs and order ids only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from amazon_odoo.config import OrderNaming, OrderOptions
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.orders import (
    ZERO,
    ChargeKind,
    CustomerAddress,
    Order,
    OrderDataError,
    OrderItem,
    ProceedsType,
    UnknownSkuError,
    amazon_order_total,
)

XMLID_MODULE = "__amazon__"
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


# --------------------------------------------------------------------------------------------- errors


class MissingReferenceError(PermanentError):
    """The order needs an Odoo record the seller has not set up (a service product, a tax…)."""


class MissingTaxError(MissingReferenceError):
    """No Odoo sales tax matches the rate Amazon charged."""


class PriceRoundingError(MissingReferenceError):
    """A line total cannot be expressed with Odoo's price precision and no rounding product is set."""


class CurrencyMismatchError(PermanentError):
    """The order's currency is not the marketplace pricelist's."""


# ------------------------------------------------------------------------------------ resolved refs


class TaxMode(StrEnum):
    """How the seller's Odoo sales taxes for this marketplace treat prices (not for facilitator items)."""

    PRICE_INCLUDED = "price_included"
    PRICE_EXCLUDED = "price_excluded"


class TaxRounding(StrEnum):
    """The company's ``tax_calculation_rounding_method``."""

    ROUND_PER_LINE = "round_per_line"
    ROUND_GLOBALLY = "round_globally"


class ResolvedRefs(BaseModel):
    """Every Odoo reference one order needs, resolved by the caller beforehand (ids are database ids).

    ``products`` maps seller SKU → ``product.product`` id; ``taxes`` maps a percent rate → the
    ``account.tax`` id of that rate in ``tax_mode`` (sale taxes of the order's company). Service products are
    needed only when an order has such a charge; a missing one raises :class:`MissingReferenceError`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partner_id: int
    partner_invoice_id: int | None = None  # default: partner_id
    partner_shipping_id: int | None = None  # default: partner_id
    products: Mapping[str, int] = Field(default_factory=dict)
    shipping_product_id: int | None = None
    shipping_discount_product_id: int | None = None
    promotion_discount_product_id: int | None = None
    gift_wrap_product_id: int | None = None
    marketplace_tax_product_id: int | None = None  # "Marketplace Facilitator Tax"
    other_charges_product_id: int | None = None  # COD fee, OTHER, delivery tip
    rounding_product_id: int | None = None
    tax_mode: TaxMode = TaxMode.PRICE_INCLUDED
    taxes: Mapping[Decimal, int] = Field(default_factory=dict)
    tax_rounding: TaxRounding = TaxRounding.ROUND_PER_LINE
    currency: str = Field(min_length=3, max_length=3)  # the pricelist's currency code
    currency_digits: int = Field(default=2, ge=0, le=6)  # res.currency decimal places
    price_digits: int = Field(default=2, ge=0, le=8)  # decimal.precision "Product Price"
    pricelist_id: int | None = None
    warehouse_id: int | None = None
    team_id: int | None = None
    payment_term_id: int | None = None
    fiscal_position_id: int | None = None
    company_id: int | None = None
    delivery_lines: bool = False  # the delivery module is installed: mark shipping lines is_delivery


# --------------------------------------------------------------------------------------- Odoo values


class LineKind(StrEnum):
    PRODUCT = "product"
    SHIPPING = "shipping"
    SHIPPING_DISCOUNT = "shipping_discount"
    PROMOTION_DISCOUNT = "promotion_discount"
    GIFT_WRAP = "gift_wrap"
    COD_FEE = "cod_fee"
    OTHER = "other"
    DELIVERY_TIP = "delivery_tip"
    MARKETPLACE_TAX = "marketplace_tax"
    ROUNDING = "rounding"


_LINE_OF_CHARGE: dict[ChargeKind, LineKind] = {
    ChargeKind.ITEM: LineKind.PRODUCT,
    ChargeKind.SHIPPING: LineKind.SHIPPING,
    ChargeKind.SHIPPING_DISCOUNT: LineKind.SHIPPING_DISCOUNT,
    ChargeKind.PROMOTION_DISCOUNT: LineKind.PROMOTION_DISCOUNT,
    ChargeKind.GIFT_WRAP: LineKind.GIFT_WRAP,
    ChargeKind.COD_FEE: LineKind.COD_FEE,
    ChargeKind.OTHER: LineKind.OTHER,
    ChargeKind.DELIVERY_TIP: LineKind.DELIVERY_TIP,
}

_LABELS: dict[LineKind, str] = {
    LineKind.SHIPPING: "Shipping",
    LineKind.SHIPPING_DISCOUNT: "Shipping discount",
    LineKind.PROMOTION_DISCOUNT: "Promotion discount",
    LineKind.GIFT_WRAP: "Gift wrap",
    LineKind.COD_FEE: "Cash on delivery fee",
    LineKind.OTHER: "Other charges",
    LineKind.DELIVERY_TIP: "Delivery tip",
    LineKind.MARKETPLACE_TAX: "Marketplace facilitator tax",
    LineKind.ROUNDING: "Rounding adjustment",
}

# which Amazon tax detail subtype belongs on which line
_TAX_SUBTYPE_LINES: dict[str, tuple[LineKind, ...]] = {
    ProceedsType.ITEM: (LineKind.PRODUCT,),
    ProceedsType.SHIPPING: (LineKind.SHIPPING,),
    ProceedsType.GIFT_WRAP: (LineKind.GIFT_WRAP,),
    ProceedsType.COD_FEE: (LineKind.COD_FEE,),
    ProceedsType.OTHER: (LineKind.OTHER,),
    ProceedsType.DISCOUNT: (LineKind.PROMOTION_DISCOUNT, LineKind.SHIPPING_DISCOUNT),
}


class SaleOrderLineVals(BaseModel):
    """One ``sale.order.line``. ``amazon_amount`` is Amazon's figure the line stands for (gross when the
    tax is price-included or absent, net when excluded); ``tax_rate``/``price_include`` describe ``tax_ids``
    so totals can be checked without Odoo."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    external_id: str
    kind: LineKind
    amazon_order_item_id: str | None = None
    seller_sku: str | None = None
    sequence: int
    product_id: int
    name: str
    product_uom_qty: int
    price_unit: Decimal
    discount: Decimal = ZERO
    tax_ids: tuple[int, ...] = ()
    tax_rate: Decimal | None = None
    price_include: bool = False
    is_delivery: bool = False
    amazon_amount: Decimal


class SaleOrderVals(BaseModel):
    """One ``sale.order`` with its lines. ``name`` is None when Odoo's sequence names the order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    external_id: str
    amazon_order_id: str
    marketplace_id: str
    name: str | None = None
    partner_id: int
    partner_invoice_id: int
    partner_shipping_id: int
    client_order_ref: str
    origin: str
    date_order: datetime
    pricelist_id: int | None = None
    warehouse_id: int | None = None
    team_id: int | None = None
    payment_term_id: int | None = None
    fiscal_position_id: int | None = None
    company_id: int | None = None
    currency: str
    currency_digits: int = 2
    tax_rounding: TaxRounding = TaxRounding.ROUND_PER_LINE
    amazon_total: Decimal
    order_line: tuple[SaleOrderLineVals, ...]
    with_is_delivery: bool = False

    def line_for_item(self, order_item_id: str) -> SaleOrderLineVals:
        for line in self.order_line:
            if line.kind is LineKind.PRODUCT and line.amazon_order_item_id == order_item_id:
                return line
        raise KeyError(order_item_id)

    def expected_amount_total(self) -> Decimal:
        """``amount_total`` as Odoo 17 computes it from these lines (percent taxes)."""
        return expected_amount_total(self.order_line, self.currency_digits, self.tax_rounding)


# ------------------------------------------------------------------------------------------ helpers


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def xmlid_part(text: str) -> str:
    """``114-1234567-1234567`` → ``114_1234567_1234567`` (anything not a letter or digit becomes ``_``)."""
    return _NON_ALNUM.sub("_", text)


def order_external_id(marketplace_id: str, amazon_order_id: str) -> str:
    return f"{XMLID_MODULE}.order_{xmlid_part(marketplace_id)}_{xmlid_part(amazon_order_id)}"


def line_external_id(
    amazon_order_id: str, order_item_id: str | None, kind: LineKind, suffix: str = ""
) -> str:
    """The product line of an item: ``oline_<order>_<item>``; its service lines add ``_<kind>``; order
    lines not tied to an item (facilitator tax, rounding, order-level charges) are ``oline_<order>_<kind>``."""
    parts = [f"oline_{xmlid_part(amazon_order_id)}"]
    if order_item_id is not None:
        parts.append(xmlid_part(order_item_id))
    if kind is not LineKind.PRODUCT:
        parts.append(kind.value)
    if suffix:
        parts.append(xmlid_part(suffix))
    return f"{XMLID_MODULE}." + "_".join(parts)


def order_item_id_from_external_id(external_id: str, amazon_order_id: str) -> str | None:
    """The Amazon order item id of a product line's external id (with or without the module), else None."""
    name = external_id.removeprefix(f"{XMLID_MODULE}.")
    prefix = f"oline_{xmlid_part(amazon_order_id)}_"
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    if not rest or "_" in rest or rest in {k.value for k in LineKind}:
        return None
    return rest


def expected_amount_total(
    lines: Sequence[SaleOrderLineVals],
    currency_digits: int = 2,
    rounding: TaxRounding = TaxRounding.ROUND_PER_LINE,
) -> Decimal:
    """What Odoo's ``amount_total`` will be: line subtotals rounded to the currency, price-included taxes
    inside them, excluded taxes added per line (``round_per_line``) or per rate (``round_globally``)."""
    total = ZERO
    global_tax: dict[Decimal, Decimal] = {}
    for line in lines:
        raw = line.price_unit * line.product_uom_qty * (1 - line.discount / 100)
        base = _round(raw, currency_digits)
        total += base
        if line.tax_rate is None or line.price_include or not line.tax_ids:
            continue
        if rounding is TaxRounding.ROUND_PER_LINE:
            total += _round(base * line.tax_rate / 100, currency_digits)
        else:
            global_tax[line.tax_rate] = global_tax.get(line.tax_rate, ZERO) + raw * line.tax_rate / 100
    total += sum((_round(v, currency_digits) for v in global_tax.values()), ZERO)
    return total


def unit_price(
    total: Decimal, quantity: int, price_digits: int, currency_digits: int
) -> tuple[Decimal, Decimal]:
    """(unit price, rest): the unit price with at most ``price_digits`` decimals whose product with the
    quantity rounds to ``total``, else the nearest one and the cents still missing."""
    if quantity <= 0:
        return ZERO, total
    unit = _round(total / quantity, price_digits)
    rest = total - _round(unit * quantity, currency_digits)
    return unit, rest


# --------------------------------------------------------------------------------------------- mapper


class _Draft:
    """Lines of one order as they are decided (mutable while mapping only)."""

    def __init__(self, order: Order, refs: ResolvedRefs) -> None:
        self.order = order
        self.refs = refs
        self.lines: list[SaleOrderLineVals] = []
        self.rest: dict[tuple[tuple[int, ...], Decimal | None, bool], Decimal] = {}
        self.facilitator_tax = ZERO
        self.excluded_tax = ZERO  # Amazon's tax on the items whose Odoo tax is price-excluded

    def product_for(self, kind: LineKind) -> int:
        refs = self.refs
        product = {
            LineKind.SHIPPING: refs.shipping_product_id,
            LineKind.SHIPPING_DISCOUNT: refs.shipping_discount_product_id,
            LineKind.PROMOTION_DISCOUNT: refs.promotion_discount_product_id,
            LineKind.GIFT_WRAP: refs.gift_wrap_product_id,
            LineKind.COD_FEE: refs.other_charges_product_id,
            LineKind.OTHER: refs.other_charges_product_id,
            LineKind.DELIVERY_TIP: refs.other_charges_product_id,
            LineKind.MARKETPLACE_TAX: refs.marketplace_tax_product_id,
            LineKind.ROUNDING: refs.rounding_product_id,
        }.get(kind)
        if product is None:
            label = _LABELS.get(kind, kind.value)
            if kind is LineKind.ROUNDING:
                raise PriceRoundingError(
                    "a line total cannot be written as quantity x unit price with Odoo's price precision",
                    record=f"order {self.order.order_id}",
                    code="price_precision",
                    resolution=(
                        "raise the 'Product Price' decimal precision to 4 digits in Odoo, or give the seller a "
                        "rounding adjustment service product; then retry the order"
                    ),
                )
            raise MissingReferenceError(
                f"the order has a '{label}' amount but the seller has no service product for it",
                record=f"order {self.order.order_id}",
                code="missing_service_product",
                resolution=f"create the '{label}' service product for this seller (amazon-odoo sellers setup), then retry",
            )
        return product

    def add(
        self,
        kind: LineKind,
        amount: Decimal,
        *,
        item: OrderItem | None = None,
        quantity: int = 1,
        tax: tuple[tuple[int, ...], Decimal | None, bool] = ((), None, False),
        name: str = "",
        suffix: str = "",
    ) -> None:
        refs = self.refs
        if kind is LineKind.PRODUCT:
            if item is None or item.seller_sku is None:
                raise ValueError("a product line needs an order item with a seller SKU")
            product_id = refs.products[item.seller_sku]
        else:
            if not amount:
                return
            product_id = self.product_for(kind)
        unit, rest = unit_price(amount, quantity, refs.price_digits, refs.currency_digits)
        if rest:
            # an excluded tax on the adjustment would change the tax Odoo computes: keep it without tax
            key = tax if tax[2] or not tax[0] else ((), None, False)
            self.rest[key] = self.rest.get(key, ZERO) + rest
        tax_ids, rate, included = tax
        self.lines.append(
            SaleOrderLineVals(
                external_id=line_external_id(
                    self.order.order_id, item.order_item_id if item else None, kind, suffix
                ),
                kind=kind,
                amazon_order_item_id=item.order_item_id if item else None,
                seller_sku=item.seller_sku if item else None,
                sequence=10 + len(self.lines),
                product_id=product_id,
                name=name or _LABELS[kind],
                product_uom_qty=quantity,
                price_unit=unit,
                tax_ids=tax_ids,
                tax_rate=rate,
                price_include=included,
                is_delivery=refs.delivery_lines and kind is LineKind.SHIPPING,
                amazon_amount=amount,
            )
        )


def _item_name(item: OrderItem) -> str:
    sku = item.seller_sku or ""
    title = (item.product.title or "").strip()
    return f"[{sku}] {title}".strip() if title else f"[{sku}]"


def _match_rate(order: Order, item: OrderItem, base: Decimal, tax: Decimal, refs: ResolvedRefs) -> Decimal:
    """The rate among ``refs.taxes`` that best explains ``tax`` on ``base`` (Amazon rounds per unit or per
    line, so allow one cent per unit and per charge)."""
    unit = Decimal(1).scaleb(-refs.currency_digits)
    tolerance = unit * (max(item.quantity_ordered, 1) + len(item.charges()))
    best: tuple[Decimal, Decimal] | None = None
    if base:
        for rate in refs.taxes:
            error = abs(base * rate / 100 - tax)
            if best is None or error < best[0]:
                best = (error, rate)
    if best is None or best[0] > tolerance:
        observed = f"{(tax / base * 100).quantize(Decimal('0.01'))} %" if base else "an unknown rate"
        mode = "price-included" if refs.tax_mode is TaxMode.PRICE_INCLUDED else "price-excluded"
        raise MissingTaxError(
            f"Amazon charged {tax} tax on {base} for SKU {item.seller_sku} ({observed}); "
            f"no {mode} Odoo sales tax of that rate is configured",
            record=f"order {order.order_id}",
            code="missing_tax",
            resolution=(
                f"create (or map) a {mode} sales tax of {observed} for this marketplace in Odoo, then retry the order"
            ),
        )
    return best[1]


def _map_item(draft: _Draft, item: OrderItem) -> None:
    refs = draft.refs
    charges = {_LINE_OF_CHARGE[k]: v for k, v in item.charges().items()}
    tax_total = item.tax_amount()
    tax: tuple[tuple[int, ...], Decimal | None, bool] = ((), None, False)
    amounts = dict(charges)
    if item.is_marketplace_facilitator:
        draft.facilitator_tax += tax_total
    elif tax_total or ZERO in refs.taxes:
        rate = (
            ZERO
            if not tax_total
            else _match_rate(draft.order, item, sum(charges.values(), ZERO), tax_total, refs)
        )
        included = refs.tax_mode is TaxMode.PRICE_INCLUDED
        tax = ((refs.taxes[rate],), rate, included)
        if included:
            for subtype, value in item.tax_details().items():
                targets = [k for k in _TAX_SUBTYPE_LINES.get(subtype, ()) if charges.get(k)]
                target = targets[0] if targets else LineKind.PRODUCT
                amounts[target] = amounts.get(target, ZERO) + value
        else:
            draft.excluded_tax += tax_total
    suffix_name = f" [{item.seller_sku}]"
    for kind, amount in amounts.items():
        if kind is LineKind.PRODUCT:
            draft.add(kind, amount, item=item, quantity=item.quantity_ordered, tax=tax, name=_item_name(item))
            continue
        label = _LABELS[kind]
        if kind is LineKind.PROMOTION_DISCOUNT and item.promotion_ids:
            label += f" ({', '.join(item.promotion_ids)})"
        if kind is LineKind.GIFT_WRAP and item.gift_wrap_level:
            label += f" ({item.gift_wrap_level})"
        draft.add(kind, amount, item=item, tax=tax, name=label + suffix_name)


def _check_skus(order: Order, refs: ResolvedRefs) -> None:
    missing: dict[str, None] = {}
    for item in order.order_items:
        if item.seller_sku is None or item.seller_sku not in refs.products:
            missing.setdefault(item.seller_sku or f"(none, ASIN {item.product.asin})", None)
    if missing:
        raise UnknownSkuError(order.order_id, list(missing), marketplace_id=order.marketplace_id)


def to_sale_order_vals(order: Order, refs: ResolvedRefs, options: OrderOptions) -> SaleOrderVals:
    """The Odoo sale order for an Amazon order; raises UnknownSkuError, MissingReferenceError (incl.
    MissingTaxError, PriceRoundingError), CurrencyMismatchError or OrderDataError — all permanent."""
    marketplace_id = order.marketplace_id
    _check_skus(order, refs)
    currency = order.currency or refs.currency
    if currency != refs.currency:
        raise CurrencyMismatchError(
            f"the order is in {currency} but the marketplace pricelist is in {refs.currency}",
            record=f"order {order.order_id}",
            code="currency_mismatch",
            resolution=f"set a pricelist in {currency} for marketplace {marketplace_id}, then retry the order",
        )
    total = amazon_order_total(order)
    if order.grand_total is not None and order.grand_total != total:
        raise OrderDataError(
            f"Amazon's order parts add up to {total} but its grand total is {order.grand_total}",
            record=f"order {order.order_id}",
            code="inconsistent_total",
            resolution="check the order in Seller Central and enter it by hand; report the payload shape",
        )

    draft = _Draft(order, refs)
    for item in order.order_items:
        _map_item(draft, item)

    extra, extra_tax = order.order_level_charges()
    for kind, amount in extra.items():
        draft.add(_LINE_OF_CHARGE[kind], amount)
    if extra_tax:
        if any(item.is_marketplace_facilitator for item in order.order_items):
            draft.facilitator_tax += extra_tax
        else:
            draft.rest[((), None, False)] = draft.rest.get(((), None, False), ZERO) + extra_tax
    if draft.facilitator_tax:
        draft.add(LineKind.MARKETPLACE_TAX, draft.facilitator_tax)
    if draft.excluded_tax:
        taxed = [line for line in draft.lines if line.tax_ids and not line.price_include]
        untaxed_total = expected_amount_total(
            [line.model_copy(update={"tax_rate": None}) for line in taxed], refs.currency_digits
        )
        odoo_tax = expected_amount_total(taxed, refs.currency_digits, refs.tax_rounding) - untaxed_total
        if draft.excluded_tax != odoo_tax:
            draft.rest[((), None, False)] = (
                draft.rest.get(((), None, False), ZERO) + draft.excluded_tax - odoo_tax
            )
    for (tax_ids, rate, included), amount in sorted(draft.rest.items(), key=lambda kv: kv[0][0]):
        suffix = "_".join(f"t{t}" for t in tax_ids)
        draft.add(LineKind.ROUNDING, amount, tax=(tax_ids, rate, included), suffix=suffix)

    naming = options.name
    name = f"{options.prefix}{order.order_id}" if naming is OrderNaming.AMAZON_ID else None
    buyer_po = order.buyer.buyer_purchase_order_number if order.buyer else None
    origin = f"Amazon {order.order_id}" + (f" / PO {buyer_po}" if buyer_po else "")
    return SaleOrderVals(
        external_id=order_external_id(marketplace_id, order.order_id),
        amazon_order_id=order.order_id,
        marketplace_id=marketplace_id,
        name=name,
        partner_id=refs.partner_id,
        partner_invoice_id=refs.partner_invoice_id or refs.partner_id,
        partner_shipping_id=refs.partner_shipping_id or refs.partner_id,
        client_order_ref=order.order_id,
        origin=origin,
        date_order=order.created_time,
        pricelist_id=refs.pricelist_id,
        warehouse_id=refs.warehouse_id,
        team_id=refs.team_id,
        payment_term_id=refs.payment_term_id,
        fiscal_position_id=refs.fiscal_position_id,
        company_id=refs.company_id,
        currency=refs.currency,
        currency_digits=refs.currency_digits,
        tax_rounding=refs.tax_rounding,
        amazon_total=total,
        order_line=tuple(draft.lines),
        with_is_delivery=refs.delivery_lines,
    )


# --------------------------------------------------------------------------------------- load() rows

_ORDER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("partner_id/.id", "partner_id"),
    ("partner_invoice_id/.id", "partner_invoice_id"),
    ("partner_shipping_id/.id", "partner_shipping_id"),
    ("client_order_ref", "client_order_ref"),
    ("origin", "origin"),
    ("date_order", "date_order"),
    ("pricelist_id/.id", "pricelist_id"),
    ("warehouse_id/.id", "warehouse_id"),
    ("team_id/.id", "team_id"),
    ("payment_term_id/.id", "payment_term_id"),
    ("fiscal_position_id/.id", "fiscal_position_id"),
    ("company_id/.id", "company_id"),
)
_LINE_COLUMNS: tuple[str, ...] = (
    "order_line/id",
    "order_line/sequence",
    "order_line/product_id/.id",
    "order_line/name",
    "order_line/product_uom_qty",
    "order_line/price_unit",
    "order_line/discount",
    "order_line/tax_id/.id",
)
_OPTIONAL = {
    "name",
    "pricelist_id",
    "warehouse_id",
    "team_id",
    "payment_term_id",
    "fiscal_position_id",
    "company_id",
}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def to_load_rows(vals: SaleOrderVals | Sequence[SaleOrderVals]) -> tuple[list[str], list[list[str]]]:
    """``(fields, rows)`` for ``sale.order.load`` — one order or a batch (one call for all of them).

    The first row of an order carries the order columns and its first line; the next rows only line
    columns. Every cell is a string; ``discount`` is always ``'0'`` and ``tax_id/.id`` explicit (``''`` =
    no tax). ``date_order`` is UTC: call ``load`` with ``context={'tz': 'UTC'}`` so Odoo does not shift it.
    Optional columns (name, pricelist, warehouse…) appear when the orders have them; a batch must agree on
    which it has (ValueError otherwise), since an empty cell would clear the field."""
    orders = [vals] if isinstance(vals, SaleOrderVals) else list(vals)
    if not orders:
        return [], []
    columns: list[tuple[str, str]] = []
    for column, attr in _ORDER_COLUMNS:
        present = {getattr(o, attr) is not None for o in orders}
        if attr in _OPTIONAL and present == {False}:
            continue
        if len(present) > 1:
            raise ValueError(f"load one batch per seller and marketplace: only some orders have {attr}")
        columns.append((column, attr))
    with_delivery = any(o.with_is_delivery for o in orders)
    line_columns = list(_LINE_COLUMNS) + (["order_line/is_delivery"] if with_delivery else [])
    fields = ["id", *(c for c, _ in columns), *line_columns]
    rows: list[list[str]] = []
    blank_order = [""] * (1 + len(columns))
    for order in orders:
        head = [order.external_id, *(_cell(getattr(order, attr)) for _, attr in columns)]
        for index, line in enumerate(order.order_line):
            cells = [
                line.external_id,
                str(line.sequence),
                str(line.product_id),
                line.name,
                str(line.product_uom_qty),
                _plain(line.price_unit),
                "0",
                ",".join(str(t) for t in line.tax_ids),
            ]
            if with_delivery:
                cells.append(_cell(line.is_delivery))
            rows.append((head if index == 0 else blank_order) + cells)
    return fields, rows


# ------------------------------------------------------------------------------------------ partners


class ResPartnerVals(BaseModel):
    """A ``res.partner`` (customer, with its delivery address as a child). Personal data: Odoo only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, repr=False)
    type: str = "contact"
    is_company: bool = False
    email: str | None = Field(default=None, repr=False)
    phone: str | None = Field(default=None, repr=False)
    street: str | None = Field(default=None, repr=False)
    street2: str | None = Field(default=None, repr=False)
    city: str | None = Field(default=None, repr=False)
    zip: str | None = Field(default=None, repr=False)
    state_id: int | None = None
    country_id: int | None = None
    vat: str | None = Field(default=None, repr=False)
    lang: str | None = None
    ref: str | None = None
    customer_rank: int = 0
    child_ids: tuple[ResPartnerVals, ...] = ()

    def to_create_vals(self) -> dict[str, object]:
        """The dict for ``res.partner.create`` (children as ``(0, 0, vals)`` commands)."""
        out: dict[str, object] = {}
        for key in ("name", "type", "is_company", "email", "phone", "street", "street2", "city", "zip",
                    "state_id", "country_id", "vat", "lang", "ref", "customer_rank"):  # fmt: skip
            value = getattr(self, key)
            if value is not None and not (key == "customer_rank" and value == 0):
                out[key] = value
        if self.child_ids:
            out["child_ids"] = [(0, 0, child.to_create_vals()) for child in self.child_ids]
        return out


class AddressCodes(BaseModel):
    """What the caller resolves to ids before :func:`to_partner_vals` (``res.country`` / ``.state``)."""

    model_config = ConfigDict(frozen=True)

    country_code: str | None = None
    state: str | None = None  # Amazon's stateOrRegion: a code ("WA") or a name ("England")


class PartnerRefs(BaseModel):
    """Resolved ids for the customer (billing) and delivery addresses, and the marketplace language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delivery_country_id: int | None = None
    delivery_state_id: int | None = None
    billing_country_id: int | None = None  # default: the delivery address's
    billing_state_id: int | None = None
    lang: str | None = None


def _billing_address(order: Order) -> CustomerAddress | None:
    registration = order.buyer_tax_registration
    if order.is_business and registration and registration.tax_registration_address:
        return registration.tax_registration_address
    return order.delivery_address


def partner_address_codes(order: Order) -> tuple[AddressCodes, AddressCodes]:
    """(billing, delivery) country and state the caller must resolve for :class:`PartnerRefs`."""
    delivery = order.delivery_address or CustomerAddress()
    billing = _billing_address(order) or delivery
    return (
        AddressCodes(country_code=billing.country_code, state=billing.state_or_region),
        AddressCodes(country_code=delivery.country_code, state=delivery.state_or_region),
    )


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _norm(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def _address_fields(address: CustomerAddress) -> dict[str, str | None]:
    street2 = ", ".join(p for p in (_clean(address.address_line2), _clean(address.address_line3)) if p)
    return {
        "street": _clean(address.address_line1),
        "street2": street2 or None,
        "city": _clean(address.city) or _clean(address.municipality),
        "zip": _clean(address.postal_code),
    }


def _company_name(order: Order) -> str | None:
    registration = order.buyer_tax_registration
    return (
        _clean(order.buyer.buyer_company_name if order.buyer else None)
        or _clean(registration.legal_name if registration else None)
        or _clean(order.delivery_address.company_name if order.delivery_address else None)
    )


def partner_identity_key(order: Order) -> str:
    """A stable key for "the same buyer at the same address": SHA-256 over the normalised buyer (e-mail,
    name, company, VAT) and delivery address. Used to reuse the Odoo partner (its ``ref`` and external id).
    It derives from personal data: keep it in Odoo, never in logs or connector state."""
    buyer = order.buyer
    registration = order.buyer_tax_registration
    address = order.delivery_address or CustomerAddress()
    parts = [
        "v1",
        _norm(buyer.buyer_email if buyer else None),
        _norm(buyer.buyer_name if buyer else None),
        _norm(_company_name(order)) if order.is_business else "",
        _norm(registration.tax_registration_number if registration else None),
        _norm(address.name),
        _norm(address.company_name),
        _norm(address.address_line1),
        _norm(address.address_line2),
        _norm(address.address_line3),
        _norm(address.city),
        _norm(address.state_or_region),
        _norm(address.postal_code),
        _norm(address.country_code),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def partner_external_id(order: Order) -> str:
    return f"{XMLID_MODULE}.partner_{partner_identity_key(order)}"


def to_partner_vals(order: Order, refs: PartnerRefs) -> ResPartnerVals:
    """The customer partner with its delivery address as a child.

    A business order (``AMAZON_BUSINESS``) gives a company: the buyer's company name, its VAT number
    (the buyer's tax registration) and its registration address when Amazon sends one. A consumer gets the
    delivery address as their own address too (invoices need one). The delivery child is named only when
    its name differs from the customer's (Odoo would show "Jane Buyer, Jane Buyer")."""
    buyer = order.buyer
    delivery = order.delivery_address or CustomerAddress()
    billing = _billing_address(order) or delivery
    key = partner_identity_key(order)
    business = order.is_business
    registration = order.buyer_tax_registration
    if business:
        name = _company_name(order) or _clean(buyer.buyer_name if buyer else None) or _clean(delivery.name)
    else:
        name = _clean(buyer.buyer_name if buyer else None) or _clean(delivery.name)
    name = name or f"Amazon customer {order.order_id}"
    delivery_name = _clean(delivery.name)
    child = ResPartnerVals(
        type="delivery",
        name=delivery_name if delivery_name and _norm(delivery_name) != _norm(name) else None,
        phone=_clean(delivery.phone),
        state_id=refs.delivery_state_id,
        country_id=refs.delivery_country_id,
        lang=refs.lang,
        **_address_fields(delivery),
    )
    return ResPartnerVals(
        name=name,
        is_company=business,
        email=_clean(buyer.buyer_email if buyer else None),
        phone=_clean(delivery.phone) if not business else None,
        state_id=refs.billing_state_id if refs.billing_country_id else refs.delivery_state_id,
        country_id=refs.billing_country_id or refs.delivery_country_id,
        vat=_clean(registration.tax_registration_number) if business and registration else None,
        lang=refs.lang,
        ref=f"AMZ-{key[:16]}",
        customer_rank=1,
        child_ids=(child,),
        **_address_fields(billing),
    )
