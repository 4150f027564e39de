"""Products out end to end on the local stack (moto, the SP-API sandbox, the Odoo double), through the CLI:
an Odoo product becomes an offer on the catalogue item its barcode names (validation preview first, then
putListingsItem), is bound so export_stock / export_prices carry on from the values it was created with;
a refused preview creates nothing and keeps Amazon's issues; title and images are patched; a
LISTINGS_ITEM_ISSUES_CHANGE arriving from EventBridge on the events queue ends in ``products issues``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.listings import EXPORT_PRICES, EXPORT_STOCK
from amazon_odoo.domain.products import LISTING_ISSUES_JOB
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import _demo_credentials
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.sandbox.notifications import notification_violations
from amazon_odoo.local.stack import LocalStack, drain_queue, scheduled_event
from tests.integration.conftest import example_sellers

SELLER_ID = "mugs-products"  # its own seller: nothing another module left in the state store is in the way
US = "ATVPDKIKX0DER"
GREEN_ASIN = "B0CXM4K5G3"


@pytest.fixture(scope="module")
def seller(stack: LocalStack) -> Iterator[SellerConfig]:
    raw = example_sellers(SELLER_ID)
    entry = raw["sellers"][0]
    entry["marketplaces"] = [{"id": US, "warehouse": "WH", "pricelist": "Amazon.com products (USD)"}]
    _demo_credentials(stack, "mugs-us")  # the example's secrets; its refresh token is the sandbox seller's
    compose().load_sellers(raw)
    _seed_odoo()
    yield compose().seller(SELLER_ID)
    compose().state.replace_sellers([])


def _seed_odoo() -> None:
    odoo = compose().odoo
    assert odoo is not None
    company = odoo.search_read("res.company", [], ["id"])[0]["id"]
    products = [
        ("MUG-GREEN-12", "Stoneware Mug 12 oz, Green", "4006381333979", "Hand-glazed stoneware mug."),
        ("SAUCER-WHITE", "Stoneware Saucer, White", "012345678936", ""),
        ("NO-BARCODE", "A product without barcode", "", ""),
        ("ODD-EAN", "A product Amazon does not know", "4006381339999", ""),
    ]
    ids = odoo.create(
        "product.product",
        [
            {
                "name": name,
                "default_code": ref,
                "barcode": barcode or False,
                "description_sale": text or False,
                "detailed_type": "product",
                "list_price": 14.5,
                "company_id": company,
            }
            for ref, name, barcode, text in products
        ],
    )
    stock = odoo.search_read("stock.warehouse", [("code", "=", "WH")], ["lot_stock_id"])[0]["lot_stock_id"][0]
    odoo.create(
        "stock.quant",
        [{"product_id": ids[0], "location_id": stock, "inventory_quantity_auto_apply": 6}],
        context={"inventory_mode": True},
    )
    usd = odoo.search_read("res.currency", [("name", "=", "USD")], ["id"])[0]["id"]
    odoo.create("product.pricelist", [{"name": "Amazon.com products (USD)", "currency_id": usd}])


def test_an_odoo_product_becomes_an_offer_on_the_catalogue_item_of_its_barcode(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["products", "export", "MUG-GREEN-12", "NO-BARCODE", "ODD-EAN", "--seller", SELLER_ID])
    out = capsys.readouterr().out
    assert code == 1
    assert f"MUG-GREEN-12: created offer SKU MUG-GREEN-12 on ASIN {GREEN_ASIN} (DRINKING_CUP) in {US}" in out
    assert "NO-BARCODE: refused: the Odoo product 'NO-BARCODE' has no barcode" in out
    assert (
        "ODD-EAN: refused: no Amazon catalogue item of marketplace ATVPDKIKX0DER has EAN 4006381339999" in out
    )
    calls = stack.sandbox.calls("putListingsItem")
    assert [c.query.get("mode") for c in calls] == [["VALIDATION_PREVIEW"], None]  # preview, then for real
    attributes = calls[1].body["attributes"]
    assert calls[1].body["requirements"] == "LISTING_OFFER_ONLY"
    assert attributes["merchant_suggested_asin"] == [{"value": GREEN_ASIN, "marketplace_id": US}]
    assert attributes["condition_type"] == [{"value": "new_new", "marketplace_id": US}]
    assert attributes["item_name"][0]["value"] == "Stoneware Mug 12 oz, Green"
    assert attributes["product_description"][0]["value"] == "Hand-glazed stoneware mug."
    listing = stack.sandbox.state.seller().listings["MUG-GREEN-12"]
    assert listing["asin"] == GREEN_ASIN and listing["productType"] == "DRINKING_CUP"
    assert stack.sandbox.state.seller().listing_quantity("MUG-GREEN-12") == 6
    assert str(stack.sandbox.state.seller().listing_price("MUG-GREEN-12", US)) == "14.5"
    state = compose().state
    binding = state.get_bindings(SELLER_ID, US, ["MUG-GREEN-12"])["MUG-GREEN-12"]
    assert (binding.odoo_ref, binding.asin, binding.product_type) == (
        "MUG-GREEN-12",
        GREEN_ASIN,
        "DRINKING_CUP",
    )
    assert state.listing_values(SELLER_ID, EXPORT_STOCK, US) == {"MUG-GREEN-12": "quantity 6"}
    assert state.listing_values(SELLER_ID, EXPORT_PRICES, US) == {"MUG-GREEN-12": "price 14.50 USD"}
    errors = state.list_logs(SELLER_ID, job="export_products", level=LogLevel.ERROR)
    assert {e.record_ref for e in errors} == {"odoo_ref NO-BARCODE: barcode", "odoo_ref ODD-EAN: ean"}
    # issue 5 carries on from the values the offer was created with: nothing to send
    patches = len(stack.sandbox.calls("patchListingsItem"))
    [result] = invoke("export_stock", scheduled_event("export_stock", SELLER_ID))["runs"]
    assert result["status"] == "succeeded" and result["counts"]["skus_changed"] == 0
    assert len(stack.sandbox.calls("patchListingsItem")) == patches


def test_an_archived_product_or_an_ean_of_several_items_is_refused_naming_it(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = stack.sandbox.state.catalog
    twin = {**catalog[GREEN_ASIN], "asin": "B0TWINMUG1", "identifiers": {"EAN": ["4006381333979"]}}
    catalog["B0TWINMUG1"] = twin
    try:
        assert (
            main(["products", "export", "MUG-GREEN-12", "--sku", "MUG-GREEN-TWIN", "--seller", SELLER_ID])
            == 1
        )
    finally:
        del catalog["B0TWINMUG1"]
    out = capsys.readouterr().out
    assert "EAN 4006381333979 matches 2 catalogue items (B0CXM4K5G3, B0TWINMUG1)" in out
    odoo = compose().odoo
    assert odoo is not None
    odoo.create("product.product", [{"name": "Old mug", "default_code": "OLD-MUG", "active": False}])
    assert main(["products", "export", "OLD-MUG", "--seller", SELLER_ID]) == 1
    assert "OLD-MUG: refused: the Odoo product 'OLD-MUG' is archived" in capsys.readouterr().out
    assert "MUG-GREEN-TWIN" not in stack.sandbox.state.seller().listings


def test_a_preview_amazon_refuses_creates_nothing_and_keeps_its_issues(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    issue = {
        "code": "90220",
        "message": "'brand' is required but not supplied.",
        "severity": "ERROR",
        "categories": ["MISSING_ATTRIBUTE"],
        "attributeNames": ["brand"],
    }
    stack.sandbox.inject(
        "putListingsItem",
        200,
        body={"sku": "SAUCER-WHITE", "status": "INVALID", "submissionId": "f00d", "issues": [issue]},
    )
    puts = len(stack.sandbox.calls("putListingsItem"))
    assert main(["products", "export", "SAUCER-WHITE", "--seller", SELLER_ID]) == 1
    out = capsys.readouterr().out
    assert "SAUCER-WHITE: refused: 90220: 'brand' is required but not supplied." in out
    assert len(stack.sandbox.calls("putListingsItem")) == puts + 1  # the preview only
    assert "SAUCER-WHITE" not in stack.sandbox.state.seller().listings
    assert compose().state.get_bindings(SELLER_ID, US, ["SAUCER-WHITE"]) == {}
    assert main(["products", "issues", "--seller", SELLER_ID, "--sku", "SAUCER-WHITE"]) == 0
    out = capsys.readouterr().out
    assert "SAUCER-WHITE" in out and "validation preview" in out and "90220" in out


def test_title_and_images_of_a_bound_sku_are_updated(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["products", "update", "MUG-GREEN-12", "--seller", SELLER_ID, "--title", "Green Mug 12 oz"]
    args += ["--bullet", "Dishwasher safe", "--search-terms", "mug cup"]
    args += [
        "--image",
        "main=https://img.example.com/green.jpg",
        "--image",
        "other=https://img.example.com/g2.jpg",
    ]
    assert main(args) == 0
    assert "MUG-GREEN-12: updated: item_name, bullet_point, generic_keyword" in capsys.readouterr().out
    listing = stack.sandbox.state.seller().listings["MUG-GREEN-12"]
    assert listing["itemName"] == "Green Mug 12 oz"
    assert listing["attributes"]["main_product_image_locator"][0]["media_location"].endswith("green.jpg")
    assert listing["attributes"]["other_product_image_locator_1"][0]["media_location"].endswith("g2.jpg")
    assert (
        compose().state.get_bindings(SELLER_ID, US, ["MUG-GREEN-12"])["MUG-GREEN-12"].title
        == "Green Mug 12 oz"
    )
    assert main(["products", "update", "MUG-GREEN-12", "--seller", SELLER_ID, "--from-odoo"]) == 0
    assert listing["itemName"] == "Stoneware Mug 12 oz, Green"
    assert main(["products", "update", "NOT-BOUND", "--seller", SELLER_ID, "--title", "x"]) == 1
    assert "NOT-BOUND: refused: not bound" in capsys.readouterr().out
    code = main(["products", "update", "MUG-GREEN-12", "--seller", SELLER_ID, "--image", "main=ftp://x"])
    assert code == 1


def test_listings_item_issues_change_from_eventbridge_reaches_the_log_book(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox_seller = stack.sandbox.state.seller()
    sandbox_seller.listings["MUG-GREEN-12"]["issues"] = [
        {
            "code": "18027",
            "message": "The main image does not meet Amazon's image requirements.",
            "severity": "ERROR",
            "categories": ["INVALID_ATTRIBUTE"],
            "attributeNames": ["main_product_image_locator"],
        }
    ]
    detail = {
        "NotificationVersion": "1.0",
        "NotificationType": "LISTINGS_ITEM_ISSUES_CHANGE",
        "PayloadVersion": "2023-12-13",
        "EventTime": "2026-11-27T05:00:00.000Z",
        "Payload": {
            "SellerId": "A3MUGSUS8ACCPT",
            "MarketplaceId": US,
            "Asin": GREEN_ASIN,
            "Sku": "MUG-GREEN-12",
            "Severities": ["ERROR"],
            "EnforcementActions": ["SEARCH_SUPPRESSED"],
        },
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sellerapps.app.f108f511-eeac-46a6-b125-bcb752069ed0",
            "SubscriptionId": "93b098e1-c42-2f45-93a1-78910a6a8369",
            "PublishTime": "2026-11-27T05:00:01.000Z",
            "NotificationId": "issues-mug-green-1",
        },
    }
    assert notification_violations(stack.sandbox.models, detail) == []
    event = {
        "version": "0",
        "id": "0c6f9e8b-2a1d-4b0e-9d43-1a2b3c4d5e6f",
        "detail-type": "LISTINGS_ITEM_ISSUES_CHANGE",
        "source": "aws.partner/sellingpartnerapi.amazon/amzn1.sellerapps.app.f108f511",
        "account": "123456789012",
        "time": "2026-11-27T05:00:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
    stack.send_notification(event)
    assert drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events") == {
        "delivered": 1,
        "failed": 0,
    }
    [entry, *_] = compose().state.list_logs(SELLER_ID, job=LISTING_ISSUES_JOB)
    assert entry.record_ref == "sku MUG-GREEN-12" and entry.details["source"] == "notification"
    assert main(["products", "issues", "--seller", SELLER_ID, "--sku", "MUG-GREEN-12"]) == 0
    out = capsys.readouterr().out
    assert "18027" in out and "notification" in out and "main image" in out
    sandbox_seller.listings["MUG-GREEN-12"]["issues"] = []
    assert main(["products", "issues", "--seller", SELLER_ID, "--refresh", "--sku", "MUG-GREEN-12"]) == 0
    assert "no listing issues known" in capsys.readouterr().out.splitlines()[-1]
