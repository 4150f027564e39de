"""Feeds end to end on the local stack: a JSON_LISTINGS_FEED submitted to the SP-API sandbox, tracked to
its per-SKU result through FEED_PROCESSING_FINISHED on the events queue (amazon_events) and, without the
notification, through the track_feeds schedule; results in S3, errors in the log book, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    FeedStatus,
    ItemOutcome,
    ListingsMessage,
    build_listings_feed,
)
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import load_demo_sellers
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.stack import LocalStack, drain_queue, scheduled_event
from amazon_odoo.services.feeds import feed_results

US = "ATVPDKIKX0DER"


def quantity(sku: str, value: int) -> ListingsMessage:
    patch = {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }
    return ListingsMessage(sku=sku, product_type="DRINKING_CUP", patches=(patch,), value=f"quantity {value}")


@pytest.fixture(scope="module", autouse=True)
def leave_no_sellers(stack: LocalStack) -> Iterator[None]:
    """moto keeps its tables for the whole process: the next module's stack starts without sellers."""
    yield
    compose().state.replace_sellers([])


@pytest.fixture
def seller(stack: LocalStack) -> SellerConfig:
    if compose().state.get_seller("mugs-us") is None:
        load_demo_sellers(stack, lambda line: None)
    return compose().seller("mugs-us")


@pytest.fixture
def notifications(stack: LocalStack) -> Iterator[list[dict[str, Any]]]:
    """The sandbox seller subscribed to FEED_PROCESSING_FINISHED, delivered to the events queue (moto)."""
    sandbox = stack.sandbox.state
    sent: list[dict[str, Any]] = []
    sandbox.destinations["dest-events"] = {
        "destinationId": "dest-events",
        "name": "amazon-odoo-events",
        "resource": {"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:amazon-odoo-events"}},
    }
    sandbox.seller().subscriptions["FEED_PROCESSING_FINISHED"] = {
        "subscriptionId": "sub-feeds",
        "payloadVersion": "2020-09-04",
        "destinationId": "dest-events",
    }

    def deliver(destination: dict[str, Any], message: dict[str, Any]) -> None:
        sent.append(message)
        stack.send_notification(message)

    sandbox.on_notification = deliver
    yield sent
    sandbox.on_notification = None
    sandbox.seller().subscriptions.pop("FEED_PROCESSING_FINISHED", None)


def submit(seller: SellerConfig, *messages: ListingsMessage) -> Any:
    return compose().feed_tracker.submit(
        seller,
        feed_type=JSON_LISTINGS_FEED,
        marketplace_ids=[US],
        content=build_listings_feed(seller.merchant_id, list(messages)),
        job="export_stock",
    )


