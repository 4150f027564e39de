"""Notifications API v1: destinations (grantless) and subscriptions (per seller).

createSubscription answers 409 when the seller already has a subscription of that type; EventBridge-only
types (LISTINGS_ITEM_*) are refused for SQS destinations, and removed types are refused altogether.
"""

from __future__ import annotations

import copy

from amazon_odoo.local.sandbox.core import ApiError, Context, JsonObject, Reply, invalid_input, new_id
from amazon_odoo.local.sandbox.notifications import EVENTBRIDGE_ONLY_TYPES, REMOVED_TYPES, SCHEMAS, SQS_TYPES
from amazon_odoo.local.sandbox.routing import Grant, Route
from amazon_odoo.local.sandbox.state import SellerState

MODEL = "notifications-api-model/notifications.json"
KNOWN_TYPES = SQS_TYPES | EVENTBRIDGE_ONLY_TYPES | frozenset(SCHEMAS)


def create_destination(ctx: Context) -> Reply:
    body = ctx.request.body_object()
    spec = body["resourceSpecification"]
    if "sqs" in spec and "eventBridge" not in spec:
        resource: JsonObject = {"sqs": {"arn": str(spec["sqs"]["arn"])}}
    elif "eventBridge" in spec and "sqs" not in spec:
        bridge = spec["eventBridge"]
        partner_source = f"aws.partner/sellingpartnerapi.amazon.com/{bridge['accountId']}"
        resource = {
            "eventBridge": {
                "name": f"{partner_source}/{ctx.state.application_id}",
                "region": str(bridge["region"]),
                "accountId": str(bridge["accountId"]),
            }
        }
    else:
        raise invalid_input("resourceSpecification must hold exactly one of sqs and eventBridge.")
    for existing in ctx.state.destinations.values():
        if existing["resource"] == resource:
            raise ApiError(
                409,
                "A destination for this resource already exists.",
                details=f"destinationId {existing['destinationId']}",
                code="Conflict",
            )
    destination_id = new_id()
    destination: JsonObject = {
        "name": str(body["name"]),
        "destinationId": destination_id,
        "resource": resource,
    }
    ctx.state.destinations[destination_id] = destination
    return Reply(200, {"payload": copy.deepcopy(destination)})


def get_destinations(ctx: Context) -> Reply:
    return Reply(200, {"payload": [copy.deepcopy(d) for d in ctx.state.destinations.values()]})


def _destination(ctx: Context) -> JsonObject:
    destination_id = ctx.request.path_param("destinationId")
    destination = ctx.state.destinations.get(destination_id)
    if destination is None:
        raise ApiError(404, f"Destination {destination_id} not found.", code="NotFound")
    return destination


def get_destination(ctx: Context) -> Reply:
    return Reply(200, {"payload": copy.deepcopy(_destination(ctx))})


def delete_destination(ctx: Context) -> Reply:
    destination = _destination(ctx)
    for seller in ctx.state.sellers.values():
        if any(s["destinationId"] == destination["destinationId"] for s in seller.subscriptions.values()):
            raise ApiError(409, "The destination has subscriptions; delete them first.", code="Conflict")
    del ctx.state.destinations[destination["destinationId"]]
    return Reply(200, {})


def _type(ctx: Context) -> str:
    kind = ctx.request.path_param("notificationType")
    if kind in REMOVED_TYPES or kind not in KNOWN_TYPES:
        raise invalid_input(f"Invalid notificationType: {kind}.", "This notification type does not exist.")
    return kind


