"""The sandbox's in-memory seller data, loaded from a scenario and changed by the API calls.

Everything Amazon-shaped is kept in Amazon's own shape (orders as the Orders API v2026-01-01 ``Order``,
listings attributes as the Listings Items API writes them), so handlers mostly select and project.
Helpers for tests and the local runner (all thread-safe; documented in the package docstring):

- ``SandboxState.seller(id=None)``: a seller's state (the first seller when no id is given).
- ``SellerState.add_order(order)`` / ``build_order(...)``: add an order (a full model ``Order`` or one
  built from SKUs, quantities and prices); ``set_order_status(order_id, status)`` changes one.
- ``SellerState.add_report(report_type, content, ...)``: a finished report with its document.
- ``SellerState.put_listing(listing)``, ``listing_quantity(sku)``, ``listing_price(sku, marketplace)``.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from amazon_odoo.local.sandbox.core import (
    JsonObject,
    TokenGrant,
    iso,
    new_id,
    numeric_id,
    parse_time,
    utc_now,
)

GRANTLESS_SCOPES = frozenset(
    {"sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation"}
)

_RELATIVE = re.compile(r"^now(?P<parts>([+-]\d+[dhms])*)$")
_PART = re.compile(r"([+-])(\d+)([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "default.json"

MARKETPLACES: dict[str, JsonObject] = {
    "ATVPDKIKX0DER": {
        "id": "ATVPDKIKX0DER",
        "name": "Amazon.com",
        "countryCode": "US",
        "defaultCurrencyCode": "USD",
        "defaultLanguageCode": "en_US",
        "domainName": "www.amazon.com",
    },
    "A2EUQ1WTGCTBG2": {
        "id": "A2EUQ1WTGCTBG2",
        "name": "Amazon.ca",
        "countryCode": "CA",
        "defaultCurrencyCode": "CAD",
        "defaultLanguageCode": "en_CA",
        "domainName": "www.amazon.ca",
    },
    "A1AM78C64UM0Y8": {
        "id": "A1AM78C64UM0Y8",
        "name": "Amazon.com.mx",
        "countryCode": "MX",
        "defaultCurrencyCode": "MXN",
        "defaultLanguageCode": "es_MX",
        "domainName": "www.amazon.com.mx",
    },
    "A1PA6795UKMFR9": {
        "id": "A1PA6795UKMFR9",
        "name": "Amazon.de",
        "countryCode": "DE",
        "defaultCurrencyCode": "EUR",
        "defaultLanguageCode": "de_DE",
        "domainName": "www.amazon.de",
    },
}

STATUS_RANK = {
    "PENDING_AVAILABILITY": 0,
    "PENDING": 1,
    "UNSHIPPED": 2,
    "PARTIALLY_SHIPPED": 3,
    "SHIPPED": 4,
    "CANCELLED": 5,
    "UNFULFILLABLE": 6,
}


def resolve_relative_times(value: Any, now: datetime) -> Any:
    """Replace strings such as ``"now"``, ``"now-2d"`` or ``"now-1d-3h"`` by RFC 3339 timestamps."""
    if isinstance(value, dict):
        return {k: resolve_relative_times(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_relative_times(v, now) for v in value]
    if isinstance(value, str):
        match = _RELATIVE.match(value)
        if match:
            moment = now
            for sign, amount, unit in _PART.findall(match.group("parts")):
                delta = timedelta(**{_UNITS[unit]: int(amount)})
                moment = moment + delta if sign == "+" else moment - delta
            return iso(moment)
    return value


@dataclass
class Document:
    """A feed input, a feed processing report or a report document, served at ``/_documents/<id>``."""

    document_id: str
    content_type: str
    content: bytes | None = None
    compression: str | None = None  # "GZIP": ``content`` is stored (and served) compressed

    def text(self) -> str:
        data = self.content or b""
        if self.compression == "GZIP":
            data = gzip.decompress(data)
        return data.decode("utf-8", errors="replace")


@dataclass
class FeedRecord:
    feed_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created_time: datetime
    created_clock: float
    feed_options: dict[str, str] = field(default_factory=dict)
    status: str = "IN_QUEUE"
    polls: int = 0
    processing_start: datetime | None = None
    processing_end: datetime | None = None
    result_document_id: str | None = None

    def to_api(self) -> JsonObject:
        out: JsonObject = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": list(self.marketplace_ids),
            "createdTime": iso(self.created_time),
            "processingStatus": self.status,
        }
        if self.processing_start is not None:
            out["processingStartTime"] = iso(self.processing_start)
        if self.processing_end is not None:
            out["processingEndTime"] = iso(self.processing_end)
        if self.result_document_id is not None:
            out["resultFeedDocumentId"] = self.result_document_id
        return out


@dataclass
class ReportRecord:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    created_time: datetime
    created_clock: float
    status: str = "IN_QUEUE"
    polls: int = 0
    data_start: datetime | None = None
    data_end: datetime | None = None
    processing_start: datetime | None = None
    processing_end: datetime | None = None
    document_id: str | None = None
    report_options: dict[str, str] = field(default_factory=dict)
    report_schedule_id: str | None = None
    requested: bool = True

    def to_api(self) -> JsonObject:
        out: JsonObject = {
            "reportId": self.report_id,
            "reportType": self.report_type,
            "marketplaceIds": list(self.marketplace_ids),
            "createdTime": iso(self.created_time),
            "processingStatus": self.status,
        }
        for key, value in (
            ("dataStartTime", self.data_start),
            ("dataEndTime", self.data_end),
            ("processingStartTime", self.processing_start),
            ("processingEndTime", self.processing_end),
        ):
            if value is not None:
                out[key] = iso(value)
        if self.report_schedule_id:
            out["reportScheduleId"] = self.report_schedule_id
        if self.document_id is not None:
            out["reportDocumentId"] = self.document_id
        return out


@dataclass
class Processing:
    """How feeds and reports progress: one status step per poll (getFeed/getReport) or after a delay."""

    polls_to_done: int = 2
    delay_seconds: float | None = None


Emit = Callable[[str, "SellerState", JsonObject], None]


class SellerState:
    """One selling partner's data. Mutate through the helpers (they lock and notify)."""

    def __init__(self, data: JsonObject, sandbox: SandboxState) -> None:
        self._sandbox = sandbox
        self.seller_id: str = str(data["selling_partner_id"])
        self.refresh_token: str = str(data["refresh_token"])
        self.store_name: str = str(data.get("store_name", self.seller_id))
        self.account: JsonObject = dict(data.get("account", {}))
        self.marketplaces: list[JsonObject] = [
            _marketplace_entry(m, self.store_name) for m in data.get("marketplaces", [])
        ]
        self.orders: dict[str, JsonObject] = {}
        self.listings: dict[str, JsonObject] = {}
        self.feeds: dict[str, FeedRecord] = {}
        self.reports: dict[str, ReportRecord] = {}
        self.subscriptions: dict[str, JsonObject] = {}
        self.feed_results: list[JsonObject] = []  # what order feeds did (acknowledgements, adjustments)

    @property
    def lock(self) -> threading.RLock:
        return self._sandbox.lock

    @property
    def marketplace_ids(self) -> list[str]:
        return [str(m["marketplace"]["id"]) for m in self.marketplaces]

    def marketplace(self, marketplace_id: str) -> JsonObject | None:
        for entry in self.marketplaces:
            if entry["marketplace"]["id"] == marketplace_id:
                return dict(entry["marketplace"])
        return None

    # -- orders ------------------------------------------------------------------------------------------

    def add_order(self, order: JsonObject, *, notify: bool = True) -> JsonObject:
        """Add (or replace) an order given in the 2026-01-01 ``Order`` shape; returns the stored copy."""
        stored: JsonObject = resolve_relative_times(copy.deepcopy(order), utc_now())
        stored.setdefault("lastUpdatedTime", stored.get("createdTime"))
        with self.lock:
            self.orders[str(stored["orderId"])] = stored
        if notify:
            self._sandbox.emit_order_change(self, stored, "NewOrder")
        return stored

    def build_order(
        self,
        items: Iterable[tuple[str, int, str]],
        *,
        order_id: str | None = None,
        created: datetime | str | None = None,
        marketplace_id: str | None = None,
        status: str = "UNSHIPPED",
        shipping: str | None = None,
        buyer_name: str = "Jane Doe",
        postal_code: str = "98101",
        add: bool = True,
    ) -> JsonObject:
        """A complete, model-valid FBM order from ``(sku, quantity, unit price)`` items.

        It is added to the state (notifying ORDER_CHANGE) unless ``add=False``."""
        market = marketplace_id or self.marketplace_ids[0]
        currency = str((self.marketplace(market) or {}).get("defaultCurrencyCode", "USD"))
        moment = parse_time(created) if isinstance(created, str) else (created or utc_now())
        oid = order_id or f"114-{numeric_id(7)}-{numeric_id(7)}"
        order_items: list[JsonObject] = []
        total = Decimal("0")
        for index, (sku, quantity, price) in enumerate(items, start=1):
            listing = self.listings.get(sku, {})
            line = Decimal(price) * quantity
            total += line
            shipped = quantity if status == "SHIPPED" else 0
            order_items.append(
                {
                    "orderItemId": f"{numeric_id(12)}{index:02d}",
                    "quantityOrdered": quantity,
                    "product": {
                        "asin": str(listing.get("asin", "B000000000")),
                        "title": str(listing.get("itemName", sku)),
                        "sellerSku": sku,
                        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
                        "price": {"unitPrice": _money(Decimal(price), currency)},
                    },
                    "proceeds": {
                        "proceedsTotal": _money(line, currency),
                        "breakdowns": [{"type": "ITEM", "subtotal": _money(line, currency)}],
                    },
                    "fulfillment": {"quantityFulfilled": shipped, "quantityUnfulfilled": quantity - shipped},
                }
            )
        breakdowns: list[JsonObject] = [{"type": "ITEM", "subtotal": _money(total, currency)}]
        if shipping is not None:
            total += Decimal(shipping)
            breakdowns.append({"type": "SHIPPING", "subtotal": _money(Decimal(shipping), currency)})
        order: JsonObject = {
            "orderId": oid,
            "createdTime": iso(moment),
            "lastUpdatedTime": iso(moment),
            "programs": [],
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": market,
                "marketplaceName": str((self.marketplace(market) or {}).get("name", market)),
            },
            "buyer": {"buyerName": buyer_name, "buyerEmail": f"{numeric_id(8)}@marketplace.amazon.com"},
            "recipient": {
                "deliveryAddress": {
                    "name": buyer_name,
                    "addressLine1": "1 Main Street",
                    "city": "Seattle",
                    "stateOrRegion": "WA",
                    "postalCode": postal_code,
                    "countryCode": "US",
                    "addressType": "RESIDENTIAL",
                }
            },
            "proceeds": {"grandTotal": _money(total, currency), "breakdowns": breakdowns},
            "fulfillment": {
                "fulfillmentStatus": status,
                "fulfilledBy": "MERCHANT",
                "fulfillmentServiceLevel": "STANDARD",
                "shipByWindow": {
                    "earliestDateTime": iso(moment),
                    "latestDateTime": iso(moment + timedelta(days=2)),
                },
            },
            "orderItems": order_items,
        }
        return self.add_order(order) if add else order

    def set_order_status(
        self, order_id: str, status: str, *, reason: str = "OrderStatusChange"
    ) -> JsonObject:
        """Change an order's fulfilment status (e.g. a buyer cancellation) and notify ORDER_CHANGE."""
        with self.lock:
            order = self.orders[order_id]
            order.setdefault("fulfillment", {"fulfillmentStatus": status})["fulfillmentStatus"] = status
            if status == "CANCELLED":
                for item in order["orderItems"]:
                    item.setdefault("cancellation", {})["cancellationExecution"] = {
                        "cancelledBy": "MERCHANT" if reason == "SellerCancelled" else "BUYER",
                        "cancelReason": reason,
                    }
            order["lastUpdatedTime"] = iso(utc_now())
        self._sandbox.emit_order_change(self, order, reason)
        return order

    # -- listings ----------------------------------------------------------------------------------------

    def put_listing(self, listing: JsonObject) -> JsonObject:
        """Add or replace a listing: ``sku``, ``productType``, ``attributes`` (Amazon's attribute shape),
        and optionally ``asin``, ``itemName``, ``conditionType``, ``status``, ``marketplaceIds``, dates."""
        now = iso(utc_now())
        stored: JsonObject = resolve_relative_times(copy.deepcopy(listing), utc_now())
        stored.setdefault("productType", "PRODUCT")
        stored.setdefault("conditionType", "new_new")
        stored.setdefault("status", ["BUYABLE", "DISCOVERABLE"] if stored.get("asin") else [])
        stored.setdefault("marketplaceIds", self.marketplace_ids[:1])
        stored.setdefault("createdDate", now)
        stored.setdefault("lastUpdatedDate", now)
        stored.setdefault("attributes", {})
        stored.setdefault("issues", [])
        with self.lock:
            self.listings[str(stored["sku"])] = stored
        return stored

    def listing_quantity(self, sku: str, channel: str = "DEFAULT") -> int | None:
        with self.lock:
            for entry in self.listings[sku]["attributes"].get("fulfillment_availability", []):
                if entry.get("fulfillment_channel_code") == channel:
                    quantity = entry.get("quantity")
                    return int(quantity) if quantity is not None else None
        return None

    def listing_price(self, sku: str, marketplace_id: str | None = None) -> Decimal | None:
        with self.lock:
            for offer in self.listings[sku]["attributes"].get("purchasable_offer", []):
                if marketplace_id and offer.get("marketplace_id") not in (None, marketplace_id):
                    continue
                for price in offer.get("our_price", []):
                    for schedule in price.get("schedule", []):
                        return Decimal(str(schedule["value_with_tax"]))
        return None

    # -- reports -----------------------------------------------------------------------------------------

    def add_report(
        self,
        report_type: str,
        content: bytes | str,
        *,
        report_id: str | None = None,
        created: datetime | str | None = None,
        marketplace_ids: list[str] | None = None,
        data_start: datetime | str | None = None,
        data_end: datetime | str | None = None,
        compression: str | None = None,
        content_type: str = "text/tab-separated-values; charset=UTF-8",
        requested: bool = False,
    ) -> ReportRecord:
        """A finished (DONE) report with its document, e.g. a settlement report Amazon generated."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        if compression == "GZIP":
            data = gzip.compress(data, mtime=0)
        document = self._sandbox.add_document(
            content_type, data, compression=compression, prefix="amzn1.spdoc"
        )
        moment = _moment(created) or utc_now()
        report = ReportRecord(
            report_id=report_id or numeric_id(11),
            report_type=report_type,
            marketplace_ids=marketplace_ids or self.marketplace_ids[:1],
            created_time=moment,
            created_clock=self._sandbox.clock(),
            status="DONE",
            data_start=_moment(data_start),
            data_end=_moment(data_end),
            processing_start=moment,
            processing_end=moment,
            document_id=document.document_id,
            requested=requested,
        )
        with self.lock:
            self.reports[report.report_id] = report
        return report

    def snapshot(self) -> JsonObject:
        """A JSON copy of this seller's data (for debugging and the local runner's status page)."""
        with self.lock:
            return copy.deepcopy(
                {
                    "sellerId": self.seller_id,
                    "orders": self.orders,
                    "listings": self.listings,
                    "feeds": {k: v.to_api() for k, v in self.feeds.items()},
                    "reports": {k: v.to_api() for k, v in self.reports.items()},
                    "subscriptions": self.subscriptions,
                    "feedResults": self.feed_results,
                }
            )


class SandboxState:
    """All sellers of a scenario plus what belongs to the application (destinations, documents, tokens)."""

    def __init__(self, scenario: JsonObject, *, base_dir: Path | None, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.base_dir = base_dir
        self.base_url = ""
        app = scenario.get("application", {})
        self.client_id: str = str(app.get("client_id", "amzn1.application-oa2-client.sandbox"))
        self.client_secret: str = str(app.get("client_secret", "sandbox-client-secret"))
        self.application_id: str = str(app.get("application_id", "amzn1.sp.solution.sandbox"))
        processing = scenario.get("processing", {})
        self.processing = Processing(
            polls_to_done=int(processing.get("polls_to_done", 2)),
            delay_seconds=(
                float(processing["delay_seconds"]) if processing.get("delay_seconds") is not None else None
            ),
        )
        self.usage_plans: dict[str, tuple[float, int]] = {
            op: (float(plan["rate"]), int(plan["burst"]))
            for op, plan in scenario.get("usage_plans", {}).items()
        }
        self.documents: dict[str, Document] = {}
        self.tokens: dict[str, TokenGrant] = {}
        self.destinations: dict[str, JsonObject] = {}
        self.notifications: list[JsonObject] = []  # every notification "sent": {"destination", "payload"}
        self.on_notification: Callable[[JsonObject, JsonObject], None] | None = None
        self._notification_check: Callable[[JsonObject], list[str]] | None = None
        # (schema path under schemas/, document) -> violations; the sandbox wires in its ModelCatalog
        self.schema_violations: Callable[[str, Any], list[str]] = lambda _relative, _document: []
        self.violations: list[str] = []
        # Amazon's catalogue (asin -> item) for searchCatalogItems / offer-only puts (issue 7)
        from amazon_odoo.local.sandbox.apis.catalog import DEFAULT_CATALOG

        self.catalog: dict[str, JsonObject] = {
            str(item["asin"]): copy.deepcopy(item) for item in scenario.get("catalog", DEFAULT_CATALOG)
        }
        self.sellers: dict[str, SellerState] = {}
        for data in scenario.get("sellers", []):
            self._load_seller(data)
        for destination in scenario.get("destinations", []):
            self.destinations[str(destination["destinationId"])] = dict(destination)

    def _load_seller(self, data: JsonObject) -> None:
        seller = SellerState(data, self)
        self.sellers[seller.seller_id] = seller
        for listing in data.get("listings", []):
            seller.put_listing(listing)
        for order in data.get("orders", []):
            seller.add_order(order, notify=False)
        for report in data.get("reports", []):
            content: bytes | str = report.get("content", "")
            if "document" in report:
                if self.base_dir is None:
                    raise ValueError("a scenario given as a dict cannot reference document files")
                content = (self.base_dir / str(report["document"])).read_bytes()
            seller.add_report(
                str(report["reportType"]),
                content,
                report_id=report.get("reportId"),
                created=report.get("createdTime"),
                marketplace_ids=report.get("marketplaceIds"),
                data_start=report.get("dataStartTime"),
                data_end=report.get("dataEndTime"),
                compression=report.get("compressionAlgorithm"),
                content_type=str(report.get("contentType", "text/tab-separated-values; charset=UTF-8")),
            )
        for notification_type, subscription in data.get("subscriptions", {}).items():
            seller.subscriptions[str(notification_type)] = dict(subscription)

    # -- lookups -----------------------------------------------------------------------------------------

    def seller(self, seller_id: str | None = None) -> SellerState:
        if seller_id is None:
            return next(iter(self.sellers.values()))
        return self.sellers[seller_id]

    def seller_by_refresh_token(self, refresh_token: str) -> SellerState | None:
        return next((s for s in self.sellers.values() if s.refresh_token == refresh_token), None)

    def add_document(
        self, content_type: str, content: bytes | None, *, compression: str | None = None, prefix: str
    ) -> Document:
        document = Document(
            document_id=f"{prefix}.4.na.{new_id()}",
            content_type=content_type,
            content=content,
            compression=compression,
        )
        with self.lock:
            self.documents[document.document_id] = document
        return document

    def document_url(self, document_id: str) -> str:
        return f"{self.base_url}/_documents/{document_id}"

    # -- notifications -----------------------------------------------------------------------------------

    def set_notification_check(self, check: Callable[[JsonObject], list[str]]) -> None:
        self._notification_check = check

    def send(self, notification_type: str, seller: SellerState, payload: JsonObject) -> None:
        """Deliver a notification to the seller's subscription destination, when subscribed."""
        with self.lock:
            subscription = seller.subscriptions.get(notification_type)
            if subscription is None:
                return
            destination = self.destinations.get(str(subscription["destinationId"]), {})
            camel = notification_type in ("FEED_PROCESSING_FINISHED", "REPORT_PROCESSING_FINISHED")
            metadata = {
                "applicationId": self.application_id,
                "subscriptionId": str(subscription["subscriptionId"]),
                "publishTime": iso(utc_now()),
                "notificationId": new_id(),
            }
            if camel:
                message: JsonObject = {
                    "notificationVersion": "2020-09-04",
                    "notificationType": notification_type,
                    "payloadVersion": str(subscription.get("payloadVersion", "2020-09-04")),
                    "eventTime": iso(utc_now()),
                    "payload": payload,
                    "notificationMetadata": metadata,
                }
            else:
                message = {
                    "NotificationVersion": "1.0",
                    "NotificationType": notification_type,
                    "PayloadVersion": str(subscription.get("payloadVersion", "1.0")),
                    "EventTime": iso(utc_now()),
                    "Payload": payload,
                    "NotificationMetadata": {
                        "ApplicationId": metadata["applicationId"],
                        "SubscriptionId": metadata["subscriptionId"],
                        "PublishTime": metadata["publishTime"],
                        "NotificationId": metadata["notificationId"],
                    },
                }
            if self._notification_check is not None:
                self.violations.extend(self._notification_check(message))
            self.notifications.append({"destination": copy.deepcopy(destination), "payload": message})
            callback = self.on_notification
        if callback is not None:
            callback(destination, message)

    def emit_order_change(self, seller: SellerState, order: JsonObject, reason: str) -> None:
        if "ORDER_CHANGE" not in seller.subscriptions:
            return
        status = str(order.get("fulfillment", {}).get("fulfillmentStatus", "PENDING"))
        items = []
        shipped_total = unshipped_total = 0
        for item in order.get("orderItems", []):
            fulfilment = item.get("fulfillment", {})
            shipped = int(fulfilment.get("quantityFulfilled", 0))
            quantity = int(item["quantityOrdered"])
            shipped_total += shipped
            unshipped_total += max(0, quantity - shipped)
            items.append(
                {
                    "OrderItemId": str(item["orderItemId"]),
                    "SellerSKU": str(item.get("product", {}).get("sellerSku", "")),
                    "SupplySourceId": None,
                    "OrderItemStatus": "Shipped" if shipped >= quantity else "Unshipped",
                    "Quantity": quantity,
                    "QuantityShipped": shipped,
                }
            )
        fulfilled_by = order.get("fulfillment", {}).get("fulfilledBy", "MERCHANT")
        payload = {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller.seller_id,
                "AmazonOrderId": str(order["orderId"]),
                "OrderChangeType": "OrderStatusChange",
                "OrderChangeTrigger": {
                    "TimeOfOrderChange": order.get("lastUpdatedTime"),
                    "ChangeReason": reason,
                },
                "Summary": {
                    "MarketplaceId": str(order["salesChannel"].get("marketplaceId", "")),
                    "OrderStatus": _legacy_status(status),
                    "PurchaseDate": order.get("createdTime"),
                    "DestinationPostalCode": order.get("recipient", {})
                    .get("deliveryAddress", {})
                    .get("postalCode"),
                    "FulfillmentType": "AFN" if fulfilled_by == "AMAZON" else "MFN",
                    "OrderType": "StandardOrder",
                    "NumberOfItemsShipped": shipped_total,
                    "NumberOfItemsUnshipped": unshipped_total,
                    "OrderItems": items,
                },
            }
        }
        self.send("ORDER_CHANGE", seller, payload)


