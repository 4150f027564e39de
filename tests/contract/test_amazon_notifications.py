"""Contract: the Notifications API adapter (``adapters.amazon.notifications``) against the SP-API sandbox, whose
requests are validated against Amazon's model (``sandbox.violations`` stays empty) and which answers as
Amazon does: destinations only with a grantless token, 409 for a destination or subscription that exists,
404 for a subscription that does not, listings notifications only to EventBridge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.notifications import SpApiNotifications
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.subscriptions import DestinationKind
from tests.contract.test_amazon_adapter import Harness

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:amazon-odoo-events"


@pytest.fixture
def sandbox() -> Iterator[Any]:
    from amazon_odoo.local.sandbox import SpApiSandbox

    sb = SpApiSandbox(scenario=None, enforce_rate_limits=True).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def harness(sandbox: Any) -> Iterator[Harness]:
    h = Harness(sandbox)
    yield h
    h.close()
    assert sandbox.violations == []


def test_destinations_are_created_once_with_a_grantless_token(harness: Harness) -> None:
    api = SpApiNotifications(harness.gateway())
    sqs = api.create_destination("amazon-odoo-events", DestinationKind.SQS, QUEUE_ARN)
    assert sqs is not None and (sqs.kind, sqs.target) == (DestinationKind.SQS, QUEUE_ARN)
    bridge = api.create_destination(
        "amazon-odoo-listings", DestinationKind.EVENTBRIDGE, "123456789012/us-east-1"
    )
    assert bridge is not None and bridge.target == "123456789012/us-east-1"
    assert api.create_destination("again", DestinationKind.SQS, QUEUE_ARN) is None  # 409: it exists
    assert {d.destination_id for d in api.destinations()} == {sqs.destination_id, bridge.destination_id}
    # the sandbox refuses a seller's token here (403): 200 without a seller means the grantless token
    made = [c for c in harness.sandbox.requests if c.operation in ("createDestination", "getDestinations")]
    assert {(c.status, c.seller_id) for c in made} == {(200, None), (409, None)}


def test_subscriptions_conflict_and_not_found(harness: Harness) -> None:
    api = SpApiNotifications(harness.gateway())
    sqs = api.create_destination("amazon-odoo-events", DestinationKind.SQS, QUEUE_ARN)
    assert sqs is not None
    assert api.subscription("ORDER_CHANGE") is None  # 404
    made = api.create_subscription("ORDER_CHANGE", sqs.destination_id, "1.0")
    assert made is not None and made.destination_id == sqs.destination_id
    assert api.create_subscription("ORDER_CHANGE", sqs.destination_id, "1.0") is None  # 409
    found = api.subscription("ORDER_CHANGE", "1.0")
    assert found == made
    with pytest.raises(PermanentError) as caught:  # listings notifications go to EventBridge only
        api.create_subscription("LISTINGS_ITEM_STATUS_CHANGE", sqs.destination_id, "1.0")
    assert "EventBridge" in caught.value.message
