"""Orders API v2026-01-01 (searchOrders, getOrder) and Orders v0 confirmShipment."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import datetime, timedelta

from amazon_odoo.local.sandbox.core import (
    ApiError,
    Context,
    JsonObject,
    Reply,
    invalid_input,
    iso,
    parse_time,
    utc_now,
)
from amazon_odoo.local.sandbox.routing import Route

MODEL = "orders-api-model/orders_2026-01-01.json"
MODEL_V0 = "orders-api-model/ordersV0.json"

SETTLE_DELAY = timedelta(minutes=2)  # "...at least two minutes before the time of the request"
TOKEN_LIFETIME = timedelta(hours=24)

ORDER_CORE = (
    "orderId",
    "orderAliases",
    "createdTime",
    "lastUpdatedTime",
    "programs",
    "associatedOrders",
    "salesChannel",
    "orderItems",
)
ORDER_DATASETS = {
    "BUYER": "buyer",
    "RECIPIENT": "recipient",
    "PROCEEDS": "proceeds",
    "PAYMENT": "payment",
    "TAX": "tax",
    "FULFILLMENT": "fulfillment",
    "PACKAGES": "packages",
    "FULFILLMENT_ORDERS": "fulfillmentOrders",
}
ITEM_CORE = ("orderItemId", "quantityOrdered", "measurement", "associatedOrderItems", "programs", "product")
ITEM_DATASETS = {
    "PROCEEDS": "proceeds",
    "EXPENSE": "expense",
    "PROMOTION": "promotion",
    "CANCELLATION": "cancellation",
    "FULFILLMENT": "fulfillment",
    "TAX": "tax",
}
FILTERS = (
    "createdAfter",
    "createdBefore",
    "lastUpdatedAfter",
    "lastUpdatedBefore",
    "fulfillmentStatuses",
    "marketplaceIds",
    "fulfilledBy",
)


def project(order: JsonObject, included: list[str]) -> JsonObject:
    """The order as Amazon returns it for ``includedData``: the core plus the selected datasets."""
    wanted = set(included)
    out = {k: copy.deepcopy(order[k]) for k in ORDER_CORE if k in order and k != "orderItems"}
    for dataset, key in ORDER_DATASETS.items():
        if dataset in wanted and key in order:
            out[key] = copy.deepcopy(order[key])
    items = []
    for item in order.get("orderItems", []):
        projected = {k: copy.deepcopy(item[k]) for k in ITEM_CORE if k in item}
        for dataset, key in ITEM_DATASETS.items():
            if dataset in wanted and key in item:
                projected[key] = copy.deepcopy(item[key])
        items.append(projected)
    out["orderItems"] = items
    return out


def _time(ctx: Context, name: str) -> datetime | None:
    value = ctx.request.param(name)
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise invalid_input(f"Invalid {name}: {value!r} is not an ISO 8601 date-time.") from exc


def _signature(ctx: Context) -> str:
    parts = {name: sorted(ctx.request.list_param(name)) for name in FILTERS}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _encode_token(data: JsonObject) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> JsonObject:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise invalid_input("Invalid paginationToken.", "The pagination token could not be decoded.") from exc
    if not isinstance(data, dict) or not {"o", "f", "b", "t"} <= data.keys():
        raise invalid_input("Invalid paginationToken.", "The pagination token could not be decoded.")
    return data


def search_orders(ctx: Context) -> Reply:
    request, now = ctx.request, utc_now()
    created_after, created_before = _time(ctx, "createdAfter"), _time(ctx, "createdBefore")
    updated_after, updated_before = _time(ctx, "lastUpdatedAfter"), _time(ctx, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    if created_after is not None and (updated_after or updated_before):
        raise invalid_input(
            "If createdAfter is provided, neither lastUpdatedAfter nor lastUpdatedBefore may be provided."
        )
    if updated_after is not None and created_before is not None:
        raise invalid_input(
            "If lastUpdatedAfter is provided, neither createdAfter nor createdBefore may be provided."
        )
    by_created = created_after is not None
    after = created_after if by_created else updated_after
    before = created_before if by_created else updated_before
    after_name, before_name = (
        ("createdAfter", "createdBefore") if by_created else ("lastUpdatedAfter", "lastUpdatedBefore")
    )
    if after is None:  # unreachable: exactly one "after" bound was checked above
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    latest = now - SETTLE_DELAY
    if after > latest:
        raise invalid_input(f"{after_name} must be at least two minutes before the time of the request.")
    if before is not None:
        if before < after:
            raise invalid_input(f"{before_name} must be equal to or after {after_name}.")
        if before > latest:
            raise invalid_input(f"{before_name} must be at least two minutes before the time of the request.")
    page_size = request.int_param("maxResultsPerPage", 100)
    if not 1 <= page_size <= 100:
        raise invalid_input("maxResultsPerPage must be between 1 and 100.")
    signature = _signature(ctx)
    offset = 0
    token = request.param("paginationToken")
    if token:
        data = _decode_token(token)
        if data["f"] != signature:
            raise invalid_input(
                "Invalid paginationToken.",
                "All parameters except maxResultsPerPage and includedData must keep the values of the "
                "request that returned the token.",
            )
        if now - datetime.fromtimestamp(float(data["t"]), tz=now.tzinfo) > TOKEN_LIFETIME:
            raise invalid_input("The paginationToken has expired.")
        offset, bound = int(data["o"]), parse_time(str(data["b"]))
    else:
        bound = before or latest
    statuses = set(request.list_param("fulfillmentStatuses"))
    markets = set(request.list_param("marketplaceIds"))
    fulfilled_by = set(request.list_param("fulfilledBy"))
    key = "createdTime" if by_created else "lastUpdatedTime"
    matches = []
    for order in ctx.seller.orders.values():
        moment = parse_time(str(order[key]))
        if not after <= moment <= bound:
            continue
        fulfilment = order.get("fulfillment", {})
        if statuses and fulfilment.get("fulfillmentStatus") not in statuses:
            continue
        if markets and order.get("salesChannel", {}).get("marketplaceId") not in markets:
            continue
        if fulfilled_by and fulfilment.get("fulfilledBy", "MERCHANT") not in fulfilled_by:
            continue
        matches.append((moment, str(order["orderId"]), order))
    matches.sort(key=lambda row: (row[0], row[1]))
    page = matches[offset : offset + page_size]
    included = request.list_param("includedData")
    body: JsonObject = {"orders": [project(order, included) for _, _, order in page]}
    if offset + page_size < len(matches):
        next_token = {"o": offset + page_size, "f": signature, "b": iso(bound), "t": now.timestamp()}
        body["pagination"] = {"nextToken": _encode_token(next_token)}
    body[before_name] = iso(bound)
    return Reply(200, body)


def get_order(ctx: Context) -> Reply:
    order_id = ctx.request.path_param("orderId")
    order = ctx.seller.orders.get(order_id)
    if order is None:
        raise ApiError(404, f"Order {order_id} not found.", code="NotFound")
    return Reply(200, {"order": project(order, ctx.request.list_param("includedData"))})


ALREADY_FULFILLED = (
    "Failed to create package due to not finding a matching package or order already fulfilled."
)


def confirm_shipment(ctx: Context) -> Reply:
    """Record a package: 204; Amazon's 400 answers for cancelled, shipped or unknown items."""
    seller = ctx.seller
    order_id = ctx.request.path_param("orderId")
    order = seller.orders.get(order_id)
    if order is None:
        raise ApiError(404, f"Order {order_id} not found.", code="NotFound")
    body = ctx.request.body_object()
    detail = body.get("packageDetail", {})
    if body.get("marketplaceId") != order["salesChannel"].get("marketplaceId"):
        raise invalid_input(
            "Invalid marketplaceId.", f"Order {order_id} was not placed in {body.get('marketplaceId')}."
        )
    reference = str(detail.get("packageReferenceId", ""))
    if not reference.isdigit() or int(reference) <= 0:
        raise invalid_input("PackageReferenceId: is invalid, must be a positive numeric value.", "")
    if detail.get("carrierCode") == "Other" and not detail.get("carrierName"):
        raise invalid_input("CarrierName is required when CarrierCode is Other.", "")
    status = order.get("fulfillment", {}).get("fulfillmentStatus")
    if status == "CANCELLED":
        raise invalid_input(f"Order {order_id} has been cancelled and cannot be shipped.", "")
    if status in ("PENDING", "PENDING_AVAILABILITY"):
        raise invalid_input(f"Order {order_id} is pending and cannot be shipped yet.", "")
    if any(p.get("packageReferenceId") == reference for p in order.get("packages", [])):
        raise invalid_input(ALREADY_FULFILLED, "")
    items = {str(item["orderItemId"]): item for item in order["orderItems"]}
    shipping: list[tuple[JsonObject, int]] = []
    for entry in detail.get("orderItems", []):
        item = items.get(str(entry["orderItemId"]))
        if item is None:
            raise invalid_input(
                f"OrderItemId {entry['orderItemId']} is invalid, please obtain the value through the "
                "getOrderItems API or Manage Orders page",
                "",
            )
        quantity = int(entry["quantity"])
        fulfilled = int(item.get("fulfillment", {}).get("quantityFulfilled", 0))
        if quantity <= 0 or fulfilled + quantity > int(item["quantityOrdered"]):
            raise invalid_input(ALREADY_FULFILLED, "")
        shipping.append((item, quantity))
    if not shipping:
        raise invalid_input("packageDetail.orderItems must list at least one order item.", "")
    now = iso(utc_now())
    for item, quantity in shipping:
        fulfilment = item.setdefault("fulfillment", {})
        fulfilment["quantityFulfilled"] = int(fulfilment.get("quantityFulfilled", 0)) + quantity
        fulfilment["quantityUnfulfilled"] = int(item["quantityOrdered"]) - fulfilment["quantityFulfilled"]
    package: JsonObject = {
        "packageReferenceId": reference,
        "createdTime": now,
        "packageStatus": {"status": "SHIPPED"},
        "carrier": str(detail.get("carrierName") or detail["carrierCode"]),
        "shipTime": iso(parse_time(str(detail["shipDate"]))),
        "trackingNumber": str(detail["trackingNumber"]),
        "packageItems": [{"orderItemId": str(i["orderItemId"]), "quantity": q} for i, q in shipping],
    }
    if detail.get("shippingMethod"):
        package["shippingService"] = str(detail["shippingMethod"])
    order.setdefault("packages", []).append(package)
    complete = all(
        int(i.get("fulfillment", {}).get("quantityFulfilled", 0)) >= int(i["quantityOrdered"])
        for i in order["orderItems"]
    )
    order.setdefault("fulfillment", {})["fulfillmentStatus"] = "SHIPPED" if complete else "PARTIALLY_SHIPPED"
    order["lastUpdatedTime"] = now
    ctx.state.emit_order_change(seller, order, "ShipmentConfirmed")
    return Reply(204, None)


ROUTES = [
    Route("searchOrders", "GET", "/orders/2026-01-01/orders", MODEL, search_orders),
    Route("getOrder", "GET", "/orders/2026-01-01/orders/{orderId}", MODEL, get_order),
    Route(
        "confirmShipment",
        "POST",
        "/orders/v0/orders/{orderId}/shipmentConfirmation",
        MODEL_V0,
        confirm_shipment,
    ),
]
