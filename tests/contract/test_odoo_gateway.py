"""The Odoo gateway contract: the same tests against the Odoo double over XML-RPC, JSON-RPC and JSON-2, and
against a real Odoo when ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD are set (XML-RPC and JSON-RPC).

Names are unique per run (uuid), so the suite can run again and again on the same real database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from amazon_odoo.adapters.odoo import AMAZON_MODULE, OdooGateway, make_transport, xmlid_name
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.mapping.orders import LineKind, line_external_id, order_external_id
from amazon_odoo.mapping.settlements import LineMatch, SettlementJournal  # settlements (issue 6)
from amazon_odoo.mapping.shipments import plan_shipment
from amazon_odoo.ports import OrderRefsQuery
from amazon_odoo.settings import OdooProtocol
from tests.contract.conftest_odoo import OdooTarget


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def company(odoo_gateway: OdooGateway) -> tuple[int, str]:
    row = odoo_gateway.search_read("res.company", [], ["name"], limit=1, order="id")[0]
    return int(row["id"]), str(row["name"])


@pytest.fixture
def service_products(odoo_gateway: OdooGateway, company: tuple[int, str]) -> dict[str, int]:
    prefix = unique("c")
    return odoo_gateway.ensure_service_products(
        company[0], prefix, {"shipping": f"Shipping {prefix}", "promotion": f"Promotion {prefix}"}
    )


@pytest.fixture
def partner(odoo_gateway: OdooGateway) -> int:
    return odoo_gateway.create("res.partner", [{"name": unique("Buyer "), "customer_rank": 1}])[0]


def order_rows(
    amazon_id: str, partner: int, products: dict[str, int], price: str = "4.99"
) -> list[list[str]]:
    order = f"{AMAZON_MODULE}.{xmlid_name('order', amazon_id)}"
    return [
        [
            order,
            str(partner),
            amazon_id,
            f"{order}_l1",
            str(products["shipping"]),
            "Shipping",
            "1",
            price,
            "0",
        ],
        ["", "", "", f"{order}_l2", str(products["promotion"]), "Promotion", "1", "-1.00", "0"],
    ]


ORDER_FIELDS = [
    "id",
    "partner_id/.id",
    "client_order_ref",
    "order_line/id",
    "order_line/product_id/.id",
    "order_line/name",
    "order_line/product_uom_qty",
    "order_line/price_unit",
    "order_line/discount",
]


def test_server_version_is_detected_once(odoo_target: OdooTarget, odoo_gateway: OdooGateway) -> None:
    major, text = odoo_gateway.server_version()
    assert major >= 16
    assert text.startswith(str(major))
    if odoo_target.double is not None:
        assert text == odoo_target.double.db.version
    calls = odoo_gateway.calls
    assert odoo_gateway.server_version() == (major, text)
    assert odoo_gateway.calls == calls  # cached


def test_a_refused_login_is_permanent_and_names_the_settings(odoo_target: OdooTarget) -> None:
    gateway = odoo_target.gateway(password="not-the-password-" + uuid.uuid4().hex)
    with pytest.raises(PermanentError) as caught:
        _ = gateway.uid
    assert caught.value.code == "odoo.auth"
    assert "ODOO_USERNAME" in caught.value.resolution


def test_uid_is_the_logged_in_user(odoo_target: OdooTarget, odoo_gateway: OdooGateway) -> None:
    rows = odoo_gateway.read("res.users", [odoo_gateway.uid], ["login"])
    assert rows[0]["login"] == odoo_target.username


def test_company_lookup(odoo_gateway: OdooGateway, company: tuple[int, str]) -> None:
    assert odoo_gateway.company_id(company[1]) == company[0]
    missing = unique("No Such Company ")
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.company_id(missing)
    assert missing in str(caught.value)
    assert caught.value.code == "odoo.company"


def test_service_products_are_idempotent(odoo_gateway: OdooGateway, company: tuple[int, str]) -> None:
    prefix = unique("p")
    names = {"shipping": f"Ship {prefix}", "gift_wrap": f"Wrap {prefix}"}
    first = odoo_gateway.ensure_service_products(company[0], prefix, names)
    second = odoo_gateway.ensure_service_products(company[0], prefix, names)
    assert first == second
    assert set(first) == {"shipping", "gift_wrap"}
    type_fields = odoo_gateway.dialect.product_type_fields()
    rows = odoo_gateway.read(
        "product.product", list(first.values()), ["name", "taxes_id", "invoice_policy", *type_fields]
    )
    for row in rows:
        assert row["type"] == "service"
        assert row["taxes_id"] == []
        assert row["invoice_policy"] == "order"
    assert odoo_gateway.search_count("product.product", [("name", "=", names["shipping"])]) == 1
    xmlids = odoo_gateway.xmlid_map([xmlid_name("service", prefix, "shipping"), "nothing_" + prefix])
    assert xmlids == {xmlid_name("service", prefix, "shipping"): first["shipping"]}


def test_create_takes_keyword_values_on_every_protocol(odoo_gateway: OdooGateway) -> None:
    name = unique("Jane ")
    [pid] = odoo_gateway.create(
        "res.partner",
        [{"name": name, "child_ids": [(0, 0, {"type": "delivery", "name": "Dock", "city": "San Jose"})]}],
    )
    children = odoo_gateway.search_read(
        "res.partner", [("parent_id", "=", pid)], ["type", "city", "parent_id", "email"]
    )
    assert len(children) == 1
    assert children[0]["type"] == "delivery"
    assert children[0]["parent_id"][0] == pid  # many2one reads as [id, display name]
    assert children[0]["email"] is False  # empty reads as False
    assert odoo_gateway.write("res.partner", [pid], {"email": "jane@example.com"})
    assert odoo_gateway.read("res.partner", [pid], ["email"])[0]["email"] == "jane@example.com"


def test_load_with_xmlids_is_idempotent(
    odoo_gateway: OdooGateway, partner: int, service_products: dict[str, int]
) -> None:
    amazon_id = unique("114-")
    first = odoo_gateway.load("sale.order", ORDER_FIELDS, order_rows(amazon_id, partner, service_products))
    second = odoo_gateway.load(
        "sale.order", ORDER_FIELDS, order_rows(amazon_id, partner, service_products, price="5.49")
    )
    assert first == second and len(first) == 1
    assert odoo_gateway.search_count("sale.order", [("client_order_ref", "=", amazon_id)]) == 1
    order = odoo_gateway.read("sale.order", first, ["order_line", "amount_untaxed", "partner_id"])[0]
    assert len(order["order_line"]) == 2  # line xmlids keep the lines from doubling
    assert order["amount_untaxed"] == pytest.approx(4.49)  # 5.49 - 1.00: the reload updated the line
    assert order["partner_id"][0] == partner
    name = xmlid_name("order", amazon_id)
    assert odoo_gateway.xmlid_map([name]) == {name: first[0]}


def test_a_load_error_is_permanent_with_odoos_message(
    odoo_gateway: OdooGateway, service_products: dict[str, int]
) -> None:
    amazon_id = unique("999-")
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.load("sale.order", ORDER_FIELDS, order_rows(amazon_id, 987654321, service_products))
    assert "987654321" in caught.value.message
    assert caught.value.code == "odoo.load"
    assert odoo_gateway.search_count("sale.order", [("client_order_ref", "=", amazon_id)]) == 0


def test_a_partner_load_error_does_not_repeat_personal_values(odoo_gateway: OdooGateway) -> None:
    """Odoo's import messages quote values; for partners they are buyers' names and addresses."""
    xmlid = f"{AMAZON_MODULE}.{xmlid_name('partner', unique('p'))}"
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.load(
            "res.partner", ["id", "name", "country_id/id"], [[xmlid, "Zed Quixote", "Pine Street 12"]]
        )
    assert "Pine Street 12" not in caught.value.message and "Zed Quixote" not in caught.value.message
    assert "<value>" in caught.value.message or "country" in caught.value.message.lower()


def test_write_finds_the_keyword_a_model_takes(odoo_gateway: OdooGateway) -> None:
    """``product.pricelist.write(values)`` in Odoo 17 (and ``product.product`` once mrp is installed)."""
    [pricelist] = odoo_gateway.create("product.pricelist", [{"name": unique("PL ")}])
    for name in (unique("PL "), unique("PL ")):  # the second write goes straight to the right keyword
        calls = odoo_gateway.calls
        assert odoo_gateway.write("product.pricelist", [pricelist], {"name": name})
        assert odoo_gateway.read("product.pricelist", [pricelist], ["name"])[0]["name"] == name
    assert odoo_gateway.calls - calls == 2  # write + read
    partner = odoo_gateway.create("res.partner", [{"name": unique("W ")}])[0]
    assert odoo_gateway.write("res.partner", [partner], {"ref": "R1"})  # ``vals`` models unaffected


def test_notes_are_posted_to_the_chatter(odoo_gateway: OdooGateway, partner: int) -> None:
    text = unique("Imported from Amazon ")
    message_id = odoo_gateway.post_note("res.partner", partner, text)
    assert message_id > 0
    [message] = odoo_gateway.read("mail.message", [message_id], ["body", "model", "res_id", "subtype_id"])
    assert text in message["body"]
    assert (message["model"], message["res_id"]) == ("res.partner", partner)
    note = odoo_gateway.search_read(
        "ir.model.data", [("module", "=", "mail"), ("name", "=", "mt_note")], ["res_id"]
    )[0]["res_id"]
    assert message["subtype_id"][0] == note


def test_private_methods_are_refused(odoo_gateway: OdooGateway, partner: int) -> None:
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.call("res.partner", "_compute_display_name", [partner])
    assert caught.value.code == "odoo.private_method"
    assert "Private methods" in caught.value.message


def test_missing_access_rights_name_the_group(odoo_target: OdooTarget, odoo_gateway: OdooGateway) -> None:
    login = unique("clerk")
    odoo_gateway.create("res.users", [{"name": login, "login": login, "password": login + "-pw"}])
    clerk = odoo_target.gateway(username=login, password=odoo_target.secret_for(login, login + "-pw"))
    assert "account.group_account_user" in clerk.check_user(["account.group_account_user", "base.group_user"])
    assert "base.group_user" not in clerk.check_user(["base.group_user"])
    with pytest.raises(PermanentError) as caught:
        clerk.create("account.bank.statement", [{"name": unique("stmt ")}])
    assert caught.value.code == "odoo.access"
    assert "account.group_account_user" in caught.value.resolution


def test_a_method_returning_none_is_a_success(
    odoo_gateway: OdooGateway, service_products: dict[str, int]
) -> None:
    """``ir.model.data.toggle_noupdate`` returns None; XML-RPC faults 'cannot marshal None' after commit."""
    product = service_products["shipping"]
    domain = [("model", "=", "product.product"), ("res_id", "=", product), ("module", "=", AMAZON_MODULE)]
    before = odoo_gateway.search_read("ir.model.data", domain, ["noupdate"])[0]["noupdate"]
    assert (
        odoo_gateway.call("ir.model.data", "toggle_noupdate", model="product.product", res_id=product) is None
    )
    assert odoo_gateway.search_read("ir.model.data", domain, ["noupdate"])[0]["noupdate"] is (not before)


# ------------------------------------------------------------------------------- orders in (issue 3)


def order_refs_query(company: str, **changes: object) -> OrderRefsQuery:
    values: dict[str, object] = {
        "company": company,
        "service_prefix": "contract",
        "service_products": {
            "shipping": "Amazon Shipping (contract)",
            "rounding": "Amazon Rounding (contract)",
        },
        "price_include": False,
        "warehouse": "WH",
        "payment_term": "Immediate Payment",
        "language": "en_US",
        "countries": ("US",),
        "states": (("US", "WA"), ("US", "Washington"), ("US", "Nowhere")),
    }
    values.update(changes)
    return OrderRefsQuery(**values)  # type: ignore[arg-type]


def test_order_refs_resolve_in_few_reads_then_come_from_the_cache(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    odoo_gateway.create(
        "account.tax",
        [{"name": unique("Sales 13% "), "amount": 13.0, "type_tax_use": "sale", "price_include": False}],
    )
    odoo_gateway.server_version()
    before = odoo_gateway.calls
    refs = odoo_gateway.order_refs(order_refs_query(company[1]))
    cold = odoo_gateway.calls - before
    assert refs.company_id == company[0]
    company_currency = odoo_gateway.read("res.company", [company[0]], ["currency_id"])[0]["currency_id"][1]
    assert refs.currency == company_currency and refs.currency_digits == 2
    assert refs.price_digits >= 2 and refs.tax_rounding in ("round_per_line", "round_globally")
    [taxed] = odoo_gateway.read(
        "account.tax", [refs.taxes[Decimal(13)]], ["amount", "price_include", "type_tax_use"]
    )
    assert (taxed["amount"], taxed["price_include"], taxed["type_tax_use"]) == (13.0, False, "sale")
    assert set(refs.service_products) == {"shipping", "rounding"}
    assert refs.delivery_lines is True  # delivery is installed in the double and the test database
    [wh] = odoo_gateway.search_read("stock.warehouse", [("code", "=", "WH")], ["company_id"], limit=1)
    assert refs.warehouse_id == wh["id"]
    [term] = odoo_gateway.search_read("account.payment.term", [("name", "=", "Immediate Payment")], ["id"])
    assert refs.payment_term_id == term["id"]
    assert refs.language == "en_US"
    us = odoo_gateway.search_read("res.country", [("code", "=", "US")], ["id"])[0]["id"]
    assert refs.countries == {"US": us}
    wa = odoo_gateway.search_read("res.country.state", [("code", "=", "WA"), ("country_id", "=", us)], ["id"])
    assert refs.states == {("US", "WA"): wa[0]["id"], ("US", "Washington"): wa[0]["id"]}  # code or name
    assert cold <= 14, cold
    again = odoo_gateway.calls
    assert odoo_gateway.order_refs(order_refs_query(company[1])) == refs
    assert odoo_gateway.calls == again  # every static reference is cached per process
    included = odoo_gateway.order_refs(order_refs_query(company[1], price_include=True))
    assert refs.taxes[Decimal(13)] not in included.taxes.values()


def test_order_refs_name_a_setting_that_matches_nothing(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    for setting in ("warehouse", "sales_team", "payment_term", "pricelist", "fiscal_position"):
        missing = unique("NoSuch")
        with pytest.raises(PermanentError) as caught:
            odoo_gateway.order_refs(order_refs_query(company[1], **{setting: missing}))
        assert missing in str(caught.value) and caught.value.code == "odoo.missing_reference"
    assert odoo_gateway.order_refs(order_refs_query(company[1], language="xx_XX")).language is None


def test_products_by_sku_one_read_cached_and_duplicates_refused(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    one, two, twin = unique("SKU-"), unique("SKU-"), unique("TWIN-")
    ids = odoo_gateway.create(
        "product.product",
        [
            {"name": one, "default_code": one},
            {"name": two, "default_code": two},
            {"name": "a", "default_code": twin},
            {"name": "b", "default_code": twin},
        ],
    )
    before = odoo_gateway.calls
    assert odoo_gateway.products_by_sku(company[0], [one, two, "NOPE-" + one]) == {one: ids[0], two: ids[1]}
    assert odoo_gateway.calls == before + 1
    assert odoo_gateway.products_by_sku(company[0], [one, two]) == {one: ids[0], two: ids[1]}
    assert odoo_gateway.calls == before + 1  # cached
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.products_by_sku(company[0], [twin])
    assert twin in str(caught.value) and caught.value.code == "odoo.duplicate_sku"


def test_create_products_is_idempotent_and_storable(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    sku = unique("NEW-")
    first = odoo_gateway.create_products(company[0], {sku: f"Product {sku}"})
    second = odoo_gateway.create_products(company[0], {sku: f"Product {sku}"})
    assert first == second and set(first) == {sku}
    fields = odoo_gateway.dialect.product_type_fields()
    [row] = odoo_gateway.read("product.product", [first[sku]], ["default_code", "name", *fields])
    assert row["default_code"] == sku and row["name"] == f"Product {sku}"
    if odoo_gateway.dialect.major >= 18:
        assert row["type"] == "consu" and row["is_storable"] is True
    else:
        assert row["detailed_type"] == "product" and row["type"] == "product"
    assert odoo_gateway.xmlid_map([xmlid_name("sku", sku)]) == {xmlid_name("sku", sku): first[sku]}
    assert odoo_gateway.products_by_sku(company[0], [sku]) == first


def test_load_partner_with_its_delivery_address_is_idempotent(odoo_gateway: OdooGateway) -> None:
    key = unique("partner_")
    us = odoo_gateway.search_read("res.country", [("code", "=", "US")], ["id"])[0]["id"]
    vals = {
        "name": unique("Jane "),
        "email": "j@example.com",
        "customer_rank": 1,
        "country_id": us,
        "is_company": False,
    }
    child = {"type": "delivery", "street": "1 Main St", "city": "Seattle", "zip": "98101", "country_id": us}
    first = odoo_gateway.load_partner(
        f"{AMAZON_MODULE}.{key}", vals, [(f"{AMAZON_MODULE}.{key}_delivery", child)]
    )
    second = odoo_gateway.load_partner(
        f"{AMAZON_MODULE}.{key}", vals, [(f"{AMAZON_MODULE}.{key}_delivery", child)]
    )
    assert first == second
    children = odoo_gateway.search_read(
        "res.partner", [("parent_id", "=", first)], ["type", "city", "country_id"]
    )
    assert len(children) == 1 and children[0]["type"] == "delivery" and children[0]["city"] == "Seattle"
    assert odoo_gateway.xmlid_map([key, f"{key}_delivery"]) == {
        key: first,
        f"{key}_delivery": children[0]["id"],
    }
    [row] = odoo_gateway.read("res.partner", [first], ["customer_rank", "country_id", "email"])
    assert row["customer_rank"] == 1 and row["country_id"][0] == us


def test_sale_order_status_confirm_and_cancel(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    sku = unique("SO-")
    product = odoo_gateway.create_products(company[0], {sku: sku})[sku]
    amazon_id = unique("114-")
    order = f"{AMAZON_MODULE}.{xmlid_name('order', amazon_id)}"
    fields = ["id", "partner_id/.id", "client_order_ref", "order_line/id", "order_line/product_id/.id",
              "order_line/product_uom_qty", "order_line/price_unit", "order_line/discount"]  # fmt: skip
    [so] = odoo_gateway.load(
        "sale.order", fields, [[order, str(partner), amazon_id, f"{order}_l1", str(product), "2", "9.5", "0"]]
    )
    status = odoo_gateway.sale_order_status(so, deliveries=True, invoices=True)
    assert (status.id, status.state, status.delivered, status.invoiced) == (so, "draft", False, False)
    assert status.name
    odoo_gateway.confirm_orders([so])
    assert odoo_gateway.sale_order_status(so).state == "sale"
    with pytest.raises(PermanentError):
        odoo_gateway.confirm_orders([so])  # only quotations can be confirmed
    odoo_gateway.cancel_orders([so])  # confirmed: no wizard with disable_cancel_warning
    assert odoo_gateway.sale_order_status(so).state == "cancel"
    pickings = odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["state"])
    assert pickings and all(p["state"] == "cancel" for p in pickings)


def test_sale_order_status_sees_a_done_delivery(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    sku = unique("DLV-")
    product = odoo_gateway.create_products(company[0], {sku: sku})[sku]
    [so] = odoo_gateway.create(
        "sale.order",
        [
            {
                "partner_id": partner,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 5})],
            }
        ],
    )
    odoo_gateway.confirm_orders([so])
    pickings = odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["move_ids"])
    moves = [m for p in pickings for m in p["move_ids"]]
    for move in odoo_gateway.read("stock.move", moves, ["product_uom_qty"]):
        odoo_gateway.write("stock.move", [move["id"]], {"quantity": move["product_uom_qty"], "picked": True})
    odoo_gateway.call(
        "stock.picking", "button_validate", [p["id"] for p in pickings], context={"skip_sms": True}
    )
    status = odoo_gateway.sale_order_status(so, deliveries=True, invoices=True)
    assert status.state == "sale" and status.delivered and not status.invoiced


def _confirmed_order(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str], qty: int = 2, policy: str = "order"
) -> int:
    sku = unique("WF-")
    product = odoo_gateway.create_products(company[0], {sku: sku})[sku]
    if policy != "order":
        odoo_gateway.write("product.product", [product], {"invoice_policy": policy})
    [so] = odoo_gateway.create(
        "sale.order",
        [
            {
                "partner_id": partner,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": qty, "price_unit": 12.5})],
            }
        ],
    )
    odoo_gateway.confirm_orders([so])
    return so


def test_invoice_post_and_pay_an_order(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    """ODOO.md §4: wizard (one invoice per order), invoice date and reference before posting, payment."""
    first, second = (_confirmed_order(odoo_gateway, partner, company) for _ in range(2))
    calls = odoo_gateway.calls
    created = odoo_gateway.create_invoices([first])  # one order: the None answer XML-RPC cannot marshal
    assert odoo_gateway.calls - calls == 4
    [invoice] = created[first]
    both = odoo_gateway.create_invoices([second])
    assert len(both[second]) == 1 and both[second] != [invoice]
    status = odoo_gateway.sale_order_status(first, invoices=True)
    assert [(i.id, i.state, i.settled) for i in status.invoices] == [(invoice, "draft", False)]
    assert odoo_gateway.create_invoices([first]) == {first: []}  # all invoiced: nothing more to invoice

    sales = odoo_gateway.journal_id(company[0], "Customer Invoices", ["sale"])
    odoo_gateway.prepare_invoices(
        [invoice],
        {"invoice_date": "2026-11-20", "ref": "114-1", "payment_reference": "114-1", "journal_id": sales},
    )
    odoo_gateway.post_invoices([invoice])
    [row] = odoo_gateway.read(
        "account.move", [invoice], ["state", "invoice_date", "ref", "amount_total", "name"]
    )
    assert (row["state"], row["invoice_date"], row["ref"]) == ("posted", "2026-11-20", "114-1")
    assert row["amount_total"] >= 25.0 and row["name"] not in ("", "/")
    status = odoo_gateway.sale_order_status(first, deliveries=True, invoices=True)
    assert status.invoiced and not status.delivered and status.open_pickings

    bank = odoo_gateway.journal_id(company[0], "Bank", ["bank", "cash"])
    odoo_gateway.register_payment([invoice], bank, date(2026, 11, 21), "114-1")
    [paid] = odoo_gateway.sale_order_status(first, invoices=True).invoices
    assert paid.settled and paid.state == "posted"
    with pytest.raises(PermanentError):
        odoo_gateway.journal_id(company[0], unique("No such journal "), ["bank"])


def test_cancel_the_open_delivery_of_an_order_amazon_cancelled(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    so = _confirmed_order(odoo_gateway, partner, company)
    status = odoo_gateway.sale_order_status(so, deliveries=True)
    odoo_gateway.cancel_deliveries(status.open_pickings)
    after = odoo_gateway.sale_order_status(so, deliveries=True)
    assert after.state == "sale" and after.open_pickings == () and not after.delivered
    pickings = odoo_gateway.read("stock.picking", list(status.open_pickings), ["state"])
    assert [p["state"] for p in pickings] == ["cancel"]


def test_validate_a_delivery_in_full_even_without_stock(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    so = _confirmed_order(odoo_gateway, partner, company, qty=3)
    status = odoo_gateway.sale_order_status(so, deliveries=True, invoices=True)
    assert status.open_pickings and not status.delivered
    odoo_gateway.validate_deliveries(status.open_pickings)
    after = odoo_gateway.sale_order_status(so, deliveries=True, invoices=True)
    assert after.delivered and after.open_pickings == ()
    lines = odoo_gateway.search_read("sale.order.line", [("order_id", "=", so)], ["qty_delivered"])
    assert [line["qty_delivered"] for line in lines] == [3.0]
    backorders = odoo_gateway.search_count("stock.picking", [("sale_id", "=", so), ("state", "!=", "done")])
    assert backorders == 0


def test_an_order_with_nothing_delivered_has_nothing_to_invoice_on_delivery_policy(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    so = _confirmed_order(odoo_gateway, partner, company, policy="delivery")
    other = _confirmed_order(odoo_gateway, partner, company)
    result = odoo_gateway.create_invoices([so, other])  # Odoo refuses both; the gateway goes one by one
    assert result[so] == [] and len(result[other]) == 1
    odoo_gateway.validate_deliveries(
        odoo_gateway.sale_order_status(so, deliveries=True, invoices=True).open_pickings
    )
    assert len(odoo_gateway.create_invoices([so])[so]) == 1  # delivered: now it has something to invoice


# ---------------------------------------------------------------------------- shipments out (issue 4)

MARKETPLACE = "ATVPDKIKX0DER"


def _amazon_order(
    odoo_gateway: OdooGateway, partner: int, lines: list[tuple[int, str, int]], carrier: int | None = None
) -> tuple[int, str]:
    """A confirmed sale order loaded the way ingest_order loads one (order and line external ids):
    ``lines`` = (product id, Amazon order item id, quantity). Returns (sale order id, Amazon order id)."""
    amazon_id = f"114-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10**7:07d}"
    order_xmlid = order_external_id(MARKETPLACE, amazon_id)
    fields = [
        "id",
        "partner_id/.id",
        "client_order_ref",
        "order_line/id",
        "order_line/product_id/.id",
        "order_line/product_uom_qty",
        "order_line/price_unit",
        "order_line/discount",
    ]
    rows = []
    for index, (product, item, qty) in enumerate(lines):
        head = [order_xmlid, str(partner), amazon_id] if index == 0 else ["", "", ""]
        rows.append(
            [*head, line_external_id(amazon_id, item, LineKind.PRODUCT), str(product), str(qty), "10", "0"]
        )
    [so] = odoo_gateway.load("sale.order", fields, rows)
    odoo_gateway.confirm_orders([so])
    if carrier is not None:
        pickings = odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["id"])
        odoo_gateway.write("stock.picking", [p["id"] for p in pickings], {"carrier_id": carrier})
    return so, amazon_id


def _carrier(odoo_gateway: OdooGateway, company: tuple[int, str], name: str) -> int:
    """A delivery method (Odoo 17 needs its delivery product)."""
    product = odoo_gateway.ensure_service_products(company[0], unique("dlv"), {"delivery": f"{name} fee"})
    return odoo_gateway.create(
        "delivery.carrier", [{"name": name, "product_id": product["delivery"], "delivery_type": "fixed"}]
    )[0]


def _ship(
    odoo_gateway: OdooGateway, picking: int, quantities: dict[int, float], tracking: str, *, pack: bool
) -> None:
    """Ship ``quantities`` (product id -> quantity) of a picking, each product in its own new package when
    ``pack``, then validate with a backorder for the rest (ODOO.md §5)."""
    moves = odoo_gateway.search_read("stock.move", [("picking_id", "=", picking)], ["product_id"])
    for move in moves:
        qty = quantities.get(int(move["product_id"][0]), 0.0)
        odoo_gateway.write("stock.move", [move["id"]], {"quantity": qty, "picked": True})
        if pack and qty:
            [package] = odoo_gateway.create("stock.quant.package", [{"name": unique("PK-")}])
            lines = odoo_gateway.search_read("stock.move.line", [("move_id", "=", move["id"])], ["id"])
            odoo_gateway.write("stock.move.line", [ml["id"] for ml in lines], {"result_package_id": package})
    odoo_gateway.write("stock.picking", [picking], {"carrier_tracking_ref": tracking})
    odoo_gateway.call(
        "stock.picking", "button_validate", [picking], context={"skip_sms": True, "skip_backorder": True}
    )


def test_done_deliveries_in_two_calls_with_packages_and_backorders(
    odoo_target: OdooTarget, odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    """ODOO.md §5: one web_search_read (moves, move lines, packages, carrier, sale order nested) + one
    ir.model.data read for the Amazon ids, whatever the number of deliveries; then the pure plan."""
    skus = [unique("SHP-"), unique("SHP-")]
    products = odoo_gateway.create_products(company[0], {sku: sku for sku in skus})
    mug, coaster = products[skus[0]], products[skus[1]]
    carrier = _carrier(odoo_gateway, company, f"UPS Ground {unique()}")
    so, amazon_id = _amazon_order(
        odoo_gateway, partner, [(mug, "52371928364510", 3), (coaster, "52371928364528", 2)], carrier
    )
    [first] = [p["id"] for p in odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["id"])]
    _ship(odoo_gateway, first, {mug: 2, coaster: 2}, "1ZA0001, 1ZA0002", pack=True)

    odoo_gateway.done_deliveries(company[1], datetime.now(UTC) + timedelta(days=1))  # warm the company cache
    calls = odoo_gateway.calls
    [delivery] = odoo_gateway.done_deliveries(company[1], datetime.now(UTC) + timedelta(days=1), [first])
    assert odoo_gateway.calls - calls == 2
    assert delivery.amazon_order() == (amazon_id, MARKETPLACE)
    assert delivery.carrier is not None and delivery.carrier.name.startswith("UPS Ground")
    assert delivery.tracking_ref == "1ZA0001, 1ZA0002" and delivery.sale_order_id == so
    assert delivery.date_done is not None and delivery.date_done.tzinfo is not None
    assert {m.product_id: m.quantity for m in delivery.moves if m.state == "done"} == {mug: 2.0, coaster: 2.0}
    assert all(m.sale_line and m.sale_line.external_id for m in delivery.moves)
    assert sorted(ml.package_name for ml in delivery.move_lines if ml.quantity) == sorted(
        {ml.package_name for ml in delivery.move_lines if ml.quantity}
    )
    plan = plan_shipment(delivery)
    assert plan.ok, plan.problems
    got = [(p.tracking_number, [(i.order_item_id, i.quantity) for i in p.items]) for p in plan.packages]
    assert sorted(got) == [
        ("1ZA0001", [("52371928364510", 2)]),
        ("1ZA0002", [("52371928364528", 2)]),
    ] or sorted(got) == [("1ZA0001", [("52371928364528", 2)]), ("1ZA0002", [("52371928364510", 2)])]
    assert {p.carrier_code for p in plan.packages} == {"UPS"}

    # the backorder, shipped later without packages: found by id, or by its done date
    [backorder] = [
        p["id"]
        for p in odoo_gateway.search_read(
            "stock.picking", [("sale_id", "=", so), ("state", "!=", "done")], ["id"]
        )
    ]
    _ship(odoo_gateway, backorder, {mug: 1}, "1ZA0003", pack=False)
    [later] = odoo_gateway.done_deliveries(company[1], datetime.now(UTC) + timedelta(days=1), [backorder])
    assert later.date_done is not None
    since = odoo_gateway.done_deliveries(company[1], later.date_done - timedelta(seconds=1))
    assert backorder in {d.id for d in since}
    [package] = plan_shipment(later).packages
    assert [(i.order_item_id, i.quantity) for i in package.items] == [("52371928364510", 1)]
    assert package.tracking_number == "1ZA0003" and package.reference == str(backorder * 100 + 1)


def test_deliveries_of_orders_not_from_amazon_have_no_amazon_ids(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    sku = unique("OTH-")
    product = odoo_gateway.create_products(company[0], {sku: sku})[sku]
    [so] = odoo_gateway.create(
        "sale.order",
        [
            {
                "partner_id": partner,
                "client_order_ref": "PO-" + sku,
                "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1, "price_unit": 5})],
            }
        ],
    )
    odoo_gateway.confirm_orders([so])
    [picking] = [p["id"] for p in odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["id"])]
    _ship(odoo_gateway, picking, {product: 1}, "", pack=False)
    [delivery] = odoo_gateway.done_deliveries(company[1], datetime.now(UTC) + timedelta(days=1), [picking])
    assert delivery.client_order_ref == "PO-" + sku
    assert delivery.order_external_id is None and delivery.amazon_order() is None
    assert [m.sale_line.external_id for m in delivery.moves if m.sale_line] == [None]


def test_notes_on_many_deliveries_in_one_call(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    sku = unique("NTE-")
    product = odoo_gateway.create_products(company[0], {sku: sku})[sku]
    pickings = []
    for _ in range(2):
        so, _amazon = _amazon_order(odoo_gateway, partner, [(product, "11110000000001", 1)])
        pickings += [
            p["id"] for p in odoo_gateway.search_read("stock.picking", [("sale_id", "=", so)], ["id"])
        ]
    odoo_gateway.post_notes([("stock.picking", pickings[0], "warm up")])
    calls = odoo_gateway.calls
    ids = odoo_gateway.post_notes(
        [
            ("stock.picking", pickings[0], "Confirmed <at> Amazon\nline two"),
            ("stock.picking", pickings[1], "Refused"),
        ]
    )
    assert odoo_gateway.calls - calls == 1 and len(ids) == 2
    rows = odoo_gateway.read("mail.message", ids, ["body", "model", "res_id", "message_type"])
    bodies = {row["res_id"]: row["body"] for row in rows}
    assert bodies[pickings[0]] == "<p>Confirmed &lt;at&gt; Amazon</p><p>line two</p>"
    assert bodies[pickings[1]] == "<p>Refused</p>"
    assert {row["model"] for row in rows} == {"stock.picking"}
    assert odoo_gateway.post_notes([]) == []


def test_odoo_16_has_no_nested_reads_and_gets_the_same_deliveries_from_plain_reads() -> None:
    """Odoo 16's web_search_read takes no specification: ``done_deliveries`` reads the same data with
    search_read/read there (5 reads + the external ids)."""
    double = OdooDouble(db="amazon", users={"admin": "admin"}, version="16.0").start()
    try:
        gateway = OdooGateway(make_transport(OdooProtocol.XMLRPC, double.url, "amazon", "admin", "admin"))
        company = gateway.search_read("res.company", [], ["name"], limit=1)[0]
        products = gateway.create_products(int(company["id"]), {"SKU-A": "A", "SKU-B": "B"})
        [partner] = gateway.create("res.partner", [{"name": "Buyer"}])
        [carrier] = gateway.create("delivery.carrier", [{"name": "DHL Express"}])
        so, amazon_id = _amazon_order(
            gateway, partner, [(products["SKU-A"], "11", 2), (products["SKU-B"], "22", 1)], carrier
        )
        [picking] = [p["id"] for p in gateway.search_read("stock.picking", [("sale_id", "=", so)], ["id"])]
        _ship(gateway, picking, {products["SKU-A"]: 2, products["SKU-B"]: 1}, "JD1,JD2", pack=True)
        gateway.done_deliveries(str(company["name"]), datetime.now(UTC) + timedelta(days=1))
        calls = gateway.calls
        [delivery] = gateway.done_deliveries(
            str(company["name"]), datetime.now(UTC) + timedelta(days=1), [picking]
        )
        assert gateway.calls - calls == 6 and double.db.calls[("stock.picking", "web_search_read")] == 0
        assert delivery.amazon_order() == (amazon_id, MARKETPLACE) and delivery.sale_order_id == so
        assert delivery.carrier is not None and delivery.carrier.name == "DHL Express"
        plan = plan_shipment(delivery)
        assert plan.ok and {p.carrier_code for p in plan.packages} == {"DHL Express"}
        assert sorted((p.tracking_number, p.items[0].order_item_id) for p in plan.packages) in (
            [("JD1", "11"), ("JD2", "22")],
            [("JD1", "22"), ("JD2", "11")],
        )
    finally:
        double.stop()


# ----------------------------------------------------------------------------- listings out (issue 5)


def _storable(odoo_gateway: OdooGateway, company: tuple[int, str], **vals: object) -> int:
    kind = {
        k: (v == "1" if k == "is_storable" else v)
        for k, v in odoo_gateway.dialect.product_type_vals("storable").items()
    }
    return odoo_gateway.create(
        "product.product", [{"name": unique("Listing "), "company_id": company[0], **kind, **vals}]
    )[0]


def _set_stock(odoo_gateway: OdooGateway, products: dict[int, float]) -> None:
    """ODOO.md §1 option B: counted quantities applied at once, one call."""
    location = odoo_gateway.search_read("stock.warehouse", [("code", "=", "WH")], ["lot_stock_id"], limit=1)
    stock = int(location[0]["lot_stock_id"][0])
    odoo_gateway.create(
        "stock.quant",
        [
            {"product_id": p, "location_id": stock, "inventory_quantity_auto_apply": q}
            for p, q in products.items()
        ],
        context={"inventory_mode": True},
    )


def test_stock_by_reference_reads_on_hand_and_forecast_in_one_call_per_thousand(
    odoo_gateway: OdooGateway, company: tuple[int, str], partner: int
) -> None:
    from amazon_odoo.mapping.listings import OdooStock

    refs = {name: unique(f"STK-{name}-") for name in ("a", "b", "half", "consu", "gone")}
    a = _storable(odoo_gateway, company, default_code=refs["a"])
    b = _storable(odoo_gateway, company, default_code=refs["b"])
    half = _storable(odoo_gateway, company, default_code=refs["half"])
    kind = "consu"
    type_field = "type" if odoo_gateway.dialect.major >= 18 else "detailed_type"
    odoo_gateway.create(
        "product.product",
        [
            {
                "name": unique("Consumable "),
                "default_code": refs["consu"],
                type_field: kind,
                "company_id": company[0],
            }
        ],
    )
    gone = _storable(odoo_gateway, company, default_code=refs["gone"])
    _set_stock(odoo_gateway, {a: 10, b: 4, half: 2.5, gone: 3})
    odoo_gateway.write("product.product", [gone], {"active": False})
    [so] = odoo_gateway.create(
        "sale.order",
        [
            {
                "partner_id": partner,
                "order_line": [(0, 0, {"product_id": a, "product_uom_qty": 3, "price_unit": 9.0})],
            }
        ],
    )
    odoo_gateway.confirm_orders([so])  # 3 of a go out: forecast 7, on hand still 10

    missing = [unique("NOPE-") for _ in range(1200)]
    wanted = [*refs.values(), *missing]
    odoo_gateway.stock_by_reference(company[1], wanted[:1], warehouse="WH")  # look-ups cached
    before = odoo_gateway.calls
    found = odoo_gateway.stock_by_reference(company[1], wanted, warehouse="WH")
    assert odoo_gateway.calls - before == 2  # one read, one more for the 1,201 that no active product has
    default = odoo_gateway.stock_by_reference(company[1], list(refs.values()), warehouse=None)

    def one(rows: dict[str, list[OdooStock]], name: str) -> OdooStock:
        [row] = rows[refs[name]]
        return row

    assert (one(found, "a").on_hand, one(found, "a").forecast) == (Decimal("10.0"), Decimal("7.0"))
    assert one(default, "a") == one(found, "a")  # WH is the company's first warehouse
    assert odoo_gateway.warehouse_id(company[1], None) == odoo_gateway.warehouse_id(company[1], "WH")
    assert one(found, "b").on_hand == Decimal("4.0") and one(found, "b").storable
    assert one(found, "half").on_hand == Decimal("2.5")
    assert not one(found, "consu").storable
    assert not one(found, "gone").active  # archived: found, so the caller can say so
    assert not set(missing) & set(found)


def test_stock_by_reference_names_a_warehouse_that_does_not_exist(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.stock_by_reference(company[1], ["X"], warehouse="NOWH9")
    assert "warehouse NOWH9" in caught.value.message and "marketplaces[].warehouse" in caught.value.resolution


def test_product_references_are_the_saleable_products_internal_references(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    ref = unique("REF-")
    _storable(odoo_gateway, company, default_code=ref)
    _storable(odoo_gateway, company, default_code=unique("NOSALE-"), sale_ok=False)
    found = odoo_gateway.product_references(company[1])
    assert ref in found and not any(r.startswith("NOSALE-") for r in found)


def _currency(odoo_gateway: OdooGateway, code: str, rate: float) -> int:
    """An extra currency with a company rate (activated when the database has it, else created)."""
    rows = odoo_gateway.search_read(
        "res.currency", [("name", "=", code)], ["id"], context={"active_test": False}
    )
    currency = (
        int(rows[0]["id"])
        if rows
        else odoo_gateway.create("res.currency", [{"name": code, "symbol": code}])[0]
    )
    odoo_gateway.write("res.currency", [currency], {"active": True})
    existing = odoo_gateway.search_read(
        "res.currency.rate", [("currency_id", "=", currency), ("name", "=", "2020-01-01")], ["id"]
    )
    if existing:
        odoo_gateway.write("res.currency.rate", [int(existing[0]["id"])], {"rate": rate})
    else:
        odoo_gateway.create(
            "res.currency.rate", [{"currency_id": currency, "name": "2020-01-01", "rate": rate}]
        )
    return currency


def test_pricelist_prices_are_the_prices_odoo_computes(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    """Fixed, discount and formula rules, on a variant, a category and all products; a quantity break and a
    rule not yet valid that must not apply; a pricelist based on another one, and one in another currency:
    every price equals Odoo's own ``get_contextual_price``."""
    usd = int(odoo_gateway.search_read("res.currency", [("name", "=", "USD")], ["id"])[0]["id"])
    sek = _currency(odoo_gateway, "SEK", 10.5)
    parent = odoo_gateway.create("product.category", [{"name": unique("Mugs ")}])[0]
    category = odoo_gateway.create("product.category", [{"name": unique("Blue "), "parent_id": parent}])[0]
    refs = {name: unique(f"PRC-{name}-") for name in ("fixed", "cat", "formula", "cheap")}
    fixed = _storable(odoo_gateway, company, default_code=refs["fixed"], list_price=11.0)
    _storable(odoo_gateway, company, default_code=refs["cat"], list_price=20.0, categ_id=category)
    _storable(odoo_gateway, company, default_code=refs["formula"], list_price=12.5, standard_price=4.0)
    _storable(odoo_gateway, company, default_code=refs["cheap"], list_price=0.0)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    name = unique("Amazon test ")
    [main] = odoo_gateway.create(
        "product.pricelist",
        [
            {
                "name": name,
                "currency_id": usd,
                "item_ids": [
                    (0, 0, {"applied_on": "0_product_variant", "product_id": fixed, "fixed_price": 7.77}),
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": fixed,
                            "fixed_price": 1.0,
                            "min_quantity": 5,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "applied_on": "2_product_category",
                            "categ_id": parent,
                            "compute_price": "percentage",
                            "percent_price": 10,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "applied_on": "3_global",
                            "compute_price": "formula",
                            "price_discount": 20,
                            "price_round": 1.0,
                            "price_surcharge": -0.01,
                            "price_min_margin": -3.0,
                            "price_max_margin": -2.0,
                        },
                    ),
                    (0, 0, {"applied_on": "3_global", "fixed_price": 2.0, "date_start": tomorrow}),
                ],
            }
        ],
    )
    based = unique("Amazon based ")
    odoo_gateway.create(
        "product.pricelist",
        [
            {
                "name": based,
                "currency_id": usd,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "compute_price": "formula",
                            "base": "pricelist",
                            "base_pricelist_id": main,
                            "price_discount": -5,
                        },
                    )
                ],
            }
        ],
    )
    foreign = unique("Amazon SEK ")
    odoo_gateway.create(
        "product.pricelist",
        [
            {
                "name": foreign,
                "currency_id": sek,
                "item_ids": [(0, 0, {"compute_price": "percentage", "percent_price": 15})],
            }
        ],
    )
    products = odoo_gateway.search_read(
        "product.product", [("default_code", "in", list(refs.values()))], ["default_code"]
    )
    ids = {str(p["default_code"]): int(p["id"]) for p in products}

    expected = {"fixed": 7.77, "cat": 18.0, "formula": 9.99, "cheap": -2.0}  # the max margin binds
    odoo_gateway.pricelist_prices(company[1], [name, based, foreign], [])  # company, ids, currencies cached
    before = odoo_gateway.calls
    found = odoo_gateway.pricelist_prices(company[1], [name, based, foreign], list(refs.values()))
    # the pricelists and their rules (the one they are based on is among them), products, categories, a rate
    assert odoo_gateway.calls - before == 5
    for pricelist in (name, based, foreign):
        prices = found[pricelist]
        [pricelist_id] = odoo_gateway.search_read("product.pricelist", [("name", "=", pricelist)], ["id"])
        for key, ref in refs.items():
            [row] = prices.products[ref]
            odoo_price = odoo_gateway.call(
                "product.product",
                "get_contextual_price",
                [ids[ref]],
                context={"pricelist": pricelist_id["id"]},
            )
            assert row.price == pytest.approx(float(odoo_price), abs=1e-9), (pricelist, key)
            if pricelist == name:
                assert row.price == pytest.approx(expected[key], abs=1e-9), key
    assert (found[name].currency, found[name].digits, found[foreign].currency) == ("USD", 2, "SEK")
    assert found[based].products[refs["formula"]][0].price == pytest.approx(9.99 * 1.05, abs=1e-9)
    assert found[foreign].products[refs["cat"]][0].price == pytest.approx(20.0 * 10.5 * 0.85, rel=1e-9)
    alone = odoo_gateway.pricelist_prices(company[1], [name], list(refs.values()))
    assert alone[name].products == found[name].products