def test_feed_processing_finished_through_amazon_events_stores_results_and_logs_the_sku(
    stack: LocalStack,
    seller: SellerConfig,
    notifications: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = compose()
    record = submit(
        seller, quantity("MUG-BLUE-12", 8), quantity("MUG-RED-12", -3), quantity("TEAPOT-WHITE", 2)
    )
    assert record.status is FeedStatus.IN_QUEUE and record.feed_id
    stack.sandbox.complete_pending()  # Amazon processes it and notifies
    assert [n["payload"]["feedProcessingFinishedNotification"]["feedId"] for n in notifications] == [
        record.feed_id
    ]
    totals = drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events")
    assert totals == {"delivered": 1, "failed": 0}
    assert not stack.sandbox.calls("getFeed")  # the notification said it was done

    done = app.state.get_feed("mugs-us", record.feed_id)
    assert done is not None and not done.pending
    assert (done.status, done.accepted, done.errors) == (FeedStatus.DONE, 2, 1)
    results = feed_results(app.documents, done)  # stored in the documents bucket (S3 on moto)
    assert results is not None
    assert {i.key: i.outcome for i in results.items} == {
        "MUG-BLUE-12": ItemOutcome.ACCEPTED,
        "MUG-RED-12": ItemOutcome.ERROR,
        "TEAPOT-WHITE": ItemOutcome.ACCEPTED,
    }
    (entry,) = app.state.list_logs("mugs-us", job="export_stock", level=LogLevel.ERROR)
    assert entry.record_ref == "sku MUG-RED-12" and "'-3'" in entry.message and "99010" in entry.message
    assert entry.resolution.endswith("the next export_stock run sends the SKU again")
    assert list(app.feed_tracker.failed_items("mugs-us", "export_stock", US)) == ["MUG-RED-12"]
    assert stack.sandbox.state.seller().listing_quantity("MUG-BLUE-12") == 8

    assert main(["feeds", "--seller", "mugs-us"]) == 0
    table = capsys.readouterr().out
    assert record.feed_id in table and "JSON_LISTINGS_FEED" in table and "DONE" in table
    assert main(["feeds", "show", record.feed_id, "--problems"]) == 0
    shown = capsys.readouterr().out
    assert "MUG-RED-12" in shown and "quantity -3" in shown and "99010" in shown
    assert "MUG-BLUE-12" not in shown  # --problems: only what Amazon refused or warned about
    assert stack.sandbox.violations == []


def test_without_the_notification_the_schedule_tracks_the_feed(
    stack: LocalStack, seller: SellerConfig
) -> None:
    app = compose()
    record = submit(seller, quantity("COASTER-SET-4", 4), quantity("NO-SUCH-SKU", 1))
    first = invoke("track_feeds", scheduled_event("track_feeds", "mugs-us"))
    (run,) = first["runs"]
    assert run["status"] == "succeeded" and run["counts"]["feeds_pending"] >= 1
    pending = app.state.get_feed("mugs-us", record.feed_id)
    assert pending is not None and pending.status is FeedStatus.IN_PROGRESS and pending.pending
    (run,) = invoke("track_feeds", scheduled_event("track_feeds", "mugs-us"))["runs"]
    assert run["counts"]["feeds_finished"] == 1 and run["counts"]["items_failed"] == 1
    done = app.state.get_feed("mugs-us", record.feed_id)
    assert done is not None and (done.status, done.accepted, done.errors) == (FeedStatus.DONE, 1, 1)
    errors = app.state.list_logs("mugs-us", job="export_stock", level=LogLevel.ERROR)
    assert any(e.record_ref == "sku NO-SUCH-SKU" and "does not exist" in e.message for e in errors)
    assert "NO-SUCH-SKU" in app.feed_tracker.failed_items("mugs-us", "export_stock", US)
    # nothing pending any more: the next run asks Amazon nothing
    calls = len(stack.sandbox.requests)
    (run,) = invoke("track_feeds", scheduled_event("track_feeds", "mugs-us"))["runs"]
    assert run["counts"] == {"feeds_pending": 0} and len(stack.sandbox.requests) == calls
    assert main(["feeds", "--status", "pending"]) == 0


def test_a_feed_of_someone_else_is_acknowledged_with_a_note(stack: LocalStack, seller: SellerConfig) -> None:
    stack.send_notification(
        {
            "notificationVersion": "2020-09-04",
            "notificationType": "FEED_PROCESSING_FINISHED",
            "payloadVersion": "2020-09-04",
            "eventTime": "2026-11-20T10:16:00.000Z",
            "payload": {
                "feedProcessingFinishedNotification": {
                    "sellerId": seller.merchant_id,
                    "feedId": "70000000001",
                    "feedType": "POST_FLAT_FILE_LISTINGS_DATA",
                    "processingStatus": "DONE",
                }
            },
            "notificationMetadata": {
                "applicationId": "amzn1.sellerapps.app.x",
                "subscriptionId": "sub-feeds",
                "publishTime": "2026-11-20T10:16:01.000Z",
                "notificationId": "not-ours-1",
            },
        }
    )
    assert drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events") == {
        "delivered": 1,
        "failed": 0,
    }
    notes = compose().state.list_logs("mugs-us", job="amazon_events")
    assert any(
        "feed 70000000001 (POST_FLAT_FILE_LISTINGS_DATA) was not submitted by this connector" in e.message
        for e in notes
    )