def _legacy_status(status: str) -> str:
    return {
        "PENDING_AVAILABILITY": "PendingAvailability",
        "PENDING": "Pending",
        "UNSHIPPED": "Unshipped",
        "PARTIALLY_SHIPPED": "PartiallyShipped",
        "SHIPPED": "Shipped",
        "CANCELLED": "Canceled",
        "UNFULFILLABLE": "Unfulfillable",
    }.get(status, "Pending")


def _marketplace_entry(data: JsonObject | str, store_name: str) -> JsonObject:
    """A ``MarketplaceParticipation`` from a marketplace id or a partial entry."""
    if isinstance(data, str):
        data = {"id": data}
    market_id = str(data["id"])
    marketplace = dict(MARKETPLACES.get(market_id, {}))
    marketplace.update(
        {
            k: v
            for k, v in data.items()
            if k in ("id", "name", "countryCode", "defaultCurrencyCode", "defaultLanguageCode", "domainName")
        }
    )
    return {
        "marketplace": marketplace,
        "participation": {
            "isParticipating": bool(data.get("isParticipating", True)),
            "hasSuspendedListings": bool(data.get("hasSuspendedListings", False)),
        },
        "storeName": str(data.get("storeName", store_name)),
    }


def _money(amount: Decimal, currency: str) -> JsonObject:
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currencyCode": currency}


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_time(str(resolve_relative_times(value, utc_now())))


def load_scenario(scenario: JsonObject | str | Path | None) -> tuple[JsonObject, Path | None]:
    """The scenario dict and the folder its document paths are relative to."""
    if scenario is None:
        scenario = DEFAULT_SCENARIO
    if isinstance(scenario, dict):
        return copy.deepcopy(scenario), None
    path = Path(scenario)
    return json.loads(path.read_text(encoding="utf-8")), path.resolve().parent
