"""Listings Items API 2021-08-01: get, put, patch, delete, search; also applies JSON_LISTINGS_FEED messages.

Quantity lives in ``attributes.fulfillment_availability`` and price in ``attributes.purchasable_offer``,
exactly as Amazon writes them; a patch with ``mode=VALIDATION_PREVIEW`` answers VALID and changes nothing.
"""

from __future__ import annotations

import base64
import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from amazon_odoo.local.sandbox.core import (
    ApiError,
    Context,
    JsonObject,
    Reply,
    invalid_input,
    iso,
    new_id,
    utc_now,
)
from amazon_odoo.local.sandbox.routing import Route
from amazon_odoo.local.sandbox.state import SellerState

MODEL = "listings-items-api-model/listingsItems_2021-08-01.json"


def issue(code: str, message: str, attribute: str | None = None, severity: str = "ERROR") -> JsonObject:
    out: JsonObject = {
        "code": code,
        "message": message,
        "severity": severity,
        "categories": ["INVALID_ATTRIBUTE"],
    }
    if attribute:
        out["attributeNames"] = [attribute]
    return out


def attribute_issues(seller: SellerState, attributes: JsonObject) -> list[JsonObject]:
    """What Amazon would reject in the attributes the connector sends (quantity and price)."""
    issues: list[JsonObject] = []
    for entry in _entries(attributes.get("fulfillment_availability")):
        if not entry.get("fulfillment_channel_code"):
            issues.append(
                issue(
                    "90220",
                    "'fulfillment_channel_code' is required but not supplied.",
                    "fulfillment_availability",
                )
            )
        quantity = entry.get("quantity")
        if quantity is not None and (
            not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0
        ):
            issues.append(
                issue(
                    "99010",
                    f"The value '{quantity}' for 'quantity' must be a whole number of 0 or more.",
                    "fulfillment_availability",
                )
            )
    for offer in _entries(attributes.get("purchasable_offer")):
        market = offer.get("marketplace_id")
        if market not in seller.marketplace_ids:
            issues.append(
                issue(
                    "90220",
                    f"'marketplace_id' is required and must be one of the seller's "
                    f"marketplaces, got '{market}'.",
                    "purchasable_offer",
                )
            )
        if not isinstance(offer.get("currency"), str) or len(str(offer.get("currency"))) != 3:
            issues.append(issue("90220", "'currency' is required but not supplied.", "purchasable_offer"))
        for price in _entries(offer.get("our_price")):
            for schedule in _entries(price.get("schedule")):
                if not _positive_number(schedule.get("value_with_tax")):
                    issues.append(
                        issue(
                            "99010",
                            f"The value '{schedule.get('value_with_tax')}' for "
                            "'value_with_tax' must be a positive number.",
                            "purchasable_offer",
                        )
                    )
    for name, value in attributes.items():
        if name == "main_product_image_locator" or name.startswith("other_product_image_locator_"):
            for entry in _entries(value):
                location = str(entry.get("media_location", ""))
                if not location.startswith(("http://", "https://")):
                    issues.append(
                        issue("90244", f"'{location}' for 'media_location' is not a valid URL.", name)
                    )
    return issues


def _entries(value: Any) -> list[JsonObject]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _positive_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


def apply_patches(
    seller: SellerState, attributes: JsonObject, patches: list[JsonObject], marketplace_ids: list[str]
) -> tuple[JsonObject, list[JsonObject]]:
    """The attributes after ``patches`` (JSON-patch-like ops on ``/attributes/<name>``), and the issues."""
    result = copy.deepcopy(attributes)
    issues: list[JsonObject] = []
    for patch in patches:
        path, op = str(patch.get("path", "")), str(patch.get("op", ""))
        name = path.removeprefix("/attributes/")
        if not path.startswith("/attributes/") or not name or "/" in name:
            issues.append(
                issue("4000001", f"The patch path '{path}' is not supported: use /attributes/<name>.")
            )
            continue
        value = _entries(patch.get("value"))
        current = _entries(result.get(name))
        if op == "delete":
            if value:
                result[name] = [e for e in current if not any(_matches(e, v) for v in value)]
            else:
                result.pop(name, None)
            continue
        if op not in ("add", "replace", "merge"):
            issues.append(issue("4000001", f"The patch operation '{op}' is not supported."))
            continue
        if not value:
            issues.append(issue("90220", f"'{name}' requires a value for op '{op}'.", name))
            continue
        if op == "merge" and name == "fulfillment_availability":
            merged = {str(e.get("fulfillment_channel_code")): dict(e) for e in current}
            for entry in value:
                key = str(entry.get("fulfillment_channel_code"))
                merged[key] = {**merged.get(key, {}), **entry}
            result[name] = list(merged.values())
        elif op == "merge":
            result[name] = [{**(current[0] if current else {}), **value[0]}, *value[1:]]
        else:
            scoped = {str(v.get("marketplace_id")) for v in value if v.get("marketplace_id")} | set(
                marketplace_ids
            )
            kept = [
                e for e in current if e.get("marketplace_id") and str(e.get("marketplace_id")) not in scoped
            ]
            result[name] = kept + copy.deepcopy(value)
    issues.extend(attribute_issues(seller, result))
    return result, issues


