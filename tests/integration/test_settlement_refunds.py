"""Refunds that start at Amazon (issue 8), met in a settlement, on the sandbox + Odoo double stack of
test_settlements.py: the US sample's refund (MUG-BLUE-12, 12.99 + 1.04 marketplace facilitator tax, adjustment
``amzn1:crow:R7dQ2mXcS3aK1pZ9vB4nWg``) gets one posted credit note from the order's invoice, its statement line
is reconciled with it, a second run or a report processed again makes none, export_refunds never sends it back
to Amazon; rows with units return them from the delivery; a credit note already there is not doubled."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.domain.refunds import RefundStatus
from amazon_odoo.domain.settlements import SETTLEMENT_REPORT_TYPE, LineKind, ReportState
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.services.feeds import FeedTracker
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.refunds import export_refunds
from amazon_odoo.services.settlement_refunds import AmazonRefunds
from amazon_odoo.services.settlements import JOB, read_statement
from tests.fakes.aws import InMemoryDocumentStore
from tests.integration.test_settlements import (  # noqa: F401  (fixtures)
    FIRST,
    GIFT,
    SAMPLE_US,
    SEEDED_REPORT,
    TEAPOT,
    Harness,
    double,
    invoice_orders,
    make_seller,
    odoo,
    payment_states,
)

ADJUSTMENT = "amzn1:crow:R7dQ2mXcS3aK1pZ9vB4nWg"
REF = f"Amazon refund amz-{ADJUSTMENT}"
ON = {"create_credit_note": True, "create_return_picking": True, "send_refunds": True}


@pytest.fixture
def harness(sandbox: SpApiSandbox, amazon: SpApiGateway, odoo: OdooGateway) -> Harness:  # noqa: F811
    own = SpApiGateway("mugs-us", amazon._credentials, "NA", amazon.settings, limiter=RateLimiter())
    return Harness(sandbox, own, odoo, make_seller(returns=ON))


def credit_notes(gateway: OdooGateway) -> list[dict[str, Any]]:
    return gateway.search_read(
        "account.move",
        [("move_type", "=", "out_refund")],
        ["ref", "state", "amount_total", "reversed_entry_id", "payment_state"],
    )


def test_the_samples_refund_gets_one_posted_credit_note_and_its_line_is_reconciled(harness: Harness) -> None:
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    run = harness.run()
    assert run.counts["amazon_refunds_credited"] == 1 and run.counts["lines_matched"] == 4
    record = harness.record()
    assert (record.state, record.open_lines, record.lines) == (ReportState.RECONCILED, 0, 6)
    assert all(line["is_reconciled"] for line in harness.lines(record.statement_id))

    [note] = credit_notes(harness.odoo)
    assert (note["ref"], note["state"], note["reversed_entry_id"][0]) == (REF, "posted", invoices[FIRST])
    assert Decimal(str(note["amount_total"])) == Decimal("14.03")  # 12.99 of the mug + 1.04 facilitator tax
    assert note["payment_state"] == "paid"  # settled by the refund's statement line
    lines = harness.odoo.search_read(
        "account.move.line",
        [("move_id", "=", note["id"]), ("display_type", "=", "product")],
        ["quantity", "price_unit"],
        order="id",
    )
    assert sorted((line["quantity"], line["price_unit"]) for line in lines) == [(1.0, 1.04), (1.0, 12.99)]
    assert payment_states(harness.odoo, invoices) == dict.fromkeys(invoices, "paid")

    [refund] = harness.state.order_refunds(harness.seller.id, FIRST)
    assert (refund.refund_id, refund.source, refund.status, refund.credit_note_id) == (
        f"amz-{ADJUSTMENT}",
        "amazon",
        RefundStatus.ACCEPTED,
        note["id"],
    )
    assert refund.total == Decimal("14.03") and refund.lines[0].sku == "MUG-BLUE-12"
    logs = harness.state.list_logs(job=JOB)
    [made] = [e for e in logs if "credit note" in e.message and e.level is LogLevel.INFO]
    assert made.record_ref == f"order {FIRST}" and "14.03" in made.message
    [warning] = [e for e in logs if e.level is LogLevel.WARNING]  # the sample's refund rows give no units
    assert "no return made" in warning.message and "by hand" in warning.resolution
    assert run.status is RunStatus.PARTIAL

    calls = harness.odoo.calls
    again = harness.run()
    assert again.counts.get("lines_written", 0) == 0 and harness.odoo.calls == calls  # reconciled: no work
    assert len(credit_notes(harness.odoo)) == 1

    # the report processed again (its lines met once more): the refund is known, no second credit note
    statement = read_statement(SAMPLE_US.open("rb"), "utf-8", day_first=False)
    [refund_line] = [line for line in statement.lines if line.kind is LineKind.REFUND]
    ctx = JobContext(seller=harness.seller, job=JOB, state=harness.state, run_id="again")
    made_now = AmazonRefunds(harness.state, lambda: datetime.now(UTC)).credit(
        ctx, harness.odoo, [refund_line], {}, marketplace_id="ATVPDKIKX0DER", currency="USD", company_id=1
    )
    assert made_now == set() and ctx.counts["amazon_refunds_known"] == 1
    assert len(credit_notes(harness.odoo)) == 1


def test_export_refunds_never_sends_the_credit_note_back_to_amazon(harness: Harness) -> None:
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    harness.run()
    [note] = credit_notes(harness.odoo)
    tracker = FeedTracker(harness.state, InMemoryDocumentStore(), lambda s: harness.amazon)
    now = datetime.now(UTC)
    for ref in (REF, "edited by the accountant"):  # by its reference, and by the connector's record
        harness.odoo.write("account.move", [note["id"]], {"ref": ref})
        ctx = JobContext(seller=harness.seller, job="export_refunds", state=harness.state, run_id=ref)
        outcome = export_refunds(ctx, harness.odoo, harness.amazon, tracker, harness.state, now)
        assert outcome.feed is None and outcome.sent == [] and ctx.counts["credit_notes"] == 0
        harness.state.save_checkpoint(
            harness.state.get_checkpoint(harness.seller.id, "export_refunds").model_copy(  # type: ignore[union-attr]
                update={"cursor": None}
            )
        )
    assert list(harness.state.list_feeds(harness.seller.id)) == []
    assert [r.source for r in harness.state.order_refunds(harness.seller.id, FIRST)] == ["amazon"]


def test_refund_rows_with_units_return_them_from_the_delivery(harness: Harness) -> None:
    """The sample with ``quantity-purchased`` 1 on the refund rows: the credit note keeps 1 unit, and 1 unit
    of MUG-BLUE-12 comes back on a return of the order's delivery (the order's delivery is done)."""
    rows = SAMPLE_US.read_text().splitlines()
    patched = [
        row[: row.rindex("MUG-BLUE-12\t")] + "MUG-BLUE-12\t1\t" if "\tRefund\t" in row else row
        for row in rows
    ]
    harness.sandbox.state.seller().reports.pop(SEEDED_REPORT)
    report = harness.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE, ("\n".join(patched) + "\n").encode(), marketplace_ids=["ATVPDKIKX0DER"]
    )
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    [sale_order] = harness.odoo.search_read(
        "sale.order", [("client_order_ref", "=", FIRST)], ["delivery_status"]
    )
    assert (
        sale_order["delivery_status"] == "full"
    )  # the shipped order's delivery is done (issue 3's workflow)

    harness.run()
    assert harness.record(report.report_id).state is ReportState.RECONCILED
    [refund] = harness.state.order_refunds(harness.seller.id, FIRST)
    assert refund.lines[0].quantity == 1 and len(refund.return_picking_ids) == 1
    [picking] = harness.odoo.read("stock.picking", list(refund.return_picking_ids), ["origin", "state"])
    assert (picking["origin"], picking["state"]) == (REF, "done")
    returned = harness.odoo.search_read(
        "stock.move", [("picking_id", "=", picking["id"])], ["product_uom_qty", "product_id"]
    )
    assert [(m["product_id"][1], m["product_uom_qty"]) for m in returned] == [
        ("[MUG-BLUE-12] Mug-Blue-12", 1.0)
    ]
    assert not [e for e in harness.state.list_logs(job=JOB) if e.level is not LogLevel.INFO]


def test_a_credit_note_already_there_is_not_doubled(harness: Harness) -> None:
    """Made by hand and reconciled with the unpaid invoice (19.42 left open): the sale and the refund lines
    settle the invoice together; no credit note is made for Amazon's refund."""
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    partner = harness.odoo.read("account.move", [invoices[FIRST]], ["partner_id"])[0]["partner_id"][0]
    [by_hand] = harness.odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": partner,
                "reversed_entry_id": invoices[FIRST],
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "quantity": 1, "price_unit": 14.03, "tax_ids": []})
                ],
            }
        ],
    )
    harness.odoo.post_invoices([by_hand])
    run = harness.run()
    assert run.status is RunStatus.SUCCEEDED and "amazon_refunds_credited" not in run.counts
    assert [n["id"] for n in credit_notes(harness.odoo)] == [by_hand]
    record = harness.record()
    assert (record.state, record.open_lines) == (ReportState.RECONCILED, 0)
    assert harness.state.order_refunds(harness.seller.id, FIRST) == []


