"""Notification envelopes: PascalCase and camelCase, double-encoded, EventBridge-wrapped, refused clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.notifications import parse_notification

EVENTS = Path(__file__).resolve().parents[2] / "infrastructure" / "events"


def bodies() -> list[dict[str, Any]]:
    event = json.loads((EVENTS / "order_change.json").read_text())
    return [json.loads(record["body"]) for record in event["Records"]]


def test_order_change_pascal_case() -> None:
    n = parse_notification(json.dumps(bodies()[0]))
    assert n.notification_type == "ORDER_CHANGE"
    assert n.notification_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    assert n.merchant_id == "A3MUGSUS8ACCPT"
    assert n.payload["OrderChangeNotification"]["AmazonOrderId"] == "114-3941689-8772232"
    assert n.event_time is not None and n.event_time.utcoffset() is not None


def test_feed_processing_finished_camel_case() -> None:
    n = parse_notification(bodies()[1])
    assert (n.notification_type, n.merchant_id) == ("FEED_PROCESSING_FINISHED", "A3MUGSUS8ACCPT")
    assert n.notification_id == "a8c6f1d2-7e3b-4c5a-9d8e-2f1a0b9c8d7e"
    assert n.payload["feedProcessingFinishedNotification"]["feedId"] == "50046018675"


def test_double_encoded_body() -> None:
    once = json.dumps(bodies()[0])
    assert parse_notification(json.dumps(once)) == parse_notification(once)


def test_eventbridge_event_detail_is_unwrapped() -> None:
    detail = {
        "notificationVersion": "1.0",
        "notificationType": "LISTINGS_ITEM_ISSUES_CHANGE",
        "payloadVersion": "1.0",
        "eventTime": "2026-11-20T10:00:00Z",
        "notificationMetadata": {
            "applicationId": "app",
            "subscriptionId": "sub",
            "publishTime": "2026-11-20T10:00:01Z",
            "notificationId": "nid-1",
        },
        "payload": {"sellerId": "A3MUGSUS8ACCPT", "sku": "MUG-BLUE-12", "severityCounts": {}},
    }
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "LISTINGS_ITEM_ISSUES_CHANGE",
        "source": "aws.partner/sellingpartnerapi.amazon.com/amzn1.sellerapps.app.x",
        "detail": detail,
    }
    n = parse_notification(json.dumps(event))
    assert (n.notification_type, n.notification_id, n.merchant_id) == (
        "LISTINGS_ITEM_ISSUES_CHANGE",
        "nid-1",
        "A3MUGSUS8ACCPT",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON list, not an object"),
        (
            json.dumps({"NotificationType": "ORDER_CHANGE", "Payload": {}}),
            "missing Payload, NotificationMetadata",
        ),
        (
            json.dumps({"Payload": {"a": 1}, "NotificationMetadata": {"NotificationId": "x"}}),
            "missing NotificationType",
        ),
    ],
)
def test_bad_bodies_are_permanent_with_a_hint(body: str, message: str) -> None:
    with pytest.raises(PermanentError, match=message) as info:
        parse_notification(body)
    assert info.value.resolution


def test_sample_events_match_amazons_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schemas = Path(__file__).resolve().parents[3] / "shared" / "spapi-models" / "schemas" / "notifications"
    if not schemas.is_dir():
        pytest.skip("Amazon's notification schemas are not beside the checkout")
    order_change, feed_finished = bodies()
    for body, name in (
        (order_change, "OrderChangeNotification.json"),
        (feed_finished, "FeedProcessingFinishedNotification.json"),
    ):
        schema = json.loads((schemas / name).read_text())
        jsonschema.validate(body, schema)
