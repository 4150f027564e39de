"""Settlements (Reports API 2021-06-30, ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``): what Amazon paid out,
row by row, read as a stream. Pure.

A settlement report is a tab-separated flat file: a header naming the columns (matched by name; extra
columns are ignored), then the settlement summary (settlement id, period, deposit date, total, currency:
only the first six columns filled), then one row per amount — an order's principal, its shipping, each fee,
a refund's parts, account-level fees without an order. Amounts use the marketplace's local format
(``1.249,00``, ``95,00`` as well as ``95.00``); dates come in several shapes (``2026-11-01 07:21:32 UTC``,
``01.11.2026 07:21:32 UTC``, ``11/03/26``, ISO 8601) and are read as UTC.

:class:`SettlementReader` yields the rows one by one (nothing but the current line in memory); a row it
cannot read raises :class:`SettlementFormatError` naming the line number and the column. :func:`aggregate`
folds the rows into the statement an accountant wants: one :class:`SettlementLine` per order and
transaction type (its parts summed: the sale part matched with the invoice, each fee by type) and one per
fee type for account-level fees. :class:`SettlementRecord` is what the connector keeps about each report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from amazon_odoo.domain.errors import PermanentError

SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REPORT_DONE = "DONE"

# -- Amazon's report and document ---------------------------------------------------------------------------


class AmazonReport(BaseModel):
    """One report as getReports / getReport answer it (Amazon's names as aliases)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)

    report_id: str = Field(alias="reportId", min_length=1)
    report_type: str = Field(alias="reportType")
    marketplace_ids: tuple[str, ...] = Field(default=(), alias="marketplaceIds")
    created_time: AwareDatetime = Field(alias="createdTime")
    processing_status: str = Field(alias="processingStatus")
    data_start_time: AwareDatetime | None = Field(default=None, alias="dataStartTime")
    data_end_time: AwareDatetime | None = Field(default=None, alias="dataEndTime")
    document_id: str | None = Field(default=None, alias="reportDocumentId")


@dataclass(frozen=True)
class ReportPage:
    """One page of getReports (newest first) and the token of the next one."""

    reports: tuple[AmazonReport, ...]
    next_token: str | None = None


@dataclass(frozen=True)
class ReportDownload:
    """A report document written to a file: un-gzipped when Amazon declared GZIP; ``content_type`` is what
    its URL answered (``text/plain;charset=Cp1252`` ...), which names the document's character set."""

    content_type: str
    size: int

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", self.content_type)
        return match.group(1) if match else None


# -- the connector's record of a report ---------------------------------------------------------------------


class ReportState(StrEnum):
    NEW = "new"  # listed (or announced); nothing read yet
    DOWNLOADED = "downloaded"  # read and checked; its statement may be partly written
    IMPORTED = "imported"  # the statement is complete; some lines wait for a match (see the log book)
    RECONCILED = "reconciled"  # every line of the statement is matched or booked
    FAILED = "failed"  # cannot be processed until a person acts (the message says why)

    @property
    def pending(self) -> bool:
        """Work is left: download, write, or match what was left open."""
        return self in (ReportState.NEW, ReportState.DOWNLOADED, ReportState.IMPORTED)


class SettlementRecord(BaseModel):
    """One settlement report of one seller, processed once. No personal data: ids, dates and totals."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    report_id: str
    marketplace_id: str = ""
    document_id: str = ""
    report_created_at: AwareDatetime | None = None
    state: ReportState = ReportState.NEW
    settlement_id: str = ""
    period_start: AwareDatetime | None = None
    period_end: AwareDatetime | None = None
    deposit_date: AwareDatetime | None = None
    total: Decimal | None = None
    currency: str = ""
    rows: int = 0
    lines: int = 0  # statement lines (with the transfer to bank)
    open_lines: int = 0  # lines waiting for a match
    journal_code: str = ""
    statement_id: int | None = None
    statement_name: str = ""
    message: str = ""
    attempts: int = 0
    created_at: AwareDatetime
    updated_at: AwareDatetime
    imported_at: AwareDatetime | None = None
    reconciled_at: AwareDatetime | None = None
    version: int = 0

    @property
    def label(self) -> str:
        return self.settlement_id or f"report {self.report_id}"

    def touched(self, now: datetime, **changes: object) -> SettlementRecord:
        return self.model_copy(update={**changes, "updated_at": now})


# -- parsing ------------------------------------------------------------------------------------------------


class SettlementFormatError(PermanentError):
    """A line of the report cannot be read: ``line`` (1 = the header) and ``column`` say where."""

    def __init__(self, line: int, column: str, problem: str, *, record: str = "") -> None:
        super().__init__(
            f"line {line}, column {column}: {problem}",
            record=record,
            resolution="nothing of this report was written to Odoo; check the line in the report's file "
            "(Seller Central, Payments > Reports repository) and report it if Amazon's file is fine",
            source="amazon",
            code="SettlementFormat",
        )
        self.line = line
        self.column = column


COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
REQUIRED = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "amount-type",
    "amount-description",
    "amount",
    "posted-date",
)

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def parse_amount(text: str) -> Decimal:
    """An amount in any local format Amazon writes: ``95.00``, ``95,00``, ``1.234,56``, ``1,234.56``,
    ``-39,00``, ``1 234,56``; a separator followed by exactly three digits and no other separator groups
    thousands (``1.234`` / ``1,234`` = 1234, as in yen amounts). Raises ValueError."""
    value = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    dot, comma = value.rfind("."), value.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal_mark, group_mark = (".", ",") if dot > comma else (",", ".")
        value = value.replace(group_mark, "").replace(decimal_mark, ".")
    elif comma >= 0 or dot >= 0:
        mark = "," if comma >= 0 else "."
        position = comma if comma >= 0 else dot
        if value.count(mark) > 1 or len(value) - position - 1 == 3:
            value = value.replace(mark, "")
        else:
            value = value.replace(mark, ".")
    if not _NUMBER.match(value):
        raise ValueError(f"{text!r} is not an amount")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None


_ZONES = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 60,
    "CET": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "IST": 330,
    "JST": 540,
    "AEST": 600,
    "AEDT": 660,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
}
_TIME = r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
_ZONE = r"\s*([A-Za-z]{1,4}|[+-]\d{2}:?\d{2})?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}{_ZONE}$")
_LOCAL = re.compile(rf"^(\d{{1,2}})([./-])(\d{{1,2}})\2(\d{{2}}|\d{{4}}){_TIME}{_ZONE}$")


def _offset(zone: str | None) -> timedelta:
    if not zone:
        return timedelta(0)
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        return timedelta(minutes=minutes if zone[0] == "+" else -minutes)
    if zone.upper() not in _ZONES:
        raise ValueError(f"unknown time zone {zone!r}")
    return timedelta(minutes=_ZONES[zone.upper()])


def parse_moment(text: str, *, day_first: bool = False) -> datetime:
    """A settlement date or date-time as an aware UTC datetime (no zone given: UTC). ``dd.mm.yyyy`` is always
    day first; ``a/b/yy`` is month first unless ``day_first`` (or ``a`` > 12). Raises ValueError."""
    value = text.strip()
    match = _ISO.match(value)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        rest = match.groups()[3:]
    else:
        match = _LOCAL.match(value)
        if not match:
            raise ValueError(f"{text!r} is not a date")
        first, separator, second, year_text = match.group(1, 2, 3, 4)
        a, b = int(first), int(second)
        if separator in ".-" or (day_first and b <= 12) or a > 12:
            day, month = a, b
        else:
            month, day = a, b
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        rest = match.groups()[4:]
    hour, minute, second_text, zone = rest
    local = datetime(
        year,
        month,
        day,
        int(hour or 0),
        int(minute or 0),
        int(second_text or 0),
        tzinfo=UTC,
    )
    return local - _offset(zone)


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class SettlementRow:
    """One amount of the settlement (``line`` counts from 1, the header)."""

    line: int
    transaction_type: str
    order_id: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted: datetime
    marketplace_name: str = ""
    adjustment_id: str = ""
    shipment_id: str = ""
    merchant_order_id: str = ""
    order_item_code: str = ""
    sku: str = ""
    quantity: int = 0  # quantity-purchased (0: not given)


class SettlementReader:
    """Reads a settlement flat file line by line: :attr:`summary` at once, then :meth:`rows`.

    ``lines`` is any iterable of text lines (a file opened in its character set); ``record`` names the
    report in errors. A decoding error of the underlying file is reported on the line it happened on."""

    def __init__(self, lines: Iterable[str], *, day_first: bool = False, record: str = "") -> None:
        self._lines = iter(lines)
        self._day_first = day_first
        self._record = record
        self._line = 0
        self._dates: dict[str, datetime] = {}
        header = self._next()
        if header is None:
            raise SettlementFormatError(1, "(header)", "the report is empty", record=record)
        names = [name.strip().lower() for name in header.lstrip("\ufeff").split("\t")]
        self._index = {name: i for i, name in reversed(list(enumerate(names)))}
        for name in REQUIRED:
            if name not in self._index and not (name == "posted-date" and "posted-date-time" in self._index):
                raise SettlementFormatError(1, name, "the header has no such column", record=record)
        self._width = len(names)
        first = self._next()
        if first is None:
            raise SettlementFormatError(
                2, "settlement-id", "the report has no settlement summary row", record=record
            )
        cells = self._cells(first)
        settlement_id = self._cell(cells, "settlement-id")
        if not settlement_id:
            raise SettlementFormatError(
                self._line, "settlement-id", "the summary row has no settlement id", record=record
            )
        self.summary = SettlementSummary(
            settlement_id=settlement_id,
            start=self._moment(cells, "settlement-start-date"),
            end=self._moment(cells, "settlement-end-date"),
            deposit_date=self._moment(cells, "deposit-date"),
            total=self._amount(cells, "total-amount"),
            currency=self._required(cells, "currency").upper(),
        )

    def _next(self) -> str | None:
        while True:
            try:
                text = next(self._lines)
            except StopIteration:
                return None
            except UnicodeDecodeError as exc:
                raise SettlementFormatError(
                    self._line + 1,
                    "(encoding)",
                    f"not in the report's character set ({exc.reason})",
                    record=self._record,
                ) from None
            self._line += 1
            text = text.rstrip("\r\n")
            if text.strip():
                return text

    def _cells(self, text: str) -> list[str]:
        cells = text.split("\t")
        if len(cells) < self._width:
            cells += [""] * (self._width - len(cells))
        return cells

    def _cell(self, cells: list[str], name: str) -> str:
        index = self._index.get(name)
        return cells[index].strip() if index is not None else ""

    def _required(self, cells: list[str], name: str) -> str:
        value = self._cell(cells, name)
        if not value:
            raise SettlementFormatError(self._line, name, "is empty", record=self._record)
        return value

    def _amount(self, cells: list[str], name: str) -> Decimal:
        text = self._required(cells, name)
        try:
            return parse_amount(text)
        except ValueError:
            raise SettlementFormatError(
                self._line, name, f"{text!r} is not an amount", record=self._record
            ) from None

    def _moment(self, cells: list[str], name: str) -> datetime:
        text = self._required(cells, name)
        found = self._dates.get(text)
        if found is not None:
            return found
        try:
            moment = parse_moment(text, day_first=self._day_first)
        except ValueError as exc:
            raise SettlementFormatError(self._line, name, str(exc), record=self._record) from None
        if len(self._dates) < 10_000:
            self._dates[text] = moment
        return moment

    def rows(self) -> Iterator[SettlementRow]:
        """The rows after the summary, one at a time (the hot loop: column positions resolved once, repeated
        amounts and dates parsed once)."""
        settlement_id = self.summary.settlement_id
        index = self._index
        width = self._width
        at = {name: index.get(name, -1) for name in COLUMNS}
        amounts: dict[str, Decimal] = {}

        def cell(cells: list[str], name: str) -> str:
            position = at[name]
            return cells[position].strip() if position >= 0 else ""

        while (text := self._next()) is not None:
            cells = text.split("\t")
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            row_settlement = cell(cells, "settlement-id")
            if row_settlement != settlement_id:
                raise SettlementFormatError(
                    self._line,
                    "settlement-id",
                    f"{row_settlement or '(empty)'} is not the summary's settlement {settlement_id}",
                    record=self._record,
                )
            amount_text = cell(cells, "amount")
            amount = amounts.get(amount_text)
            if amount is None:
                amount = self._amount(cells, "amount")
                if len(amounts) < 50_000:
                    amounts[amount_text] = amount
            posted_name = "posted-date-time" if cell(cells, "posted-date-time") else "posted-date"
            transaction_type = cell(cells, "transaction-type") or self._required(cells, "transaction-type")
            yield SettlementRow(
                line=self._line,
                transaction_type=transaction_type,
                order_id=cell(cells, "order-id"),
                amount_type=cell(cells, "amount-type"),
                amount_description=cell(cells, "amount-description"),
                amount=amount,
                posted=self._moment(cells, posted_name),
                marketplace_name=cell(cells, "marketplace-name"),
                adjustment_id=cell(cells, "adjustment-id"),
                shipment_id=cell(cells, "shipment-id"),
                merchant_order_id=cell(cells, "merchant-order-id"),
                order_item_code=cell(cells, "order-item-code"),
                sku=cell(cells, "sku"),
                quantity=_quantity(cell(cells, "quantity-purchased")),
            )


def _quantity(text: str) -> int:
    """``quantity-purchased`` as a whole number of units (0 when empty or not a whole number)."""
    return int(text) if text.isdigit() else 0


# -- the statement an accountant wants ------------------------------------------------------------------------


class LineKind(StrEnum):
    ORDER = "order"  # a sale: its receivable part is matched with the order's invoice
    REFUND = "refund"  # a refund: its receivable part is matched with the order's credit note
    OTHER = "other"  # another transaction of an order (chargeback fees, reimbursements ...): all charges
    ACCOUNT = "account"  # an account-level fee or charge, no order
    TRANSFER = "transfer"  # the payout: the ending balance to the bank


ORDER_TYPES = frozenset({"Order"})
REFUND_TYPES = frozenset({"Refund", "Chargeback Refund", "A-to-z Guarantee Claim"})
#: amount types of an order that make up what the buyer paid (the invoice total); the rest are charges
RECEIVABLE_AMOUNT_TYPES = frozenset({"ItemPrice", "Promotion"})


ChargeKey = tuple[str, str]  # (amount type, amount description)


@dataclass
class RefundedItem:
    """What a refund gave back for one order item (the receivable rows of one ``order-item-code``/``sku``):
    Amazon's amounts (negative) by (amount type, description), and the units when the rows say."""

    order_item_code: str
    sku: str
    quantity: int = 0
    amounts: dict[ChargeKey, Decimal] = field(default_factory=dict)


@dataclass
class SettlementLine:
    """One statement line: one order and transaction type (parts summed), or one account-level fee type."""

    kind: LineKind
    transaction_type: str
    order_id: str
    date: date
    description: str = ""  # account-level: the fee's description
    receivable: Decimal = Decimal(0)
    charges: dict[ChargeKey, Decimal] = field(default_factory=dict)
    rows: int = 0
    #: refunds: the adjustment ids of the rows and the receivable part item by item (a credit note is made
    #: of them when the refund started at Amazon)
    adjustment_ids: list[str] = field(default_factory=list)
    refunded: dict[tuple[str, str], RefundedItem] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return self.receivable + sum(self.charges.values(), Decimal(0))

    @property
    def label(self) -> str:
        """Unique within a statement: it is how a resumed run knows the line is written."""
        if self.kind is LineKind.TRANSFER:
            return self.description
        if self.order_id:
            return f"{self.transaction_type} {self.order_id}"
        if self.transaction_type in ("other-transaction", self.description):
            return self.description or self.transaction_type
        return f"{self.transaction_type}: {self.description}"


@dataclass
class SettlementStatement:
    """A whole settlement folded into statement lines (in date order), with what it was made of."""

    summary: SettlementSummary
    lines: list[SettlementLine]
    rows: int
    marketplace_name: str = ""

    @property
    def total_of_lines(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind is not LineKind.TRANSFER), Decimal(0))


