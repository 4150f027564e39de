"""Amazon's listings report (``GET_MERCHANT_LISTINGS_ALL_DATA``), read as a stream (issue 7). Pure.

The report is tab-separated text with a header line. Columns are found by their header names (any order,
any case; columns this reader does not use are ignored), so a report with more or fewer optional columns
reads the same. Only ``seller-sku`` is required. A row that cannot be read (no SKU, a price or quantity that
is not a number, a SKU given twice) is left out and named by line and column in :attr:`ListingsReportReader.
problems`; the other rows are read on. A header without ``seller-sku`` makes the whole report unreadable
(:class:`ListingsReportError`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LISTINGS_REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
#: The fulfilment channel of the merchant's own listings (FBM); FBA listings name Amazon's network
#: (AMAZON_NA, AMAZON_EU, AMAZON_FE ...).
MERCHANT_CHANNEL = "DEFAULT"
MAX_SKU_LENGTH = 40  # Amazon's limit on a seller SKU

SKU = "seller-sku"
ASIN_COLUMNS = ("asin1", "asin")  # the first one present
TITLE = "item-name"
PRICE = "price"
QUANTITY = "quantity"
CHANNEL = "fulfillment-channel"
STATUS = "status"
PRODUCT_ID = "product-id"
PRODUCT_ID_TYPE = "product-id-type"  # 1: product-id is an ASIN

_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


class ListingsReportError(ValueError):
    """The report as a whole cannot be read (no header, no ``seller-sku`` column)."""


@dataclass(frozen=True)
class ListingRow:
    """One listing of the report: the seller SKU and what Amazon says of it (``line``: 1 = the header)."""

    line: int
    sku: str
    asin: str = ""
    title: str = ""
    price: Decimal | None = None
    quantity: int | None = None  # empty for FBA listings: Amazon holds the stock
    fulfillment_channel: str = MERCHANT_CHANNEL
    status: str = ""  # Active, Inactive, Incomplete ...

    @property
    def merchant_fulfilled(self) -> bool:
        """The merchant ships it (FBM): its stock is the connector's to send."""
        return self.fulfillment_channel.upper() == MERCHANT_CHANNEL


@dataclass(frozen=True)
class RowProblem:
    """A row left out: where, and why."""

    line: int
    column: str
    message: str
    sku: str = ""

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class ListingsReportReader:
    """Iterate the rows of a listings report from ``lines`` (a text file opened with ``newline=""``, or any
    iterable of lines). Rows come out one at a time; ``problems`` fills as they are read."""

    def __init__(self, lines: Iterable[str], *, record: str = "listings report") -> None:
        self._reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=False)
        self._record = record
        self.problems: list[RowProblem] = []
        self.rows_read = 0
        self._seen: dict[str, int] = {}
        try:
            header = next(self._reader)
        except StopIteration:
            raise ListingsReportError(f"{record} is empty: it has no header line") from None
        names = [name.strip().lstrip("\ufeff").lower() for name in header]
        self._index = {name: n for n, name in reversed(list(enumerate(names))) if name}
        if SKU not in self._index:
            found = ", ".join(name for name in names if name) or "none"
            raise ListingsReportError(
                f"{record} has no '{SKU}' column (columns: {found}): it is not a {LISTINGS_REPORT_TYPE} report"
            )
        self._asin = next((self._index[c] for c in ASIN_COLUMNS if c in self._index), None)

    def __iter__(self) -> Iterator[ListingRow]:
        for cells in self._reader:
            line = self._reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            self.rows_read += 1
            row = self._row(line, cells)
            if row is not None:
                yield row

    def _cell(self, cells: list[str], column: str) -> str:
        n = self._index.get(column)
        return cells[n].strip() if n is not None and n < len(cells) else ""

    def _row(self, line: int, cells: list[str]) -> ListingRow | None:
        sku = self._cell(cells, SKU)
        if not sku:
            missing = self._index[SKU] >= len(cells)
            why = f"the row has {len(cells)} field(s), fewer than the header" if missing else "no SKU"
            return self._problem(line, SKU, why)
        if len(sku) > MAX_SKU_LENGTH:
            return self._problem(line, SKU, f"SKU {sku!r} is longer than {MAX_SKU_LENGTH} characters", sku)
        first = self._seen.get(sku)
        if first is not None:
            return self._problem(
                line, SKU, f"SKU {sku} is on line {first} already: this row is left out", sku
            )
        self._seen[sku] = line
        price_text = self._cell(cells, PRICE)
        price: Decimal | None = None
        if price_text:
            if not _NUMBER.match(price_text):
                return self._problem(line, PRICE, f"SKU {sku}: price {price_text!r} is not a number", sku)
            try:
                price = Decimal(price_text.replace(",", "."))
            except InvalidOperation:
                return self._problem(line, PRICE, f"SKU {sku}: price {price_text!r} is not a number", sku)
            if price < 0:
                return self._problem(line, PRICE, f"SKU {sku}: price {price_text} is negative", sku)
        quantity_text = self._cell(cells, QUANTITY)
        quantity: int | None = None
        if quantity_text:
            if not quantity_text.isdigit():
                return self._problem(
                    line, QUANTITY, f"SKU {sku}: quantity {quantity_text!r} is not a whole number", sku
                )
            quantity = int(quantity_text)
        asin = cells[self._asin].strip() if self._asin is not None and self._asin < len(cells) else ""
        if not asin and self._cell(cells, PRODUCT_ID_TYPE) == "1":
            asin = self._cell(cells, PRODUCT_ID)
        return ListingRow(
            line=line,
            sku=sku,
            asin=asin,
            title=self._cell(cells, TITLE),
            price=price,
            quantity=quantity,
            fulfillment_channel=self._cell(cells, CHANNEL).upper() or MERCHANT_CHANNEL,
            status=self._cell(cells, STATUS),
        )

    def _problem(self, line: int, column: str, message: str, sku: str = "") -> ListingRow | None:
        """Record a rejected row; answers None (no row) so callers can `return self._problem(...)`."""
        self.problems.append(RowProblem(line, column, message, sku))
        return None
