"""ORDER_CHANGE → one getOrder → the order on the work queue, in the poll's message shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import PermanentError, SkipError
from amazon_odoo.domain.notifications import parse_notification
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.services.notifications import NotificationRouter
from amazon_odoo.services.order_notifications import order_change_handler
from tests.fakes import InMemoryStateStore, InMemoryWorkQueue

EVENTS = Path(__file__).resolve().parents[2] / "infrastructure" / "events"


def order_change(order_id: str, fulfilment: str = "MFN", marketplace: str = "ATVPDKIKX0DER") -> Any:
    body = json.loads(json.loads((EVENTS / "order_change.json").read_text())["Records"][0]["body"])
    change = body["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"] = order_id
    change["Summary"].update(FulfillmentType=fulfilment, MarketplaceId=marketplace)
    return parse_notification(body)


def test_order_change_fetches_the_order_once_and_queues_it(
    sandbox: SpApiSandbox, seller: SellerConfig, amazon: SpApiGateway
) -> None:
    queue = InMemoryWorkQueue()
    handle = order_change_handler(lambda s: amazon, queue)
    assert handle(order_change("114-5820417-3390021"), seller) == "queued"
    (message,) = queue.messages
    assert (message["kind"], message["source"], message["seller_id"]) == (
        "amazon_order",
        "notification",
        "mugs-us",
    )
    assert message["order"]["orderId"] == "114-5820417-3390021" and message["order"]["orderItems"]
    assert len(sandbox.calls("getOrder")) == 1 and not sandbox.calls("searchOrders")
    assert sandbox.violations == []


def test_fba_and_foreign_marketplace_orders_are_skipped(seller: SellerConfig) -> None:
    queue = InMemoryWorkQueue()
    handle = order_change_handler(lambda s: pytest.fail("Amazon must not be called"), queue)
    with pytest.raises(SkipError, match="fulfilled by Amazon"):
        handle(order_change("114-0000000-0000001", fulfilment="AFN"), seller)
    with pytest.raises(SkipError, match="does not integrate"):
        handle(order_change("114-0000000-0000002", marketplace="A1PA6795UKMFR9"), seller)
    assert queue.messages == []


def test_unknown_order_at_amazon_is_logged_through_the_router(
    sandbox: SpApiSandbox, seller: SellerConfig, amazon: SpApiGateway
) -> None:
    state, queue = InMemoryStateStore(), InMemoryWorkQueue()
    state.replace_sellers([seller])
    router = NotificationRouter(state, {"ORDER_CHANGE": order_change_handler(lambda s: amazon, queue)})
    assert router.handle(order_change("114-9999999-9999999")) == "failed"
    (entry,) = state.list_logs(seller_id="mugs-us")
    assert entry.level.value == "error" and "114-9999999-9999999" in entry.record_ref + entry.message
    assert queue.messages == []


def test_notification_without_order_id_is_permanent(seller: SellerConfig) -> None:
    n = order_change("x")
    broken = n.model_copy(update={"payload": {"OrderChangeNotification": {"Summary": {}}}})
    with pytest.raises(PermanentError, match="AmazonOrderId"):
        order_change_handler(lambda s: pytest.fail("no call"), InMemoryWorkQueue())(broken, seller)


def test_orders_are_not_fetched_when_auto_import_is_off(seller: SellerConfig) -> None:
    off = seller.model_copy(update={"orders": seller.orders.model_copy(update={"auto_import": False})})
    with pytest.raises(SkipError, match="auto-import is off"):
        order_change_handler(lambda s: pytest.fail("no call"), InMemoryWorkQueue())(
            order_change("114-1"), off
        )
