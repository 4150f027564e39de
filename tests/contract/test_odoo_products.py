"""What ``products export`` reads of Odoo products (issue 7), against the Odoo double on every transport and,
when ODOO_URL is set, a real Odoo: name, sales description and barcode by internal reference, archived
products too (so the export can tell missing, archived and ambiguous apart), the company's or shared."""

from __future__ import annotations

import uuid

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.services.export_products import read_products


def test_products_are_read_by_internal_reference_with_texts_and_barcode(odoo_gateway: OdooGateway) -> None:
    company = odoo_gateway.search_read("res.company", [], ["name"], limit=1, order="id")[0]["name"]
    tag = uuid.uuid4().hex[:8].upper()
    barcode = str(uuid.uuid4().int)[:13]
    refs = [f"EXP-{tag}-A", f"EXP-{tag}-B", f"EXP-{tag}-GONE"]
    odoo_gateway.create(
        "product.product",
        [
            {
                "name": "Mug A",
                "default_code": refs[0],
                "barcode": barcode,
                "description_sale": "Line 1\nLine 2",
            },
            {"name": "Mug B", "default_code": refs[1]},
            {"name": "Mug gone", "default_code": refs[2], "active": False},
        ],
    )
    found = read_products(odoo_gateway, company, [*refs, f"EXP-{tag}-NONE"])
    [a], [b], [gone] = found[refs[0]], found[refs[1]], found[refs[2]]
    assert (a.name, a.barcode, a.description, a.active) == ("Mug A", barcode, "Line 1\nLine 2", True)
    assert (b.barcode, b.description) == ("", "")
    assert gone.active is False
    assert f"EXP-{tag}-NONE" not in found
