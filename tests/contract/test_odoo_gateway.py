"""The Odoo gateway contract: the same tests against the Odoo double over XML-RPC, JSON-RPC and JSON-2, and
against a real Odoo when ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD are set (XML-RPC and JSON-RPC).

Names are unique per run (uuid), so the suite can run again and again on the same real database.
"""

from __future__ import annotations

import uuid

import pytest

from amazon_odoo.adapters.odoo import AMAZON_MODULE, OdooGateway, xmlid_name
from amazon_odoo.domain.errors import PermanentError
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