def test_a_refund_written_before_its_order_was_in_odoo_is_credited_on_a_later_run(harness: Harness) -> None:
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, GIFT, TEAPOT)
    harness.run()
    assert harness.record().open_lines == 2 and credit_notes(harness.odoo) == []  # FIRST's sale and refund
    harness.run()  # the order is still not in Odoo: nothing made
    assert harness.record().open_lines == 2 and credit_notes(harness.odoo) == []

    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST)
    run = harness.run()
    assert run.counts["amazon_refunds_credited"] == 1 and run.counts["lines_matched"] == 2
    record = harness.record()
    assert (record.state, record.open_lines) == (ReportState.RECONCILED, 0)
    [note] = credit_notes(harness.odoo)
    assert note["ref"] == REF and note["payment_state"] == "paid"
    assert payment_states(harness.odoo, invoices) == {FIRST: "paid"}


def test_a_refund_that_cannot_be_mapped_makes_no_credit_note_and_is_said_once(harness: Harness) -> None:
    """The mug's invoice line is not found (its external id renamed): an ERROR naming the order, the SKU and
    the amount, the refund line stays open, and later runs do not say it again."""
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    [xmlid] = harness.odoo.search_read(
        "ir.model.data", [("name", "=", "oline_114_3941689_8772232_52371928364510")], ["id"]
    )
    harness.odoo.write("ir.model.data", [xmlid["id"]], {"name": "renamed_by_hand"})
    run = harness.run()
    assert run.counts["amazon_refunds_unmapped"] == 1 and credit_notes(harness.odoo) == []
    [error] = harness.state.list_logs(job=JOB, level=LogLevel.ERROR)
    assert error.record_ref == f"order {FIRST}"
    assert (
        "Principal 12.99 of SKU MUG-BLUE-12" in error.message
        and "not on the order's invoice" in error.message
    )
    assert "credit note of the order by hand" in error.resolution
    assert harness.record().open_lines == 1
    [refused] = harness.state.order_refunds(harness.seller.id, FIRST)
    assert (refused.status, refused.credit_note_id) == (RefundStatus.REFUSED, None)
    harness.run()
    assert (
        len(harness.state.list_logs(job=JOB, level=LogLevel.ERROR)) == 1 and credit_notes(harness.odoo) == []
    )
