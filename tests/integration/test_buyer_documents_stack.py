"""Invoices and credit notes to buyers (issue 8) on the local stack (moto, SP-API sandbox, Odoo double): the
send_invoices / send_credit_notes jobs upload each posted document of an Amazon order once as a PDF
(UPLOAD_VAT_INVOICE), the feed tracker brings Amazon's result back, a marketplace where Amazon issues the
invoices is skipped, and a document Odoo cannot render is refused in the log book with nothing sent."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import yaml

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.domain.documents import DocumentStatus
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import SELLERS_FILE, _demo_credentials, load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.invoke import invoke, project_root
from amazon_odoo.local.sandbox.apis import feeds as sandbox_feeds
from amazon_odoo.local.sandbox.apis.invoices import uploads
from amazon_odoo.local.sandbox.state import SellerState, _marketplace_entry
from amazon_odoo.local.stack import LocalStack, scheduled_event
from amazon_odoo.mapping.orders import order_external_id

SELLER = "mugs-de"
AMAZON_SELLER = "A3MUGSUS8ACCPT"
DE, FR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH"


def amazon(stack: LocalStack) -> SellerState:
    return stack.sandbox.state.seller(AMAZON_SELLER)


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> Iterator[LocalStack]:
    """The demo seller, plus its EU account (Amazon.de, and Amazon.fr where Amazon issues the invoices)."""
    load_demo_sellers(stack, lambda line: None)
    seed_demo_odoo(lambda line: None)
    seller = amazon(stack)
    seller.marketplaces.append(_marketplace_entry(DE, seller.store_name))
    fr = {"id": FR, "name": "Amazon.fr", "countryCode": "FR", "defaultCurrencyCode": "EUR"}
    seller.marketplaces.append(_marketplace_entry(fr | {"defaultLanguageCode": "fr_FR"}, seller.store_name))
    raw: dict[str, Any] = yaml.safe_load((project_root() / SELLERS_FILE).read_text(encoding="utf-8"))
    eu = copy.deepcopy(raw["sellers"][0])
    eu["id"], eu["region"] = SELLER, "EU"
    eu["credentials"]["refresh_token"] = f"secret:amazon-odoo/{SELLER}/refresh-token"
    eu["marketplaces"] = [{"id": DE}, {"id": FR, "amazon_issues_invoices": True}]
    eu["documents"] = {"send_invoices": True, "send_credit_notes": True}
    eu["schedules"] = {
        "send_invoices": {"enabled": True, "every": "1 hours"},
        "send_credit_notes": {"enabled": True, "every": "1 hours"},
    }
    raw["sellers"].append(eu)
    _demo_credentials(stack, SELLER)
    compose().load_sellers(raw)
    yield stack


def odoo() -> OdooGateway:
    gateway = compose().odoo
    assert gateway is not None
    return gateway


def amazon_order(stack: LocalStack, marketplace: str) -> str:
    """An order at Amazon and its sale order in Odoo, bound by the connector's external id."""
    order_id = f"305-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10**7:07d}"
    amazon(stack).build_order([("MUG-BLUE-12", 2, "11.90")], order_id=order_id, marketplace_id=marketplace)
    partner = odoo().create("res.partner", [{"name": f"Buyer {order_id}"}])[0]
    [so] = odoo().create("sale.order", [{"partner_id": partner, "client_order_ref": order_id}])
    module, name = order_external_id(marketplace, order_id).split(".", 1)
    odoo().create("ir.model.data", [{"module": module, "name": name, "model": "sale.order", "res_id": so}])
    return order_id


def posted(order_id: str, move_type: str = "out_invoice", reversed_id: int = 0) -> int:
    [partner] = odoo().search_read("res.partner", [("name", "=", f"Buyer {order_id}")], ["id"])
    vals: dict[str, Any] = {
        "move_type": move_type,
        "partner_id": partner["id"],
        "invoice_date": date.today().isoformat(),
        "ref": order_id if not reversed_id else f"Reversal of: {reversed_id}",
        "invoice_line_ids": [(0, 0, {"name": "Stoneware Mug", "quantity": 2, "price_unit": 11.90})],
    }
    if reversed_id:
        vals["reversed_entry_id"] = reversed_id
    [move] = odoo().create("account.move", [vals])
    odoo().call("account.move", "action_post", [move])
    return move