def line_kind(row: SettlementRow) -> LineKind:
    if not row.order_id:
        return LineKind.ACCOUNT
    if row.transaction_type in ORDER_TYPES:
        return LineKind.ORDER
    if row.transaction_type in REFUND_TYPES:
        return LineKind.REFUND
    return LineKind.OTHER


def aggregate(reader: SettlementReader) -> SettlementStatement:
    """Fold the rows into statement lines as they stream by; check they add up to the report's total.

    Raises SettlementFormatError for a row that cannot be read and PermanentError when the rows do not add
    up to the summary's total (a truncated or altered file): nothing is to be written then."""
    summary = reader.summary
    lines: dict[tuple[str, str, str, str], SettlementLine] = {}
    total = Decimal(0)
    count = 0
    marketplaces: dict[str, int] = {}
    for row in reader.rows():
        count += 1
        total += row.amount
        if row.marketplace_name:
            marketplaces[row.marketplace_name] = marketplaces.get(row.marketplace_name, 0) + 1
        kind = line_kind(row)
        if kind is LineKind.ACCOUNT:
            key = (row.transaction_type, "", row.amount_type, row.amount_description)
        else:
            key = (row.transaction_type, row.order_id, "", "")
        posted = row.posted.date()
        line = lines.get(key)
        if line is None:
            line = lines[key] = SettlementLine(
                kind=kind,
                transaction_type=row.transaction_type,
                order_id=row.order_id,
                date=posted,
                description=row.amount_description if kind is LineKind.ACCOUNT else "",
            )
        elif posted < line.date:
            line.date = posted
        line.rows += 1
        if kind in (LineKind.ORDER, LineKind.REFUND) and row.amount_type in RECEIVABLE_AMOUNT_TYPES:
            line.receivable += row.amount
            if kind is LineKind.REFUND:
                _refunded(line, row)
        else:
            charge = (row.amount_type, row.amount_description)
            line.charges[charge] = line.charges.get(charge, Decimal(0)) + row.amount
    if total != summary.total:
        raise PermanentError(
            f"the rows of settlement {summary.settlement_id} add up to {total}, its summary says {summary.total}",
            record=f"settlement {summary.settlement_id}",
            resolution="nothing was written to Odoo; download the report again later (Amazon may still be "
            "completing it) and report it if the file stays inconsistent",
            source="amazon",
            code="SettlementTotal",
        )
    ordered = sorted(lines.values(), key=lambda x: (x.date, _KIND_ORDER[x.kind], x.order_id, x.label))
    name = max(marketplaces, key=lambda n: marketplaces[n]) if marketplaces else ""
    return SettlementStatement(summary=summary, lines=ordered, rows=count, marketplace_name=name)