def test_pricelist_prices_name_a_pricelist_that_does_not_exist(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    missing = unique("No such pricelist ")
    with pytest.raises(PermanentError) as caught:
        odoo_gateway.pricelist_prices(company[1], [missing], ["X"])
    assert caught.value.record == f"pricelist {missing}" and "sellers file" in caught.value.resolution


# ------------------------------------------------------------------------------- settlements (issue 6)


def _accountant(odoo_gateway: OdooGateway) -> OdooGateway:
    """The API user with "Show Full Accounting Features" (ODOO.md §0): bank statements need it."""
    gid = odoo_gateway.xmlid_map(["group_account_user"], module="account")["group_account_user"]
    field = "group_ids" if odoo_gateway.server_version()[0] >= 19 else "groups_id"
    odoo_gateway.write("res.users", [odoo_gateway.uid], {field: [(4, gid)]})
    return odoo_gateway


def _invoice(
    odoo_gateway: OdooGateway, partner: int, order_id: str, amount: float, refund_of: int | None = None
) -> int:
    vals: dict[str, object] = {
        "move_type": "out_refund" if refund_of else "out_invoice",
        "partner_id": partner,
        "invoice_date": "2026-11-03",
        "invoice_line_ids": [
            (0, 0, {"name": "Mug", "quantity": 1, "price_unit": amount, "tax_ids": [(6, 0, [])]})
        ],
    }
    if refund_of:
        vals.update({"reversed_entry_id": refund_of, "ref": f"Reversal of: {refund_of}, Amazon refund"})
    else:
        vals.update({"ref": order_id, "payment_reference": order_id})
    [move] = odoo_gateway.create("account.move", [vals])
    odoo_gateway.post_invoices([move])
    return move


def _journal(odoo_gateway: OdooGateway, company: tuple[int, str]) -> SettlementJournal:
    return odoo_gateway.settlement_journal(company[0], unique("S")[:6], unique("Amazon settlements "), "USD")


def _st_line(
    journal: SettlementJournal, label: str, ref: str, parts: list[tuple[int, float, dict[str, object]]]
) -> dict[str, object]:
    amount = -sum(value for _, value, _ in parts)
    items = [(0, 0, {"account_id": journal.default_account_id, "name": label,
                     "debit": max(amount, 0.0), "credit": max(-amount, 0.0)})]  # fmt: skip
    for account, value, extra in parts:
        items.append(
            (
                0,
                0,
                {
                    "account_id": account,
                    "name": label,
                    "debit": max(value, 0.0),
                    "credit": max(-value, 0.0),
                    **extra,
                },
            )
        )
    return {"date": "2026-11-05", "payment_ref": label, "ref": ref, "transaction_type": "Order",
            "amount": round(amount, 2), "line_ids": items}  # fmt: skip


def _state(odoo_gateway: OdooGateway, move: int) -> tuple[str, float]:
    [row] = odoo_gateway.read("account.move", [move], ["payment_state", "amount_residual"])
    return str(row["payment_state"]), float(row["amount_residual"])


def test_the_settlement_journal_is_created_once_and_found_by_its_stored_code(
    odoo_gateway: OdooGateway, odoo_target: OdooTarget, company: tuple[int, str]
) -> None:
    _accountant(odoo_gateway)
    code = unique("Z")[:4] + "com"  # 6 characters, like AMZcom: Odoo 17 keeps 5
    journal = odoo_gateway.settlement_journal(company[0], code, unique("Amazon.com settlements "), "USD")
    assert journal.code == code[:5] and journal.currency == "USD" and not journal.foreign
    assert journal.default_account_id and journal.suspense_account_id
    [row] = odoo_gateway.read("account.journal", [journal.id], ["type", "code"])
    assert (row["type"], row["code"]) == ("bank", code[:5])
    calls = odoo_gateway.calls
    assert odoo_gateway.settlement_journal(company[0], code, "another name", "USD") is journal  # cached
    assert odoo_gateway.calls == calls
    fresh = odoo_target.gateway()  # another process: found, not created again
    assert fresh.settlement_journal(company[0], code, "another name", "USD").id == journal.id


def test_accounts_by_code(odoo_gateway: OdooGateway, company: tuple[int, str]) -> None:
    found = odoo_gateway.account_ids(company[0], ["121000", "600000", "999999x"])
    assert set(found) == {"121000", "600000"}
    calls = odoo_gateway.calls
    assert odoo_gateway.account_ids(company[0], ["600000"]) == {"600000": found["600000"]}
    assert odoo_gateway.calls == calls  # cached


def test_statement_lines_reconcile_invoices_when_posted_and_open_lines_later(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    """ODOO.md §9 approach D with import matching numbers: the invoice's receivable is marked, the line's
    explicit items post, Odoo reconciles them; what has no invoice waits on suspense, matched later."""
    odoo = _accountant(odoo_gateway)
    journal = _journal(odoo, company)
    fees = odoo.account_ids(company[0], ["600000"])["600000"]
    sold, late = unique("114-"), unique("115-")
    invoice = _invoice(odoo, partner, sold, 33.45)
    items = odoo.open_items(company[0], [sold, late], journal)
    [item] = items[sold]
    assert (item.kind, item.residual, item.partner_id, item.order_id) == (
        "invoice",
        Decimal("33.45"),
        partner,
        sold,
    )
    assert late not in items
    marker = f"IAMZ-t-{sold}"
    lines = [
        _st_line(journal, f"Order {sold}", sold, [(item.account_id, -33.45, {"partner_id": partner,
                                                                            "matching_number": marker}),
                                                   (fees, 4.65, {})]),
        _st_line(journal, f"Order {late}", late, [(journal.suspense_account_id, -12.0,
                                                   {"name": f"Order {late} - waiting for its invoice"})]),
    ]  # fmt: skip
    reference = unique("S")
    calls = odoo.calls
    statement_id = odoo.write_statement_lines(journal, None, {"name": reference, "reference": reference},
                                              lines, {item.id: marker})  # fmt: skip
    assert odoo.calls - calls == 2  # the marks, the statement with its lines
    assert _state(odoo, invoice) == ("paid", 0.0)
    assert odoo.open_items(company[0], [sold], journal) == {}
    found = odoo.find_statement(journal.id, reference)
    assert found is not None and found.id == statement_id
    assert found.labels == {f"Order {sold}", f"Order {late}"} and (found.line_count, found.open_lines) == (
        2,
        1,
    )
    assert odoo.find_statement(journal.id, unique("S")) is None

    calls = odoo.calls
    odoo.write_statement_lines(journal, statement_id, {}, [_st_line(journal, "Subscription Fee", reference,
                                                                    [(fees, 39.99, {})])], {})  # fmt: skip
    assert odoo.calls - calls == 1  # a further batch: no marks, one create
    closed = odoo.close_statement(statement_id, Decimal("28.80") + Decimal("12.00") - Decimal("39.99"))
    assert closed.balance_end_real == closed.balance_start + Decimal("0.81") == closed.balance_end
    [row] = odoo.read("account.bank.statement", [statement_id], ["is_complete", "name", "reference"])
    assert (row["is_complete"], row["name"], row["reference"]) == (True, reference, reference)

    [waiting] = odoo.open_statement_lines(statement_id, journal)
    assert (waiting.order_id, waiting.transaction_type, waiting.amount) == (late, "Order", Decimal("-12.00"))
    assert waiting.item_name.endswith("waiting for its invoice") and waiting.label == f"Order {late}"
    late_invoice = _invoice(odoo, partner, late, 12.0)
    [late_item] = odoo.open_items(company[0], [late], journal)[late]
    odoo.match_open_lines(
        [LineMatch(waiting.item_id, late_item.account_id, partner, (late_item.id,), late, waiting.label)]
    )
    assert _state(odoo, late_invoice) == ("paid", 0.0)
    assert odoo.open_statement_lines(statement_id, journal) == []
    after = odoo.find_statement(journal.id, reference)
    assert after is not None and after.open_lines == 0 and f"Order {late}" in after.labels


def test_open_items_are_payments_of_paid_invoices_and_credit_notes_of_reversed_ones(
    odoo_gateway: OdooGateway, partner: int, company: tuple[int, str]
) -> None:
    """A paid invoice is open as its payment's outstanding receipt (memo = the Amazon order id); a credit
    note reversing it is open under the invoice's reference. Reversing an unpaid invoice reconciles the
    two at once (Odoo 17): what is left open is the invoice's rest."""
    odoo = _accountant(odoo_gateway)
    journal = _journal(odoo, company)
    paid, unpaid = unique("114-"), unique("114-")
    invoice = _invoice(odoo, partner, paid, 20.0)
    bank = odoo.journal_id(company[0], "Bank", ["bank", "cash"])
    odoo.register_payment([invoice], bank, date(2026, 11, 3), paid)  # the memo is the Amazon order id
    credit_note = _invoice(odoo, partner, paid, 5.0, refund_of=invoice)
    other = _invoice(odoo, partner, unpaid, 30.0)
    _invoice(odoo, partner, unpaid, 10.0, refund_of=other)
    items = odoo.open_items(company[0], [paid, unpaid], journal)
    by_kind = {i.kind: i for i in items[paid]}
    assert set(by_kind) == {"payment", "credit_note"}
    assert by_kind["payment"].residual == Decimal("20.00")
    assert (
        by_kind["credit_note"].residual == Decimal("-5.00") and by_kind["credit_note"].move_id == credit_note
    )
    [rest] = items[unpaid]
    assert (rest.kind, rest.residual, rest.move_id) == ("invoice", Decimal("20.00"), other)
    assert _state(odoo, other) == ("partial", 20.0)
    marker = f"IAMZ-p-{paid}"
    payment = by_kind["payment"]
    odoo.write_statement_lines(
        journal,
        None,
        {"name": unique("S"), "reference": unique("S")},
        [
            _st_line(
                journal, f"Order {paid}", paid, [(payment.account_id, -20.0, {"matching_number": marker})]
            )
        ],
        {payment.id: marker},
    )
    assert [i.kind for i in odoo.open_items(company[0], [paid], journal)[paid]] == ["credit_note"]


def test_an_unbalanced_line_is_refused_and_nothing_is_written(
    odoo_gateway: OdooGateway, company: tuple[int, str]
) -> None:
    odoo = _accountant(odoo_gateway)
    journal = _journal(odoo, company)
    fees = odoo.account_ids(company[0], ["600000"])["600000"]
    line = _st_line(journal, "Broken", "x", [(fees, 5.0, {})])
    line["line_ids"] = [
        *line["line_ids"],
        (0, 0, {"account_id": fees, "name": "extra", "debit": 1.0, "credit": 0.0}),
    ]  # type: ignore[list-item]
    reference = unique("S")
    with pytest.raises(PermanentError):
        odoo.write_statement_lines(journal, None, {"name": reference, "reference": reference}, [line], {})
    assert odoo.find_statement(journal.id, reference) is None
