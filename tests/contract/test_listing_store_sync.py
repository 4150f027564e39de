"""Bindings carry what Amazon's listings report said (issue 7): ASIN, title, price (Decimal), quantity,
fulfilment channel and status survive the StateStore, in-memory fake and DynamoDB on moto server alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from amazon_odoo.domain.listings import BindingSource, ListingBinding
from tests.contract.aws_fixtures import Clock

US = "ATVPDKIKX0DER"


def test_the_listing_data_of_a_binding_round_trips(state_store: Any, clock: Clock) -> None:
    synced = ListingBinding(
        seller_id="mugs-sync",
        marketplace_id=US,
        sku="TOWEL-LINEN-NAT",
        odoo_ref="TOWEL-LINEN-NAT",
        source=BindingSource.AMAZON,
        active=False,
        note="fulfilled by Amazon (AMAZON_NA)",
        updated_at=clock.now,
        asin="B0FLT2N4B8",
        title="Linen Tea Towel, Natural \u00e9\t",
        price=Decimal("8.75"),
        quantity=None,
        fulfillment_channel="AMAZON_NA",
        listing_status="Active",
    )
    plain = synced.model_copy(update={"sku": "MUG-1", "price": Decimal("12.90"), "quantity": 0})
    state_store.save_bindings([synced, plain])
    found = state_store.get_bindings("mugs-sync", US, ["TOWEL-LINEN-NAT", "MUG-1"])
    assert found == {"TOWEL-LINEN-NAT": synced, "MUG-1": plain}
    assert str(found["MUG-1"].price) == "12.90" and found["MUG-1"].quantity == 0
    assert state_store.list_bindings("mugs-sync", US) == [plain, synced]
