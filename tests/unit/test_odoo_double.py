"""The Odoo double behaves like Odoo where the connector can tell: wire formats, errors, ORM semantics."""

from __future__ import annotations

import json
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest

from amazon_odoo.local.odoo_double import OdooDouble


@pytest.fixture(scope="module")
def double() -> Iterator[OdooDouble]:
    d = OdooDouble(db="amazon", users={"admin": "admin", "clerk": "clerk"}).start()
    yield d
    d.stop()


class Rpc:
    def __init__(self, double: OdooDouble, login: str = "admin", password: str = "admin") -> None:  # noqa: S107
        self.common = xmlrpc.client.ServerProxy(f"{double.url}/xmlrpc/2/common")
        self.object = xmlrpc.client.ServerProxy(f"{double.url}/xmlrpc/2/object", allow_none=True)
        self.uid = self.common.authenticate("amazon", login, password, {})
        self.password = password

    def __call__(self, model: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return self.object.execute_kw("amazon", self.uid, self.password, model, method, list(args), kwargs)


@pytest.fixture
def x(double: OdooDouble) -> Rpc:
    return Rpc(double)


def test_common_version_and_authenticate(double: OdooDouble, x: Rpc) -> None:
    version = x.common.version()
    assert version["server_version"] == "17.0" and version["server_version_info"][:2] == [17, 0]
    assert x.uid == 2
    assert x.common.authenticate("amazon", "admin", "wrong", {}) is False
    with pytest.raises(xmlrpc.client.Fault) as caught:
        x.object.execute_kw("amazon", 2, "wrong", "res.partner", "search", [[]], {})
    assert caught.value.faultCode == 3


def test_reads_format_values_like_odoo(x: Rpc) -> None:
    us = x("res.country", "search", [("code", "=", "US")])[0]
    pid = x("res.partner", "create", {"name": "Acme", "is_company": True, "country_id": us})
    assert isinstance(pid, int)  # one dict in -> one id out
    [row] = x("res.partner", "read", [pid], fields=["country_id", "email", "child_ids", "is_company"])
    assert row == {
        "id": pid,
        "country_id": [us, "United States"],
        "email": False,
        "child_ids": [],
        "is_company": True,
    }
    assert x("res.partner", "read", [987654], fields=["name"]) == []


def test_domains(x: Rpc) -> None:
    us = x("res.country", "search", [("code", "=", "US")])[0]
    de = x("res.country", "search", [("code", "=", "DE")])[0]
    ids = x(
        "res.partner",
        "create",
        [
            {"name": "Dom Alpha", "country_id": us, "customer_rank": 1},
            {"name": "Dom Beta", "country_id": de, "customer_rank": 5},
            {"name": "Dom Gamma", "customer_rank": 9},
        ],
    )
    a, b, c = ids

    def s(domain: list[Any]) -> list[int]:
        return sorted(set(x("res.partner", "search", [("name", "like", "Dom "), *domain])) & set(ids))

    assert s([("country_id.code", "=", "DE")]) == [b]
    assert s([("country_id", "=", False)]) == [c]
    assert s([("country_id", "!=", False)]) == [a, b]
    assert s([("customer_rank", ">", 1), ("customer_rank", "<", 9)]) == [b]
    assert s(["|", ("name", "=", "Dom Alpha"), ("name", "ilike", "gAmMa")]) == [a, c]
    assert s(["!", ("customer_rank", "in", [1, 9])]) == [b]
    assert s([("id", "not in", [a])]) == [b, c]
    assert x("res.partner", "search_count", [("name", "=like", "Dom %")]) == 3
    assert [
        r["name"]
        for r in x("res.partner", "search_read", [("id", "in", ids)], fields=["name"], order="name desc")
    ] == [
        "Dom Gamma",
        "Dom Beta",
        "Dom Alpha",
    ]
    with pytest.raises(xmlrpc.client.Fault, match="Invalid field"):
        x("res.partner", "search", [("nope", "=", 1)])


def test_child_commands_and_display_names(x: Rpc) -> None:
    pid = x(
        "res.partner", "create", {"name": "Jane", "child_ids": [(0, 0, {"type": "delivery", "name": "Jane"})]}
    )
    [child] = x("res.partner", "search_read", [("parent_id", "=", pid)], fields=["display_name", "type"])
    assert child["display_name"] == "Jane, Jane"  # the pitfall of ODOO.md §1
    x("res.partner", "write", [pid], {"child_ids": [(2, child["id"])]})
    assert x("res.partner", "search_count", [("parent_id", "=", pid)]) == 0


def test_none_results_fault_after_committing(x: Rpc) -> None:
    [product] = x("product.product", "create", [{"name": "Toggle me"}])
    x(
        "ir.model.data",
        "create",
        {"module": "__amazon__", "name": "toggle_me", "model": "product.product", "res_id": product},
    )
    with pytest.raises(xmlrpc.client.Fault, match="cannot marshal None") as caught:
        x("ir.model.data", "toggle_noupdate", model="product.product", res_id=product)
    assert caught.value.faultCode == 1
    assert (
        x("ir.model.data", "search_read", [("name", "=", "toggle_me")], fields=["noupdate"])[0]["noupdate"]
        is True
    )


def test_private_and_unknown_methods(x: Rpc) -> None:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        x("sale.order", "_action_cancel", [1])
    assert (
        caught.value.faultCode == 4 and "Private methods (such as _action_cancel)" in caught.value.faultString
    )
    with pytest.raises(xmlrpc.client.Fault, match="does not exist on the model"):
        x("res.partner", "frobnicate", [1])


def test_message_post_is_keyword_only_and_escapes_text(x: Rpc) -> None:
    pid = x("res.partner", "create", {"name": "Chatter"})
    with pytest.raises(xmlrpc.client.Fault, match="TypeError"):
        x("res.partner", "message_post", [pid], "positional body")
    mid = x(
        "res.partner",
        "message_post",
        [pid],
        body="<b>bold</b>",
        message_type="comment",
        subtype_xmlid="mail.mt_note",
    )
    assert "&lt;b&gt;" in x("mail.message", "read", [mid], fields=["body"])[0]["body"]


def test_sale_order_confirm_and_cancel(x: Rpc) -> None:
    partner = x("res.partner", "create", {"name": "Buyer"})
    [goods] = x("product.product", "create", [{"name": "Mug", "detailed_type": "product", "list_price": 9.5}])
    orders = x(
        "sale.order",
        "create",
        [
            {"partner_id": partner, "order_line": [(0, 0, {"product_id": goods, "product_uom_qty": 2})]}
            for _ in range(2)
        ],
    )
    [order] = x(
        "sale.order", "read", orders[:1], fields=["amount_untaxed", "state", "name", "partner_shipping_id"]
    )
    assert order["amount_untaxed"] == 19.0  # price from the product's list price
    assert order["state"] == "draft" and order["name"].startswith("S")
    assert order["partner_shipping_id"][0] == partner
    assert x("sale.order", "action_confirm", orders) is True
    pickings = x(
        "stock.picking", "search_read", [("sale_id", "in", orders)], fields=["state", "picking_type_code"]
    )
    assert [p["state"] for p in pickings] == ["assigned", "assigned"]
    with pytest.raises(xmlrpc.client.Fault, match="Expected singleton"):
        x("sale.order", "action_cancel", orders)
    wizard = x("sale.order", "action_cancel", orders[:1])
    assert wizard["res_model"] == "sale.order.cancel"
    assert x("sale.order", "read", orders[:1], fields=["state"])[0]["state"] == "sale"  # not cancelled
    assert x("sale.order", "action_cancel", orders, context={"disable_cancel_warning": True}) is True
    assert {
        p["state"] for p in x("stock.picking", "search_read", [("sale_id", "in", orders)], fields=["state"])
    } == {"cancel"}


def test_partial_delivery_with_backorder(x: Rpc) -> None:
    partner = x("res.partner", "create", {"name": "Shipper"})
    [goods] = x("product.product", "create", [{"name": "Plate", "detailed_type": "product"}])
    so = x(
        "sale.order",
        "create",
        {"partner_id": partner, "order_line": [(0, 0, {"product_id": goods, "product_uom_qty": 3})]},
    )
    x("sale.order", "action_confirm", [so])
    [pick] = x("sale.order", "read", [so], fields=["picking_ids"])[0]["picking_ids"]
    [move] = x("stock.move", "search", [("picking_id", "=", pick)])
    x("stock.move", "write", [move], {"quantity": 1})
    assert x("stock.picking", "button_validate", [pick])["res_model"] == "stock.backorder.confirmation"
    assert x("stock.picking", "button_validate", [pick], context={"skip_backorder": True}) is True
    backorders = x("stock.picking", "search_read", [("backorder_id", "=", pick)], fields=["state"])
    assert [b["state"] for b in backorders] == ["assigned"]
    line = x("sale.order", "read", [so], fields=["order_line"])[0]["order_line"][0]
    assert x("sale.order.line", "read", [line], fields=["qty_delivered"])[0]["qty_delivered"] == 1


def test_access_rights_follow_groups(double: OdooDouble) -> None:
    clerk = Rpc(double, "clerk", "clerk")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        clerk("account.bank.statement", "create", {"name": "x"})
    assert caught.value.faultCode == 4
    assert "Technical/Show Full Accounting Features" in caught.value.faultString
    assert clerk("res.users", "has_group", group_ext_id="account.group_account_user") is False
    double.grant("clerk", "account.group_account_user")
    assert clerk("res.users", "has_group", group_ext_id="account.group_account_invoice") is True  # implied
    assert clerk("account.bank.statement", "create", {"name": "x"}) > 0


def test_a_failing_call_writes_nothing(x: Rpc) -> None:
    before = x("res.partner", "search_count", [])
    with pytest.raises(xmlrpc.client.Fault):
        x("res.partner", "create", [{"name": "ok"}, {"name": "bad", "country_id": 999999}])
    assert x("res.partner", "search_count", []) == before


def test_load_reports_errors_and_writes_nothing(x: Rpc) -> None:
    result = x(
        "res.partner",
        "load",
        ["id", "name", "country_id/.id"],
        [["__amazon__.p1", "P1", ""], ["__amazon__.p2", "P2", "999"]],
    )
    assert result["ids"] is False
    assert "No matching record found for database id '999'" in result["messages"][0]["message"]
    assert x("res.partner", "search_count", [("name", "in", ["P1", "P2"])]) == 0


def test_fields_get(x: Rpc) -> None:
    desc = x("sale.order", "fields_get", allfields=["partner_id", "state"], attributes=["type", "relation"])
    assert desc == {
        "partner_id": {"type": "many2one", "relation": "res.partner"},
        "state": {"type": "selection"},
    }


def test_jsonrpc_error_envelope(double: OdooDouble) -> None:
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 7,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": ["amazon", 2, "admin", "res.partner", "_private", [[1]], {}],
        },
    }
    request = urllib.request.Request(
        f"{double.url}/jsonrpc", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.load(response)
    assert answer["id"] == 7
    assert answer["error"]["code"] == 200
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessError"


def test_json2_needs_odoo_19_and_a_bearer_key() -> None:
    with OdooDouble(version="19.0") as d:

        def post(path: str, body: dict[str, Any], key: str) -> tuple[int, Any]:
            request = urllib.request.Request(
                f"{d.url}{path}",
                json.dumps(body).encode(),
                {"Content-Type": "application/json", "Authorization": f"bearer {key}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, json.load(response)
            except urllib.error.HTTPError as exc:
                return exc.code, json.load(exc)

        key = d.api_key("admin")
        assert post("/json/2/res.partner/search_count", {"domain": []}, "bad")[0] == 401
        status, ids = post("/json/2/res.partner/create", {"vals_list": [{"name": "J2"}]}, key)
        assert status == 200 and isinstance(ids, list)
        assert post("/json/2/res.partner/read", {"ids": ids, "fields": ["name"]}, key)[1] == [
            {"id": ids[0], "name": "J2"}
        ]
        assert post("/json/2/res.partner/search_count", {"ids": [1], "domain": []}, key)[0] == 422
        assert post("/json/2/res.partner/_private", {}, key)[0] == 403
        assert (
            post("/json/2/res.users/has_group", {"ids": [2], "group_ext_id": "base.group_user"}, key)[1]
            is True
        )
        fields = post(
            "/json/2/product.product/fields_get", {"allfields": ["is_storable", "detailed_type", "type"]}, key
        )[1]
        assert set(fields) == {"is_storable", "type"}
    with OdooDouble(version="17.0") as d17:
        request = urllib.request.Request(
            f"{d17.url}/json/2/res.partner/search_count", b"{}", {"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 404
