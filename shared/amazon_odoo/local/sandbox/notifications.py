"""Checks of notification messages against Amazon's JSON schemas (``schemas/notifications``).

Used for every notification the sandbox sends, and available to other tests:
``notification_violations(ModelCatalog(dir), message) -> list[str]``. The official
LISTINGS_ITEM_STATUS_CHANGE schema's enum misspells its own type (``LISTINGS_ITEM_STATUS_CHANGED``);
it is relaxed to admit the name Amazon really sends.
"""

from __future__ import annotations

from amazon_odoo.local.sandbox.core import JsonObject
from amazon_odoo.local.sandbox.models import ModelCatalog

SCHEMAS: dict[str, str] = {
    "ORDER_CHANGE": "notifications/OrderChangeNotification.json",
    "FEED_PROCESSING_FINISHED": "notifications/FeedProcessingFinishedNotification.json",
    "REPORT_PROCESSING_FINISHED": "notifications/ReportProcessingFinishedNotification.json",
    "TRANSACTION_UPDATE": "notifications/TransactionUpdateNotification.json",
    "ANY_OFFER_CHANGED": "notifications/AnyOfferChangedNotification.json",
    "LISTINGS_ITEM_STATUS_CHANGE": "notifications/ListingsItemStatusChangeNotification.json",
    "LISTINGS_ITEM_ISSUES_CHANGE": "notifications/ListingsItemIssuesChangeNotification_2023-12-13.json",
    "LISTINGS_ITEM_MFN_QUANTITY_CHANGE": "notifications/ListingsItemMfnQuantityChange.json",
    "FBA_INVENTORY_AVAILABILITY_CHANGES": "notifications/FBAInventoryAvailabilityChangeNotification.json",
}

RELAXED_ENUMS: dict[str, dict[str, str]] = {
    "LISTINGS_ITEM_STATUS_CHANGE": {"LISTINGS_ITEM_STATUS_CHANGED": "LISTINGS_ITEM_STATUS_CHANGE"},
}

SQS_TYPES = frozenset(
    {
        "ORDER_CHANGE",
        "FEED_PROCESSING_FINISHED",
        "REPORT_PROCESSING_FINISHED",
        "TRANSACTION_UPDATE",
        "ANY_OFFER_CHANGED",
        "FBA_INVENTORY_AVAILABILITY_CHANGES",
        "B2B_ANY_OFFER_CHANGED",
        "PRICING_HEALTH",
        "ACCOUNT_STATUS_CHANGED",
        "FULFILLMENT_ORDER_STATUS",
        "BRANDED_ITEM_CONTENT_CHANGE",
        "ITEM_PRODUCT_TYPE_CHANGE",
        "PRODUCT_TYPE_DEFINITIONS_CHANGE",
        "EXTERNAL_FULFILLMENT_SHIPMENT_STATUS_CHANGE",
        "FEE_PROMOTION",
        "DETAIL_PAGE_TRAFFIC_EVENT",
        "ITEM_INVENTORY_EVENT_CHANGE",
    }
)
EVENTBRIDGE_ONLY_TYPES = frozenset(
    {"LISTINGS_ITEM_STATUS_CHANGE", "LISTINGS_ITEM_ISSUES_CHANGE", "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"}
)
REMOVED_TYPES = frozenset({"ORDER_STATUS_CHANGE", "MFN_ORDER_STATUS_CHANGE"})


def notification_type(message: JsonObject) -> str:
    for key in ("NotificationType", "notificationType"):
        if key in message:
            return str(message[key])
    return ""


def notification_violations(models: ModelCatalog, message: JsonObject) -> list[str]:
    """What breaks the notification type's schema (nothing when the schemas are absent)."""
    kind = notification_type(message)
    relative = SCHEMAS.get(kind)
    if relative is None:
        return []
    validator = models.schema_validator(relative, relax=RELAXED_ENUMS.get(kind))
    if validator is None:
        return []
    return [
        f"notification {kind}: {'.'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(message)
    ]