def create_subscription(ctx: Context) -> Reply:
    seller, kind, body = ctx.seller, _type(ctx), ctx.request.body_object()
    destination = ctx.state.destinations.get(str(body["destinationId"]))
    if destination is None:
        raise invalid_input("Invalid destinationId.", f"Destination {body['destinationId']} does not exist.")
    if kind in EVENTBRIDGE_ONLY_TYPES and "eventBridge" not in destination["resource"]:
        raise invalid_input(f"{kind} notifications can only be delivered to an EventBridge destination.")
    existing = seller.subscriptions.get(kind)
    if existing is not None and existing.get("payloadVersion") == body["payloadVersion"]:
        raise ApiError(
            409,
            "The subscription already exists.",
            details=f"subscriptionId {existing['subscriptionId']} for {kind}",
            code="Conflict",
        )
    subscription: JsonObject = {
        "subscriptionId": new_id(),
        "payloadVersion": str(body["payloadVersion"]),
        "destinationId": str(body["destinationId"]),
    }
    if body.get("processingDirective"):
        subscription["processingDirective"] = copy.deepcopy(body["processingDirective"])
    seller.subscriptions[kind] = subscription
    return Reply(200, {"payload": copy.deepcopy(subscription)})


def get_subscription(ctx: Context) -> Reply:
    kind = _type(ctx)
    subscription = ctx.seller.subscriptions.get(kind)
    if subscription is None:
        raise ApiError(404, f"No subscription found for {kind}.", code="NotFound")
    return Reply(200, {"payload": copy.deepcopy(subscription)})


def get_subscriptions(ctx: Context) -> Reply:
    kinds = ctx.request.list_param("notificationTypes")
    found = [copy.deepcopy(s) for k, s in ctx.seller.subscriptions.items() if k in kinds]
    return Reply(200, {"payload": {"subscriptions": found}})


def _by_id(ctx: Context) -> tuple[SellerState, str]:
    """getSubscriptionById and deleteSubscriptionById are grantless at Amazon; seller tokens work too."""
    kind, subscription_id = _type(ctx), ctx.request.path_param("subscriptionId")
    grant = ctx.request.grant
    sellers = [ctx.seller] if grant is not None and grant.seller_id else list(ctx.state.sellers.values())
    for seller in sellers:
        subscription = seller.subscriptions.get(kind)
        if subscription is not None and subscription["subscriptionId"] == subscription_id:
            return seller, kind
    raise ApiError(404, f"Subscription {subscription_id} not found.", code="NotFound")


def get_subscription_by_id(ctx: Context) -> Reply:
    seller, kind = _by_id(ctx)
    return Reply(200, {"payload": copy.deepcopy(seller.subscriptions[kind])})


def delete_subscription_by_id(ctx: Context) -> Reply:
    seller, kind = _by_id(ctx)
    del seller.subscriptions[kind]
    return Reply(200, {})


SUBSCRIPTION = "/notifications/v1/subscriptions/{notificationType}"
ROUTES = [
    Route("getSubscriptions", "GET", "/notifications/v1/subscriptions", MODEL, get_subscriptions),
    Route("getSubscription", "GET", SUBSCRIPTION, MODEL, get_subscription),
    Route("createSubscription", "POST", SUBSCRIPTION, MODEL, create_subscription),
    Route(
        "getSubscriptionById",
        "GET",
        SUBSCRIPTION + "/{subscriptionId}",
        MODEL,
        get_subscription_by_id,
        Grant.EITHER,
    ),
    Route(
        "deleteSubscriptionById",
        "DELETE",
        SUBSCRIPTION + "/{subscriptionId}",
        MODEL,
        delete_subscription_by_id,
        Grant.EITHER,
    ),
    Route(
        "getDestinations", "GET", "/notifications/v1/destinations", MODEL, get_destinations, Grant.GRANTLESS
    ),
    Route(
        "createDestination",
        "POST",
        "/notifications/v1/destinations",
        MODEL,
        create_destination,
        Grant.GRANTLESS,
    ),
    Route(
        "getDestination",
        "GET",
        "/notifications/v1/destinations/{destinationId}",
        MODEL,
        get_destination,
        Grant.GRANTLESS,
    ),
    Route(
        "deleteDestination",
        "DELETE",
        "/notifications/v1/destinations/{destinationId}",
        MODEL,
        delete_destination,
        Grant.GRANTLESS,
    ),
]
