"""Refunds that started at Amazon (seller refunds in Seller Central, buyer returns), as a settlement reports
them → the lines of the credit note of the order's invoice (pure: no I/O).

A ``Refund`` line of a settlement carries, item by item (``order-item-code``/``sku``), what Amazon gave back
(:class:`~amazon_odoo.domain.settlements.RefundedItem`, amounts negative): ``ItemPrice`` Principal, Shipping,
GiftWrap and their taxes (Tax, ShippingTax, GiftWrapTax), and ``Promotion`` parts taken back. They map onto
the sale order lines the connector made for the order (found by external id, :mod:`amazon_odoo.mapping.orders`):

- Principal (less its promotion) → the item's product line; Shipping → the item's shipping line, else the
  order's; GiftWrap → the item's gift wrap line;
- each tax goes where the order put it: inside the line's gross price when its tax is price-included,
  nowhere when it is excluded (Odoo adds it again on the credit note), on the order's marketplace facilitator
  tax line when the line carries no tax.

A product line keeps the units refunded when the rows give them (``quantity-purchased``) or when the amount
is a whole number of the invoice's unit price; otherwise one unit of the amount. Anything that has no line to
go on, or more than the line invoiced, raises :class:`UnmappedRefundError` naming the order and the field:
then no credit note is made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.refunds import Component, CreditLine, RefundLine
from amazon_odoo.domain.settlements import RefundedItem, SettlementLine
from amazon_odoo.mapping.orders import LineKind, line_external_id

ZERO = Decimal(0)
CENT = Decimal("0.01")
REFUND_PREFIX = "amz-"  # refund ids of refunds that started at Amazon (RefundRecord.source "amazon")
SOURCE = "amazon"

#: (amount type, amount description) of a refund's receivable rows → the refund component
COMPONENTS: dict[tuple[str, str], Component] = {
    ("ItemPrice", "Principal"): Component.PRINCIPAL,
    ("Promotion", "Principal"): Component.PRINCIPAL,
    ("ItemPrice", "Shipping"): Component.SHIPPING,
    ("Promotion", "Shipping"): Component.SHIPPING,
    ("ItemPrice", "Tax"): Component.TAX,
    ("ItemPrice", "ShippingTax"): Component.SHIPPING_TAX,
    ("ItemPrice", "GiftWrap"): Component.GIFT_WRAP,
    ("ItemPrice", "GiftWrapTax"): Component.GIFT_WRAP_TAX,
}
_TAX_OF = {
    Component.PRINCIPAL: Component.TAX,
    Component.SHIPPING: Component.SHIPPING_TAX,
    Component.GIFT_WRAP: Component.GIFT_WRAP_TAX,
}


class UnmappedRefundError(PermanentError):
    """Part of Amazon's refund has no invoice line to go on: no credit note is made."""


class TaxMode:
    NONE = "none"  # the line carries no tax (marketplace facilitator: the tax is on its own line)
    INCLUDED = "included"
    EXCLUDED = "excluded"


@dataclass(frozen=True)
class SaleLine:
    """A sale order line of the order, as the credit note sees it (``price_unit`` gross when included)."""

    id: int
    quantity: Decimal
    price_unit: Decimal
    tax: str = TaxMode.NONE

    @property
    def invoiced(self) -> Decimal:
        return (self.price_unit * self.quantity).quantize(CENT)


@dataclass(frozen=True)
class CreditPlan:
    """The credit note's lines (by sale order line id), the refund's lines as the connector records them,
    and the units that come back by SKU (empty when Amazon's rows do not say)."""

    lines: dict[int, CreditLine]
    refund_lines: tuple[RefundLine, ...]
    returns: dict[str, int]


def amazon_refund_id(line: SettlementLine) -> str:
    """``amz-<adjustment id>`` (several adjustments of the order in one line: a digest of them all)."""
    ids = sorted(line.adjustment_ids)
    if len(ids) == 1:
        return REFUND_PREFIX + ids[0]
    text = "|".join(ids) or f"{line.order_id}|{line.date.isoformat()}|{line.receivable}"
    return REFUND_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def _name(xmlid: str) -> str:
    return xmlid.split(".", 1)[1]


def line_names(order_id: str, items: Iterable[RefundedItem]) -> list[str]:
    """The external id names (module left out) of the sale lines a refund of ``items`` may go on."""
    names = [
        _name(line_external_id(order_id, None, LineKind.SHIPPING)),
        _name(line_external_id(order_id, None, LineKind.MARKETPLACE_TAX)),
    ]
    for item in items:
        if item.order_item_code:
            names += [
                _name(line_external_id(order_id, item.order_item_code, kind))
                for kind in (LineKind.PRODUCT, LineKind.SHIPPING, LineKind.GIFT_WRAP)
            ]
    return list(dict.fromkeys(names))


