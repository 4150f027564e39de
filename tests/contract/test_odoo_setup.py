"""Contract: what onboarding and the doctor ask of Odoo (``adapters.odoo.setup.OdooSetup``), against the Odoo
double (XML-RPC, JSON-RPC on 17; JSON-2 on 19) and, with ODOO_URL, the real Odoo 17.

On the real Odoo the test makes its own pricelists, teams, journals and users (unique names) and activates
the MXN currency and the es_MX language when they are inactive (harmless; never deactivated again there)."""

from __future__ import annotations

import uuid

import pytest

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.adapters.odoo.setup import OdooSetup
from amazon_odoo.domain.errors import PermanentError
from tests.contract.conftest_odoo import OdooTarget


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def setup(odoo_gateway: OdooGateway) -> OdooSetup:
    return OdooSetup(odoo_gateway)


@pytest.fixture
def company_id(odoo_gateway: OdooGateway) -> int:
    return int(odoo_gateway.search_read("res.company", [], ["id"], limit=1, order="id")[0]["id"])


def _active(odoo: OdooGateway, model: str, record_id: int) -> bool:
    row = odoo.search_read(model, [("id", "=", record_id)], ["active"], context={"active_test": False})[0]
    return bool(row["active"])


def test_an_inactive_currency_is_activated_once(
    odoo_target: OdooTarget, odoo_gateway: OdooGateway, setup: OdooSetup
) -> None:
    if odoo_target.is_double:  # the double starts with its currencies active, as a fresh Odoo has USD
        [mxn] = odoo_gateway.search_read("res.currency", [("name", "=", "MXN")], ["id"])
        odoo_gateway.write("res.currency", [mxn["id"]], {"active": False})
    first = setup.ensure_currency("MXN")
    assert _active(odoo_gateway, "res.currency", first.id)
    if odoo_target.is_double:
        assert first.created and first.note == "activated"
    again = setup.ensure_currency("MXN")
    assert (again.id, again.created) == (first.id, False)
    with pytest.raises(PermanentError) as caught:
        setup.ensure_currency("XQQ")
    assert caught.value.record == "currency XQQ"


def test_an_inactive_language_is_activated_and_an_unknown_one_is_none(
    odoo_target: OdooTarget, odoo_gateway: OdooGateway, setup: OdooSetup
) -> None:
    lang = setup.ensure_language("es_MX")
    assert lang is not None
    assert _active(odoo_gateway, "res.lang", lang.id)
    again = setup.ensure_language("es_MX")
    assert again is not None and (again.id, again.created) == (lang.id, False)
    assert setup.ensure_language("xx_XX") is None


def test_pricelist_and_team_are_created_once(
    setup: OdooSetup, company_id: int, odoo_gateway: OdooGateway
) -> None:
    usd = setup.ensure_currency("USD")
    name = unique("Amazon.test (USD) ")
    first = setup.ensure_pricelist(company_id, name, usd.id, "USD")
    assert first.created
    again = setup.ensure_pricelist(company_id, name, usd.id, "USD")
    assert (again.id, again.created) == (first.id, False)
    row = odoo_gateway.read("product.pricelist", [first.id], ["currency_id", "company_id"])[0]
    assert row["currency_id"][0] == usd.id and row["company_id"][0] == company_id
    cad = setup.ensure_currency("CAD")
    with pytest.raises(PermanentError) as caught:
        setup.ensure_pricelist(company_id, name, cad.id, "CAD")
    assert caught.value.record == f"pricelist {name}"
    team_name = unique("Amazon T")
    team = setup.ensure_sales_team(company_id, team_name)
    assert team.created
    assert setup.ensure_sales_team(company_id, team_name) == team.__class__("crm.team", team.id, team_name)


def test_an_archived_team_is_unarchived_not_duplicated(
    setup: OdooSetup, company_id: int, odoo_gateway: OdooGateway
) -> None:
    name = unique("Amazon A")
    team = setup.ensure_sales_team(company_id, name)
    odoo_gateway.write("crm.team", [team.id], {"active": False})
    again = setup.ensure_sales_team(company_id, name)
    assert (again.id, again.created, again.note) == (team.id, True, "unarchived")
    assert _active(odoo_gateway, "crm.team", team.id)


def test_the_settlement_journal_is_created_once_with_its_code_cut_to_five(
    setup: OdooSetup, company_id: int, odoo_gateway: OdooGateway
) -> None:
    code = "Q" + uuid.uuid4().hex[:3] + "com"  # short code + suffix: Odoo 17 keeps 5 characters
    name = unique("Amazon.com settlements ")
    first = setup.ensure_bank_journal(company_id, code, name, "USD")
    assert first.created
    row = odoo_gateway.read("account.journal", [first.id], ["code", "type", "name"])[0]
    assert row["type"] == "bank" and code.startswith(row["code"]) and row["name"] == name
    fresh = OdooSetup(odoo_gateway.__class__(odoo_gateway.transport))  # no cache: found in Odoo
    again = fresh.ensure_bank_journal(company_id, code, name, "USD")
    assert (again.id, again.created) == (first.id, False)


def test_the_default_warehouse_has_a_code(setup: OdooSetup, company_id: int) -> None:
    warehouse = setup.default_warehouse(company_id)
    assert warehouse.model == "stock.warehouse" and warehouse.name


def test_access_rights_per_model_and_operation(odoo_target: OdooTarget, odoo_gateway: OdooGateway) -> None:
    checks = [("sale.order", "create"), ("res.partner", "read"), ("account.bank.statement.line", "create")]
    admin = OdooSetup(odoo_gateway).access_rights(checks)
    assert admin[("sale.order", "create")] and admin[("res.partner", "read")]
    login = unique("clerk")
    odoo_gateway.create("res.users", [{"name": login, "login": login, "password": login + "-pw"}])
    clerk = OdooSetup(
        odoo_target.gateway(username=login, password=odoo_target.secret_for(login, login + "-pw"))
    )
    rights = clerk.access_rights(checks)
    assert rights[("res.partner", "read")] is True
    assert rights[("account.bank.statement.line", "create")] is False  # needs account.group_account_user
