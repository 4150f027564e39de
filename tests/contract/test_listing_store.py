"""The listings parts of the StateStore (bindings, last accepted values): one contract, run on the in-memory
fake and on DynamoDB on moto server."""

from __future__ import annotations

from typing import Any

from amazon_odoo.domain.listings import BindingSource, ListingBinding
from tests.contract.aws_fixtures import Clock

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"


def binding(clock: Clock, sku: str, mp: str = US, seller: str = "mugs-us", **extra: Any) -> ListingBinding:
    return ListingBinding(
        seller_id=seller, marketplace_id=mp, sku=sku, odoo_ref=f"REF-{sku}", updated_at=clock.now, **extra
    )


def test_bindings_are_kept_per_seller_and_marketplace_and_replaced_whole(
    state_store: Any, clock: Clock
) -> None:
    state_store.save_bindings(
        [
            binding(clock, "MUG#2"),
            binding(clock, "MUG-1", product_type="DRINKING_CUP"),
            binding(clock, "MUG-1", CA),
            binding(clock, "MUG-1", seller="other"),
        ]
    )
    assert [b.sku for b in state_store.list_bindings("mugs-us", US)] == ["MUG#2", "MUG-1"]
    assert [b.marketplace_id for b in state_store.list_bindings("mugs-us", CA)] == [CA]
    retired = binding(clock, "MUG-1", source=BindingSource.AUTO, active=False, note="not listed")
    state_store.save_bindings([retired])
    found = state_store.get_bindings("mugs-us", US, ["MUG-1", "MUG#2", "NONE"])
    assert set(found) == {"MUG-1", "MUG#2"}
    assert found["MUG-1"] == retired  # replaced whole: the product type went back to the default
    assert state_store.list_bindings("mugs-us", "A1PA6795UKMFR9") == []


def test_many_bindings_and_values_are_written_and_read_in_batches(state_store: Any, clock: Clock) -> None:
    bindings = [binding(clock, f"SKU-{n:04d}") for n in range(260)]
    state_store.save_bindings([*bindings, bindings[0]])  # a batch must not carry one key twice
    assert len(state_store.list_bindings("mugs-us", US)) == 260
    assert len(state_store.get_bindings("mugs-us", US, [b.sku for b in bindings])) == 260
    values = {b.sku: f"quantity {n}" for n, b in enumerate(bindings)}
    state_store.save_listing_values("mugs-us", "export_stock", US, values)
    assert state_store.listing_values("mugs-us", "export_stock", US) == values


def test_last_accepted_values_are_kept_apart_by_job_and_marketplace(state_store: Any, clock: Clock) -> None:
    state_store.save_listing_values(
        "mugs-us", "export_stock", US, {"MUG-1": "quantity 5", "MUG#2": "quantity 0"}
    )
    state_store.save_listing_values("mugs-us", "export_prices", US, {"MUG-1": "price 12.99 USD"})
    state_store.save_listing_values("mugs-us", "export_stock", CA, {"MUG-1": "quantity 2"})
    state_store.save_listing_values("mugs-us", "export_stock", US, {"MUG-1": "quantity 4"})
    assert state_store.listing_values("mugs-us", "export_stock", US) == {
        "MUG-1": "quantity 4",
        "MUG#2": "quantity 0",
    }
    assert state_store.listing_values("mugs-us", "export_prices", US) == {"MUG-1": "price 12.99 USD"}
    assert state_store.listing_values("mugs-us", "export_stock", CA) == {"MUG-1": "quantity 2"}
    assert state_store.listing_values("other", "export_stock", US) == {}
