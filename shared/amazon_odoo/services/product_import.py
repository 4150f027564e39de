"""Products from a CSV file into Odoo and the bindings, and the upload file for Seller Central (issue 7).

:func:`import_products` (``amazon-odoo products import FILE``) reads the products CSV
(:mod:`amazon_odoo.domain.product_csv`: internal reference, seller SKU, ASIN, title, fulfilment, marketplace)
and checks the whole file before anything is written: a bad cell is reported with its line and column, and
then nothing is imported. The internal references are looked up in Odoo in one batched read; the missing
ones become storable Odoo products (name = the title) in one ``load`` whose external ids
(``__amazon__.sku_<reference>``, as for products created by order import) make a repeated or concurrent
import update the same products instead of creating twins; then every row becomes a binding (SKU of a
marketplace → internal reference, with its ASIN, title and fulfilment channel). A reference only archived
products have is a problem of its row: nothing is created next to an archived product.

:func:`upload_file` (``amazon-odoo products export-file``) writes the Odoo products that Amazon's
catalogue does not have yet (bound SKUs without an ASIN, or the internal references asked for) in the
columns of Seller Central's category inventory files (:mod:`amazon_odoo.mapping.product_values`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from amazon_odoo.config import MARKETPLACES, SellerConfig, StockField
from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.listings import DEFAULT_PRODUCT_TYPE, ListingBinding
from amazon_odoo.domain.product_csv import ProductsCsv, read_products_csv
from amazon_odoo.domain.settlements import marketplace_by_name
from amazon_odoo.domain.state import utcnow
from amazon_odoo.mapping.product_values import UPLOAD_COLUMNS, Listing, UploadItem, UploadNote, upload_rows
from amazon_odoo.ports import OdooGateway, StateStore
from amazon_odoo.services.export_products import read_products

__all__ = ["ProductImport", "UploadFile", "import_products", "marketplace_id_of", "upload_file"]


@dataclass(frozen=True)
class ProductImport:
    """What an import did (or, dry run, would do): the bindings, the Odoo products found and created."""

    bindings: tuple[ListingBinding, ...] = ()
    problems: tuple[str, ...] = ()
    existing: tuple[str, ...] = ()  # internal references Odoo has
    created: dict[str, int] = field(default_factory=dict)  # reference -> new product id (dry run: 0)
    dry_run: bool = False


def marketplace_id_of(value: str) -> str | None:
    """A marketplace id from an id or a name (``Amazon.de``, ``Amazon.co.uk``); None when unknown."""
    text = value.strip()
    if text in MARKETPLACES:
        return text
    return marketplace_by_name(text, MARKETPLACES)


def read_file(seller: SellerConfig, text: str, marketplace: str | None, now: datetime) -> ProductsCsv:
    """The products CSV checked against the seller's marketplaces; ``marketplace`` (id or name) for the
    rows that name none (None: every marketplace of the seller)."""
    default = None
    if marketplace is not None:
        default = marketplace_id_of(marketplace) or marketplace
        seller.marketplace(default)  # an unknown marketplace is a ConfigError naming it
    return read_products_csv(
        text,
        seller_id=seller.id,
        region=seller.region.value,
        marketplace_ids=[mp.id for mp in seller.marketplaces],
        default_marketplace=default,
        now=now,
        marketplace_by_name=marketplace_id_of,
    )


def import_products(
    state: StateStore,
    odoo: OdooGateway,
    seller: SellerConfig,
    text: str,
    *,
    marketplace: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> ProductImport:
    """Check the whole file, create the missing Odoo products (one ``load``), store the bindings.

    Nothing is written when a row has a problem. Odoo calls: one read per 1,000 references, one ``load``
    for the missing products (none in a dry run). A failure of the load leaves no binding stored; running
    the import again is safe (the products' external ids make it an update)."""
    moment = now or utcnow()
    found = read_file(seller, text, marketplace, moment)
    if found.problems:
        return ProductImport(problems=found.problems, dry_run=dry_run)
    names = found.products
    in_odoo = odoo.products_by_reference(seller.odoo.company, list(names))
    problems: list[str] = []
    for reference, products in in_odoo.items():
        if products and not any(p.active for p in products):
            lines = ", ".join(str(n) for n in found.lines(reference))
            problems.append(
                f"line {lines}: column 'Internal Reference': the Odoo product {reference!r} is archived "
                "(restore it in Odoo, or give the row another internal reference)"
            )
    if problems:
        return ProductImport(problems=tuple(problems), dry_run=dry_run)
    missing = {ref: name for ref, name in names.items() if ref not in in_odoo}
    existing = tuple(ref for ref in names if ref in in_odoo)
    bindings = _merged(state, found.bindings)
    if dry_run:
        return ProductImport(bindings, (), existing, dict.fromkeys(missing, 0), dry_run=True)
    created: dict[str, int] = {}
    if missing:
        created = odoo.create_products(odoo.company_id(seller.odoo.company), missing)
    state.save_bindings(bindings)
    return ProductImport(bindings, (), existing, created)


def _merged(state: StateStore, bindings: Sequence[ListingBinding]) -> tuple[ListingBinding, ...]:
    """The file's bindings over the stored ones: what a listings sync learnt (price, quantity, status) is
    kept, and so are an ASIN, a title or a product type the file leaves empty."""
    by_market: dict[tuple[str, str], list[ListingBinding]] = {}
    for binding in bindings:
        by_market.setdefault((binding.seller_id, binding.marketplace_id), []).append(binding)
    out: list[ListingBinding] = []
    for (seller_id, marketplace_id), group in by_market.items():
        stored = state.get_bindings(seller_id, marketplace_id, [b.sku for b in group])
        for binding in group:
            old = stored.get(binding.sku)
            if old is None:
                out.append(binding)
                continue
            keep_type = binding.product_type == DEFAULT_PRODUCT_TYPE
            update = {
                "odoo_ref": binding.odoo_ref,
                "product_type": old.product_type if keep_type else binding.product_type,
                "source": binding.source,
                "active": binding.active,
                "note": binding.note,
                "updated_at": binding.updated_at,
                "fulfillment_channel": binding.fulfillment_channel,
                "asin": binding.asin or old.asin,
                "title": binding.title or old.title,
            }
            out.append(old.model_copy(update=update))
    return tuple(out)


# -- the upload file ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadFile:
    """The upload file's text, how many SKUs it holds, and a note per SKU left out or written with a gap."""

    text: str
    rows: int
    notes: tuple[UploadNote, ...]


def upload_file(
    state: StateStore,
    odoo: OdooGateway,
    seller: SellerConfig,
    marketplace: str,
    references: Sequence[str] = (),
    *,
    delimiter: str = ",",
) -> UploadFile:
    """The Odoo products Amazon's catalogue does not have yet, for Seller Central's upload.

    Which: the internal references given (each with the SKU bound to it in the marketplace, or the
    reference itself as SKU), else every active binding of the marketplace without an ASIN. Odoo calls: one
    read of the products (as ``products export`` reads them), the stock (one per 1,000) and the pricelist's
    prices (see ``pricelist_prices``)."""
    mp = seller.marketplace(marketplace_id_of(marketplace) or marketplace)
    bindings = [b for b in state.list_bindings(seller.id, mp.id) if b.active]
    if references:
        by_ref: dict[str, list[ListingBinding]] = {}
        for binding in bindings:
            by_ref.setdefault(binding.odoo_ref, []).append(binding)
        items = [
            UploadItem(b.sku, ref, b.product_type, b.title)
            for ref in dict.fromkeys(references)
            for b in by_ref.get(ref, ())
        ]
        items += [UploadItem(ref, ref) for ref in dict.fromkeys(references) if ref not in by_ref]
    else:
        items = [UploadItem(b.sku, b.odoo_ref, b.product_type, b.title) for b in bindings if not b.asin]
    if not items:
        return UploadFile(_render([], delimiter), 0, ())
    refs = list(dict.fromkeys(item.reference for item in items))
    company = seller.odoo.company
    products = read_products(odoo, company, refs)
    prices = None
    if mp.pricelist:
        prices = odoo.pricelist_prices(company, [mp.pricelist], refs)[mp.pricelist]
    listing = Listing(
        marketplace_id=mp.id,
        currency=mp.currency,
        prices=prices,
        stock=odoo.stock_by_reference(company, refs, warehouse=mp.warehouse),
        caps=mp.stock_caps,
        forecast=mp.stock_field is StockField.FORECAST,
        condition=seller.orders.product_condition,
    )
    rows, notes = upload_rows(items, products, listing)
    return UploadFile(_render(rows, delimiter), len(rows), tuple(notes))


def _render(rows: Sequence[dict[str, str]], delimiter: str) -> str:
    if delimiter not in (",", "\t"):
        raise ConfigError(f"delimiter {delimiter!r}: a comma or a tab", record="upload file")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=UPLOAD_COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
