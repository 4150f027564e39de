"""Refunds at Amazon (issue 8 part 1) on the local stack (moto, SP-API sandbox, Odoo double): `orders refund`
(full and partial) sends one tracked POST_PAYMENT_ADJUSTMENT_DATA feed that the sandbox checks against the
order's charges; the same refund is never sent twice; once Amazon accepts it, the return picking of the
refunded units and the credit note (the whole invoice, or the refunded lines) are made in Odoo, once; a refund
larger than what is left is refused with nothing sent; Amazon's refusal lands on the refund and in the log book;
the scheduled export_refunds job turns posted Odoo credit notes of Amazon orders into refunds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import ReturnOptions
from amazon_odoo.domain.feeds import FeedRecord, FeedStatus
from amazon_odoo.domain.refunds import RefundRecord, RefundStatus
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.sandbox.apis import feeds as sandbox_feeds
from amazon_odoo.local.stack import LocalStack

SELLER = "mugs-us"
AMAZON_SELLER = "A3MUGSUS8ACCPT"


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> Iterator[LocalStack]:
    load_demo_sellers(stack, lambda line: None)
    seed_demo_odoo(lambda line: None)
    state = compose().state
    sellers = [
        s.model_copy(
            update={
                "returns": ReturnOptions(
                    create_return_picking=True,
                    create_credit_note=True,
                    send_refunds=True,
                    default_reason="CustomerReturn",
                )
            }
        )
        if s.id == SELLER
        else s
        for s in state.list_sellers()
    ]
    state.replace_sellers(sellers)
    yield stack


def amazon_seller(stack: LocalStack) -> Any:
    return stack.sandbox.state.seller(AMAZON_SELLER)


def shipped_order(stack: LocalStack, *, import_it: bool = True) -> dict[str, Any]:
    """2 x MUG-BLUE-12 at 12.00 and 1 x TEAPOT-WHITE at 39.00, shipping 5.00 (order level), shipped."""
    order = amazon_seller(stack).build_order(
        [("MUG-BLUE-12", 2, "12.00"), ("TEAPOT-WHITE", 1, "39.00")],
        created=datetime.now(UTC) - timedelta(minutes=30),
        shipping="5.00",
        status="SHIPPED",
    )
    if import_it:
        assert main(["orders", "import", str(order["orderId"]), "--seller", SELLER]) == 0
    return order


def refund_feeds() -> list[FeedRecord]:
    return [f for f in compose().state.list_feeds(SELLER) if f.job == "export_refunds"]


def refunds(order_id: str) -> list[RefundRecord]:
    return compose().state.order_refunds(SELLER, order_id)


def odoo_documents(record: RefundRecord) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The refund's credit note and its return pickings' moves, as the Odoo double holds them."""
    odoo = compose().odoo
    assert odoo is not None and record.credit_note_id is not None and record.return_picking_ids
    [credit_note] = odoo.read(
        "account.move",
        [record.credit_note_id],
        ["move_type", "state", "ref", "amount_total", "reversed_entry_id", "invoice_origin"],
    )
    pickings = odoo.read(
        "stock.picking", list(record.return_picking_ids), ["state", "picking_type_code", "origin"]
    )
    ref = f"Amazon refund {record.refund_id}"
    assert {(p["state"], p["picking_type_code"], p["origin"]) for p in pickings} == {
        ("done", "incoming", ref)
    }
    assert credit_note["move_type"] == "out_refund" and credit_note["state"] == "posted"
    assert credit_note["ref"] == ref and credit_note["reversed_entry_id"]
    moves = odoo.search_read(
        "stock.move", [("picking_id", "in", list(record.return_picking_ids))], ["product_id", "quantity"]
    )
    return credit_note, moves


def delivered(order_id: str) -> dict[str, float]:
    """SKU -> quantity delivered, of the order's product lines in Odoo."""
    odoo = compose().odoo
    assert odoo is not None
    lines = odoo.search_read(
        "sale.order.line", [("order_id.client_order_ref", "=", order_id)], ["product_id", "qty_delivered"]
    )
    return {
        str(line["product_id"][1]).split("]")[0].lstrip("["): line["qty_delivered"]
        for line in lines
        if str(line["product_id"][1]).startswith(("[MUG", "[TEAPOT"))
    }


