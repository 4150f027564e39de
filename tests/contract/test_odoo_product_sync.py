"""Sync products (issue 7), the Odoo side: ``products_by_reference`` against the Odoo double (XML-RPC,
JSON-RPC, JSON-2) and a real Odoo when ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD are set: every
product of each reference, archived ones too, in one search_read per 2,000 references."""

from __future__ import annotations

import uuid

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.adapters.odoo.gateway import LISTINGS_BATCH
from amazon_odoo.mapping.product_sync import OdooProduct


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def test_products_by_reference_answers_every_product_of_a_reference_in_one_read_per_batch(
    odoo_gateway: OdooGateway,
) -> None:
    company = odoo_gateway.search_read("res.company", [], ["name"], limit=1, order="id")[0]
    refs = {name: unique(f"SYNC-{name}-") for name in ("one", "archived", "twice")}
    vals = [
        {"name": unique("Sync "), "default_code": refs["one"], "company_id": company["id"]},
        {"name": unique("Sync "), "default_code": refs["archived"], "company_id": company["id"]},
        {"name": unique("Sync "), "default_code": refs["twice"], "company_id": company["id"]},
        {"name": unique("Sync "), "default_code": refs["twice"], "company_id": False},  # shared
    ]
    one, archived, first, second = odoo_gateway.create("product.product", vals)
    odoo_gateway.write("product.product", [archived], {"active": False})
    missing = [unique("NOPE-") for _ in range(LISTINGS_BATCH + 10)]
    wanted = [*refs.values(), *missing]

    odoo_gateway.products_by_reference(company["name"], wanted[:1])  # the company is looked up once
    before = odoo_gateway.calls
    found = odoo_gateway.products_by_reference(company["name"], wanted)
    assert odoo_gateway.calls - before == 2  # 2,013 references: two search_reads, nothing else

    assert found[refs["one"]] == [OdooProduct(one, refs["one"], True)]
    assert found[refs["archived"]] == [OdooProduct(archived, refs["archived"], False)]
    assert sorted(p.id for p in found[refs["twice"]]) == sorted([first, second])
    assert not set(missing) & set(found)
    assert odoo_gateway.products_by_reference(company["name"], []) == {}
