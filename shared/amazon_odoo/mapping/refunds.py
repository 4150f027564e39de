"""Refunds → one ``POST_PAYMENT_ADJUSTMENT_DATA`` feed (pure: no I/O).

Amazon's ``OrderAdjustment`` message: the ``AmazonOrderID``, then per refunded order item an ``AdjustedItem``
with its ``AmazonOrderItemCode``, the ``AdjustmentReason`` and ``ItemPriceAdjustments`` — one ``Component``
per refunded part (``Type`` Principal, Shipping, Tax, ...; ``Amount`` positive, with its currency) — and
``QuantityCancelled`` when units come back. One message per refund, numbered 1, 2, ... in the order given;
each :class:`~amazon_odoo.domain.feeds.FeedItem` is keyed by the Amazon order id (the log book's record) and
carries the refund id and total, so the processing report's result lands on its refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from amazon_odoo.domain.feeds import FeedContent, FeedItem, build_xml_feed
from amazon_odoo.domain.refunds import CENT, Component, RefundRecord, check_adjustment_reason

_ORDER = tuple(Component)


def _amount(value: Decimal) -> str:
    return str(value.quantize(CENT))


def item_value(record: RefundRecord) -> str:
    """The feed item's value: ``refund <id>: <total> <currency> (<reason>)`` (``feeds show`` prints it)."""
    return f"refund {record.refund_id}: {_amount(record.total)} {record.currency} ({record.reason})".strip()


def refund_id_of(value: str) -> str:
    """The refund id a feed item's value names (see :func:`item_value`)."""
    head = value.split(":", 1)[0]
    return head.removeprefix("refund ").strip()


def adjustment_message(number: int, record: RefundRecord) -> str:
    reason = check_adjustment_reason(record.reason)
    currency = quoteattr(record.currency or "USD")
    items: list[str] = []
    for line in record.lines:
        components = "".join(
            f"<Component><Type>{component.value}</Type>"
            f"<Amount currency={currency}>{_amount(line.amounts[component])}</Amount></Component>"
            for component in _ORDER
            if line.amounts.get(component)
        )
        quantity = f"<QuantityCancelled>{line.quantity}</QuantityCancelled>" if line.quantity else ""
        items.append(
            f"<AdjustedItem><AmazonOrderItemCode>{escape(line.order_item_id)}</AmazonOrderItemCode>"
            f"<AdjustmentReason>{reason}</AdjustmentReason>"
            f"<ItemPriceAdjustments>{components}</ItemPriceAdjustments>{quantity}</AdjustedItem>"
        )
    return (
        f"<Message><MessageID>{number}</MessageID><OrderAdjustment>"
        f"<AmazonOrderID>{escape(record.order_id)}</AmazonOrderID>{''.join(items)}"
        "</OrderAdjustment></Message>"
    )


def adjustment_feed(merchant_id: str, records: Sequence[RefundRecord]) -> FeedContent:
    """The payment adjustment feed of ``records`` (one message each, in this order)."""
    if not records:
        raise ValueError("nothing to refund")
    seen: set[str] = set()
    for record in records:
        if record.refund_id in seen:
            raise ValueError(f"refund {record.refund_id} is given twice")
        if not record.lines or any(not line.amounts for line in record.lines):
            raise ValueError(f"refund {record.refund_id} has nothing to refund")
        if any(amount <= 0 for line in record.lines for amount in line.amounts.values()):
            raise ValueError(f"refund {record.refund_id} has an amount that is not positive")
        seen.add(record.refund_id)
    messages = [adjustment_message(number, record) for number, record in enumerate(records, start=1)]
    items = tuple(
        FeedItem(message_id=number, key=record.order_id, value=item_value(record))
        for number, record in enumerate(records, start=1)
    )
    return build_xml_feed(merchant_id, "OrderAdjustment", messages, items)
