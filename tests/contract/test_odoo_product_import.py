"""Odoo contract (issue 7, products CSV): an import finds the internal references in one read and creates the
missing storable products once (``load`` with external ids), against the Odoo double on every transport
and, with ODOO_URL set, a real Odoo. (What the upload file reads of products: test_odoo_products.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.services.product_import import import_products
from tests.fakes import InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
US = "ATVPDKIKX0DER"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture
def company(odoo_gateway: OdooGateway) -> tuple[int, str]:
    row = odoo_gateway.search_read("res.company", [], ["name"], limit=1, order="id")[0]
    return int(row["id"]), str(row["name"])


@pytest.fixture
def seller(company: tuple[int, str]) -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["sellers"][0]["odoo"]["company"] = company[1]
    return parse_sellers_file(raw).sellers[0]


def test_a_csv_import_creates_the_missing_products_once(
    odoo_gateway: OdooGateway, company: tuple[int, str], seller: SellerConfig
) -> None:
    there, new, old = unique("HAVE-"), unique("NEW-"), unique("OLD-")
    [kept, archived] = odoo_gateway.create(
        "product.product",
        [{"name": "Already there", "default_code": there}, {"name": "Archived", "default_code": old}],
    )
    odoo_gateway.write("product.product", [archived], {"active": False})
    text = (
        "Internal Reference,Seller SKU,ASIN,Product Title,Fulfillment By,Marketplace\n"
        f'{new},{new},,"Stoneware Mug 12 oz, Blue",FBM,Amazon.com\n'
        f"{new},{new}-B,B0CXM4K2Q1,Mug (second SKU),FBM,{US}\n"
        f"{there},{there},,Ignored title,FBM,Amazon.com\n"
    )
    state = InMemoryStateStore()
    odoo_gateway.products_by_reference(company[1], ["WARM-UP"])  # the company's settings are read once
    before = odoo_gateway.calls
    dry = import_products(state, odoo_gateway, seller, text, now=NOW, dry_run=True)
    assert (dry.problems, set(dry.created), dry.existing) == ((), {new}, (there,))
    assert odoo_gateway.calls - before == 1  # one read of the references
    assert odoo_gateway.products_by_reference(company[1], [new]) == {}  # a dry run creates nothing

    done = import_products(state, odoo_gateway, seller, text, now=NOW)
    assert set(done.created) == {new}
    fields = odoo_gateway.dialect.product_type_fields()
    [row] = odoo_gateway.read("product.product", [done.created[new]], ["name", "default_code", *fields])
    assert (row["name"], row["default_code"]) == ("Stoneware Mug 12 oz, Blue", new)
    if odoo_gateway.dialect.major >= 18:
        assert row["is_storable"] is True
    else:
        assert row["detailed_type"] == "product"
    bound = {b.sku: b for b in state.list_bindings(seller.id, US)}
    assert {bound[new].odoo_ref, bound[f"{new}-B"].odoo_ref} == {new} and bound[there].odoo_ref == there
    assert bound[f"{new}-B"].asin == "B0CXM4K2Q1"

    again = import_products(state, odoo_gateway, seller, text, now=NOW)
    assert again.created == {} and set(again.existing) == {new, there}
    found = odoo_gateway.products_by_reference(company[1], [new, there])
    assert [p.id for p in found[new]] == [done.created[new]] and [p.id for p in found[there]] == [kept]

    refused = import_products(
        state, odoo_gateway, seller, text + f"{old},{old},,Old,FBM,Amazon.com\n", now=NOW
    )
    assert refused.problems and "line 5: column 'Internal Reference'" in refused.problems[0]
    assert "is archived" in refused.problems[0] and refused.created == {}
