"""ingest_order against the Odoo double (over XML-RPC, through the real gateway), with the sandbox's orders:
one sale order per Amazon order whatever the number of deliveries, totals equal to Amazon's, partners
reused, unknown SKUs held or created, cancellations followed, and few Odoo round trips per order."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.adapters.odoo import OdooGateway, make_transport
from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.orders import OrderDataError, UnknownSkuError
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.local.sandbox.state import SandboxState, load_scenario
from amazon_odoo.services.ingest_order import IngestResult, Outcome, ingest_order
from amazon_odoo.settings import OdooProtocol

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "Blue Mug Co."
SKUS = ("MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE")
US_FIRST = "114-3941689-8772232"  # shipped, 2 mugs + shipping, facilitator tax
US_GIFT = "114-2208876-1153001"  # 2 items, shipping, gift wrap, promotion
US_UNSHIPPED = "114-5820417-3390021"
CA_B2B = "702-3318840-1227604"  # Amazon Business, HST excluded, pricelist in CAD
US_CANCELLED = "114-9041177-6652310"


# ------------------------------------------------------------------------------------------ fixtures


def sandbox_orders() -> dict[str, dict[str, Any]]:
    data, base = load_scenario(None)
    state = SandboxState(data, base_dir=base, clock=time.time)
    return {oid: order for s in state.sellers.values() for oid, order in s.orders.items()}


ORDERS = sandbox_orders()


def order(order_id: str, **changes: Any) -> dict[str, Any]:
    """A copy of a sandbox order; ``new_id`` gives it another order id (and item ids)."""
    data = copy.deepcopy(ORDERS[order_id])
    new_id = changes.pop("new_id", None)
    if new_id:
        data["orderId"] = new_id
        for index, item in enumerate(data["orderItems"]):
            item["orderItemId"] = f"{new_id.replace('-', '')}{index}"
    status = changes.pop("status", None)
    if status:
        data["fulfillment"]["fulfillmentStatus"] = status
    data.update(changes)
    return data


def make_seller(**orders: Any) -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry["marketplaces"].append(
        {"id": "A2EUQ1WTGCTBG2", "pricelist": "Amazon.ca (CAD)", "language": "en_US"}
    )
    entry["orders"].update(orders)
    entry["workflow"].update({"create_invoice": False, "post_invoice": False})
    entry["documents"] = {"send_invoices": False}
    return parse_sellers_file(raw).sellers[0]


@pytest.fixture(scope="module")
def double() -> Iterator[OdooDouble]:
    with OdooDouble(company=COMPANY).start() as running:
        yield running


def new_gateway(double: OdooDouble) -> OdooGateway:
    return OdooGateway(
        make_transport(OdooProtocol.XMLRPC, double.url, "amazon", "admin", "admin", timeout=30)
    )


@pytest.fixture(scope="module")
def setup(double: OdooDouble) -> dict[str, Any]:
    """The seller's Odoo as a user would prepare it: products with SKUs, pricelists, team, HST 13 %."""
    odoo = new_gateway(double)
    cad = odoo.search_read("res.currency", [("name", "=", "CAD")], ["id"])[0]["id"]
    odoo.create(
        "product.pricelist", [{"name": "Amazon.com (USD)"}, {"name": "Amazon.ca (CAD)", "currency_id": cad}]
    )
    odoo.create("crm.team", [{"name": "Amazon US"}])
    hst = odoo.create("account.tax", [{"name": "HST 13%", "amount": 13.0, "type_tax_use": "sale"}])[0]
    products = odoo.create(
        "product.product",
        [{"name": sku.title(), "default_code": sku, "detailed_type": "product"} for sku in SKUS],
    )
    return {"products": dict(zip(SKUS, products, strict=True)), "hst": hst}


@pytest.fixture
def odoo(double: OdooDouble, setup: dict[str, Any]) -> OdooGateway:
    return new_gateway(double)  # a fresh process: cold caches


