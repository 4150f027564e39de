"""Buyer documents in Odoo (issue 8, ODOO.md §11), the same tests against the Odoo double and a real Odoo 17
(when ODOO_URL is set): posted invoices and credit notes of the connector's Amazon orders, and their PDF."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.mapping.orders import order_external_id
from tests.contract.conftest_odoo import OdooTarget

DE, FR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH"


def unique_order_id() -> str:
    digits = f"{uuid.uuid4().int % 10**14:014d}"
    return f"304-{digits[:7]}-{digits[7:]}"


def company_id(odoo: OdooGateway) -> int:
    return int(odoo.search_read("res.company", [], ["name"], limit=1, order="id")[0]["id"])


def amazon_order(odoo: OdooGateway, marketplace_id: str, order_id: str) -> int:
    """A sale order bound to the connector's external id, as ingest_order leaves it."""
    partner = odoo.create("res.partner", [{"name": f"Buyer {order_id}"}])[0]
    [so] = odoo.create("sale.order", [{"partner_id": partner, "client_order_ref": order_id}])
    module, name = order_external_id(marketplace_id, order_id).split(".", 1)
    odoo.create("ir.model.data", [{"module": module, "name": name, "model": "sale.order", "res_id": so}])
    return partner


def posted_move(
    odoo: OdooGateway, partner: int, move_type: str, ref: str, *, reversed_id: int = 0, post: bool = True
) -> int:
    taxes = odoo.search_read("account.tax", [("type_tax_use", "=", "sale")], ["id"], limit=1, order="id")
    vals: dict[str, object] = {
        "move_type": move_type,
        "partner_id": partner,
        "invoice_date": date.today().isoformat(),
        "ref": ref,
        "invoice_line_ids": [
            (
                0,
                0,
                {
                    "name": "Mug",
                    "quantity": 2,
                    "price_unit": 10.0,
                    "tax_ids": [(6, 0, [t["id"] for t in taxes])],
                },
            )
        ],
    }
    if move_type == "out_invoice":
        vals["payment_reference"] = ref
    if reversed_id:
        vals["reversed_entry_id"] = reversed_id
    [move] = odoo.create("account.move", [vals])
    if post:
        odoo.call("account.move", "action_post", [move])
    return move


@dataclass
class Moves:
    invoice: int
    credit: int
    fr_invoice: int
    other: int
    de_order: str


@pytest.fixture
def orders(odoo_gateway: OdooGateway) -> Moves:
    """An invoice and its credit note (DE order), an invoice of an FR order, and a stranger's invoice whose
    reference is a PO number (no Amazon external id)."""
    odoo = odoo_gateway
    de_order, fr_order = unique_order_id(), unique_order_id()
    de_partner, fr_partner = amazon_order(odoo, DE, de_order), amazon_order(odoo, FR, fr_order)
    invoice = posted_move(odoo, de_partner, "out_invoice", de_order)
    credit = posted_move(odoo, de_partner, "out_refund", f"RF-{invoice}-1", reversed_id=invoice)
    fr_invoice = posted_move(odoo, fr_partner, "out_invoice", fr_order)
    stranger = odoo.create("res.partner", [{"name": "Wholesale customer"}])[0]
    other = posted_move(odoo, stranger, "out_invoice", f"PO-{uuid.uuid4().hex[:6]}")
    return Moves(invoice, credit, fr_invoice, other, de_order)


def test_buyer_documents_are_the_posted_moves_of_the_connectors_orders(
    odoo_gateway: OdooGateway, orders: Moves
) -> None:
    odoo, since = odoo_gateway, date.today() - timedelta(days=1)
    invoices = {d.move_id: d for d in odoo.buyer_documents(company_id(odoo), "out_invoice", since, [DE])}
    assert orders.invoice in invoices
    assert orders.fr_invoice not in invoices and orders.other not in invoices  # other marketplace, PO
    invoice = invoices[orders.invoice]
    assert invoice.order_id == orders.de_order and invoice.marketplace_id == DE
    assert invoice.document_type.value == "Invoice" and invoice.name.startswith("INV/")
    assert invoice.amount_total == invoice.amount_tax + Decimal("20.00")
    [read] = odoo.read("account.move", [orders.invoice], ["amount_total", "amount_tax", "name"])
    assert invoice.amount_total == Decimal(str(read["amount_total"])).quantize(Decimal("0.01"))

    credits = {d.move_id: d for d in odoo.buyer_documents(company_id(odoo), "out_refund", since, [DE, FR])}
    credit = credits[orders.credit]  # its own reference is a refund id: found through the reversed invoice
    assert credit.order_id == orders.de_order and credit.document_type.value == "CreditNote"
    assert orders.invoice not in credits

    later = odoo.buyer_documents(company_id(odoo), "out_invoice", date.today() + timedelta(days=1), [DE])
    assert orders.invoice not in {d.move_id for d in later}  # dated before `since`


def test_document_pdf_is_rendered_once_and_frozen(odoo_gateway: OdooGateway, orders: Moves) -> None:
    first = odoo_gateway.document_pdf(orders.invoice, "INV")
    assert first.startswith(b"%PDF-") and len(first) > 300
    calls = odoo_gateway.calls
    assert odoo_gateway.document_pdf(orders.invoice) == first  # the frozen attachment
    assert odoo_gateway.calls - calls == 2  # read the move, read the attachment
    [move] = odoo_gateway.read("account.move", [orders.invoice], ["is_move_sent", "invoice_pdf_report_id"])
    assert move["is_move_sent"] is True and move["invoice_pdf_report_id"]
    assert odoo_gateway.document_pdf(orders.credit).startswith(b"%PDF-")


def test_a_move_odoo_cannot_render_is_refused_naming_it(
    odoo_target: OdooTarget, odoo_gateway: OdooGateway, orders: Moves
) -> None:
    partner = odoo_gateway.create("res.partner", [{"name": "Draft buyer"}])[0]
    draft = posted_move(odoo_gateway, partner, "out_invoice", orders.de_order, post=False)
    with pytest.raises(PermanentError) as refused:
        odoo_gateway.document_pdf(draft, "draft")
    assert f"move {draft}" in refused.value.record and "draft" in refused.value.message
    assert "wkhtmltopdf" in refused.value.resolution
    if odoo_target.double is not None:  # the double's switch stands for a server without wkhtmltopdf
        flagged = orders.fr_invoice
        odoo_gateway.write("account.move", [flagged], {"x_double_pdf_error": "Unable to find Wkhtmltopdf"})
        with pytest.raises(PermanentError, match="Unable to find Wkhtmltopdf"):
            odoo_gateway.document_pdf(flagged)
