"""Notifications API v1 for one seller's gateway: destinations (grantless: the application's LWA client with
scope ``sellingpartnerapi::notifications``) and the seller's subscriptions.

Every call goes through :meth:`SpApiGateway.call` (rate limits, retries, the failure table). A 409 on a
create means "it exists already" (a SkipError in the failure table): the create answers ``None`` and the
caller looks it up; a 404 on ``getSubscription`` means "not subscribed" (``None`` too).
"""

from __future__ import annotations

from typing import Any

from sp_api.api import Notifications

from amazon_odoo.adapters.amazon.gateway import SpApiGateway, response_payload
from amazon_odoo.domain.errors import SkipError
from amazon_odoo.domain.subscriptions import Destination, DestinationKind, Subscription


class SpApiNotifications:
    """:class:`amazon_odoo.ports.NotificationsApi` on a seller's :class:`SpApiGateway`."""

    def __init__(self, gateway: SpApiGateway) -> None:
        self._gateway = gateway

    @property
    def _client(self) -> Any:
        return self._gateway.client(Notifications)

    def destinations(self) -> list[Destination]:
        operation = "getDestinations"
        payload = response_payload(self._gateway.call(operation, self._client.get_destinations))
        items: list[Any] = payload if isinstance(payload, list) else []
        return self._gateway._parsed(operation, lambda: [Destination.from_api(item) for item in items])

    def create_destination(self, name: str, kind: DestinationKind, target: str) -> Destination | None:
        """``target``: the queue ARN (SQS) or ``account/region`` (EventBridge). None when it exists (409)."""
        operation = "createDestination"
        if kind is DestinationKind.SQS:
            kwargs: dict[str, str] = {"arn": target}
        else:
            account, _, region = target.partition("/")
            kwargs = {"account_id": account, "region": region}
        try:
            response = self._gateway.call(
                operation,
                self._client.create_destination,
                name=name,
                record=f"destination {target}",
                **kwargs,
            )
        except SkipError:
            return None
        payload = response_payload(response)
        return self._gateway._parsed(operation, lambda: Destination.from_api(payload))

    def subscription(self, notification_type: str, payload_version: str = "") -> Subscription | None:
        operation = "getSubscription"
        params = {"payloadVersion": payload_version} if payload_version else {}
        try:
            response = self._gateway.call(
                operation,
                self._client.get_subscription,
                notification_type,
                record=f"subscription {notification_type}",
                **params,
            )
        except SkipError:
            return None
        payload = response_payload(response)
        return self._gateway._parsed(operation, lambda: Subscription.from_api(notification_type, payload))

    def create_subscription(
        self, notification_type: str, destination_id: str, payload_version: str
    ) -> Subscription | None:
        """None when the seller has this subscription already (409)."""
        operation = "createSubscription"
        try:
            response = self._gateway.call(
                operation,
                self._client.create_subscription,
                notification_type,
                destination_id=destination_id,
                payload_version=payload_version,
                record=f"subscription {notification_type}",
            )
        except SkipError:
            return None
        payload = response_payload(response)
        return self._gateway._parsed(operation, lambda: Subscription.from_api(notification_type, payload))
