"""Catalog Items API 2022-04-01: searchCatalogItems (by identifiers) and getCatalogItem over a small catalogue.

The catalogue is the scenario's ``catalog`` list, or :data:`DEFAULT_CATALOG` (the ASINs of
``samples/listings-all-data-us.tsv`` plus two items the demo seller does not sell yet), each
``{"asin", "itemName", "brand", "productType", "identifiers": {"EAN": [...], "UPC": [...]},
"marketplaceIds": [...]}``. ``sb.state.catalog`` (asin → item) can be changed by tests.
"""

from __future__ import annotations

from typing import Any

from amazon_odoo.local.sandbox.core import ApiError, Context, JsonObject, Reply, invalid_input
from amazon_odoo.local.sandbox.routing import Route

MODEL = "catalog-items-api-model/catalogItems_2022-04-01.json"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"

DEFAULT_CATALOG: list[JsonObject] = [
    {
        "asin": "B0CXM4K2Q1",
        "itemName": "Stoneware Mug 12 oz, Blue",
        "brand": "Blue Mug Co.",
        "productType": "DRINKING_CUP",
        "identifiers": {"EAN": ["4006381333931"], "UPC": ["012345678905"]},
        "marketplaceIds": [US, CA],
    },
    {
        "asin": "B0CXM4K9R7",
        "itemName": "Stoneware Mug 12 oz, Red",
        "brand": "Blue Mug Co.",
        "productType": "DRINKING_CUP",
        "identifiers": {"EAN": ["4006381333948"], "UPC": ["012345678912"]},
        "marketplaceIds": [US, CA],
    },
    {
        "asin": "B0BQW8L3N9",
        "itemName": "Cork Coaster Set of 4",
        "brand": "Blue Mug Co.",
        "productType": "COASTER",
        "identifiers": {"EAN": ["4006381333955"]},
        "marketplaceIds": [US, CA],
    },
    {
        "asin": "B0DTP1W0X3",
        "itemName": "Porcelain Teapot 1 L, White",
        "brand": "Blue Mug Co.",
        "productType": "TEAPOT",
        "identifiers": {"EAN": ["4006381333962"]},
        "marketplaceIds": [US],
    },
    {
        "asin": "B0CXM4K5G3",
        "itemName": "Stoneware Mug 12 oz, Green",
        "brand": "Blue Mug Co.",
        "productType": "DRINKING_CUP",
        "identifiers": {"EAN": ["4006381333979"], "UPC": ["012345678929"]},
        "marketplaceIds": [US, CA],
    },
    {
        "asin": "B0DSCR4W8K",
        "itemName": "Stoneware Saucer 6 in, White",
        "brand": "Blue Mug Co.",
        "productType": "PLATE",
        "identifiers": {"EAN": ["4006381333986"], "UPC": ["012345678936"]},
        "marketplaceIds": [US],
    },
]

IDENTIFIER_TYPES = ("ASIN", "EAN", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")


def item_view(entry: JsonObject, marketplace_id: str, included: list[str]) -> JsonObject:
    """The ``Item`` Amazon returns for ``includedData`` (default: summaries)."""
    wanted = set(included or ["summaries"])
    out: JsonObject = {"asin": entry["asin"]}
    if "summaries" in wanted:
        out["summaries"] = [
            {
                "marketplaceId": marketplace_id,
                "brand": entry.get("brand", ""),
                "itemName": entry.get("itemName", ""),
                "itemClassification": "BASE_PRODUCT",
            }
        ]
    if "identifiers" in wanted:
        found: list[JsonObject] = [
            {"identifierType": "EAN", "identifier": e} for e in entry["identifiers"].get("EAN", [])
        ]
        found += [{"identifierType": "UPC", "identifier": u} for u in entry["identifiers"].get("UPC", [])]
        out["identifiers"] = [{"marketplaceId": marketplace_id, "identifiers": found}]
    if "productTypes" in wanted:
        out["productTypes"] = [{"marketplaceId": marketplace_id, "productType": entry["productType"]}]
    if "attributes" in wanted:
        out["attributes"] = {
            "item_name": [{"value": entry.get("itemName", ""), "marketplace_id": marketplace_id}],
            "brand": [{"value": entry.get("brand", ""), "marketplace_id": marketplace_id}],
        }
    return out


def _matches(entry: JsonObject, kind: str, value: str) -> bool:
    if kind == "ASIN":
        return bool(entry["asin"] == value.upper())
    identifiers: dict[str, Any] = entry.get("identifiers", {})
    if kind == "GTIN":
        return any(value in identifiers.get(k, []) for k in ("EAN", "UPC"))
    return value in identifiers.get(kind, [])


def search_catalog_items(ctx: Context) -> Reply:
    request = ctx.request
    _ = ctx.seller  # a seller's token is needed
    markets = request.list_param("marketplaceIds")
    identifiers = request.list_param("identifiers")
    keywords = request.list_param("keywords")
    kind = (request.param("identifiersType") or "").upper()
    if identifiers and keywords:
        raise invalid_input("identifiers and keywords cannot be used together.")
    if not identifiers and not keywords:
        raise invalid_input("Either identifiers or keywords is required.")
    if identifiers and not kind:
        raise invalid_input("identifiersType is required when identifiers are given.")
    if len(identifiers) > 20:
        raise invalid_input("At most 20 identifiers may be given.")
    market = markets[0]
    rows = []
    for entry in ctx.state.catalog.values():
        if market not in entry.get("marketplaceIds", []):
            continue
        if identifiers and not any(_matches(entry, kind, value) for value in identifiers):
            continue
        if keywords and not any(k.lower() in str(entry.get("itemName", "")).lower() for k in keywords):
            continue
        rows.append(entry)
    included = request.list_param("includedData")
    body: JsonObject = {
        "numberOfResults": len(rows),
        "pagination": {},
        "refinements": {"brands": [], "classifications": []},
        "items": [item_view(r, market, included) for r in rows[: request.int_param("pageSize", 10)]],
    }
    return Reply(200, body)


def get_catalog_item(ctx: Context) -> Reply:
    _ = ctx.seller
    asin = ctx.request.path_param("asin")
    market = ctx.request.list_param("marketplaceIds")[0]
    entry = ctx.state.catalog.get(asin)
    if entry is None or market not in entry.get("marketplaceIds", []):
        raise ApiError(404, f"Requested item '{asin}' not found in marketplace {market}.", code="NOT_FOUND")
    return Reply(200, item_view(entry, market, ctx.request.list_param("includedData")))


ROUTES = [
    Route("searchCatalogItems", "GET", "/catalog/2022-04-01/items", MODEL, search_catalog_items),
    Route("getCatalogItem", "GET", "/catalog/2022-04-01/items/{asin}", MODEL, get_catalog_item),
]