def _refunded(line: SettlementLine, row: SettlementRow) -> None:
    if row.adjustment_id and row.adjustment_id not in line.adjustment_ids:
        line.adjustment_ids.append(row.adjustment_id)
    key = (row.order_item_code, row.sku)
    item = line.refunded.get(key)
    if item is None:
        item = line.refunded[key] = RefundedItem(order_item_code=row.order_item_code, sku=row.sku)
    item.quantity = max(item.quantity, row.quantity)  # each row of the item repeats its units
    charge = (row.amount_type, row.amount_description)
    item.amounts[charge] = item.amounts.get(charge, Decimal(0)) + row.amount


_KIND_ORDER = {
    LineKind.ORDER: 0,
    LineKind.REFUND: 1,
    LineKind.OTHER: 2,
    LineKind.ACCOUNT: 3,
    LineKind.TRANSFER: 4,
}


def marketplace_by_name(name: str, known: dict[str, tuple[str, str, str, str, str]]) -> str | None:
    """The marketplace id of a ``marketplace-name`` such as ``Amazon.de`` or ``Amazon.co.uk`` (None if not
    known): matched on the domain suffix of ``known`` (config.MARKETPLACES)."""
    lowered = name.strip().lower()
    if not lowered.startswith("amazon."):
        return None
    suffix = lowered.removeprefix("amazon.").removeprefix("co.").removeprefix("com.")
    if suffix in ("co.uk", "uk"):
        suffix = "uk"
    for marketplace_id, (_, _, domain, _, _) in known.items():
        if domain == suffix:
            return marketplace_id
    return None