def process_feeds(stack: LocalStack) -> None:
    """Amazon processes the pending feeds, then track_feeds (by hand) collects the results."""
    state, seller = stack.sandbox.state, amazon(stack)
    with state.lock:
        for feed in list(seller.feeds.values()):
            sandbox_feeds.advance(state, seller, feed, force=True)
    assert main(["run", "track-feeds", "--seller", SELLER]) == 0


def invoice_feeds(stack: LocalStack) -> list[Any]:
    return [c for c in stack.sandbox.calls("createFeed") if c.body["feedType"] == "UPLOAD_VAT_INVOICE"]


def test_an_invoice_and_a_credit_note_reach_amazon_once_each(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id = amazon_order(loaded, DE)
    invoice = posted(order_id)
    before = len(invoice_feeds(loaded))

    assert main(["run", "send-invoices", "--seller", SELLER]) == 0
    assert "send_invoices: succeeded" in capsys.readouterr().out
    [call] = invoice_feeds(loaded)[before:]
    assert call.body["marketplaceIds"] == [DE]
    assert call.body["feedOptions"]["metadata:orderid"] == order_id
    assert call.body["feedOptions"]["metadata:documenttype"] == "Invoice"
    process_feeds(loaded)
    [upload] = uploads(amazon(loaded), order_id)
    assert upload["documentType"] == "Invoice" and upload["totalAmount"] == "23.80" and upload["bytes"] > 300
    [record] = compose().state.get_buyer_documents(SELLER, [invoice]).values()
    assert record.status is DocumentStatus.SENT and record.feed_id == upload["feedId"]

    credit = posted(order_id, "out_refund", reversed_id=invoice)
    [run] = invoke("send_credit_notes", scheduled_event("send_credit_notes"))["runs"]  # the Lambda
    assert run["seller_id"] == SELLER and run["status"] == "succeeded", run
    assert run["counts"]["documents_sent"] == 1
    process_feeds(loaded)
    assert [u["documentType"] for u in uploads(amazon(loaded), order_id)] == ["Invoice", "CreditNote"]
    assert compose().state.get_buyer_documents(SELLER, [credit])[credit].status is DocumentStatus.SENT

    # again, both ways: nothing reaches Amazon twice
    assert main(["run", "send-invoices", "--seller", SELLER]) == 0
    invoke("send_credit_notes", scheduled_event("send_credit_notes"))
    assert len(invoice_feeds(loaded)) == before + 2
    assert len(uploads(amazon(loaded), order_id)) == 2
    capsys.readouterr()
    assert main(["documents", "--seller", SELLER]) == 0
    listing = capsys.readouterr().out
    assert order_id in listing and "CreditNote" in listing and "SENT" in listing


def test_amazon_issued_marketplace_is_skipped_and_an_unrenderable_document_is_refused(
    loaded: LocalStack,
) -> None:
    fr_order, de_order = amazon_order(loaded, FR), amazon_order(loaded, DE)
    fr_invoice, broken = posted(fr_order), posted(de_order)
    odoo().write(
        "account.move", [broken], {"x_double_pdf_error": "Unable to find Wkhtmltopdf on this system."}
    )
    before = len(invoice_feeds(loaded))

    assert main(["run", "send-invoices", "--seller", SELLER]) == 0
    assert len(invoice_feeds(loaded)) == before  # nothing sent
    logs = compose().state.list_logs(SELLER, job="send_invoices")
    [skipped] = [e for e in logs if e.record_ref == f"move {fr_invoice}"]
    assert skipped.level is LogLevel.INFO and "Amazon issues the buyers' invoices" in skipped.message
    [refused] = [e for e in logs if e.record_ref.startswith(f"move {broken} ")]
    assert refused.level is LogLevel.ERROR and "Wkhtmltopdf" in refused.message and refused.resolution
    records = compose().state.get_buyer_documents(SELLER, [fr_invoice, broken])
    assert records[fr_invoice].status is DocumentStatus.SKIPPED
    assert records[broken].status is DocumentStatus.NOT_RENDERED
    assert uploads(amazon(loaded), fr_order) == [] and uploads(amazon(loaded), de_order) == []

    odoo().write("account.move", [broken], {"x_double_pdf_error": False})  # fixed in Odoo
    assert main(["run", "send-invoices", "--seller", SELLER]) == 0
    process_feeds(loaded)
    assert [u["documentType"] for u in uploads(amazon(loaded), de_order)] == ["Invoice"]
