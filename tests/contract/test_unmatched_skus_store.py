"""The listing values store as services/sync_products.py uses it for the unmatched SKUs already named
(``UNMATCHED_VALUES``: SKU -> unmatched kind, "" once matched or gone): on the in-memory fake and on DynamoDB
on moto server, an empty value is kept and read back as such (the SKU is then named again)."""

from __future__ import annotations

from typing import Any

from amazon_odoo.services.sync_products import UNMATCHED_VALUES

US = "ATVPDKIKX0DER"


def test_named_skus_are_remembered_and_forgotten_with_an_empty_value(state_store: Any) -> None:
    state_store.save_listing_values(
        "mugs-us", UNMATCHED_VALUES, US, {"NOPE-1": "missing", "DUP#1": "ambiguous"}
    )
    state_store.save_listing_values("mugs-us", UNMATCHED_VALUES, US, {"NOPE-1": ""})
    assert state_store.listing_values("mugs-us", UNMATCHED_VALUES, US) == {"NOPE-1": "", "DUP#1": "ambiguous"}
    assert state_store.listing_values("mugs-us", "export_stock", US) == {}  # apart from the exports' values
