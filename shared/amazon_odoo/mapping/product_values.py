"""Odoo products ↔ Amazon listings (issue 7): the rows of the upload file for Seller Central. Pure.

**The upload file** (``amazon-odoo products export-file``) carries the Odoo products that are not yet in
Amazon's catalogue (bound SKUs without an ASIN, or the internal references asked for) in the columns of
Amazon's *category inventory file* templates ("flat files", Seller Central: Catalog, Add Products via
Upload), the upload that creates catalogue items; the Inventory Loader and the Listing Loader only offer
products Amazon already lists. The columns carry Amazon's attribute names, so they paste one to one into
the template of the product type downloaded from Seller Central:

==========================  ===============================================================================
Column                      Value
==========================  ===============================================================================
feed_product_type           the binding's product type (empty when it is the generic ``PRODUCT``)
item_sku                    the seller SKU (the internal reference when no SKU is bound)
external_product_id         the Odoo barcode when it is a valid GTIN (check digit verified)
external_product_id_type    UPC (12 digits), EAN (13, or 8), GTIN (14)
item_name                   the binding's title (the CSV's, per marketplace), else the product name
product_description         the Odoo sales description, on one line (line breaks become spaces)
standard_price              the price of the marketplace's pricelist, rounded as Odoo rounds its currency
currency                    the marketplace's currency
quantity                    on hand or forecast in the marketplace's warehouse, after the SKU's cap
condition_type              from ``orders.product_condition`` (New, UsedLikeNew, ..., Club)
fulfillment_center_id       DEFAULT (the seller ships: FBM)
update_delete               Update
==========================  ===============================================================================

What it does not hold: the attributes every category template also wants and Odoo does not know (brand,
manufacturer, bullet points, images, the browse node). Fill them in the template before uploading. A
product without a valid barcode is written without ``external_product_id``: Amazon then needs a GTIN
exemption for its brand. Every such gap is reported per SKU, so nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from amazon_odoo.config import ProductCondition, StockCap
from amazon_odoo.domain.listings import DEFAULT_PRODUCT_TYPE, currency_amount
from amazon_odoo.mapping.listings import OdooStock, PricelistPrices, stock_quantity
from amazon_odoo.mapping.products import OdooProductContent

UPLOAD_COLUMNS = (
    "feed_product_type",
    "item_sku",
    "external_product_id",
    "external_product_id_type",
    "item_name",
    "product_description",
    "standard_price",
    "currency",
    "quantity",
    "condition_type",
    "fulfillment_center_id",
    "update_delete",
)

#: The seller's ``orders.product_condition`` as Amazon's flat files write ``condition_type`` (the Listings
#: Items API spells it otherwise: ``new_new``, see :func:`amazon_odoo.mapping.products.condition_type`).
CONDITION_TYPES: dict[ProductCondition, str] = {
    ProductCondition.NEW: "New",
    ProductCondition.USED_LIKE_NEW: "UsedLikeNew",
    ProductCondition.USED_VERY_GOOD: "UsedVeryGood",
    ProductCondition.USED_GOOD: "UsedGood",
    ProductCondition.USED_ACCEPTABLE: "UsedAcceptable",
    ProductCondition.REFURBISHED: "Refurbished",
    ProductCondition.COLLECTIBLE_LIKE_NEW: "CollectibleLikeNew",
    ProductCondition.COLLECTIBLE_VERY_GOOD: "CollectibleVeryGood",
    ProductCondition.COLLECTIBLE_GOOD: "CollectibleGood",
    ProductCondition.COLLECTIBLE_ACCEPTABLE: "CollectibleAcceptable",
    ProductCondition.CLUB: "Club",
}
_GTIN_TYPES = {8: "EAN", 12: "UPC", 13: "EAN", 14: "GTIN"}


@dataclass(frozen=True)
class UploadItem:
    """One SKU to write: which Odoo product, and what the binding knows (empty when none is bound)."""

    sku: str
    reference: str
    product_type: str = DEFAULT_PRODUCT_TYPE
    title: str = ""


@dataclass(frozen=True)
class UploadNote:
    """Why a SKU is not in the file (``written`` False) or is in it with a gap, and what to do."""

    sku: str
    message: str
    resolution: str
    written: bool


@dataclass(frozen=True)
class Listing:
    """The marketplace's view of the products: prices (None: no pricelist), stock, caps, condition."""

    marketplace_id: str
    currency: str
    prices: PricelistPrices | None
    stock: Mapping[str, Sequence[OdooStock]]
    caps: Mapping[str, StockCap]
    forecast: bool
    condition: ProductCondition