def _matches(entry: JsonObject, pattern: JsonObject) -> bool:
    return all(entry.get(k) == v for k, v in pattern.items())


def quantity_of(listing: JsonObject) -> int | None:
    for entry in _entries(listing.get("attributes", {}).get("fulfillment_availability")):
        if entry.get("fulfillment_channel_code") == "DEFAULT" and isinstance(entry.get("quantity"), int):
            return int(entry["quantity"])
    return None


def statuses(listing: JsonObject) -> list[str]:
    """BUYABLE needs an ASIN, a price and stock; DISCOVERABLE needs an ASIN."""
    if not listing.get("asin"):
        return []
    quantity = quantity_of(listing)
    offers = _entries(listing.get("attributes", {}).get("purchasable_offer"))
    if quantity is None:
        return list(listing.get("status", ["DISCOVERABLE"]))
    return ["BUYABLE", "DISCOVERABLE"] if quantity > 0 and offers else ["DISCOVERABLE"]


def item_view(listing: JsonObject, marketplace_ids: list[str], included: list[str]) -> JsonObject:
    """The ``Item`` Amazon returns for ``includedData`` (default: summaries)."""
    wanted = set(included or ["summaries"])
    markets = [m for m in marketplace_ids if m in listing.get("marketplaceIds", [])] or marketplace_ids
    attributes = listing.get("attributes", {})
    out: JsonObject = {"sku": listing["sku"]}
    if "summaries" in wanted:
        summaries = []
        for market in markets:
            summary: JsonObject = {
                "marketplaceId": market,
                "productType": listing["productType"],
                "conditionType": listing.get("conditionType", "new_new"),
                "status": statuses(listing),
                "createdDate": listing["createdDate"],
                "lastUpdatedDate": listing["lastUpdatedDate"],
            }
            if listing.get("asin"):
                summary["asin"] = listing["asin"]
            if listing.get("itemName"):
                summary["itemName"] = listing["itemName"]
            summaries.append(summary)
        out["summaries"] = summaries
    if "attributes" in wanted:
        out["attributes"] = copy.deepcopy(attributes)
    if "issues" in wanted:
        out["issues"] = copy.deepcopy(listing.get("issues", []))
    if "offers" in wanted:
        offers = []
        for offer in _entries(attributes.get("purchasable_offer")):
            if offer.get("marketplace_id") not in markets:
                continue
            for price in _entries(offer.get("our_price")):
                for schedule in _entries(price.get("schedule"))[:1]:
                    offers.append(
                        {
                            "marketplaceId": offer["marketplace_id"],
                            "offerType": "B2B" if offer.get("audience") == "B2B" else "B2C",
                            "price": {
                                "currencyCode": str(offer.get("currency")),
                                "amount": str(schedule.get("value_with_tax")),
                            },
                        }
                    )
        out["offers"] = offers
    if "fulfillmentAvailability" in wanted:
        out["fulfillmentAvailability"] = [
            {
                "fulfillmentChannelCode": str(e.get("fulfillment_channel_code")),
                **({"quantity": e["quantity"]} if isinstance(e.get("quantity"), int) else {}),
            }
            for e in _entries(attributes.get("fulfillment_availability"))
        ]
    if "productTypes" in wanted:
        out["productTypes"] = [{"marketplaceId": m, "productType": listing["productType"]} for m in markets]
    if "relationships" in wanted:
        out["relationships"] = [{"marketplaceId": m, "relationships": []} for m in markets]
    if "procurement" in wanted:
        out["procurement"] = []
    return out


def submission(sku: str, status: str, issues: list[JsonObject]) -> JsonObject:
    return {"sku": sku, "status": status, "submissionId": new_id().replace("-", ""), "issues": issues}


def _check_seller(ctx: Context) -> SellerState:
    seller = ctx.seller
    if ctx.request.path_param("sellerId") != seller.seller_id:
        raise ApiError(403, details="The sellerId does not match the selling partner of the access token.")
    return seller


