"""Gateway behaviour the contract suite cannot provoke on a real Odoo: version dialects, round-trip budgets,
concurrent loads (injected in the double)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from amazon_odoo.adapters.odoo import OdooDialect, OdooGateway, XmlRpcTransport, make_transport
from amazon_odoo.domain.errors import PermanentError, RetryableError
from amazon_odoo.local.odoo_double import OdooDouble, serialization_failure
from amazon_odoo.ports import OdooGateway as OdooGatewayPort


@pytest.fixture(scope="module")
def double() -> Iterator[OdooDouble]:
    d = OdooDouble().start()
    yield d
    d.stop()


@pytest.fixture
def gateway(double: OdooDouble) -> OdooGateway:
    return OdooGateway(XmlRpcTransport(double.url, "amazon", "admin", "admin", timeout=5))


def test_the_gateway_implements_the_port(gateway: OdooGateway) -> None:
    port: OdooGatewayPort = gateway
    assert port.server_version()[0] == 17


@pytest.mark.parametrize(
    ("major", "service", "storable", "groups_field", "on_records"),
    [
        (17, {"detailed_type": "service"}, {"detailed_type": "product"}, "groups_id", False),
        (18, {"type": "service"}, {"type": "consu", "is_storable": "1"}, "groups_id", True),
        (19, {"type": "service"}, {"type": "consu", "is_storable": "1"}, "all_group_ids", True),
    ],
)
def test_dialects(
    major: int, service: dict[str, str], storable: dict[str, str], groups_field: str, on_records: bool
) -> None:
    dialect = OdooDialect(major)
    assert dialect.product_type_vals("service") == service
    assert dialect.product_type_vals("storable") == storable
    assert dialect.user_groups_field == groups_field
    assert dialect.has_group_on_records is on_records
    with pytest.raises(PermanentError):
        dialect.product_type_vals("combo-meal")


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
def test_service_products_and_groups_on_each_version(version: str) -> None:
    with OdooDouble(version=version) as d:
        protocol = "json2" if version == "19.0" else "xmlrpc"
        secret = d.api_key("admin") if protocol == "json2" else "admin"
        gateway = OdooGateway(make_transport(protocol, d.url, "amazon", "admin", secret, timeout=5))
        ids = gateway.ensure_service_products(1, "AMZ", {"shipping": "Amazon Shipping"})
        fields = gateway.dialect.product_type_fields()
        [row] = gateway.read("product.product", [ids["shipping"]], fields)
        assert row["type"] == "service"
        assert gateway.check_user(["account.group_account_user", "sales_team.group_sale_salesman"]) == [
            "account.group_account_user"
        ]


def test_round_trips(double: OdooDouble, gateway: OdooGateway) -> None:
    gateway.server_version()
    _ = gateway.uid
    double.reset_counts()
    before = gateway.calls
    gateway.ensure_service_products(1, "RTT", {"a": "A", "b": "B", "c": "C"})
    assert gateway.calls - before == 1  # one load for any number of products
    assert double.calls == 1
    gateway.check_user(["base.group_user"])
    assert double.db.calls[("res.users", "has_group")] == 1


def test_a_concurrent_load_is_retryable_and_the_retry_updates(
    double: OdooDouble, gateway: OdooGateway
) -> None:
    fields = ["id", "name"]
    rows = [["__amazon__.partner_concurrent", "Concurrent"]]
    double.inject("res.partner", "load", serialization_failure())
    with pytest.raises(RetryableError) as caught:
        gateway.load("res.partner", fields, rows)
    assert caught.value.code == "odoo.concurrency"
    first = gateway.load("res.partner", fields, rows)
    assert gateway.load("res.partner", fields, rows) == first


def test_an_injected_server_error_is_classified(double: OdooDouble, gateway: OdooGateway) -> None:
    double.inject("res.partner", "search_read", serialization_failure())
    with pytest.raises(RetryableError):
        gateway.search_read("res.partner", [], ["name"])
    assert gateway.search_read("res.partner", [("id", "=", 0)], ["name"]) == []


def test_post_note_needs_a_sender_email(double: OdooDouble) -> None:
    """Odoo refuses message_post when the author has no email (seen on a real 17); the double does too."""
    env = double.env()
    clerk = env["res.users"].create([{"name": "Mailless", "login": "mailless", "password": "pw"}]).ids[0]
    env["res.users"].browse(clerk).write({"groups_id": [(4, env.ref("base.group_user"))]})
    gateway = OdooGateway(XmlRpcTransport(double.url, "amazon", "mailless", "pw", timeout=5))
    partner = gateway.create("res.partner", [{"name": "Noted"}])[0]
    with pytest.raises(PermanentError, match="sender's email"):
        gateway.post_note("res.partner", partner, "hello")
