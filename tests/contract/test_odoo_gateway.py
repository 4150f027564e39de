"""The Odoo gateway contract: the same tests against the Odoo double over XML-RPC, JSON-RPC and JSON-2, and
against a real Odoo when ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD are set (XML-RPC and JSON-RPC).

Names are unique per run (uuid), so the suite can run again and again on the same real database.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from amazon_odoo.adapters.odoo import AMAZON_MODULE, OdooGateway, xmlid_name
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.ports import OrderRefsQuery
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