@pytest.fixture
def seller() -> SellerConfig:
    return make_seller()


def sale_orders(odoo: OdooGateway, amazon_id: str) -> list[dict[str, Any]]:
    return odoo.search_read(
        "sale.order",
        [("client_order_ref", "=", amazon_id)],
        ["name", "state", "amount_total", "order_line", "partner_id", "partner_shipping_id", "picking_ids"],
    )


def warm_up(odoo: OdooGateway, seller: SellerConfig) -> None:
    """Fill the gateway's per-process caches (company, taxes, service products, US states…)."""
    ingest_order(order(US_UNSHIPPED, new_id=f"114-{time.time_ns() % 10**7:07d}-0000001"), seller, odoo)


# -------------------------------------------------------------------------------------------- tests


def test_a_new_order_becomes_one_confirmed_sale_order_with_amazons_total(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    result = ingest_order(ORDERS[US_GIFT], seller, odoo)
    assert result.outcome == Outcome.CREATED and result.created and result.confirmed
    assert result.sale_order_name == f"US-{US_GIFT}"  # orders.name: amazon_id with prefix US-
    [so] = sale_orders(odoo, US_GIFT)
    assert so["id"] == result.sale_order_id and so["state"] == "sale"
    assert Decimal(str(so["amount_total"])) == Decimal(ORDERS[US_GIFT]["proceeds"]["grandTotal"]["amount"])
    assert so["picking_ids"], "confirming made the delivery"
    print(f"\ncold process, new customer: {result.odoo_calls} Odoo calls")


@pytest.mark.parametrize("amazon_id", [US_FIRST, US_UNSHIPPED, CA_B2B])
def test_sandbox_orders_total_exactly_amazons_grand_total(
    odoo: OdooGateway, seller: SellerConfig, amazon_id: str
) -> None:
    result = ingest_order(ORDERS[amazon_id], seller, odoo)
    assert result.outcome in (Outcome.CREATED, Outcome.UNCHANGED)
    [so] = sale_orders(odoo, amazon_id)
    assert Decimal(str(so["amount_total"])) == Decimal(ORDERS[amazon_id]["proceeds"]["grandTotal"]["amount"])


def test_b2b_order_gets_a_company_partner_with_vat_and_delivery_address(
    odoo: OdooGateway, seller: SellerConfig, setup: dict[str, Any]
) -> None:
    ingest_order(ORDERS[CA_B2B], seller, odoo)
    [so] = sale_orders(odoo, CA_B2B)
    [partner] = odoo.read(
        "res.partner", [so["partner_id"][0]], ["is_company", "name", "child_ids", "country_id"]
    )
    assert partner["is_company"] and partner["name"] == "Maple Leaf Tea Room Inc."
    assert so["partner_shipping_id"][0] in partner["child_ids"]
    lines = odoo.read("sale.order.line", so["order_line"], ["tax_id"])
    assert all(line["tax_id"] == [setup["hst"]] for line in lines)


def test_the_same_order_three_times_is_one_order_with_its_lines_once(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    data = order(US_GIFT, new_id="114-0000003-0000003")
    results = [ingest_order(data, seller, odoo) for _ in range(3)]
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert len({r.sale_order_id for r in results}) == 1
    [so] = sale_orders(odoo, "114-0000003-0000003")
    assert len(so["order_line"]) == 6 and so["state"] == "sale"
    assert results[1].odoo_calls <= 2, results[1]


def test_a_quotation_left_by_a_crash_is_updated_and_confirmed_not_duplicated(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    data = order(US_FIRST, new_id="114-0000004-0000004", status="UNSHIPPED")
    unconfirmed = seller.model_copy(
        update={"workflow": seller.workflow.model_copy(update={"confirm_order": False})}
    )
    first = ingest_order(data, unconfirmed, odoo)
    assert first.created and not first.confirmed
    again = ingest_order(data, seller, odoo)
    assert again.outcome == Outcome.UPDATED and again.confirmed and not again.created
    [so] = sale_orders(odoo, "114-0000004-0000004")
    assert so["id"] == first.sale_order_id and so["state"] == "sale" and len(so["order_line"]) == 3


def test_call_counts_new_and_repeat_customer(odoo: OdooGateway, seller: SellerConfig) -> None:
    warm_up(odoo, seller)
    new_customer = ingest_order(
        order(US_FIRST, new_id="114-0000005-0000005", status="UNSHIPPED"), seller, odoo
    )
    repeat = ingest_order(order(US_FIRST, new_id="114-0000006-0000006", status="UNSHIPPED"), seller, odoo)
    print(
        f"\nOdoo calls per order (warm process): new customer {new_customer.odoo_calls}, "
        f"repeat customer {repeat.odoo_calls}"
    )
    assert new_customer.odoo_calls <= 5 and repeat.odoo_calls <= 3
    [a] = sale_orders(odoo, "114-0000005-0000005")
    [b] = sale_orders(odoo, "114-0000006-0000006")
    assert a["partner_id"] == b["partner_id"] and a["partner_shipping_id"] == b["partner_shipping_id"]


def test_another_address_is_another_partner(odoo: OdooGateway, seller: SellerConfig) -> None:
    base = order(US_FIRST, new_id="114-0000007-0000007")
    moved = order(US_FIRST, new_id="114-0000008-0000008")
    moved["recipient"]["deliveryAddress"]["addressLine1"] = "1 Other Street"
    ingest_order(base, seller, odoo)
    ingest_order(moved, seller, odoo)
    [a] = sale_orders(odoo, "114-0000007-0000007")
    [b] = sale_orders(odoo, "114-0000008-0000008")
    assert a["partner_id"] != b["partner_id"]


def test_unknown_sku_is_held_with_a_permanent_error_naming_it(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    data = order(US_FIRST, new_id="114-0000009-0000009")
    data["orderItems"][0]["product"]["sellerSku"] = "NEW-SKU-1"
    with pytest.raises(UnknownSkuError) as caught:
        ingest_order(data, seller, odoo)
    assert caught.value.skus == ("NEW-SKU-1",) and "NEW-SKU-1" in str(caught.value)
    assert sale_orders(odoo, "114-0000009-0000009") == []


def test_unknown_sku_creates_a_storable_product_when_the_seller_allows_it(odoo: OdooGateway) -> None:
    seller = make_seller(create_missing_products=True)
    data = order(US_FIRST, new_id="114-0000010-0000010")
    data["orderItems"][0]["product"]["sellerSku"] = "NEW-SKU-2"
    logged: list[tuple[str, dict[str, Any]]] = []
    result = ingest_order(data, seller, odoo, lambda message, **kw: logged.append((message, kw)))
    assert result.created and result.products_created == ("NEW-SKU-2",)
    [product] = odoo.search_read("product.product", [("default_code", "=", "NEW-SKU-2")], ["detailed_type"])
    assert product["detailed_type"] == "product"
    assert odoo.xmlid_map(["sku_new_sku_2"]) == {"sku_new_sku_2": product["id"]}
    assert logged and "NEW-SKU-2" in logged[0][0] and "Alex" not in logged[0][0]
    again = ingest_order(
        order(US_FIRST, new_id="114-0000011-0000011") | {"orderItems": data["orderItems"]}, seller, odoo
    )
    assert again.products_created == ()


def test_two_products_with_one_sku_is_a_permanent_error_naming_the_sku(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    odoo.create(
        "product.product",
        [{"name": "Twin A", "default_code": "TWIN-1"}, {"name": "Twin B", "default_code": "TWIN-1"}],
    )
    data = order(US_FIRST, new_id="114-0000012-0000012")
    data["orderItems"][0]["product"]["sellerSku"] = "TWIN-1"
    with pytest.raises(PermanentError, match="TWIN-1"):
        ingest_order(data, seller, odoo)


def test_an_amazon_cancellation_cancels_the_odoo_order(odoo: OdooGateway, seller: SellerConfig) -> None:
    data = order(US_UNSHIPPED, new_id="114-0000013-0000013")
    created = ingest_order(data, seller, odoo)
    result = ingest_order(
        {**data, "fulfillment": {**data["fulfillment"], "fulfillmentStatus": "CANCELLED"}}, seller, odoo
    )
    assert result.outcome == Outcome.CANCELLED and result.cancelled
    [so] = sale_orders(odoo, "114-0000013-0000013")
    assert so["id"] == created.sale_order_id and so["state"] == "cancel"
    pickings = odoo.read("stock.picking", so["picking_ids"], ["state"])
    assert pickings and all(p["state"] == "cancel" for p in pickings)
    assert ingest_order(data | {"fulfillment": {"fulfillmentStatus": "CANCELLED"}}, seller, odoo).outcome == (
        Outcome.UNCHANGED
    )


def test_a_cancellation_after_delivery_leaves_the_order_and_writes_a_note(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    data = order(US_UNSHIPPED, new_id="114-0000014-0000014")
    created = ingest_order(data, seller, odoo)
    [so] = sale_orders(odoo, "114-0000014-0000014")
    odoo.call("stock.picking", "button_validate", so["picking_ids"], context={"skip_sms": True})
    logged: list[tuple[str, dict[str, Any]]] = []
    result = ingest_order(
        data | {"fulfillment": {"fulfillmentStatus": "CANCELLED"}},
        seller,
        odoo,
        lambda m, **kw: logged.append((m, kw)),
    )
    assert result.outcome == Outcome.CANCEL_REFUSED and not result.cancelled
    [so] = sale_orders(odoo, "114-0000014-0000014")
    assert so["state"] == "sale"
    notes = odoo.search_read(
        "mail.message", [("model", "=", "sale.order"), ("res_id", "=", created.sale_order_id)], ["body"]
    )
    assert any("not cancelled" in n["body"] and "delivered" in n["body"] for n in notes)
    assert logged and logged[0][1]["level"] is LogLevel.WARNING


def test_a_cancellation_after_invoicing_stops_the_shipment_and_keeps_the_invoice(odoo: OdooGateway) -> None:
    """Invoiced at import (the seller's workflow), cancelled by the buyer before it shipped: Odoo cannot
    cancel a posted invoice, so the order stays, but its delivery is cancelled so nobody ships it."""
    seller = workflow_seller(register_payment=False, payment_journal=None)
    data = order(US_UNSHIPPED, new_id="114-0000035-0000035")
    created = ingest_order(data, seller, odoo)
    assert created.workflow == ("invoiced", "invoice posted")
    result = ingest_order(data | {"fulfillment": {"fulfillmentStatus": "CANCELLED"}}, seller, odoo)
    assert result.outcome == Outcome.CANCEL_REFUSED and "not shipped" in result.message
    [so] = sale_orders(odoo, "114-0000035-0000035")
    assert so["state"] == "sale"
    pickings = odoo.read("stock.picking", so["picking_ids"], ["state"])
    assert [p["state"] for p in pickings] == ["cancel"]
    [invoice] = invoices_of(odoo, so["id"])
    assert invoice["state"] == "posted"  # a credit note is the accountant's call (the log says so)


def test_a_cancelled_order_never_imported_is_skipped(odoo: OdooGateway, seller: SellerConfig) -> None:
    result = ingest_order(ORDERS[US_CANCELLED], seller, odoo)
    assert result.outcome == Outcome.SKIPPED and result.sale_order_id is None
    assert sale_orders(odoo, US_CANCELLED) == []


def test_fba_orders_are_skipped_without_calling_odoo(odoo: OdooGateway, seller: SellerConfig) -> None:
    data = order(US_UNSHIPPED, new_id="114-0000015-0000015")
    data["fulfillment"]["fulfilledBy"] = "AMAZON"
    calls = odoo.calls
    assert ingest_order(data, seller, odoo) == IngestResult(
        "114-0000015-0000015", Outcome.SKIPPED, message="not merchant fulfilled"
    )
    assert odoo.calls == calls


def test_a_malformed_order_is_permanent(odoo: OdooGateway, seller: SellerConfig) -> None:
    data = order(US_UNSHIPPED)
    del data["orderItems"]
    with pytest.raises(OrderDataError, match="orderItems"):
        ingest_order(data, seller, odoo)


def test_a_missing_setting_is_permanent_and_names_it(odoo: OdooGateway) -> None:
    raw_seller = make_seller()
    bad = raw_seller.model_copy(
        update={
            "marketplaces": (raw_seller.marketplaces[0].model_copy(update={"sales_team": "No Such Team"}),)
        }
    )
    with pytest.raises(PermanentError, match="No Such Team"):
        ingest_order(order(US_UNSHIPPED, new_id="114-0000016-0000016"), bad, odoo)


def test_a_job_context_gets_log_book_lines_without_personal_data(odoo: OdooGateway) -> None:
    from amazon_odoo.services.jobs import JobContext
    from tests.fakes.aws import InMemoryStateStore

    seller = make_seller(create_missing_products=True)
    state = InMemoryStateStore()
    ctx = JobContext(seller=seller, job="import_orders", state=state, run_id="run-1")
    data = order(US_FIRST, new_id="114-0000017-0000017")
    data["orderItems"][0]["product"]["sellerSku"] = "NEW-SKU-3"
    ingest_order(data, seller, odoo, ctx)
    created, shipped = sorted(
        state.list_logs(seller_id=seller.id), key=lambda e: "NEW-SKU-3" not in e.message
    )
    assert "NEW-SKU-3" in created.message and created.record_ref == "order 114-0000017-0000017"
    assert "delivery validated" in shipped.message and shipped.record_ref == created.record_ref
    dump = created.model_dump_json() + shipped.model_dump_json()
    assert all(
        secret not in dump for secret in ("Alex", "Rivera", "Pine Street", "98101", "marketplace.amazon")
    )


# ------------------------------------------------------------------------------------- workflow


def workflow_seller(**workflow: Any) -> SellerConfig:
    seller = make_seller()
    flow = type(seller.workflow).model_validate(
        {
            **seller.workflow.model_dump(),
            "create_invoice": True,
            "post_invoice": True,
            "register_payment": True,
            "payment_journal": "Bank",
            **workflow,
        }
    )
    return seller.model_copy(update={"workflow": flow})


def invoices_of(odoo: OdooGateway, so_id: int) -> list[dict[str, Any]]:
    [row] = odoo.read("sale.order", [so_id], ["invoice_ids"])
    return odoo.read(
        "account.move",
        row["invoice_ids"],
        ["state", "payment_state", "invoice_date", "ref", "payment_reference", "amount_total", "journal_id"],
    )


def test_the_full_workflow_invoices_on_the_order_date_posts_and_pays(odoo: OdooGateway) -> None:
    seller = workflow_seller()
    data = order(US_GIFT, new_id="114-0000030-0000030", status="UNSHIPPED")
    result = ingest_order(data, seller, odoo)
    assert result.outcome == Outcome.CREATED and result.workflow == ("invoiced", "invoice posted", "paid")
    [invoice] = invoices_of(odoo, result.sale_order_id or 0)
    assert (invoice["state"], invoice["payment_state"]) == ("posted", "paid")
    assert invoice["ref"] == invoice["payment_reference"] == "114-0000030-0000030"
    assert invoice["invoice_date"] == data["createdTime"][:10]  # the Amazon purchase date, not today
    assert invoice["journal_id"][1] == "Customer Invoices"
    [so] = sale_orders(odoo, "114-0000030-0000030")
    assert (
        Decimal(str(invoice["amount_total"]))
        == Decimal(str(so["amount_total"]))
        == Decimal(result.details["amount_total"])
    )
    again = ingest_order(data, seller, odoo)  # nothing left to do: probe + status + invoice read
    assert again.outcome == Outcome.UNCHANGED and again.workflow == () and again.odoo_calls <= 3


def test_a_crash_mid_workflow_resumes_without_a_second_invoice(odoo: OdooGateway, double: OdooDouble) -> None:
    from amazon_odoo.domain.errors import RetryableError
    from amazon_odoo.local.odoo_double.errors import serialization_failure

    seller = workflow_seller()
    data = order(US_UNSHIPPED, new_id="114-0000031-0000031")
    double.inject("account.payment.register", "action_create_payments", serialization_failure())
    with pytest.raises(RetryableError):
        ingest_order(data, seller, odoo)
    result = ingest_order(data, seller, odoo)  # the message comes back
    assert result.outcome == Outcome.UPDATED and result.workflow == ("paid",)
    [invoice] = invoices_of(odoo, result.sale_order_id or 0)
    assert (invoice["state"], invoice["payment_state"]) == ("posted", "paid")


def test_a_draft_left_by_a_crash_is_dated_and_posted_on_the_retry(
    odoo: OdooGateway, double: OdooDouble
) -> None:
    from amazon_odoo.domain.errors import RetryableError
    from amazon_odoo.local.odoo_double.errors import serialization_failure

    seller = workflow_seller(register_payment=False, payment_journal=None)
    data = order(US_UNSHIPPED, new_id="114-0000032-0000032")
    double.inject("account.move", "write", serialization_failure())  # dies before the invoice date
    with pytest.raises(RetryableError):
        ingest_order(data, seller, odoo)
    result = ingest_order(data, seller, odoo)
    assert result.workflow == ("invoice posted",)
    [invoice] = invoices_of(odoo, result.sale_order_id or 0)
    assert invoice["state"] == "posted" and invoice["invoice_date"] == data["createdTime"][:10]


def test_invoice_on_delivery_waits_for_the_shipment_then_follows_it(odoo: OdooGateway) -> None:
    seller = workflow_seller(invoice_policy="delivery", register_payment=False, payment_journal=None)
    data = order(US_UNSHIPPED, new_id="114-0000033-0000033")
    first = ingest_order(data, seller, odoo)
    assert first.confirmed and first.workflow == () and first.waiting == "invoice after delivery"
    assert invoices_of(odoo, first.sale_order_id or 0) == []
    shipped = order(US_UNSHIPPED, new_id="114-0000033-0000033", status="SHIPPED")
    second = ingest_order(shipped, seller, odoo)  # the ORDER_CHANGE Amazon sends when it ships
    assert second.outcome == Outcome.UPDATED
    assert second.workflow == ("delivery validated", "invoiced", "invoice posted")
    status = odoo.sale_order_status(second.sale_order_id or 0, deliveries=True, invoices=True)
    assert status.delivered and status.open_pickings == () and status.invoiced


def test_a_shipped_order_is_imported_with_its_delivery_validated_once(
    odoo: OdooGateway, seller: SellerConfig
) -> None:
    data = order(US_FIRST, new_id="114-0000034-0000034")
    result = ingest_order(data, seller, odoo)
    assert result.workflow == ("delivery validated",)
    [so] = sale_orders(odoo, "114-0000034-0000034")
    pickings = odoo.read("stock.picking", so["picking_ids"], ["state"])
    assert [p["state"] for p in pickings] == ["done"]  # no backorder, stock or not
    again = ingest_order(data, seller, odoo)
    assert again.outcome == Outcome.UNCHANGED and again.odoo_calls <= 2
