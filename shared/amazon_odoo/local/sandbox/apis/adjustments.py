"""``POST_PAYMENT_ADJUSTMENT_DATA`` processing (issue 8): refunds of seller-fulfilled orders.

Each ``OrderAdjustment`` message is checked as Amazon would: every ``AdjustedItem`` names an item of the
order (``AmazonOrderItemCode``), carries a known ``AdjustmentReason`` and positive ``Component`` amounts in
the order's currency, and no component of an item is refunded beyond what the order charged for it (earlier
accepted adjustments of the order count). An accepted message is recorded on the seller's ``feed_results``
(``adjustments``: per item the reason, the amounts by component and the quantity cancelled); a refused one
changes nothing and its error goes in the processing report.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.orders import parse_order
from amazon_odoo.domain.refunds import ADJUSTMENT_REASONS, Component, item_charges
from amazon_odoo.local.sandbox.core import JsonObject
from amazon_odoo.local.sandbox.state import SellerState

ZERO = Decimal("0")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: ET.Element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def refunded(seller: SellerState, order_id: str) -> dict[str, dict[str, Decimal]]:
    """Per order item id, the amounts by component already refunded (accepted adjustments)."""
    out: dict[str, dict[str, Decimal]] = {}
    for result in seller.feed_results:
        if result.get("feedKind") != "adjustment" or result.get("orderId") != order_id:
            continue
        for adjusted in result.get("adjustments", []):
            done = out.setdefault(str(adjusted["orderItemId"]), {})
            for component, amount in adjusted["components"].items():
                done[component] = done.get(component, ZERO) + Decimal(amount)
    return out


def apply_adjustment(
    seller: SellerState, order: JsonObject, message: ET.Element, record: JsonObject
) -> str | None:
    """Check one message against ``order``; on success fill ``record["adjustments"]``, else the error."""
    order_id = str(order["orderId"])
    adjustment = next((e for e in message.iter() if _local(e.tag) == "OrderAdjustment"), None)
    if adjustment is None:
        return "The message has no OrderAdjustment element."
    try:
        charges = item_charges(parse_order(order))
    except PermanentError as error:
        return f"Order {order_id} cannot be adjusted: {error.message}"
    currency = str(((order.get("proceeds") or {}).get("grandTotal") or {}).get("currencyCode") or "")
    done = refunded(seller, order_id)
    asked: dict[str, dict[str, Decimal]] = {}
    adjusted_items: list[JsonObject] = []
    items = [e for e in adjustment if _local(e.tag) == "AdjustedItem"]
    if not items:
        return f"Order {order_id}: the OrderAdjustment has no AdjustedItem."
    for item in items:
        item_id = _text(item, "AmazonOrderItemCode")
        if item_id not in charges:
            return f"Order item {item_id or '(none)'} is not an item of order {order_id}."
        reason = _text(item, "AdjustmentReason")
        if reason not in ADJUSTMENT_REASONS:
            return f"AdjustmentReason {reason!r} is not valid for order item {item_id}."
        adjustments = _child(item, "ItemPriceAdjustments")
        components: dict[str, str] = {}
        for component in adjustments if adjustments is not None else []:
            if _local(component.tag) != "Component":
                continue
            kind = _text(component, "Type")
            amount_element = _child(component, "Amount")
            try:
                amount = Decimal((amount_element.text or "").strip()) if amount_element is not None else None
            except InvalidOperation:
                amount = None
            if amount is None or amount <= ZERO:
                return f"Order item {item_id}: the {kind} amount must be a positive number."
            given = amount_element.get("currency", "") if amount_element is not None else ""
            if currency and given != currency:
                return f"Order item {item_id}: currency {given!r} differs from the order's {currency}."
            if kind not in {c.value for c in Component}:
                return f"Order item {item_id}: component type {kind!r} cannot be refunded on this order."
            total = asked.setdefault(item_id, {}).get(kind, ZERO) + amount
            asked[item_id][kind] = total
            charged = charges[item_id].amounts.get(Component(kind), ZERO)
            before = done.get(item_id, {}).get(kind, ZERO)
            if before + total > charged:
                return (
                    f"The {kind} refund of {total} for order item {item_id} exceeds what is refundable "
                    f"({charged - before} of {charged} {currency})."
                )
            components[kind] = str(amount)
        if not components:
            return f"Order item {item_id}: ItemPriceAdjustments has no Component."
        quantity = _text(item, "QuantityCancelled")
        adjusted_items.append(
            {
                "orderItemId": item_id,
                "reason": reason,
                "components": components,
                "quantityCancelled": int(quantity) if quantity.isdigit() else 0,
            }
        )
    record["adjustments"] = adjusted_items
    return None
