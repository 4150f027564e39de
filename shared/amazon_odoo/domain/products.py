"""Products at Amazon (issue 7): catalogue items found by identifier, listings items as Amazon shows them,
and the issues Amazon reports for a SKU. Pure.

A :class:`CatalogItem` is what ``searchCatalogItems`` (Catalog Items 2022-04-01) says about one ASIN in one
marketplace: its product type, name and identifiers (EAN, UPC, ...). A :class:`ListingsItemView` is what
``getListingsItem`` says about one SKU: ASIN, status, product type and the current issues. The latest
issues of a SKU are kept in the log book (job :data:`LISTING_ISSUES_JOB`, record ``sku <SKU>``): one entry
each time they are read, the newest one is the SKU's current state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from amazon_odoo.domain.listings import ListingsIssue

#: The log book's job name for listing issues (``amazon-odoo products issues`` reads it).
LISTING_ISSUES_JOB = "listing_issues"
#: The notification Amazon sends (to EventBridge only) when a listing's issues change.
LISTINGS_ITEM_ISSUES_CHANGE = "LISTINGS_ITEM_ISSUES_CHANGE"


class IdentifierType(StrEnum):
    """How an Odoo product names its Amazon catalogue item."""

    ASIN = "ASIN"
    EAN = "EAN"
    UPC = "UPC"


def identifier_type(value: str) -> IdentifierType:
    """ASIN (10 letters and digits, not all digits), EAN (13 digits), UPC (12 digits); anything else raises
    ValueError saying what was expected."""
    text = value.strip().upper()
    if len(text) == 10 and text.isalnum() and not text.isdigit():
        return IdentifierType.ASIN
    if text.isdigit() and len(text) == 13:
        return IdentifierType.EAN
    if text.isdigit() and len(text) == 12:
        return IdentifierType.UPC
    raise ValueError(f"{value!r} is no ASIN (10 letters/digits), EAN (13 digits) or UPC (12 digits)")


class CatalogItem(BaseModel):
    """One Amazon catalogue item in one marketplace."""

    model_config = ConfigDict(frozen=True)

    asin: str = Field(min_length=1)
    marketplace_id: str
    product_type: str = ""
    item_name: str = ""
    brand: str = ""
    identifiers: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # e.g. {"EAN": ("4006381333931",)}

    @classmethod
    def from_amazon(cls, item: Mapping[str, Any], marketplace_id: str) -> CatalogItem:
        """An ``Item`` of Catalog Items 2022-04-01 (``includedData`` summaries, identifiers, productTypes)."""

        def of_marketplace(key: str) -> list[Mapping[str, Any]]:
            entries = item.get(key) or []
            return [e for e in entries if isinstance(e, Mapping) and e.get("marketplaceId") == marketplace_id]

        summary = next(iter(of_marketplace("summaries")), {})
        product_type = next((str(e.get("productType", "")) for e in of_marketplace("productTypes")), "")
        identifiers: dict[str, list[str]] = {}
        for group in of_marketplace("identifiers"):
            for entry in group.get("identifiers") or []:
                kind, value = str(entry.get("identifierType", "")), str(entry.get("identifier", ""))
                if kind and value:
                    identifiers.setdefault(kind.upper(), []).append(value)
        return cls(
            asin=str(item["asin"]),
            marketplace_id=marketplace_id,
            product_type=product_type,
            item_name=str(summary.get("itemName", "")),
            brand=str(summary.get("brand", "")),
            identifiers={k: tuple(v) for k, v in identifiers.items()},
        )


class ListingsItemView(BaseModel):
    """``getListingsItem`` for one SKU in one marketplace: what Amazon shows and the current issues."""

    model_config = ConfigDict(frozen=True)

    sku: str
    marketplace_id: str
    asin: str = ""
    product_type: str = ""
    item_name: str = ""
    status: tuple[str, ...] = ()
    issues: tuple[ListingsIssue, ...] = ()
    attributes: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_amazon(cls, item: Mapping[str, Any], marketplace_id: str) -> ListingsItemView:
        summaries = [s for s in item.get("summaries") or [] if isinstance(s, Mapping)]
        summary = next((s for s in summaries if s.get("marketplaceId") == marketplace_id), None)
        summary = summary or (summaries[0] if summaries else {})
        issues = [
            ListingsIssue.model_validate(i)
            for i in item.get("issues") or []
            if isinstance(i, Mapping)
            and (not i.get("marketplaceIds") or marketplace_id in i["marketplaceIds"])
        ]
        return cls(
            sku=str(item["sku"]),
            marketplace_id=marketplace_id,
            asin=str(summary.get("asin", "")),
            product_type=str(summary.get("productType", "")),
            item_name=str(summary.get("itemName", "")),
            status=tuple(str(s) for s in summary.get("status") or ()),
            issues=tuple(issues),
            attributes=dict(item.get("attributes") or {}),
        )


def issues_details(marketplace_id: str, issues: Sequence[ListingsIssue], source: str) -> dict[str, Any]:
    """What a log book entry of :data:`LISTING_ISSUES_JOB` keeps (no personal data: Amazon's issue texts)."""
    return {
        "marketplace_id": marketplace_id,
        "source": source,
        "issues": [
            {
                "code": i.code,
                "severity": i.severity,
                "message": i.message,
                "attributes": list(i.attribute_names),
            }
            for i in issues
        ],
    }
