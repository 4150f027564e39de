"""The order acknowledgement feed that cancels Amazon orders (mapping/cancellations.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.feeds import XML_CONTENT_TYPE, FeedItem
from amazon_odoo.mapping.cancellations import (
    CANCEL_REASONS,
    Cancellation,
    cancellation_feed,
    check_cancel_reason,
)


def test_one_message_per_order_with_its_reason_on_every_item() -> None:
    feed = cancellation_feed(
        "A3MUGSUS8ACCPT",
        [
            Cancellation(order_id="114-0000001-0000001", reason="BuyerCanceled", item_ids=("11", "12")),
            Cancellation(order_id="114-0000002-0000002", reason="noinventory"),
        ],
    )
    assert feed.content_type == XML_CONTENT_TYPE
    assert feed.items == (
        FeedItem(message_id=1, key="114-0000001-0000001", value="cancel: BuyerCanceled"),
        FeedItem(message_id=2, key="114-0000002-0000002", value="cancel: NoInventory"),
    )
    root = ET.fromstring(feed.content)  # noqa: S314 - our own document
    assert root.tag == "AmazonEnvelope"
    assert root.findtext("Header/MerchantIdentifier") == "A3MUGSUS8ACCPT"
    assert root.findtext("MessageType") == "OrderAcknowledgement"
    first, second = root.findall("Message")
    assert first.findtext("MessageID") == "1"
    ack = first.find("OrderAcknowledgement")
    assert ack is not None
    assert ack.findtext("AmazonOrderID") == "114-0000001-0000001"
    assert ack.findtext("StatusCode") == "Failure"
    items = [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in ack.findall("Item")]
    assert items == [("11", "BuyerCanceled"), ("12", "BuyerCanceled")]
    assert second.findtext("MessageID") == "2"
    assert second.findtext("OrderAcknowledgement/AmazonOrderID") == "114-0000002-0000002"
    assert second.findall("OrderAcknowledgement/Item") == []


def test_a_bad_reason_names_itself_and_the_allowed_values() -> None:
    with pytest.raises(ConfigError) as caught:
        cancellation_feed("A3MUGSUS8ACCPT", [Cancellation(order_id="114-1", reason="Changed my mind")])
    assert "'Changed my mind'" in caught.value.message
    assert "NoInventory" in caught.value.resolution and "BuyerCanceled" in caught.value.resolution
    assert check_cancel_reason(" pricingerror ") == "PricingError"
    assert {"NoInventory", "ShippingAddressUndeliverable", "CustomerExchange"} <= set(CANCEL_REASONS)


def test_nothing_or_an_order_twice_is_refused_and_ids_are_escaped() -> None:
    with pytest.raises(ValueError, match="nothing to cancel"):
        cancellation_feed("A3MUGSUS8ACCPT", [])
    with pytest.raises(ValueError, match="given twice"):
        cancellation_feed("A3MUGSUS8ACCPT", [Cancellation(order_id="1"), Cancellation(order_id="1")])
    feed = cancellation_feed("A3MUGSUS8ACCPT", [Cancellation(order_id="a<b&c")])
    assert b"<AmazonOrderID>a&lt;b&amp;c</AmazonOrderID>" in feed.content