def get_listings_item(ctx: Context) -> Reply:
    seller, sku = _check_seller(ctx), ctx.request.path_param("sku")
    markets = ctx.request.list_param("marketplaceIds")
    listing = seller.listings.get(sku)
    if listing is None or not set(markets) & set(listing.get("marketplaceIds", [])):
        raise ApiError(404, f"SKU '{sku}' not found in marketplace {','.join(markets)}", code="NOT_FOUND")
    return Reply(200, item_view(listing, markets, ctx.request.list_param("includedData")))


def put_listings_item(ctx: Context) -> Reply:
    seller, sku = _check_seller(ctx), ctx.request.path_param("sku")
    body = ctx.request.body_object()
    markets = ctx.request.list_param("marketplaceIds")
    attributes = dict(body.get("attributes", {}))
    issues = attribute_issues(seller, attributes)
    asin = next((str(e.get("value")) for e in _entries(attributes.get("merchant_suggested_asin"))), "")
    if body.get("requirements") == "LISTING_OFFER_ONLY":
        issues.extend(offer_only_issues(ctx, attributes, markets))
    if issues:
        return Reply(200, submission(sku, "INVALID", issues))
    warnings = offer_warnings(attributes)
    if ctx.request.param("mode") == "VALIDATION_PREVIEW":
        return Reply(200, submission(sku, "VALID", warnings))
    existing = seller.listings.get(sku, {})
    now = iso(utc_now())
    item_name = next((str(e.get("value")) for e in _entries(attributes.get("item_name"))), None)
    listing = {
        **existing,
        "sku": sku,
        "productType": str(body["productType"]),
        "attributes": attributes,
        "marketplaceIds": sorted(set(existing.get("marketplaceIds", [])) | set(markets)),
        "lastUpdatedDate": now,
        "issues": warnings,
    }
    if asin:
        listing["asin"] = asin
        item_name = item_name or str(ctx.state.catalog.get(asin, {}).get("itemName", "")) or None
    condition = next((str(e.get("value")) for e in _entries(attributes.get("condition_type"))), None)
    if condition:
        listing["conditionType"] = condition
    if item_name:
        listing["itemName"] = item_name
    seller.put_listing(listing)
    return Reply(200, submission(sku, "ACCEPTED", warnings))


CONDITIONS = (
    "new_new",
    "new_open_box",
    "new_oem",
    "refurbished_refurbished",
    "used_like_new",
    "used_very_good",
    "used_good",
    "used_acceptable",
    "collectible_like_new",
    "collectible_very_good",
    "collectible_good",
    "collectible_acceptable",
    "club_club",
)


def offer_only_issues(ctx: Context, attributes: JsonObject, markets: list[str]) -> list[JsonObject]:
    """``requirements=LISTING_OFFER_ONLY``: an offer on an ASIN of the catalogue, with a known condition."""
    issues: list[JsonObject] = []
    asins = [str(e.get("value", "")) for e in _entries(attributes.get("merchant_suggested_asin"))]
    if not asins or not asins[0]:
        message = "'merchant_suggested_asin' is required but not supplied."
        issues.append(issue("90220", message, "merchant_suggested_asin"))
    else:
        item = ctx.state.catalog.get(asins[0])
        if item is None or not set(markets) & set(item.get("marketplaceIds", [])):
            message = f"The ASIN '{asins[0]}' does not match any item in the Amazon catalogue of {','.join(markets)}."
            issues.append(issue("8541", message, "merchant_suggested_asin"))
    conditions = [str(e.get("value", "")) for e in _entries(attributes.get("condition_type"))]
    if not conditions:
        issues.append(issue("90220", "'condition_type' is required but not supplied.", "condition_type"))
    elif conditions[0] not in CONDITIONS:
        message = f"The value '{conditions[0]}' for 'condition_type' is not one of the allowed values."
        issues.append(issue("99010", message, "condition_type"))
    return issues


def offer_warnings(attributes: JsonObject) -> list[JsonObject]:
    """What leaves an offer not buyable: no price or no quantity (Amazon's warnings, kept as the listing's
    issues until fixed)."""
    warnings: list[JsonObject] = []
    if "merchant_suggested_asin" not in attributes:
        return warnings
    if not _entries(attributes.get("purchasable_offer")):
        message = "The offer has no price ('purchasable_offer'): it is not buyable until one is set."
        warnings.append(issue("18155", message, "purchasable_offer", severity="WARNING"))
    if not _entries(attributes.get("fulfillment_availability")):
        message = (
            "The offer has no quantity ('fulfillment_availability'): it is not buyable until one is set."
        )
        warnings.append(issue("18156", message, "fulfillment_availability", severity="WARNING"))
    return warnings


