"""``notifications subscribe`` and ``notifications status``: the events queue as Amazon's SQS destination, the
stack's account and region as its EventBridge destination, and the seller's subscriptions to them.

Idempotent: a destination is created once per application (Amazon answers 409 for a second one with the
same resource: it is then looked up among the application's destinations); a subscription once per seller
and type (409: looked up with ``getSubscription``). Running ``subscribe`` again creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.subscriptions import (
    EVENTBRIDGE_DESTINATION_NAME,
    SQS_DESTINATION_NAME,
    WANTED,
    Destination,
    DestinationKind,
    Subscription,
    WantedSubscription,
    account_of_arn,
)
from amazon_odoo.ports import NotificationsApi


@dataclass(frozen=True)
class SubscriptionState:
    """One wanted subscription: what Amazon has (None: nothing) and whether this run created it."""

    wanted: WantedSubscription
    subscription: Subscription | None
    destination: Destination | None
    created: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.subscription is not None
            and self.destination is not None
            and self.subscription.destination_id == self.destination.destination_id
        )

    def describe(self) -> str:
        if self.subscription is None:
            return "not subscribed"
        where = self.destination.name if self.destination else "?"
        if not self.ok:
            return f"subscribed to another destination ({self.subscription.destination_id})"
        verb = "subscribed now" if self.created else "subscribed"
        return f"{verb} (id {self.subscription.subscription_id}, payload {self.subscription.payload_version}) -> {where}"


@dataclass
class SubscribeReport:
    destinations: dict[DestinationKind, Destination] = field(default_factory=dict)
    destinations_created: list[DestinationKind] = field(default_factory=list)
    subscriptions: list[SubscriptionState] = field(default_factory=list)


def destination_targets(events_queue_arn: str) -> dict[DestinationKind, str]:
    """The SQS destination is the events queue; the EventBridge one the queue's account and region."""
    region, account = account_of_arn(events_queue_arn)
    return {DestinationKind.SQS: events_queue_arn, DestinationKind.EVENTBRIDGE: f"{account}/{region}"}


def _find(found: list[Destination], kind: DestinationKind, target: str) -> Destination | None:
    return next((d for d in found if d.kind is kind and d.target == target), None)


def ensure_destination(
    api: NotificationsApi, kind: DestinationKind, target: str, known: list[Destination] | None = None
) -> tuple[Destination, bool]:
    """(destination, created now). Created first; Amazon's 409 means it exists: looked up."""
    if known is not None and (existing := _find(known, kind, target)) is not None:
        return existing, False
    name = SQS_DESTINATION_NAME if kind is DestinationKind.SQS else EVENTBRIDGE_DESTINATION_NAME
    created = api.create_destination(name, kind, target)
    if created is not None:
        return created, True
    existing = _find(api.destinations(), kind, target)
    if existing is None:
        raise PermanentError(
            f"Amazon says a {kind.value} destination for {target} exists, but lists none",
            record=f"destination {target}",
            source="amazon",
            resolution="list the destinations with getDestinations and delete the stale one",
        )
    return existing, False


def subscribe(api: NotificationsApi, events_queue_arn: str) -> SubscribeReport:
    """Create what is missing: both destinations, then every wanted subscription of the seller."""
    report = SubscribeReport()
    for kind, target in destination_targets(events_queue_arn).items():
        destination, created = ensure_destination(api, kind, target)
        report.destinations[kind] = destination
        if created:
            report.destinations_created.append(kind)
    for wanted in WANTED:
        destination = report.destinations[wanted.kind]
        made = api.create_subscription(
            wanted.notification_type, destination.destination_id, wanted.payload_version
        )
        subscription = made or api.subscription(wanted.notification_type, wanted.payload_version)
        report.subscriptions.append(
            SubscriptionState(wanted, subscription, destination, created=made is not None)
        )
    return report


def subscription_status(api: NotificationsApi, events_queue_arn: str | None) -> SubscribeReport:
    """What is subscribed now (read only). Without the events queue's ARN, any destination counts."""
    report = SubscribeReport()
    destinations = api.destinations()
    by_id = {d.destination_id: d for d in destinations}
    if events_queue_arn:
        for kind, target in destination_targets(events_queue_arn).items():
            found = _find(destinations, kind, target)
            if found is not None:
                report.destinations[kind] = found
    for wanted in WANTED:
        subscription = api.subscription(wanted.notification_type, wanted.payload_version)
        expected = report.destinations.get(wanted.kind)
        if expected is None and subscription is not None and not events_queue_arn:
            expected = by_id.get(subscription.destination_id)
        report.subscriptions.append(SubscriptionState(wanted, subscription, expected))
    return report
