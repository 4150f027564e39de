"""Notification destinations and subscriptions (Notifications API v1), and which ones the connector wants.

Amazon delivers ORDER_CHANGE, FEED_PROCESSING_FINISHED and REPORT_PROCESSING_FINISHED to an SQS queue
(the stack's events queue); the listings notifications only to EventBridge (a partner event source in the
stack's AWS account and region, whose rule forwards them to the same events queue). A destination belongs
to the application (grantless calls, once per application); subscriptions belong to each seller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DestinationKind(StrEnum):
    SQS = "sqs"
    EVENTBRIDGE = "eventBridge"


@dataclass(frozen=True)
class Destination:
    """A destination as Amazon describes it: ``target`` is the SQS ARN, or ``account/region`` of
    EventBridge."""

    destination_id: str
    name: str
    kind: DestinationKind
    target: str

    @classmethod
    def from_api(cls, item: dict[str, object]) -> Destination:
        resource = item.get("resource")
        if not isinstance(resource, dict):
            raise TypeError("destination without a resource")
        if isinstance(resource.get("sqs"), dict):
            return cls(
                str(item["destinationId"]), str(item["name"]), DestinationKind.SQS, resource["sqs"]["arn"]
            )
        bridge = resource.get("eventBridge")
        if not isinstance(bridge, dict):
            raise TypeError("destination resource is neither sqs nor eventBridge")
        target = f"{bridge['accountId']}/{bridge['region']}"
        return cls(str(item["destinationId"]), str(item["name"]), DestinationKind.EVENTBRIDGE, target)


@dataclass(frozen=True)
class Subscription:
    notification_type: str
    subscription_id: str
    payload_version: str
    destination_id: str

    @classmethod
    def from_api(cls, notification_type: str, item: dict[str, object]) -> Subscription:
        return cls(
            notification_type,
            str(item["subscriptionId"]),
            str(item["payloadVersion"]),
            str(item["destinationId"]),
        )


@dataclass(frozen=True)
class WantedSubscription:
    notification_type: str
    payload_version: str
    kind: DestinationKind


# What the connector subscribes every seller to, with Amazon's current payload versions.
WANTED: tuple[WantedSubscription, ...] = (
    WantedSubscription("ORDER_CHANGE", "1.0", DestinationKind.SQS),
    WantedSubscription("FEED_PROCESSING_FINISHED", "2020-09-04", DestinationKind.SQS),
    WantedSubscription("REPORT_PROCESSING_FINISHED", "2020-09-04", DestinationKind.SQS),
    WantedSubscription("LISTINGS_ITEM_ISSUES_CHANGE", "1.0", DestinationKind.EVENTBRIDGE),
    WantedSubscription("LISTINGS_ITEM_STATUS_CHANGE", "1.0", DestinationKind.EVENTBRIDGE),
)

SQS_DESTINATION_NAME = "amazon-odoo-events"
EVENTBRIDGE_DESTINATION_NAME = "amazon-odoo-listings"


def account_of_arn(arn: str) -> tuple[str, str]:
    """(region, account id) of an ARN such as ``arn:aws:sqs:eu-west-1:123456789012:amazon-odoo-events``."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[4].isdigit():
        raise ValueError(f"{arn!r} is not an ARN with a region and an account id")
    return parts[3], parts[4]
