"""The sandbox's UPLOAD_VAT_INVOICE processing (issue 8): what Amazon checks before a seller's invoice or credit
note shows in Manage Invoices, and the record a test asserts "reached once" with."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from amazon_odoo.local.sandbox.apis.invoices import process_invoice_feed, uploads
from amazon_odoo.local.sandbox.core import utc_now
from amazon_odoo.local.sandbox.state import Document, FeedRecord, SandboxState, SellerState

SCENARIO = (
    Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
)
DE = "A1PA6795UKMFR9"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def seller() -> SellerState:
    state = SandboxState(json.loads(SCENARIO.read_text()), base_dir=SCENARIO.parent, clock=time.monotonic)
    seller = state.seller("A3MUGSUS8ACCPT")
    seller.marketplaces.append({"marketplace": {"id": DE, "defaultCurrencyCode": "EUR"}, "participation": {}})
    seller.build_order([("MUG-BLUE-12", 1, "9.90")], order_id="302-1111111-2222222", marketplace_id=DE)
    seller.build_order([("MUG-BLUE-12", 1, "9.90")], order_id="114-3333333-4444444")  # Amazon.com
    return seller


def feed(options: dict[str, str], marketplace: str = DE) -> FeedRecord:
    return FeedRecord(
        "1001", "UPLOAD_VAT_INVOICE", [marketplace], "doc", utc_now(), 0.0, feed_options=options
    )


def options(order_id: str = "302-1111111-2222222", **changes: str) -> dict[str, str]:
    base = {
        "metadata:orderid": order_id,
        "metadata:invoicenumber": "INV/2026/00001",
        "metadata:documenttype": "Invoice",
        "metadata:totalamount": "11.78",
        "metadata:totalvatamount": "1.88",
    }
    return {k: v for k, v in (base | changes).items() if v}


def test_an_invoice_is_accepted_once_and_recorded_on_its_order(seller: SellerState) -> None:
    document = Document("doc", "application/pdf", PDF)
    assert process_invoice_feed(seller, feed(options()), document) == ("DONE", None, "")
    [upload] = uploads(seller, "302-1111111-2222222")
    assert upload["documentType"] == "Invoice" and upload["bytes"] == len(PDF) and upload["feedId"] == "1001"
    status, problem, _ = process_invoice_feed(seller, feed(options()), document)
    assert status == "DONE" and problem is not None and "already uploaded" in problem
    credit = options(**{"metadata:documenttype": "CreditNote", "metadata:invoicenumber": "RINV/2026/00001"})
    assert process_invoice_feed(seller, feed(credit), document)[1] is None
    assert len(uploads(seller, "302-1111111-2222222")) == 2


@pytest.mark.parametrize(
    ("given", "marketplace", "expected"),
    [
        (
            options(**{"metadata:totalvatamount": ""}),
            DE,
            "Missing required feedOptions: metadata:totalvatamount",
        ),
        (options(**{"metadata:documenttype": "Receipt"}), DE, "must be Invoice or CreditNote"),
        (options(**{"metadata:totalamount": "12,5"}), DE, "is not a number"),
        (options("302-0000000-0000000"), DE, "was not found for this seller"),
        (options("114-3333333-4444444"), DE, "belongs to marketplace ATVPDKIKX0DER"),
        (options("114-3333333-4444444"), "ATVPDKIKX0DER", "not available in marketplace ATVPDKIKX0DER"),
    ],
)
def test_amazon_refuses_what_it_cannot_file(
    seller: SellerState, given: dict[str, str], marketplace: str, expected: str
) -> None:
    status, problem, _ = process_invoice_feed(
        seller, feed(given, marketplace), Document("d", "application/pdf", PDF)
    )
    assert status == "DONE" and problem is not None and expected in problem
    assert uploads(seller) == []


def test_a_document_that_is_not_a_pdf_ends_the_feed_fatal(seller: SellerState) -> None:
    status, _, reason = process_invoice_feed(seller, feed(options()), Document("d", "text/html", b"<html>"))
    assert status == "FATAL" and "not a PDF" in reason
    assert process_invoice_feed(seller, feed(options()), None)[0] == "FATAL"
