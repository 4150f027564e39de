"""The products CSV (issue 7): which Odoo product each seller SKU of each marketplace is. Pure.

``amazon-odoo products import FILE`` reads it; ``amazon-odoo products sample-csv`` writes
:data:`SAMPLE_CSV`. A header line names the columns, in any order (case, spaces, ``-`` and ``_`` do not
matter; the short names of the older bindings file are understood too). Commas separate the cells, or
semicolons or tabs as some spreadsheets save them (the header line tells):

=====================  =====================================================  ================================
Column                 Value                                                  Empty
=====================  =====================================================  ================================
Internal Reference     the Odoo product's internal reference (default_code)   the seller SKU
Seller SKU             the SKU at Amazon (required, at most 40 characters)    the row is an error
ASIN                   Amazon's id of the catalogue item (10 letters/digits)  not known yet (``export-file``)
Product Title          the listing's title; names a product created here      the internal reference
Fulfillment By         FBM (the seller ships; also MFN, Merchant, DEFAULT)    FBM
                       or FBA (Amazon ships; also AFN, Amazon, AMAZON_NA...)
Marketplace            a marketplace name (``Amazon.de``) or id of the        ``--marketplace``, else every
                       seller's                                               marketplace of the seller
Product Type           Amazon's product type (``DRINKING_CUP``)               ``PRODUCT``
=====================  =====================================================  ================================

The whole file is checked before anything is stored: :func:`read_products_csv` answers every row it can
read *and* one problem per bad cell ("line 4: column 'ASIN': ..."), and a caller stores nothing while
there is a problem. Blank lines are skipped; a later row for the same (marketplace, SKU) replaces an
earlier one. One Odoo product may carry several SKUs (one per marketplace, or several in one).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from amazon_odoo.domain.listings import DEFAULT_PRODUCT_TYPE, BindingSource, ListingBinding

#: The columns of the products CSV, as the sample names them (``Product Type`` is optional).
COLUMNS = ("Internal Reference", "Seller SKU", "ASIN", "Product Title", "Fulfillment By", "Marketplace")
OPTIONAL_COLUMNS = ("Product Type",)

SAMPLE_CSV = (
    ",".join(COLUMNS) + "\n"
    'MUG-BLUE-12,MUG-BLUE-12,B0CXM4K2Q1,"Stoneware Mug 12 oz, Blue",FBM,Amazon.com\n'
    'MUG-BLUE-12,MUG-BLUE-12-DE,B0CXM4K2Q1,"Steingut-Becher 350 ml, Blau",FBM,Amazon.de\n'
    "COASTER-SET-4,COASTER-SET-4,B0BQW8L3N9,Cork Coaster Set of 4,FBM,Amazon.com\n"
    "KETTLE-STEEL,KETTLE-STEEL,B0DKT7S1Z5,Stainless Kettle 1.7 L,FBM,Amazon.de\n"
)

#: Amazon's fulfilment channel code of the seller's own fulfilment (FBM).
MERCHANT_CHANNEL = "DEFAULT"

_FIELDS: dict[str, str] = {
    "internalreference": "internal_reference",
    "odooref": "internal_reference",
    "odooreference": "internal_reference",
    "defaultcode": "internal_reference",
    "sellersku": "seller_sku",
    "sku": "seller_sku",
    "asin": "asin",
    "producttitle": "title",
    "title": "title",
    "itemname": "title",
    "name": "title",
    "fulfillmentby": "fulfillment_by",
    "fulfilmentby": "fulfillment_by",
    "fulfillmentchannel": "fulfillment_by",
    "fulfilmentchannel": "fulfillment_by",
    "marketplace": "marketplace",
    "marketplaceid": "marketplace",
    "producttype": "product_type",
}
_MERCHANT = {"FBM", "MFN", "MERCHANT", "DEFAULT"}
_AMAZON = {"FBA", "AFN", "AMAZON"}
_ASIN = re.compile(r"^[A-Z0-9]{10}$")


class Fulfillment(StrEnum):
    FBM = "FBM"  # the merchant ships: exported (stock, price)
    FBA = "FBA"  # Amazon ships: bound, not exported (Amazon holds the stock)


class ProductRow(BaseModel):
    """One row of the products CSV, checked (field names are the CSV's own, see the module docstring)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    line: int
    internal_reference: str = Field(min_length=1, max_length=128)
    seller_sku: str = Field(min_length=1, max_length=40)
    asin: str = ""
    title: str = Field(default="", max_length=500)
    fulfillment_by: Fulfillment = Fulfillment.FBM
    fulfillment_channel: str = MERCHANT_CHANNEL
    marketplace_ids: tuple[str, ...] = Field(min_length=1)
    product_type: str = Field(default=DEFAULT_PRODUCT_TYPE, pattern=r"^[A-Z0-9_]+$")

    @field_validator("asin")
    @classmethod
    def _asin(cls, value: str) -> str:
        value = value.upper()
        if value and not _ASIN.match(value):
            raise ValueError(f"{value!r} is no ASIN (10 letters and digits, e.g. B0CXM4K2Q1)")
        return value


@dataclass(frozen=True)
class ProductsCsv:
    """What a products CSV holds: its rows, the bindings they make, and one line per bad cell."""

    rows: tuple[ProductRow, ...]
    bindings: tuple[ListingBinding, ...]
    problems: tuple[str, ...]

    @property
    def products(self) -> dict[str, str]:
        """Internal reference -> name for a product created when missing (the first title given, else the
        reference), in the file's order."""
        names: dict[str, str] = {}
        for row in self.rows:
            if not names.get(row.internal_reference):
                names[row.internal_reference] = row.title
        return {ref: title or ref for ref, title in names.items()}

    def lines(self, reference: str) -> list[int]:
        """The lines of the rows naming this internal reference."""
        return [row.line for row in self.rows if row.internal_reference == reference]


def read_products_csv(
    text: str,
    *,
    seller_id: str,
    region: str,
    marketplace_ids: Collection[str],
    default_marketplace: str | None,
    now: datetime,
    marketplace_by_name: Callable[[str], str | None] = lambda name: None,
) -> ProductsCsv:
    """Every row of the CSV ``text`` checked; ``problems`` names the line and the column of each bad cell.

    ``marketplace_by_name`` turns a marketplace name (``Amazon.de``) into its id (None: not a name it
    knows); ``region`` (NA, EU, FE) makes the FBA channel code (``AMAZON_NA``)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    if not reader.fieldnames:
        return ProductsCsv(
            (), (), ("line 1: the file is empty: it needs a header line (" + _expected() + ")",)
        )
    header: dict[str, str] = {}
    problems: list[str] = []
    for name in reader.fieldnames:
        key = _FIELDS.get(_norm(name or ""))
        if key is None:
            if name and name.strip():
                problems.append(
                    f"line 1: column {name!r} is not a column of the products CSV ({_expected()})"
                )
            continue
        if key in header.values():
            problems.append(f"line 1: column {name!r} says the same as another column of the header")
            continue
        header[name] = key
    if "seller_sku" not in header.values():
        problems.append(f"line 1: no 'Seller SKU' column ({_expected()})")
    if problems:
        return ProductsCsv((), (), tuple(problems))
    column = {key: name for name, key in header.items()}
    rows: list[ProductRow] = []
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(f"line {line}: more cells than the header has columns (a comma not in quotes?)")
            continue
        values = {header[k]: (v or "").strip() for k, v in raw.items() if k in header}
        if not any(values.values()):
            continue
        row = _row(line, values, column, marketplace_ids, default_marketplace, region, marketplace_by_name)
        if isinstance(row, ProductRow):
            rows.append(row)
        else:
            problems += row
    bindings: dict[tuple[str, str], ListingBinding] = {}
    if not problems:
        for row in rows:
            for marketplace_id in row.marketplace_ids:
                bindings[(marketplace_id, row.seller_sku)] = to_binding(row, seller_id, marketplace_id, now)
    return ProductsCsv(tuple(rows), tuple(bindings.values()), tuple(problems))


def to_binding(row: ProductRow, seller_id: str, marketplace_id: str, now: datetime) -> ListingBinding:
    fba = row.fulfillment_by is Fulfillment.FBA
    return ListingBinding(
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        sku=row.seller_sku,
        odoo_ref=row.internal_reference,
        product_type=row.product_type,
        source=BindingSource.CSV,
        active=not fba,
        note="fulfilled by Amazon (FBA): Amazon holds its stock, nothing is exported" if fba else "",
        updated_at=now,
        asin=row.asin,
        title=row.title,
        fulfillment_channel=row.fulfillment_channel,
    )


def _row(
    line: int,
    values: Mapping[str, str],
    column: Mapping[str, str],
    marketplace_ids: Collection[str],
    default_marketplace: str | None,
    region: str,
    by_name: Callable[[str], str | None],
) -> ProductRow | list[str]:
    problems: list[str] = []

    def bad(key: str, message: str) -> None:
        problems.append(f"line {line}: column {column.get(key, key)!r}: {message}")

    sku = values.get("seller_sku", "")
    fields: dict[str, object] = {
        "line": line,
        "seller_sku": sku,
        "internal_reference": values.get("internal_reference", "") or sku,
        "asin": values.get("asin", ""),
        "title": values.get("title", ""),
        "product_type": (values.get("product_type", "") or DEFAULT_PRODUCT_TYPE).upper(),
    }
    if not sku:
        bad("seller_sku", "no seller SKU")
    channel = values.get("fulfillment_by", "").upper().replace(" ", "_")
    if not channel or channel in _MERCHANT:
        fields["fulfillment_by"], fields["fulfillment_channel"] = Fulfillment.FBM, MERCHANT_CHANNEL
    elif channel in _AMAZON or channel.startswith("AMAZON_"):
        code = channel if channel.startswith("AMAZON_") else f"AMAZON_{region}"
        fields["fulfillment_by"], fields["fulfillment_channel"] = Fulfillment.FBA, code
    else:
        bad("fulfillment_by", f"{values['fulfillment_by']!r} is neither FBM (the seller ships) nor FBA")
    market = values.get("marketplace", "")
    if market:
        found = market if market in marketplace_ids else by_name(market)
        if found is None:
            bad(
                "marketplace",
                f"{market!r} is no Amazon marketplace name (Amazon.de) or id the connector knows",
            )
        elif found not in marketplace_ids:
            mine = ", ".join(sorted(marketplace_ids))
            named = market if found == market else f"{market} ({found})"
            bad("marketplace", f"marketplace {named} is not one of the seller's ({mine})")
        else:
            fields["marketplace_ids"] = (found,)
    else:
        fields["marketplace_ids"] = (
            (default_marketplace,) if default_marketplace else tuple(sorted(marketplace_ids))
        )
    if problems:
        return problems
    try:
        return ProductRow.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "seller_sku"
            bad(key, str(error["msg"]).removeprefix("Value error, "))
        return problems


def _delimiter(text: str) -> str:
    """The header line's separator: a comma, or the semicolon or tab some spreadsheets save with."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _expected() -> str:
    return "columns: " + ", ".join((*COLUMNS, *OPTIONAL_COLUMNS))


def parse_bindings(
    text: str,
    *,
    seller_id: str,
    marketplace_ids: Collection[str],
    default_marketplace: str | None,
    now: datetime,
) -> tuple[tuple[ListingBinding, ...], tuple[str, ...]]:
    """Bindings only (the older bindings file: ``sku``, ``odoo_ref``, ``marketplace``, ``product_type``),
    read as a products CSV; region NA for FBA rows (``Fulfillment By`` is not a column of that file)."""
    found = read_products_csv(
        text,
        seller_id=seller_id,
        region="NA",
        marketplace_ids=marketplace_ids,
        default_marketplace=default_marketplace,
        now=now,
        marketplace_by_name=lambda value: value,  # that file names marketplaces by id only
    )
    return found.bindings, found.problems
