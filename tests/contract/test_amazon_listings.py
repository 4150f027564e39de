"""The Amazon adapter's patchListingsItem (listings out, issue 5) over HTTP against the SP-API sandbox: the
request Amazon documents, its ACCEPTED / INVALID answers, its rate limit (5/s, burst 5) and retries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amazon_odoo.adapters.amazon.rate_limit import usage_plan
from amazon_odoo.domain.errors import ThrottledError
from amazon_odoo.domain.listings import price_patch, quantity_patch
from tests.contract.sandbox_harness import SELLER, US, Harness

CA = "A2EUQ1WTGCTBG2"


def test_a_quantity_and_a_price_are_patched_as_amazon_documents(harness: Harness) -> None:
    answer = harness.gateway.patch_listings_item(
        SELLER, "MUG-BLUE-12", US, "DRINKING_CUP", [quantity_patch(3)]
    )
    assert answer.accepted and answer.sku == "MUG-BLUE-12" and answer.submission_id
    [call] = harness.calls("patchListingsItem")
    assert call.body == {"productType": "DRINKING_CUP", "patches": [quantity_patch(3)]}
    assert harness.sandbox.state.seller().listing_quantity("MUG-BLUE-12") == 3
    price = price_patch(CA, "CAD", Decimal("17.25"))
    assert harness.gateway.patch_listings_item(SELLER, "MUG-BLUE-12", CA, "DRINKING_CUP", [price]).accepted
    seller = harness.sandbox.state.seller()
    assert seller.listing_price("MUG-BLUE-12", CA) == Decimal("17.25")
    assert seller.listing_price("MUG-BLUE-12", US) == Decimal("12.99")  # the other marketplace's offer stays


def test_a_sku_amazon_does_not_list_is_invalid_with_its_issue(harness: Harness) -> None:
    answer = harness.gateway.patch_listings_item(SELLER, "NO SUCH/SKU", US, "PRODUCT", [quantity_patch(1)])
    assert not answer.accepted and answer.status == "INVALID"
    assert answer.code == "4000001" and "does not exist" in answer.text


def test_patches_respect_the_rate_limit_and_a_throttle_is_retried(harness: Harness) -> None:
    assert usage_plan("patchListingsItem") == (5.0, 5)
    for n in range(5):  # the burst: no wait
        harness.gateway.patch_listings_item(SELLER, "MUG-RED-12", US, "DRINKING_CUP", [quantity_patch(n)])
    assert harness.sleeps == []
    harness.sandbox.reset_rate_limits()  # sleeps are recorded, not slept: let the sandbox's bucket refill
    harness.gateway.patch_listings_item(SELLER, "MUG-RED-12", US, "DRINKING_CUP", [quantity_patch(5)])
    assert len(harness.sleeps) == 1 and 0 < harness.sleeps[0] <= 0.2  # the sixth waits for a token
    harness.sandbox.reset_rate_limits()
    harness.sandbox.inject("patchListingsItem", 429)
    answer = harness.gateway.patch_listings_item(
        SELLER, "MUG-RED-12", US, "DRINKING_CUP", [quantity_patch(9)]
    )
    assert answer.accepted and harness.sandbox.state.seller().listing_quantity("MUG-RED-12") == 9


def test_a_throttle_longer_than_a_lambda_should_wait_is_handed_back(harness: Harness) -> None:
    harness.settings = harness.settings.model_copy(update={"amazon_max_wait_seconds": 0.0})
    harness.gateway.settings = harness.settings
    harness.sandbox.inject("patchListingsItem", 429, times=5)
    with pytest.raises(ThrottledError) as caught:
        harness.gateway.patch_listings_item(SELLER, "MUG-RED-12", US, "DRINKING_CUP", [quantity_patch(1)])
    assert caught.value.retry_after is not None
