"""Cancel at Amazon (issue 4 item 5) on the local stack (moto, SP-API sandbox, Odoo double): `orders cancel`
and the scheduled cancel_orders job send one order acknowledgement feed, tracked to Amazon's per-order
result; an order Amazon has shipped is refused without sending anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.domain.feeds import FeedRecord, FeedStatus
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.sandbox.apis import feeds as sandbox_feeds
from amazon_odoo.local.stack import LocalStack, scheduled_event

SELLER = "mugs-us"
AMAZON_SELLER = "A3MUGSUS8ACCPT"


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> Iterator[LocalStack]:
    load_demo_sellers(stack, lambda line: None)
    seed_demo_odoo(lambda line: None)
    yield stack


def imported_order(stack: LocalStack) -> str:
    order = stack.sandbox.state.seller(AMAZON_SELLER).build_order(
        [("TEAPOT-WHITE", 1, "39.00")], created=datetime.now(UTC) - timedelta(minutes=30)
    )
    order_id = str(order["orderId"])
    assert main(["orders", "import", order_id, "--seller", SELLER]) == 0
    return order_id


def amazon_status(stack: LocalStack, order_id: str) -> str:
    return str(stack.sandbox.state.seller(AMAZON_SELLER).orders[order_id]["fulfillment"]["fulfillmentStatus"])


def cancel_feeds() -> list[FeedRecord]:
    return [f for f in compose().state.list_feeds(SELLER) if f.job == "cancel_orders"]


def process_feeds(stack: LocalStack) -> None:
    """Amazon processes the pending feeds, then track_feeds (by hand) collects the results."""
    state = stack.sandbox.state
    seller = state.seller(AMAZON_SELLER)
    with state.lock:
        for feed in list(seller.feeds.values()):
            sandbox_feeds.advance(state, seller, feed, force=True)
    assert main(["run", "track-feeds", "--seller", SELLER]) == 0


def test_orders_cancel_sends_a_tracked_feed_and_amazon_cancels_the_order(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = imported_order(loaded)
    assert amazon_status(loaded, order_id) == "UNSHIPPED"
    capsys.readouterr()
    assert main(["orders", "cancel", order_id, "--seller", SELLER, "--reason", "CustomerExchange"]) == 0
    assert "sent in feed" in capsys.readouterr().out
    [call] = loaded.sandbox.calls("createFeed")
    assert call.body["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA"
    [record] = cancel_feeds()
    assert record.status is FeedStatus.IN_QUEUE and [i.key for i in record.items] == [order_id]

    process_feeds(loaded)
    assert amazon_status(loaded, order_id) == "CANCELLED"
    [result] = [
        r for r in loaded.sandbox.state.seller(AMAZON_SELLER).feed_results if r["orderId"] == order_id
    ]
    assert result["statusCode"] == "Failure" and result["cancelReason"] == "CustomerExchange"
    [done] = cancel_feeds()
    assert done.status is FeedStatus.DONE and done.accepted == 1 and done.errors == 0
    assert main(["feeds", "show", done.feed_id]) == 0
    assert order_id in capsys.readouterr().out

    # again: Amazon has it cancelled, nothing is sent
    assert main(["orders", "cancel", order_id, "--seller", SELLER]) == 0
    assert "cancelled at Amazon already" in capsys.readouterr().out
    assert len(loaded.sandbox.calls("createFeed")) == 1


def test_a_shipped_order_is_refused_without_sending_and_a_bad_reason_sends_nothing(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = imported_order(loaded)
    loaded.sandbox.state.seller(AMAZON_SELLER).set_order_status(order_id, "SHIPPED")
    before = len(loaded.sandbox.calls("createFeed"))
    capsys.readouterr()
    assert main(["orders", "cancel", order_id, "--seller", SELLER]) == 1
    assert "cannot be cancelled" in capsys.readouterr().out
    assert len(loaded.sandbox.calls("createFeed")) == before
    [entry] = [
        e
        for e in compose().state.list_logs(SELLER, job="cancel_orders")
        if e.record_ref == f"order {order_id}"
    ]
    assert entry.level is LogLevel.ERROR and "shipped" in entry.message and "refund" in entry.resolution

    assert main(["orders", "cancel", order_id, "--seller", SELLER, "--reason", "Whatever"]) == 2
    assert "NoInventory" in capsys.readouterr().err
    assert len(loaded.sandbox.calls("createFeed")) == before


def test_the_job_cancels_at_amazon_what_was_cancelled_in_odoo_once(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = imported_order(loaded)
    odoo = compose().odoo
    assert odoo is not None
    [so] = odoo.search_read("sale.order", [("client_order_ref", "=", order_id)], ["id"])
    odoo.cancel_orders([so["id"]])
    # another channel's order with a customer reference (a PO number), cancelled too: not Amazon's business
    partner = odoo.create("res.partner", [{"name": "Wholesale customer"}])[0]
    [other] = odoo.create("sale.order", [{"partner_id": partner, "client_order_ref": "PO-2026-118"}])
    odoo.cancel_orders([other])
    before = len(loaded.sandbox.calls("createFeed"))
    capsys.readouterr()
    [run] = invoke("cancel_orders", scheduled_event("cancel_orders"))["runs"]  # the Lambda, on schedule
    assert run["seller_id"] == SELLER and run["status"] == "succeeded", run
    assert run["counts"]["cancelled_in_odoo"] == 1 and run["counts"]["orders_sent"] == 1
    assert len(loaded.sandbox.calls("createFeed")) == before + 1
    pending = [f for f in cancel_feeds() if f.pending]
    assert [[i.key for i in f.items] for f in pending] == [[order_id]]

    process_feeds(loaded)
    assert amazon_status(loaded, order_id) == "CANCELLED"
    [result] = [
        r for r in loaded.sandbox.state.seller(AMAZON_SELLER).feed_results if r["orderId"] == order_id
    ]
    assert result["cancelReason"] == "NoInventory"  # the seller's orders.cancel_reason default

    assert main(["run", "cancel-orders", "--seller", SELLER]) == 0  # by hand: nothing left to send
    assert "cancel_orders: succeeded" in capsys.readouterr().out
    assert len(loaded.sandbox.calls("createFeed")) == before + 1
