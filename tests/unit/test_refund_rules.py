"""Refunds at Amazon (issue 8), the pure parts: an order's charges per item and component, refund plans
against what is left (and their refusals), the payment adjustment feed, the feed results listener."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.feeds import (
    FeedRecord,
    FeedResults,
    FeedStatus,
    ItemOutcome,
    ItemResult,
    ReportIssue,
    Severity,
)
from amazon_odoo.domain.orders import Order, parse_order
from amazon_odoo.domain.refunds import (
    AskedLine,
    Component,
    RefundAsk,
    RefundLine,
    RefundRecord,
    RefundRefusedError,
    RefundStatus,
    check_adjustment_reason,
    cli_refund_id,
    item_charges,
    parse_asked_line,
    plan_refund,
)
from amazon_odoo.mapping.refunds import adjustment_feed, item_value, refund_id_of
from amazon_odoo.services.refunds import refund_results_listener
from tests.fakes.aws import InMemoryStateStore

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
P, S, T, ST = Component.PRINCIPAL, Component.SHIPPING, Component.TAX, Component.SHIPPING_TAX


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": "USD"}


def item(item_id: str, sku: str, quantity: int, breakdowns: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "orderItemId": item_id,
        "quantityOrdered": quantity,
        "product": {"sellerSku": sku},
        "proceeds": {"breakdowns": breakdowns},
    }


def order(order_level_shipping: str | None = None) -> Order:
    """3 x MUG at 10.00 (tax 2.00, shipping 3.00 with 0.60 tax) and 1 x POT at 40.00 (tax 4.00)."""
    items = [
        item(
            "I-MUG",
            "MUG",
            3,
            [
                {"type": "ITEM", "subtotal": money("30.00")},
                {"type": "SHIPPING", "subtotal": money("3.00")},
                {
                    "type": "TAX",
                    "subtotal": money("2.60"),
                    "detailedBreakdowns": [
                        {"subtype": "ITEM", "value": money("2.00")},
                        {"subtype": "SHIPPING", "value": money("0.60")},
                    ],
                },
            ],
        ),
        item(
            "I-POT",
            "POT",
            1,
            [{"type": "ITEM", "subtotal": money("40.00")}, {"type": "TAX", "subtotal": money("4.00")}],
        ),
    ]
    data: dict[str, Any] = {
        "orderId": "114-1",
        "createdTime": "2026-11-20T10:00:00Z",
        "lastUpdatedTime": "2026-11-20T10:00:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
        "orderItems": items,
    }
    if order_level_shipping:
        data["proceeds"] = {
            "grandTotal": money("0"),
            "breakdowns": [
                {"type": "ITEM", "subtotal": money("70.00")},
                {"type": "SHIPPING", "subtotal": money(order_level_shipping)},
            ],
        }
    return parse_order(data)


def ask(**fields: Any) -> RefundAsk:
    return RefundAsk(order_id="114-1", refund_id=fields.pop("refund_id", "r1"), **fields)


def stored(
    lines: tuple[RefundLine, ...], status: RefundStatus = RefundStatus.ACCEPTED, **fields: Any
) -> RefundRecord:
    return RefundRecord(
        seller_id="mugs-us",
        order_id="114-1",
        refund_id=fields.pop("refund_id", "earlier"),
        currency="USD",
        lines=lines,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


def amounts(lines: tuple[RefundLine, ...]) -> dict[str, dict[Component, Decimal]]:
    return {line.order_item_id: line.amounts for line in lines}


def test_item_charges_by_component_with_tax_details_and_order_level_shipping() -> None:
    charges = item_charges(order())
    assert charges["I-MUG"].amounts == {
        P: Decimal("30.00"),
        S: Decimal("3.00"),
        T: Decimal("2.00"),
        ST: Decimal("0.60"),
    }
    assert charges["I-POT"].amounts == {P: Decimal("40.00"), T: Decimal("4.00")}
    shipped = item_charges(order(order_level_shipping="8.00"))  # shipping the order has beyond its items
    assert shipped["I-MUG"].amounts[S] == Decimal("8.00") and S not in shipped["I-POT"].amounts


def test_a_full_refund_gives_back_everything_left_with_the_units() -> None:
    lines = plan_refund(ask(full=True), order(), [])
    assert amounts(lines) == {
        "I-MUG": {P: Decimal("30.00"), S: Decimal("3.00"), T: Decimal("2.00"), ST: Decimal("0.60")},
        "I-POT": {P: Decimal("40.00"), T: Decimal("4.00")},
    }
    assert {line.order_item_id: line.quantity for line in lines} == {"I-MUG": 3, "I-POT": 1}
    earlier = stored(
        (RefundLine(order_item_id="I-MUG", sku="MUG", quantity=1, amounts={P: Decimal("10.00")}),)
    )
    rest = plan_refund(ask(full=True), order(), [earlier])
    assert amounts(rest)["I-MUG"][P] == Decimal("20.00")
    assert {line.order_item_id: line.quantity for line in rest}["I-MUG"] == 2


def test_units_take_their_share_of_price_and_tax_and_the_last_unit_the_rest() -> None:
    first = plan_refund(ask(lines=(AskedLine(sku="MUG", quantity=1),)), order(), [])
    assert amounts(first) == {"I-MUG": {P: Decimal("10.00"), T: Decimal("0.67")}}
    earlier = stored(first, refund_id="first")
    second = plan_refund(ask(refund_id="r2", lines=(AskedLine(sku="MUG", quantity=2),)), order(), [earlier])
    assert amounts(second) == {"I-MUG": {P: Decimal("20.00"), T: Decimal("1.33")}}


def test_amounts_and_shipping_with_its_tax_share() -> None:
    lines = plan_refund(
        ask(lines=(AskedLine(sku="POT", principal=Decimal("5.00")),), shipping=Decimal("1.50")), order(), []
    )
    assert amounts(lines) == {
        "I-POT": {P: Decimal("5.00")},
        "I-MUG": {S: Decimal("1.50"), ST: Decimal("0.30")},
    }
    assert [line.quantity for line in lines] == [0, 0]


def test_refunds_amazon_did_not_take_do_not_count() -> None:
    everything = plan_refund(ask(full=True), order(), [])
    for status in (RefundStatus.REFUSED, RefundStatus.NOT_SENT):
        assert plan_refund(ask(full=True), order(), [stored(everything, status)]) == everything
    for status in (RefundStatus.SENDING, RefundStatus.SENT, RefundStatus.ACCEPTED):
        with pytest.raises(RefundRefusedError, match="refunded in full already"):
            plan_refund(ask(full=True), order(), [stored(everything, status)])


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (
            ask(lines=(AskedLine(sku="POT", principal=Decimal("40.01")),)),
            "POT Principal: 40.01 asked, 40.00 left",
        ),
        (ask(lines=(AskedLine(sku="MUG", quantity=4),)), "4 unit(s) asked, 3 of 3 left"),
        (ask(lines=(AskedLine(sku="NOPE", quantity=1),)), "SKU NOPE is not on the order"),
        (ask(shipping=Decimal("3.01")), "MUG Shipping: 3.01 asked, 3.00 left"),
        (ask(), "gives nothing back"),
    ],
)
def test_too_much_or_nothing_is_refused_naming_the_sku_and_component(asked: RefundAsk, message: str) -> None:
    with pytest.raises(RefundRefusedError, match=re.escape(message)) as caught:
        plan_refund(asked, order(), [])
    assert caught.value.record == "order 114-1" and caught.value.resolution


def test_a_line_refunded_already_is_refused() -> None:
    earlier = stored(plan_refund(ask(lines=(AskedLine(sku="POT", quantity=1),)), order(), []))
    with pytest.raises(RefundRefusedError, match="SKU POT is refunded in full already"):
        plan_refund(
            ask(refund_id="r2", lines=(AskedLine(sku="POT", principal=Decimal("1.00")),)), order(), [earlier]
        )


def test_cli_lines_reasons_and_ids() -> None:
    assert parse_asked_line("MUG-1=2") == AskedLine(sku="MUG-1", quantity=2)
    assert parse_asked_line("MUG-1=5,5") == AskedLine(sku="MUG-1", principal=Decimal("5.50"))
    for bad in ("MUG-1", "=2", "MUG-1=0", "MUG-1=-1.00", "MUG-1=two"):
        with pytest.raises(ConfigError) as caught:
            parse_asked_line(bad)
        assert caught.value.record == "option --line"
    assert check_adjustment_reason("customerreturn") == "CustomerReturn"
    with pytest.raises(ConfigError, match="not one of Amazon's adjustment reasons"):
        check_adjustment_reason("Because")
    assert cli_refund_id(ask(full=True)) == cli_refund_id(ask(refund_id="other", full=True))
    assert cli_refund_id(ask(full=True)) != cli_refund_id(ask(shipping=Decimal("1.00")))


def test_the_feed_has_one_order_adjustment_per_refund() -> None:
    lines = plan_refund(ask(lines=(AskedLine(sku="MUG", quantity=1),), shipping=Decimal("3.00")), order(), [])
    first = stored(lines, RefundStatus.SENDING, refund_id="cli-1", reason="CustomerReturn")
    second = stored(
        (RefundLine(order_item_id="I-POT", amounts={P: Decimal("5")}),), refund_id="cn-7", reason="PriceError"
    ).model_copy(update={"order_id": "114-<2>"})
    content = adjustment_feed("A3MUGS", [first, second])
    root = ET.fromstring(content.content)  # noqa: S314 - built here
    assert root.findtext("MessageType") == "OrderAdjustment"
    assert root.findtext("Header/MerchantIdentifier") == "A3MUGS"
    messages = root.findall("Message")
    assert [m.findtext("OrderAdjustment/AmazonOrderID") for m in messages] == ["114-1", "114-<2>"]
    [mug] = messages[0].findall("OrderAdjustment/AdjustedItem")
    assert (
        mug.findtext("AmazonOrderItemCode") == "I-MUG"
        and mug.findtext("AdjustmentReason") == "CustomerReturn"
    )
    assert [
        (c.findtext("Type"), c.findtext("Amount"), c.find("Amount").get("currency"))  # type: ignore[union-attr]
        for c in mug.findall("ItemPriceAdjustments/Component")
    ] == [
        ("Principal", "10.00", "USD"),
        ("Shipping", "3.00", "USD"),
        ("Tax", "0.67", "USD"),
        ("ShippingTax", "0.60", "USD"),
    ]
    assert mug.findtext("QuantityCancelled") == "1"
    assert messages[1].find("OrderAdjustment/AdjustedItem/QuantityCancelled") is None
    assert [(i.message_id, i.key) for i in content.items] == [(1, "114-1"), (2, "114-<2>")]
    assert refund_id_of(content.items[1].value) == "cn-7" and item_value(second).startswith(
        "refund cn-7: 5.00 USD"
    )
    with pytest.raises(ValueError, match="given twice"):
        adjustment_feed("A3MUGS", [first, first])


def test_the_listener_settles_each_refund_from_amazons_result() -> None:
    state = InMemoryStateStore()
    one = (RefundLine(order_item_id="I-POT", amounts={P: Decimal("5")}),)
    records = [
        state.save_refund(stored(one, RefundStatus.SENT, refund_id=f"r{n}", submission_id="S1", message_id=n))
        for n in (1, 2, 3)
    ]
    feed = FeedRecord(
        seller_id="mugs-us",
        submission_id="S1",
        feed_id="F1",
        feed_type="POST_PAYMENT_ADJUSTMENT_DATA",
        job="export_refunds",
        marketplace_ids=("ATVPDKIKX0DER",),
        content_type="text/xml",
        created_at=NOW,
    )
    refused = ReportIssue(severity=Severity.ERROR, code="18028", message="exceeds what is refundable")
    results = FeedResults(
        seller_id="mugs-us",
        submission_id="S1",
        feed_id="F1",
        feed_type=feed.feed_type,
        status=FeedStatus.DONE,
        items=(
            ItemResult(message_id=1, key="114-1", value=item_value(records[0]), outcome=ItemOutcome.ACCEPTED),
            ItemResult(
                message_id=2,
                key="114-1",
                value=item_value(records[1]),
                outcome=ItemOutcome.ERROR,
                issues=(refused,),
            ),
            ItemResult(message_id=3, key="114-1", value=item_value(records[2]), outcome=ItemOutcome.UNKNOWN),
        ),
    )
    listen = refund_results_listener(state, clock=lambda: NOW)
    listen(feed, results)
    listen(feed, results)  # told twice: nothing changes the second time
    after = {r.refund_id: r for r in state.order_refunds("mugs-us", "114-1")}
    assert after["r1"].status is RefundStatus.ACCEPTED and after["r1"].version == 2
    assert after["r2"].status is RefundStatus.REFUSED and "exceeds" in after["r2"].message
    assert after["r3"].status is RefundStatus.SENT and after["r3"].version == 2  # its feed id noted, once
    fatal = results.model_copy(update={"status": FeedStatus.FATAL, "message": "bad envelope"})
    listen(feed, fatal)
    assert state.order_refunds("mugs-us", "114-1")[2].status is RefundStatus.NOT_SENT
