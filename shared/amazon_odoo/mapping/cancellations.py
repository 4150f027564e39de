"""Amazon orders to cancel → one ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed (pure: no I/O).

Amazon documents the order acknowledgement feed as the way a seller-fulfilled order is cancelled: one
``OrderAcknowledgement`` message per order with ``StatusCode`` ``Failure``, and per item its
``AmazonOrderItemCode`` with a ``CancelReason`` from Amazon's list (:data:`CANCEL_REASONS`). An order given
without item ids is cancelled whole (a message without items). Message ids are 1, 2, ... in the order the
orders are given; each :class:`~amazon_odoo.domain.feeds.FeedItem` is keyed by the Amazon order id so the
processing report's per-message results land on their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from pydantic import BaseModel, ConfigDict, Field

from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.feeds import FeedContent, FeedItem, build_xml_feed

# The CancelReason values of Amazon's OrderAcknowledgement schema.
CANCEL_REASONS = (
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
    "CannotVerifyInformation",
    "PricingError",
    "RejectOrder",
    "WeatherDelay",
)
DEFAULT_CANCEL_REASON = "NoInventory"


def check_cancel_reason(reason: str) -> str:
    """Amazon's spelling of ``reason`` (case-insensitive match); ConfigError naming the allowed values."""
    for known in CANCEL_REASONS:
        if known.lower() == reason.strip().lower():
            return known
    raise ConfigError(
        f"{reason!r} is not one of Amazon's cancellation reasons",
        record="cancel reason",
        resolution=f"use one of {', '.join(CANCEL_REASONS)}",
    )


class Cancellation(BaseModel):
    """One Amazon order to cancel: all of it, or the items named."""

    model_config = ConfigDict(frozen=True)

    order_id: str = Field(min_length=1)
    reason: str = DEFAULT_CANCEL_REASON
    item_ids: tuple[str, ...] = ()


def cancellation_feed(merchant_id: str, cancellations: Sequence[Cancellation]) -> FeedContent:
    """The acknowledgement feed cancelling ``cancellations`` (one message per order, in this order)."""
    if not cancellations:
        raise ValueError("nothing to cancel")
    seen: set[str] = set()
    messages: list[str] = []
    items: list[FeedItem] = []
    for number, cancellation in enumerate(cancellations, start=1):
        if cancellation.order_id in seen:
            raise ValueError(f"order {cancellation.order_id} is given twice")
        seen.add(cancellation.order_id)
        reason = check_cancel_reason(cancellation.reason)
        lines = "".join(
            f"<Item><AmazonOrderItemCode>{escape(item)}</AmazonOrderItemCode>"
            f"<CancelReason>{reason}</CancelReason></Item>"
            for item in cancellation.item_ids
        )
        messages.append(
            f"<Message><MessageID>{number}</MessageID><OrderAcknowledgement>"
            f"<AmazonOrderID>{escape(cancellation.order_id)}</AmazonOrderID>"
            f"<StatusCode>Failure</StatusCode>{lines}</OrderAcknowledgement></Message>"
        )
        items.append(FeedItem(message_id=number, key=cancellation.order_id, value=f"cancel: {reason}"))
    return build_xml_feed(merchant_id, "OrderAcknowledgement", messages, items)
