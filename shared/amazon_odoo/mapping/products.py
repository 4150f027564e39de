"""Odoo product → Listings Items attributes (issue 7, helper 3 "products export/update"): the offer
``putListingsItem`` creates on an existing catalogue item, and the content patches ``patchListingsItem``
sends. Pure: every value (the ASIN, the quantity and price values of issue 5, the language) is resolved by
the caller; nothing is looked up here.

Attribute shapes are Amazon's (Product Type Definitions): ``[{"value", "marketplace_id", ...}]``; texts carry
a ``language_tag``, images a ``media_location``. Bad input raises :class:`ContentError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Offer-only puts: sales terms on an existing ASIN, no product facts of our own.
LISTING_OFFER_ONLY = "LISTING_OFFER_ONLY"
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_BULLETS = 10
MAX_BULLET = 500
MAX_SEARCH_TERMS = 250  # Amazon indexes generic_keyword up to 250 bytes
MAX_OTHER_IMAGES = 8  # other_product_image_locator_1..8

# the seller option (config.ProductCondition values) -> Amazon's condition_type
_CONDITIONS = {"new": "new_new", "refurbished": "refurbished_refurbished", "club": "club_club"}


class ContentError(ValueError):
    """A value Amazon would refuse; ``field`` names the option or Odoo field it came from."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class OdooProductContent:
    """What the export reads of an Odoo product (``product.product``)."""

    product_id: int
    reference: str  # default_code
    name: str
    description: str = ""  # description_sale
    barcode: str = ""
    active: bool = True


@dataclass(frozen=True)
class OfferTerms:
    """The offer's terms in one marketplace, resolved beforehand."""

    marketplace_id: str
    language_tag: str  # e.g. en_US
    condition: str  # config.ProductCondition value: new, used_good, ...
    asin: str
    fulfillment_availability: Sequence[Mapping[str, Any]] | None = None  # issue 5's quantity value
    purchasable_offer: Sequence[Mapping[str, Any]] | None = None  # issue 5's price value


def condition_type(condition: str) -> str:
    """``new`` → ``new_new``, ``used_good`` → ``used_good``, ``refurbished`` → ``refurbished_refurbished``."""
    value = str(condition).strip().lower()
    return _CONDITIONS.get(value, value)


def _text(field_name: str, value: str, limit: int) -> str:
    text = value.strip() if field_name == "description" else " ".join(value.split())
    if not text:
        raise ContentError(field_name, "is empty")
    if len(text) > limit:
        raise ContentError(field_name, f"is {len(text)} characters long; Amazon takes at most {limit}")
    return text


def _url(field_name: str, value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ContentError(field_name, f"{value!r} is no http(s) URL Amazon can download the image from")
    return value.strip()


def _localized(value: str, marketplace_id: str, language_tag: str) -> dict[str, Any]:
    return {"value": value, "language_tag": language_tag, "marketplace_id": marketplace_id}


def offer_attributes(
    product: OdooProductContent,
    terms: OfferTerms,
    *,
    title: str | None = None,
    description: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The attributes of an offer-only ``putListingsItem`` (requirements ``LISTING_OFFER_ONLY``): the ASIN
    it is an offer on, the condition, the title and description (default: the Odoo product's name and
    sales description), and the quantity and price when issue 5's values are given."""
    market, language = terms.marketplace_id, terms.language_tag
    if not terms.asin:
        raise ContentError("asin", "is empty: the offer needs the ASIN of an existing catalogue item")
    attributes: dict[str, list[dict[str, Any]]] = {
        "merchant_suggested_asin": [{"value": terms.asin, "marketplace_id": market}],
        "condition_type": [{"value": condition_type(terms.condition), "marketplace_id": market}],
        "item_name": [_localized(_text("title", title or product.name, MAX_TITLE), market, language)],
    }
    text = description if description is not None else product.description
    if text.strip():
        attributes["product_description"] = [
            _localized(_text("description", text, MAX_DESCRIPTION), market, language)
        ]
    if terms.fulfillment_availability:
        attributes["fulfillment_availability"] = [dict(v) for v in terms.fulfillment_availability]
    if terms.purchasable_offer:
        attributes["purchasable_offer"] = [dict(v) for v in terms.purchasable_offer]
    return attributes


@dataclass(frozen=True)
class ContentChange:
    """What ``amazon-odoo products update`` changes; None / empty: left as it is at Amazon."""

    title: str | None = None
    description: str | None = None
    bullets: tuple[str, ...] = ()
    search_terms: str | None = None
    main_image: str | None = None
    other_images: tuple[str, ...] = ()


def content_patches(change: ContentChange, marketplace_id: str, language_tag: str) -> list[dict[str, Any]]:
    """``replace`` patches for each part of ``change`` (in Amazon's attribute names): item_name,
    product_description, bullet_point, generic_keyword, main_product_image_locator and
    other_product_image_locator_1..N (N = the images given, at most 8)."""
    market, language = marketplace_id, language_tag
    patches: list[dict[str, Any]] = []

    def replace(name: str, value: list[dict[str, Any]]) -> None:
        patches.append({"op": "replace", "path": f"/attributes/{name}", "value": value})

    if change.title is not None:
        replace("item_name", [_localized(_text("title", change.title, MAX_TITLE), market, language)])
    if change.description is not None:
        text = _text("description", change.description, MAX_DESCRIPTION)
        replace("product_description", [_localized(text, market, language)])
    if change.bullets:
        if len(change.bullets) > MAX_BULLETS:
            raise ContentError(
                "bullet", f"{len(change.bullets)} bullet points; Amazon takes at most {MAX_BULLETS}"
            )
        replace(
            "bullet_point",
            [_localized(_text("bullet", b, MAX_BULLET), market, language) for b in change.bullets],
        )
    if change.search_terms is not None:
        terms = _text("search-terms", change.search_terms, MAX_SEARCH_TERMS)
        replace("generic_keyword", [_localized(terms, market, language)])
    if change.main_image is not None:
        url = _url("image main", change.main_image)
        replace("main_product_image_locator", [{"media_location": url, "marketplace_id": market}])
    if len(change.other_images) > MAX_OTHER_IMAGES:
        raise ContentError(
            "image other",
            f"{len(change.other_images)} other images; Amazon takes at most {MAX_OTHER_IMAGES}",
        )
    for n, image in enumerate(change.other_images, start=1):
        url = _url(f"image other #{n}", image)
        replace(f"other_product_image_locator_{n}", [{"media_location": url, "marketplace_id": market}])
    if not patches:
        raise ContentError(
            "update", "nothing to change: give --title, --description, --bullet, --search-terms or --image"
        )
    return patches


def parse_images(values: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """``--image main=URL`` / ``--image other=URL`` (repeatable) → (main URL, other URLs in order)."""
    main: str | None = None
    others: list[str] = []
    for value in values:
        kind, sep, url = value.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in ("main", "other"):
            raise ContentError("image", f"{value!r}: write main=URL or other=URL")
        if kind == "main":
            if main is not None:
                raise ContentError("image main", "given twice")
            main = url.strip()
        else:
            others.append(url.strip())
    return main, tuple(others)
