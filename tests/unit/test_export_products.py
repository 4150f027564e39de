"""Products out (issue 7): the pure mapper (offer-only attributes, content patches, image options), the
identifier rules, and the listing issues kept in the log book (from answers and from
LISTINGS_ITEM_ISSUES_CHANGE notifications, which name only severities: the issues are read back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import PermanentError, SkipError
from amazon_odoo.domain.listings import ListingsIssue
from amazon_odoo.domain.notifications import parse_notification
from amazon_odoo.domain.products import (
    LISTING_ISSUES_JOB,
    CatalogItem,
    IdentifierType,
    ListingsItemView,
    identifier_type,
)
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.mapping.products import (
    ContentChange,
    ContentError,
    OdooProductContent,
    OfferTerms,
    condition_type,
    content_patches,
    offer_attributes,
    parse_images,
)
from amazon_odoo.services.export_products import current_issues, issues_change_handler, record_issues
from tests.fakes import InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
MUG = OdooProductContent(
    3, "MUG-GREEN-12", "  Green   mug ", "A green stoneware mug.\nHolds 12 oz.", "4006381333979"
)


def test_offer_only_attributes_carry_the_asin_condition_texts_and_issue_5s_values() -> None:
    quantity = [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}]
    price = [
        {"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 13.5}]}]}
    ]
    attributes = offer_attributes(MUG, OfferTerms(US, "en_US", "used_good", "B0CXM4K5G3", quantity, price))
    assert attributes == {
        "merchant_suggested_asin": [{"value": "B0CXM4K5G3", "marketplace_id": US}],
        "condition_type": [{"value": "used_good", "marketplace_id": US}],
        "item_name": [{"value": "Green mug", "language_tag": "en_US", "marketplace_id": US}],
        "product_description": [
            {"value": "A green stoneware mug.\nHolds 12 oz.", "language_tag": "en_US", "marketplace_id": US}
        ],
        "fulfillment_availability": quantity,
        "purchasable_offer": price,
    }
    bare = offer_attributes(
        OdooProductContent(4, "X", "X mug"), OfferTerms(CA, "en_CA", "new", "B0X"), title="Better title"
    )
    assert set(bare) == {"merchant_suggested_asin", "condition_type", "item_name"}
    assert bare["item_name"][0] == {"value": "Better title", "language_tag": "en_CA", "marketplace_id": CA}
    with pytest.raises(ContentError, match="asin"):
        offer_attributes(MUG, OfferTerms(US, "en_US", "new", ""))
    with pytest.raises(ContentError, match="title: is 201 characters"):
        offer_attributes(MUG, OfferTerms(US, "en_US", "new", "B0X"), title="x" * 201)


@pytest.mark.parametrize(
    ("option", "amazon"),
    [
        ("new", "new_new"),
        ("refurbished", "refurbished_refurbished"),
        ("club", "club_club"),
        ("used_good", "used_good"),
    ],
)
def test_the_seller_condition_becomes_amazons_condition_type(option: str, amazon: str) -> None:
    assert condition_type(option) == amazon


def test_content_patches_replace_each_attribute_given() -> None:
    change = ContentChange(
        title="Mug",
        description="Nice",
        bullets=("One", "Two"),
        search_terms="cup mug",
        main_image="https://img.example.com/a.jpg",
        other_images=("https://img.example.com/b.jpg", "http://img.example.com/c.jpg"),
    )
    patches = content_patches(change, US, "en_US")
    assert [p["path"] for p in patches] == [
        "/attributes/item_name",
        "/attributes/product_description",
        "/attributes/bullet_point",
        "/attributes/generic_keyword",
        "/attributes/main_product_image_locator",
        "/attributes/other_product_image_locator_1",
        "/attributes/other_product_image_locator_2",
    ]
    assert {p["op"] for p in patches} == {"replace"}
    assert patches[2]["value"] == [
        {"value": "One", "language_tag": "en_US", "marketplace_id": US},
        {"value": "Two", "language_tag": "en_US", "marketplace_id": US},
    ]
    assert patches[4]["value"] == [{"media_location": "https://img.example.com/a.jpg", "marketplace_id": US}]
    only_image = content_patches(ContentChange(main_image="https://img.example.com/a.jpg"), US, "en_US")
    assert [p["path"] for p in only_image] == ["/attributes/main_product_image_locator"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (ContentChange(), "update"),
        (ContentChange(title="   "), "title"),
        (ContentChange(main_image="ftp://x/a.jpg"), "image main"),
        (ContentChange(other_images=("https://a/1.jpg", "not a url")), "image other #2"),
        (ContentChange(other_images=tuple(f"https://a/{n}.jpg" for n in range(9))), "image other"),
        (ContentChange(bullets=tuple("b" for _ in range(11))), "bullet"),
        (ContentChange(search_terms="k" * 251), "search-terms"),
    ],
)
def test_bad_content_names_the_field(change: ContentChange, field: str) -> None:
    with pytest.raises(ContentError) as raised:
        content_patches(change, US, "en_US")
    assert raised.value.field == field


def test_image_options() -> None:
    assert parse_images(["main=https://a/1.jpg", "other=https://a/2.jpg", "OTHER=https://a/3.jpg"]) == (
        "https://a/1.jpg",
        ("https://a/2.jpg", "https://a/3.jpg"),
    )
    assert parse_images([]) == (None, ())
    for bad in (["https://a/1.jpg"], ["side=https://a"], ["main=https://a", "main=https://b"]):
        with pytest.raises(ContentError):
            parse_images(bad)


def test_identifier_types() -> None:
    assert identifier_type("B0CXM4K5G3") is IdentifierType.ASIN
    assert identifier_type("4006381333979") is IdentifierType.EAN
    assert identifier_type(" 012345678929 ") is IdentifierType.UPC
    with pytest.raises(ValueError, match="no ASIN"):
        identifier_type("12345")


def test_catalogue_and_listings_answers_are_read_per_marketplace() -> None:
    item = CatalogItem.from_amazon(
        {
            "asin": "B0CXM4K5G3",
            "summaries": [{"marketplaceId": CA, "itemName": "CA"}, {"marketplaceId": US, "itemName": "Mug"}],
            "productTypes": [{"marketplaceId": US, "productType": "DRINKING_CUP"}],
            "identifiers": [
                {
                    "marketplaceId": US,
                    "identifiers": [{"identifierType": "EAN", "identifier": "4006381333979"}],
                }
            ],
        },
        US,
    )
    assert (item.item_name, item.product_type, item.identifiers) == (
        "Mug",
        "DRINKING_CUP",
        {"EAN": ("4006381333979",)},
    )
    view = ListingsItemView.from_amazon(
        {
            "sku": "S",
            "summaries": [{"marketplaceId": US, "asin": "B0X", "status": ["BUYABLE"], "productType": "P"}],
            "issues": [
                {
                    "code": "1",
                    "message": "US only",
                    "severity": "ERROR",
                    "categories": [],
                    "marketplaceIds": [US],
                },
                {
                    "code": "2",
                    "message": "CA only",
                    "severity": "ERROR",
                    "categories": [],
                    "marketplaceIds": [CA],
                },
                {"code": "3", "message": "all", "severity": "WARNING", "categories": []},
            ],
        },
        US,
    )
    assert [i.code for i in view.issues] == ["1", "3"] and view.status == ("BUYABLE",)


# -- listing issues ----------------------------------------------------------------------------------------


def make_seller() -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["sellers"][0]["marketplaces"] = [{"id": US}, {"id": CA}]
    return parse_sellers_file(raw).sellers[0]


class ListingsAmazon:
    """Only getListingsItem: the issues Amazon shows now."""

    def __init__(self, issues: list[ListingsIssue]) -> None:
        self.issues = issues
        self.calls: list[tuple[str, str, str]] = []

    def get_listings_item(self, merchant_id: str, sku: str, marketplace_id: str) -> ListingsItemView:
        self.calls.append((merchant_id, sku, marketplace_id))
        return ListingsItemView(sku=sku, marketplace_id=marketplace_id, issues=tuple(self.issues))


def notification(severities: list[str], marketplace: str = US, sku: str = "MUG-BLUE-12") -> dict[str, Any]:
    return {
        "version": "0",
        "id": "e1",
        "detail-type": "LISTINGS_ITEM_ISSUES_CHANGE",
        "source": "aws.partner/sellingpartnerapi.amazon/amzn1.sellerapps.app.x",
        "account": "123456789012",
        "time": "2026-11-27T05:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "NotificationVersion": "1.0",
            "NotificationType": "LISTINGS_ITEM_ISSUES_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": "2026-11-27T05:00:00Z",
            "Payload": {
                "SellerId": "A3MUGSUS8ACCPT",
                "MarketplaceId": marketplace,
                "Asin": "B0CXM4K2Q1",
                "Sku": sku,
                "Severities": severities,
                "EnforcementActions": ["SEARCH_SUPPRESSED"],
            },
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.x",
                "SubscriptionId": "s1",
                "PublishTime": "2026-11-27T05:00:01Z",
                "NotificationId": f"n-{'-'.join(severities)}-{marketplace}",
            },
        },
    }


def test_an_issues_change_reads_the_issues_back_and_keeps_the_newest_per_sku() -> None:
    state, seller = InMemoryStateStore(), make_seller()
    issue = ListingsIssue(code="18155", message="The offer has no price", severity="ERROR")
    amazon = ListingsAmazon([issue])
    handle = issues_change_handler(state, lambda _seller: amazon)  # type: ignore[arg-type,return-value]
    assert handle(parse_notification(notification(["ERROR"])), seller) == "1 issue(s) recorded"
    assert amazon.calls == [("A3MUGSUS8ACCPT", "MUG-BLUE-12", US)]
    [entry] = state.list_logs(seller.id, job=LISTING_ISSUES_JOB)
    assert entry.level is LogLevel.ERROR and entry.record_ref == "sku MUG-BLUE-12"
    assert entry.details["issues"][0]["code"] == "18155" and entry.details["source"] == "notification"
    [current] = current_issues(state, seller.id)
    assert (current.sku, current.marketplace_id, current.issues[0]["code"]) == ("MUG-BLUE-12", US, "18155")
    later = datetime.now(UTC) + timedelta(seconds=1)
    record_issues(state, seller.id, "MUG-BLUE-12", US, [], source="notification", at=later)
    [resolved] = current_issues(state, seller.id)
    assert resolved.issues == () and resolved.at == later
    assert handle(parse_notification(notification(["NONE"], sku="MUG-RED-12")), seller) == "issues resolved"
    assert len(amazon.calls) == 1  # NONE: nothing to read back


def test_an_issues_change_of_another_marketplace_or_without_sku_is_not_recorded() -> None:
    state, seller = InMemoryStateStore(), make_seller()
    handle = issues_change_handler(state, lambda _seller: ListingsAmazon([]))  # type: ignore[arg-type,return-value]
    with pytest.raises(SkipError):
        handle(parse_notification(notification(["ERROR"], marketplace="A1PA6795UKMFR9")), seller)
    with pytest.raises(PermanentError, match=r"without Payload\.Sku"):
        handle(parse_notification(notification(["ERROR"], sku="")), seller)
    assert state.list_logs(seller.id, job=LISTING_ISSUES_JOB) == []