def components(order_id: str, item: RefundedItem) -> dict[Component, Decimal]:
    """What Amazon gave back for ``item`` by component (positive); an amount of another kind raises."""
    out: dict[Component, Decimal] = {}
    for (amount_type, description), amount in item.amounts.items():
        component = COMPONENTS.get((amount_type, description))
        if component is None:
            if not amount:
                continue
            raise UnmappedRefundError(
                f"Amazon's refund of order {order_id} has {amount_type}/{description} {amount} for SKU "
                f"{item.sku or '?'}, which no invoice line stands for: no credit note made",
                record=f"order {order_id}",
                resolution="create the credit note of the order by hand in Odoo (Invoice > Credit note); the "
                "next process-settlements run matches the open statement line",
                code="refund.unmapped",
            )
        out[component] = out.get(component, ZERO) - amount
    return out


def plan_credit(
    order_id: str, items: Sequence[RefundedItem], sale_lines: Mapping[str, SaleLine]
) -> CreditPlan:
    """The credit note of Amazon's refund of ``items`` on the order's sale lines (by external id name, see
    :func:`line_names`); raises :class:`UnmappedRefundError` naming the order, the SKU and the field."""
    record = f"order {order_id}"
    resolution = (
        "create the credit note of the order by hand in Odoo (Invoice > Credit note); the next "
        "process-settlements run matches the open statement line"
    )

    def refuse(message: str, code: str = "refund.unmapped") -> UnmappedRefundError:
        return UnmappedRefundError(
            f"Amazon's refund of order {order_id}: {message}: no credit note made",
            record=record,
            resolution=resolution,
            code=code,
        )

    amounts: dict[int, Decimal] = {}
    units: dict[int, int] = {}
    refund_lines: list[RefundLine] = []
    returns: dict[str, int] = {}
    tax_line = sale_lines.get(_name(line_external_id(order_id, None, LineKind.MARKETPLACE_TAX)))
    for item in items:
        parts = components(order_id, item)
        sku = item.sku or item.order_item_code or "?"
        if not item.order_item_code:
            raise refuse(f"SKU {sku} has no order-item-code")
        targets = {
            Component.PRINCIPAL: sale_lines.get(
                _name(line_external_id(order_id, item.order_item_code, LineKind.PRODUCT))
            ),
            Component.SHIPPING: sale_lines.get(
                _name(line_external_id(order_id, item.order_item_code, LineKind.SHIPPING))
            )
            or sale_lines.get(_name(line_external_id(order_id, None, LineKind.SHIPPING))),
            Component.GIFT_WRAP: sale_lines.get(
                _name(line_external_id(order_id, item.order_item_code, LineKind.GIFT_WRAP))
            ),
        }
        for component, target in targets.items():
            amount = parts.get(component, ZERO)
            tax = parts.get(_TAX_OF[component], ZERO)
            if not amount and not tax:
                continue
            if target is None:
                raise refuse(
                    f"{component.value} {amount} of SKU {sku} (order item {item.order_item_code}) is not on "
                    "the order's invoice"
                )
            if target.tax == TaxMode.INCLUDED:
                amount += tax
            elif target.tax == TaxMode.NONE and tax:
                if tax_line is None:
                    raise refuse(
                        f"{_TAX_OF[component].value} {tax} of SKU {sku} has no tax line on the invoice"
                    )
                amounts[tax_line.id] = amounts.get(tax_line.id, ZERO) + tax
            if amount:
                amounts[target.id] = amounts.get(target.id, ZERO) + amount
                if component is Component.PRINCIPAL and item.quantity:
                    units[target.id] = units.get(target.id, 0) + item.quantity
        refunded = {c: a for c, a in parts.items() if a > ZERO}
        if refunded:
            refund_lines.append(
                RefundLine(
                    order_item_id=item.order_item_code, sku=item.sku, quantity=item.quantity, amounts=refunded
                )
            )
        if item.quantity and item.sku:
            returns[item.sku] = returns.get(item.sku, 0) + item.quantity
    if not amounts:
        raise refuse("nothing to credit", code="refund.empty")
    by_id = {line.id: line for line in sale_lines.values()}
    lines: dict[int, CreditLine] = {}
    for line_id, amount in amounts.items():
        line = by_id[line_id]
        if amount < ZERO:
            raise refuse(f"sale line {line_id} would be credited {amount}, less than nothing")
        if amount > line.invoiced:
            raise refuse(
                f"{amount} to credit on sale line {line_id}, which invoiced {line.invoiced}",
                code="refund.too_large",
            )
        lines[line_id] = _credit_line(amount, units.get(line_id, 0), line)
    return CreditPlan(lines=lines, refund_lines=tuple(refund_lines), returns=returns)


def _credit_line(amount: Decimal, units: int, line: SaleLine) -> CreditLine:
    """Units and unit price of ``amount``: the units Amazon names (at the amount's unit price when it divides
    into cents), a whole number of the invoice's unit price, or one unit of the amount."""
    if units:
        unit = (amount / units).quantize(CENT)
        if unit * units == amount:
            return CreditLine(quantity=Decimal(units), price_unit=unit)
    if line.price_unit > ZERO:
        count = amount / line.price_unit
        if count == count.to_integral_value() and 0 < count <= line.quantity:
            return CreditLine(quantity=count.quantize(Decimal(1)), price_unit=line.price_unit)
    return CreditLine(quantity=Decimal(1), price_unit=amount)