def patch_listings_item(ctx: Context) -> Reply:
    seller, sku = _check_seller(ctx), ctx.request.path_param("sku")
    body = ctx.request.body_object()
    listing = seller.listings.get(sku)
    if listing is None:
        message = f"SKU '{sku}' does not exist for this seller; create it with putListingsItem first."
        return Reply(200, submission(sku, "INVALID", [issue("4000001", message)]))
    markets = ctx.request.list_param("marketplaceIds")
    attributes, issues = apply_patches(seller, listing.get("attributes", {}), list(body["patches"]), markets)
    if issues:
        return Reply(200, submission(sku, "INVALID", issues))
    if ctx.request.param("mode") == "VALIDATION_PREVIEW":
        return Reply(200, submission(sku, "VALID", []))
    listing["attributes"] = attributes
    listing["lastUpdatedDate"] = iso(utc_now())
    names = _entries(attributes.get("item_name"))
    names = [e for e in names if e.get("marketplace_id") in markets] or names
    if names and names[-1].get("value"):
        listing["itemName"] = str(names[-1]["value"])
    if "merchant_suggested_asin" in attributes:
        listing["issues"] = offer_warnings(attributes)
    return Reply(200, submission(sku, "ACCEPTED", []))


def delete_listings_item(ctx: Context) -> Reply:
    seller, sku = _check_seller(ctx), ctx.request.path_param("sku")
    if sku not in seller.listings:
        return Reply(200, submission(sku, "INVALID", [issue("4000001", f"SKU '{sku}' does not exist.")]))
    del seller.listings[sku]
    return Reply(200, submission(sku, "ACCEPTED", []))


def search_listings_items(ctx: Context) -> Reply:
    seller, request = _check_seller(ctx), ctx.request
    markets = request.list_param("marketplaceIds")
    identifiers = set(request.list_param("identifiers"))
    identifiers_type = request.param("identifiersType")
    if identifiers and not identifiers_type:
        raise invalid_input("identifiersType is required when identifiers are given.")
    with_status = set(request.list_param("withStatus"))
    without_status = set(request.list_param("withoutStatus"))
    rows = []
    for listing in seller.listings.values():
        if not set(markets) & set(listing.get("marketplaceIds", [])):
            continue
        if identifiers and identifiers_type == "SKU" and listing["sku"] not in identifiers:
            continue
        if identifiers and identifiers_type == "ASIN" and listing.get("asin") not in identifiers:
            continue
        if identifiers and identifiers_type not in ("SKU", "ASIN"):
            continue
        current = set(statuses(listing))
        if with_status and not with_status <= current:
            continue
        if without_status & current:
            continue
        rows.append(listing)
    sort_by = request.param("sortBy") or "lastUpdatedDate"
    key = {"sku": "sku", "createdDate": "createdDate", "lastUpdatedDate": "lastUpdatedDate"}[sort_by]
    rows.sort(
        key=lambda r: (str(r.get(key, "")), str(r["sku"])),
        reverse=(request.param("sortOrder") or "DESC") == "DESC",
    )
    page_size = request.int_param("pageSize", 10)
    if not 1 <= page_size <= 20:
        raise invalid_input("pageSize must be between 1 and 20.")
    offset = 0
    token = request.param("pageToken")
    if token:
        try:
            offset = int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        except ValueError as exc:
            raise invalid_input("Invalid pageToken.") from exc
    page = rows[offset : offset + page_size]
    body: JsonObject = {
        "numberOfResults": len(rows),
        "items": [item_view(r, markets, request.list_param("includedData")) for r in page],
    }
    pagination: JsonObject = {}
    if offset + page_size < len(rows):
        pagination["nextToken"] = (
            base64.urlsafe_b64encode(str(offset + page_size).encode()).decode().rstrip("=")
        )
    if offset > 0:
        pagination["previousToken"] = (
            base64.urlsafe_b64encode(str(max(0, offset - page_size)).encode()).decode().rstrip("=")
        )
    if pagination:
        body["pagination"] = pagination
    return Reply(200, body)


ITEM = "/listings/2021-08-01/items/{sellerId}/{sku}"
ROUTES = [
    Route("getListingsItem", "GET", ITEM, MODEL, get_listings_item),
    Route("putListingsItem", "PUT", ITEM, MODEL, put_listings_item),
    Route("patchListingsItem", "PATCH", ITEM, MODEL, patch_listings_item),
    Route("deleteListingsItem", "DELETE", ITEM, MODEL, delete_listings_item),
    Route(
        "searchListingsItems", "GET", "/listings/2021-08-01/items/{sellerId}", MODEL, search_listings_items
    ),
]