def process_feeds(stack: LocalStack) -> None:
    """Amazon processes the pending feeds, then track_feeds (by hand) collects the results."""
    state = stack.sandbox.state
    seller = state.seller(AMAZON_SELLER)
    with state.lock:
        for feed in list(seller.feeds.values()):
            sandbox_feeds.advance(state, seller, feed, force=True)
    assert main(["run", "track-feeds", "--seller", SELLER]) == 0


def adjustments(stack: LocalStack, order_id: str) -> list[dict[str, Any]]:
    return [
        adjusted
        for result in amazon_seller(stack).feed_results
        if result.get("feedKind") == "adjustment" and result["orderId"] == order_id
        for adjusted in result.get("adjustments", [])
    ]


def sent_documents(stack: LocalStack) -> list[ET.Element]:
    """The payment adjustment feed documents uploaded to the sandbox, oldest first."""
    out = []
    for call in stack.sandbox.calls("createFeed"):
        if call.body["feedType"] == "POST_PAYMENT_ADJUSTMENT_DATA":
            document = stack.sandbox.state.documents[call.body["inputFeedDocumentId"]]
            out.append(ET.fromstring(document.text()))  # noqa: S314 - our own upload
    return out


def test_a_full_refund_reaches_amazon_once_with_every_charge(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order = shipped_order(loaded)
    order_id = str(order["orderId"])
    capsys.readouterr()
    before = len(sent_documents(loaded))
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--reason", "NoInventory"]) == 0
    out = capsys.readouterr().out
    assert "sent in feed" in out
    [document] = sent_documents(loaded)[before:]
    assert document.findtext("MessageType") == "OrderAdjustment"
    items = document.findall("Message/OrderAdjustment/AdjustedItem")
    mug, teapot = (str(i["orderItemId"]) for i in order["orderItems"])
    amounts = {
        item.findtext("AmazonOrderItemCode"): {
            c.findtext("Type"): (c.findtext("Amount"), c.find("Amount").get("currency"))  # type: ignore[union-attr]
            for c in item.findall("ItemPriceAdjustments/Component")
        }
        for item in items
    }
    assert amounts == {
        mug: {"Principal": ("24.00", "USD"), "Shipping": ("5.00", "USD")},
        teapot: {"Principal": ("39.00", "USD")},
    }
    assert {i.findtext("AdjustmentReason") for i in items} == {"NoInventory"}
    assert {i.findtext("AmazonOrderItemCode"): i.findtext("QuantityCancelled") for i in items} == {
        mug: "2",
        teapot: "1",
    }
    [record] = refunds(order_id)
    assert record.status is RefundStatus.SENT and record.total == Decimal("68.00")

    process_feeds(loaded)
    [done] = refunds(order_id)
    assert done.status is RefundStatus.ACCEPTED
    assert {a["orderItemId"]: a["components"] for a in adjustments(loaded, order_id)} == {
        mug: {"Principal": "24.00", "Shipping": "5.00"},
        teapot: {"Principal": "39.00"},
    }
    [feed] = [f for f in refund_feeds() if f.feed_id == done.feed_id]
    assert feed.status is FeedStatus.DONE and feed.accepted == 1 and feed.errors == 0
    # Odoo: the whole invoice reversed, every unit back in stock
    credit_note, moves = odoo_documents(done)
    assert credit_note["amount_total"] == 68.0
    assert sorted(m["quantity"] for m in moves) == [1.0, 2.0]
    assert delivered(order_id) == {"MUG-BLUE-12": 0.0, "TEAPOT-WHITE": 0.0}

    # the same command again: nothing sent; a full refund of what is left: refused, nothing sent
    feeds = len(sent_documents(loaded))
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--reason", "NoInventory"]) == 0
    assert "sent before, not sent again" in capsys.readouterr().out
    assert main(["orders", "refund", order_id, "--seller", SELLER]) == 1
    assert "refunded in full already" in capsys.readouterr().out
    assert len(sent_documents(loaded)) == feeds


def test_a_partial_refund_sends_units_and_shipping_and_the_rest_stays_refundable(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order = shipped_order(loaded)
    order_id = str(order["orderId"])
    mug = str(order["orderItems"][0]["orderItemId"])
    args = ["orders", "refund", order_id, "--seller", SELLER, "--line", "MUG-BLUE-12=1", "--shipping", "2.50"]
    assert main(args) == 0
    process_feeds(loaded)
    [record] = refunds(order_id)
    assert record.status is RefundStatus.ACCEPTED and record.reason == "CustomerReturn"
    assert adjustments(loaded, order_id) == [
        {
            "orderItemId": mug,
            "reason": "CustomerReturn",
            "components": {"Principal": "12.00", "Shipping": "2.50"},
            "quantityCancelled": 1,
        }
    ]
    # Odoo: a credit note of the refunded mug and shipping, that mug back in stock
    credit_note, moves = odoo_documents(record)
    assert credit_note["amount_total"] == 14.5
    assert [m["quantity"] for m in moves] == [1.0]
    assert delivered(order_id) == {"MUG-BLUE-12": 1.0, "TEAPOT-WHITE": 1.0}
    # the other mug and the teapot by amount, then the rest in full
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--line", "TEAPOT-WHITE=9.00"]) == 0
    assert main(["orders", "refund", order_id, "--seller", SELLER]) == 0
    process_feeds(loaded)
    assert [r.status for r in refunds(order_id)] == [RefundStatus.ACCEPTED] * 3
    totals: dict[str, Decimal] = {}
    for adjusted in adjustments(loaded, order_id):
        for component, amount in adjusted["components"].items():
            totals[component] = totals.get(component, Decimal(0)) + Decimal(amount)
    assert totals == {"Principal": Decimal("63.00"), "Shipping": Decimal("5.00")}
    odoo = compose().odoo
    assert odoo is not None
    credit_notes = [r.credit_note_id for r in refunds(order_id)]
    assert len(set(credit_notes)) == 3 and None not in credit_notes
    amounts = odoo.read("account.move", credit_notes, ["amount_total"])
    # the rest: the other mug, the teapot less the 9.00 refunded by amount, the rest of the shipping
    assert [a["amount_total"] for a in amounts] == [14.5, 9.0, 44.5]  # 68.00 in all, as Amazon refunded
    assert delivered(order_id) == {"MUG-BLUE-12": 0.0, "TEAPOT-WHITE": 0.0}
    capsys.readouterr()
    assert main(["orders", "refunds", order_id, "--seller", SELLER]) == 0
    assert capsys.readouterr().out.count("ACCEPTED") == 3


def test_a_refund_larger_than_the_charge_is_refused_and_nothing_is_sent(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = str(shipped_order(loaded)["orderId"])
    feeds = len(sent_documents(loaded))
    capsys.readouterr()
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--line", "MUG-BLUE-12=30.00"]) == 1
    assert "Principal: 30.00 asked, 24.00 left to refund" in capsys.readouterr().out
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--line", "MUG-BLUE-12=3"]) == 1
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--line", "NOPE=1"]) == 1
    assert len(sent_documents(loaded)) == feeds and refunds(order_id) == []
    logs = compose().state.list_logs(seller_id=SELLER, job="export_refunds", level=LogLevel.ERROR)
    mine = [e for e in logs if e.record_ref == f"order {order_id}"]
    assert len(mine) == 3 and all(e.resolution for e in mine)
    assert any("3 unit(s) asked, 2 of 2 left" in e.message for e in mine)
    assert any("SKU NOPE is not on the order" in e.message for e in mine)


def test_what_amazon_refuses_is_on_the_refund_and_in_the_log_book(loaded: LocalStack) -> None:
    order = shipped_order(loaded)
    order_id = str(order["orderId"])
    assert main(["orders", "refund", order_id, "--seller", SELLER, "--line", "TEAPOT-WHITE=1"]) == 0
    # Amazon knows better: the teapot was discounted meanwhile (its charge is lower than what was asked)
    teapot = amazon_seller(loaded).orders[order_id]["orderItems"][1]
    teapot["proceeds"]["breakdowns"][0]["subtotal"]["amount"] = "20.00"
    teapot["proceeds"]["proceedsTotal"]["amount"] = "20.00"
    process_feeds(loaded)
    [record] = refunds(order_id)
    assert record.status is RefundStatus.REFUSED and "exceeds what is refundable" in record.message
    logs = compose().state.list_logs(seller_id=SELLER, job="export_refunds", level=LogLevel.ERROR)
    assert any(e.record_ref == f"order {order_id}" and "exceeds" in e.message for e in logs)


def test_the_scheduled_job_refunds_posted_credit_notes_once(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order = shipped_order(loaded)
    order_id = str(order["orderId"])
    odoo = compose().odoo
    assert odoo is not None
    [sale_order] = odoo.search_read(
        "sale.order", [("client_order_ref", "=", order_id)], ["partner_id", "invoice_ids"]
    )
    [mug] = odoo.search_read("product.product", [("default_code", "=", "MUG-BLUE-12")], ["id"])
    [credit_note] = odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": sale_order["partner_id"][0],
                "ref": order_id,
                "invoice_date": datetime.now(UTC).date().isoformat(),
                "invoice_line_ids": [(0, 0, {"product_id": mug["id"], "quantity": 1, "price_unit": 12.0})],
            }
        ],
    )
    odoo.call("account.move", "action_post", [credit_note])
    feeds = len(sent_documents(loaded))
    assert main(["run", "export-refunds", "--seller", SELLER]) == 0
    [record] = refunds(order_id)
    assert record.refund_id == f"cn-{credit_note}" and record.credit_note_id == credit_note
    assert record.reason == "CustomerReturn" and record.source == "credit_note"
    [document] = sent_documents(loaded)[feeds:]
    [item] = document.findall("Message/OrderAdjustment/AdjustedItem")
    assert [
        (c.findtext("Type"), c.findtext("Amount")) for c in item.findall("ItemPriceAdjustments/Component")
    ] == [("Principal", "12.00")]
    process_feeds(loaded)
    assert [r.status for r in refunds(order_id)] == [RefundStatus.ACCEPTED]
    assert main(["run", "export-refunds", "--seller", SELLER]) == 0  # the next run: nothing new to send
    assert len(sent_documents(loaded)) == feeds + 1 and len(refunds(order_id)) == 1


def test_a_credit_note_larger_than_the_charge_is_refused_once_and_not_sent(loaded: LocalStack) -> None:
    order_id = str(shipped_order(loaded)["orderId"])
    odoo = compose().odoo
    assert odoo is not None
    [sale_order] = odoo.search_read("sale.order", [("client_order_ref", "=", order_id)], ["partner_id"])
    [mug] = odoo.search_read("product.product", [("default_code", "=", "MUG-BLUE-12")], ["id"])
    [credit_note] = odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": sale_order["partner_id"][0],
                "ref": order_id,
                "invoice_date": datetime.now(UTC).date().isoformat(),
                "invoice_line_ids": [(0, 0, {"product_id": mug["id"], "quantity": 2, "price_unit": 30.0})],
            }
        ],
    )
    odoo.call("account.move", "action_post", [credit_note])
    feeds = len(sent_documents(loaded))
    for _ in range(2):
        assert main(["run", "export-refunds", "--seller", SELLER]) == 0
    assert len(sent_documents(loaded)) == feeds
    [record] = refunds(order_id)
    assert record.status is RefundStatus.REFUSED and "Principal: 60.00 asked, 24.00 left" in record.message
    logs = compose().state.list_logs(seller_id=SELLER, job="export_refunds", level=LogLevel.ERROR)
    assert len([e for e in logs if e.record_ref == f"order {order_id}"]) == 1
