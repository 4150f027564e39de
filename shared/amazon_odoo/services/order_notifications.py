"""ORDER_CHANGE: the notification door of "Orders in".

The notification is only a summary (no prices, no address), so the order is fetched once with
``getOrder`` (0.5/s, deduplicated upstream on the notification id) and handed to the work queue in the
same message the poll uses; one consumer (ingest_order) then serves both doors. Keeping Odoo out of the
events function means a slow or stopped Odoo never holds up Amazon's notifications: they are acknowledged
as soon as the order is safely on the work queue, and the work queue retries until Odoo answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import PermanentError, SkipError
from amazon_odoo.domain.notifications import Notification, get_ci
from amazon_odoo.ports import AmazonGateway, WorkQueue
from amazon_odoo.services.import_orders import INCLUDED_DATA, order_message
from amazon_odoo.services.notifications import NotificationHandler

ORDER_CHANGE = "ORDER_CHANGE"


def order_change_summary(notification: Notification) -> tuple[str, str, str]:
    """(Amazon order id, fulfilment type, marketplace id) of an ORDER_CHANGE notification.

    A field that is missing or of the wrong type is a PermanentError naming it (the router logs it under the
    notification's id and acknowledges the message)."""

    def malformed(problem: str) -> PermanentError:
        return PermanentError(
            f"ORDER_CHANGE {problem}",
            record=f"notification {notification.notification_id}",
            resolution="nothing to fix here; the scheduled import still reads the order",
        )

    def text(mapping: Mapping[str, Any], path: str) -> str:
        value = get_ci(mapping, path.rsplit(".", 1)[-1])
        if value is None:
            return ""
        if not isinstance(value, str):
            raise malformed(f"with {path} of type {type(value).__name__} (a string expected)")
        return value

    body = get_ci(notification.payload, "OrderChangeNotification")
    if not isinstance(body, Mapping):
        raise malformed("without Payload.OrderChangeNotification")
    order_id = text(body, "OrderChangeNotification.AmazonOrderId")
    if not order_id:
        raise malformed("without OrderChangeNotification.AmazonOrderId")
    summary = get_ci(body, "Summary")
    if summary is None:
        summary = {}
    if not isinstance(summary, Mapping):
        raise malformed(
            f"with OrderChangeNotification.Summary of type {type(summary).__name__} (an object expected)"
        )
    return (
        order_id,
        text(summary, "Summary.FulfillmentType"),
        text(summary, "Summary.MarketplaceId"),
    )


def order_change_handler(
    amazon_for: Callable[[SellerConfig], AmazonGateway], queue: WorkQueue
) -> NotificationHandler:
    def handle(notification: Notification, seller: SellerConfig) -> str:
        order_id, fulfilment, marketplace = order_change_summary(notification)
        if not seller.orders.auto_import:
            raise SkipError(
                f"order {order_id}: auto-import is off for seller {seller.id} (orders.auto_import)"
            )
        if fulfilment.upper() == "AFN":
            raise SkipError(f"order {order_id} is fulfilled by Amazon (FBA): not this connector's")
        if marketplace and marketplace not in {mp.id for mp in seller.marketplaces}:
            raise SkipError(
                f"order {order_id} is on marketplace {marketplace}, which the seller does not integrate"
            )
        response = amazon_for(seller).get_order(order_id, included_data=INCLUDED_DATA)
        order = response.get("order")
        if not isinstance(order, dict):
            raise PermanentError(
                "getOrder answered without an order",
                record=f"order {order_id}",
                resolution="run 'amazon-odoo orders import ORDER_ID' later; the scheduled import also reads it",
            )
        queue.send(order_message(seller.id, order, "notification"))
        return "queued"

    return handle
