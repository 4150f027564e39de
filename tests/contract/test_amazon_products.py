"""The Amazon adapter's products calls (issue 7) over HTTP against the SP-API sandbox, every request and
answer checked against Amazon's models: searchCatalogItems by EAN / UPC / ASIN, an offer-only
putListingsItem (validation preview, then for real), getListingsItem with its issues, content patches."""

from __future__ import annotations

import pytest

from amazon_odoo.adapters.amazon.rate_limit import usage_plan
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.mapping.products import (
    LISTING_OFFER_ONLY,
    ContentChange,
    OdooProductContent,
    OfferTerms,
    content_patches,
    offer_attributes,
)
from tests.contract.sandbox_harness import SELLER, US, Harness

GREEN_EAN, GREEN_UPC, GREEN_ASIN = "4006381333979", "012345678929", "B0CXM4K5G3"


def test_catalogue_items_are_found_by_ean_upc_and_asin(harness: Harness) -> None:
    assert usage_plan("searchCatalogItems") == (2.0, 2)
    [by_ean] = harness.gateway.search_catalog_items(US, [GREEN_EAN], "EAN")
    assert by_ean.asin == GREEN_ASIN and by_ean.product_type == "DRINKING_CUP"
    assert by_ean.item_name == "Stoneware Mug 12 oz, Green" and GREEN_EAN in by_ean.identifiers["EAN"]
    [by_upc] = harness.gateway.search_catalog_items(US, [GREEN_UPC], "UPC")
    assert harness.sleeps == []  # the burst of 2
    harness.sandbox.reset_rate_limits()  # sleeps are recorded, not slept: let the sandbox's bucket refill
    [by_asin] = harness.gateway.search_catalog_items(US, [GREEN_ASIN], "ASIN")
    assert by_upc.asin == by_asin.asin == GREEN_ASIN
    harness.sandbox.reset_rate_limits()
    assert harness.gateway.search_catalog_items(US, ["0000000000000"], "EAN") == []
    [call, *_] = harness.calls("searchCatalogItems")
    assert call.query["identifiersType"] == ["EAN"] and call.query["marketplaceIds"] == [US]
    assert call.query["includedData"] == ["summaries,identifiers,productTypes"]


def _offer(asin: str = GREEN_ASIN, condition: str = "new") -> dict[str, list[dict[str, object]]]:
    product = OdooProductContent(7, "MUG-GREEN-12", "Green mug", "A green stoneware mug.", GREEN_EAN)
    quantity = [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}]
    price = [
        {"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 13.5}]}]}
    ]
    terms = OfferTerms(US, "en_US", condition, asin, quantity, price)
    return offer_attributes(product, terms)


def test_an_offer_is_previewed_then_created_on_the_catalogue_item(harness: Harness) -> None:
    gateway, seller = harness.gateway, harness.sandbox.state.seller()
    preview = gateway.put_listings_item(
        SELLER,
        "MUG-GREEN-12",
        US,
        "DRINKING_CUP",
        _offer(),
        requirements=LISTING_OFFER_ONLY,
        validation_preview=True,
    )
    assert preview.status == "VALID" and "MUG-GREEN-12" not in seller.listings
    answer = gateway.put_listings_item(
        SELLER, "MUG-GREEN-12", US, "DRINKING_CUP", _offer(), requirements=LISTING_OFFER_ONLY
    )
    assert answer.accepted and answer.submission_id
    [first, second] = harness.calls("putListingsItem")
    assert first.query["mode"] == ["VALIDATION_PREVIEW"] and "mode" not in second.query
    assert second.body["requirements"] == LISTING_OFFER_ONLY and second.body["productType"] == "DRINKING_CUP"
    listing = seller.listings["MUG-GREEN-12"]
    assert listing["asin"] == GREEN_ASIN and listing["conditionType"] == "new_new"
    assert seller.listing_quantity("MUG-GREEN-12") == 4
    view = gateway.get_listings_item(SELLER, "MUG-GREEN-12", US)
    assert view.asin == GREEN_ASIN and view.item_name == "Green mug" and view.issues == ()
    assert "BUYABLE" in view.status


def test_an_unknown_asin_or_condition_is_invalid_with_amazons_issues(harness: Harness) -> None:
    answer = harness.gateway.put_listings_item(
        SELLER,
        "MUG-X",
        US,
        "DRINKING_CUP",
        _offer(asin="B0NOTTHERE", condition="worn"),
        requirements=LISTING_OFFER_ONLY,
        validation_preview=True,
    )
    assert answer.status == "INVALID"
    assert {i.code for i in answer.errors} == {"8541", "99010"}
    assert {n for i in answer.errors for n in i.attribute_names} == {
        "merchant_suggested_asin",
        "condition_type",
    }
    assert harness.calls("putListingsItem")[0].status == 200


def test_an_offer_without_price_is_created_with_a_warning_kept_as_the_listings_issue(
    harness: Harness,
) -> None:
    attributes = _offer()
    del attributes["purchasable_offer"]
    answer = harness.gateway.put_listings_item(
        SELLER, "MUG-GREEN-12", US, "DRINKING_CUP", attributes, requirements=LISTING_OFFER_ONLY
    )
    assert answer.accepted and [i.code for i in answer.warnings] == ["18155"]
    view = harness.gateway.get_listings_item(SELLER, "MUG-GREEN-12", US)
    assert [(i.code, i.severity) for i in view.issues] == [("18155", "WARNING")]


def test_title_and_images_are_patched(harness: Harness) -> None:
    change = ContentChange(
        title="Stoneware Mug 12 oz, Blue - dishwasher safe",
        bullets=("Holds 12 oz", "Dishwasher safe"),
        search_terms="mug cup stoneware",
        main_image="https://images.example.com/mug-blue.jpg",
        other_images=("https://images.example.com/mug-blue-2.jpg",),
    )
    patches = content_patches(change, US, "en_US")
    answer = harness.gateway.patch_listings_item(SELLER, "MUG-BLUE-12", US, "DRINKING_CUP", patches)
    assert answer.accepted
    view = harness.gateway.get_listings_item(SELLER, "MUG-BLUE-12", US)
    assert view.item_name == change.title
    assert view.attributes["main_product_image_locator"] == [
        {"media_location": "https://images.example.com/mug-blue.jpg", "marketplace_id": US}
    ]
    assert view.attributes["other_product_image_locator_1"][0]["media_location"].endswith("mug-blue-2.jpg")
    assert [b["value"] for b in view.attributes["bullet_point"]] == ["Holds 12 oz", "Dishwasher safe"]
    bad = [
        {
            "op": "replace",
            "path": "/attributes/main_product_image_locator",
            "value": [{"media_location": "x"}],
        }
    ]
    refused = harness.gateway.patch_listings_item(SELLER, "MUG-BLUE-12", US, "DRINKING_CUP", bad)
    assert refused.status == "INVALID" and refused.code == "90244"


def test_a_sku_amazon_does_not_list_is_a_permanent_error(harness: Harness) -> None:
    with pytest.raises(PermanentError) as raised:
        harness.gateway.get_listings_item(SELLER, "NO-SUCH-SKU", US)
    assert raised.value.record == "sku NO-SUCH-SKU"