def gtin_type(barcode: str) -> str | None:
    """UPC, EAN or GTIN when ``barcode`` is a GTIN-8/12/13/14 whose GS1 check digit is right, else None."""
    code = barcode.strip()
    kind = _GTIN_TYPES.get(len(code))
    if kind is None or not code.isdigit():
        return None
    body, check = code[:-1], int(code[-1])
    total = sum(int(d) * (3 if n % 2 == 0 else 1) for n, d in enumerate(reversed(body)))
    return kind if (10 - total % 10) % 10 == check else None


def upload_rows(
    items: Sequence[UploadItem], products: Mapping[str, Sequence[OdooProductContent]], listing: Listing
) -> tuple[list[dict[str, str]], list[UploadNote]]:
    """One row per item whose internal reference is one active Odoo product, and a note per gap."""
    rows: list[dict[str, str]] = []
    notes: list[UploadNote] = []
    for item in items:
        product = _one(item, products.get(item.reference, ()), notes)
        if product is None:
            continue
        row = dict.fromkeys(UPLOAD_COLUMNS, "")
        row.update(
            feed_product_type="" if item.product_type == DEFAULT_PRODUCT_TYPE else item.product_type,
            item_sku=item.sku,
            item_name=item.title or product.name,
            product_description=" ".join(product.description.split()),
            currency=listing.currency,
            condition_type=CONDITION_TYPES[listing.condition],
            fulfillment_center_id="DEFAULT",
            update_delete="Update",
        )
        kind = gtin_type(product.barcode)
        if kind:
            row.update(external_product_id=product.barcode.strip(), external_product_id_type=kind)
        else:
            what = (
                f"barcode {product.barcode!r} is no valid UPC/EAN/GTIN" if product.barcode else "no barcode"
            )
            notes.append(
                UploadNote(
                    item.sku,
                    f"SKU {item.sku}: Odoo product {item.reference!r} has {what}: written without a product id",
                    "give the product its UPC/EAN in Odoo (Barcode), or ask Amazon for a GTIN exemption",
                    True,
                )
            )
        row["standard_price"] = _price(item, product, listing, notes)
        row["quantity"] = _quantity(item, product, listing, notes)
        rows.append(row)
    return rows, notes


def _one(
    item: UploadItem, found: Sequence[OdooProductContent], notes: list[UploadNote]
) -> OdooProductContent | None:
    active = [p for p in found if p.active]
    if len(active) == 1:
        return active[0]
    ref, sku = item.reference, item.sku
    if len(active) > 1:
        ids = ", ".join(str(p.product_id) for p in active)
        message = f"{len(active)} Odoo products have the internal reference {ref!r} (ids {ids})"
        resolution = "give the internal reference to one product only (archive or rename the others)"
    elif found:
        message = f"the Odoo product {ref!r} is archived"
        resolution = "restore the product in Odoo, or bind the SKU to another product"
    else:
        message = f"no Odoo product of the company has the internal reference {ref!r}"
        resolution = "create the product ('amazon-odoo products import') or bind the SKU to another product"
    notes.append(UploadNote(sku, f"SKU {sku}: {message}: not written", resolution, False))
    return None


def _price(item: UploadItem, product: OdooProductContent, listing: Listing, notes: list[UploadNote]) -> str:
    prices = listing.prices
    if prices is None:
        notes.append(
            UploadNote(
                item.sku,
                f"SKU {item.sku}: marketplace {listing.marketplace_id} has no pricelist: written without a price",
                "set marketplaces[].pricelist in the sellers file, or fill standard_price in the template",
                True,
            )
        )
        return ""
    if prices.currency != listing.currency:
        notes.append(
            UploadNote(
                item.sku,
                f"SKU {item.sku}: pricelist {prices.pricelist!r} is in {prices.currency}, the marketplace sells "
                f"in {listing.currency}: written without a price",
                f"set marketplaces[].pricelist to a pricelist in {listing.currency}",
                True,
            )
        )
        return ""
    found = [p for p in prices.products.get(item.reference, ()) if p.product_id == product.product_id]
    amount = currency_amount(found[0].price, prices.rounding, prices.digits) if found else None
    if amount is None or amount <= 0:
        notes.append(
            UploadNote(
                item.sku,
                f"SKU {item.sku}: pricelist {prices.pricelist!r} gives no positive price: written without one",
                "give the product a sales price or a pricelist rule with a positive result",
                True,
            )
        )
        return ""
    return str(amount)


def _quantity(
    item: UploadItem, product: OdooProductContent, listing: Listing, notes: list[UploadNote]
) -> str:
    found = [s for s in listing.stock.get(item.reference, ()) if s.product_id == product.product_id]
    if not found or not found[0].storable:
        notes.append(
            UploadNote(
                item.sku,
                f"SKU {item.sku}: Odoo product {item.reference!r} is not a storable product: written with "
                "quantity 0",
                "make the product storable (Inventory: track inventory) so its stock is known",
                True,
            )
        )
        return "0"
    quantity, _ = stock_quantity(found[0].quantity(listing.forecast), listing.caps.get(item.sku))
    return str(quantity)
