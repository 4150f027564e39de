"""Settlement flat files read as a stream (domain/settlements.py): local amount formats, dates as UTC, the
summary row, rows folded into the statement an accountant wants, and errors that name line and column."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_odoo.config import MARKETPLACES
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.settlements import (
    LineKind,
    ReportDownload,
    SettlementFormatError,
    SettlementReader,
    aggregate,
    marketplace_by_name,
    parse_amount,
    parse_moment,
)
from amazon_odoo.services.settlements import read_statement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LOCAL = Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios"
US = (LOCAL / "settlement-v2-us.tsv").read_bytes().decode("utf-8")  # CRLF kept
DE = (FIXTURES / "settlement-v2-de.tsv").read_bytes().decode("utf-8")  # the shared sample, Amazon.de


def reader(text: str, **kwargs: object) -> SettlementReader:
    return SettlementReader(io.StringIO(text, newline=""), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("95.00", "95.00"),
        ("95,00", "95.00"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-39,00", "-39.00"),
        ("1.249,00", "1249.00"),
        ("1 234,56", "1234.56"),
        ("0,2", "0.2"),
        ("1.234", "1234"),  # yen, German style: a separator before three digits groups thousands
        ("1,234", "1234"),
        ("12", "12"),
        ("+4.99", "4.99"),
        ("1.234.567,89", "1234567.89"),
    ],
)
def test_amounts_in_every_local_format_become_decimal(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "12,3x", "abc", "1.2.3,4,5", "--1"])
def test_what_is_no_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "day_first", "moment"),
    [
        ("2026-11-01 07:21:32 UTC", False, datetime(2026, 11, 1, 7, 21, 32, tzinfo=UTC)),
        ("01.11.2026 07:21:32 UTC", False, datetime(2026, 11, 1, 7, 21, 32, tzinfo=UTC)),
        ("2026-11-03T14:02:11+00:00", False, datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)),
        ("2026-11-03T14:02:11Z", False, datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)),
        ("2026-11-03 06:02:11 PST", False, datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)),
        ("2026-11-03T16:02:11+02:00", False, datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)),
        ("11/03/26", False, datetime(2026, 11, 3, tzinfo=UTC)),
        ("03/11/2026", True, datetime(2026, 11, 3, tzinfo=UTC)),
        ("25/11/2026", False, datetime(2026, 11, 25, tzinfo=UTC)),  # 25 cannot be a month
        ("04.11.2026", False, datetime(2026, 11, 4, tzinfo=UTC)),
        ("2026-11-04", False, datetime(2026, 11, 4, tzinfo=UTC)),
    ],
)
def test_dates_are_read_as_utc(text: str, day_first: bool, moment: datetime) -> None:
    assert parse_moment(text, day_first=day_first) == moment


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-11-03 10:00 XYZ", "32.11.2026"])
def test_what_is_no_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_moment(text)


def test_the_us_sample_summary_rows_and_total() -> None:
    read = reader(US)
    summary = read.summary
    assert summary.settlement_id == "23871640912"
    assert (summary.start, summary.end) == (
        datetime(2026, 11, 1, 7, 21, 32, tzinfo=UTC),
        datetime(2026, 11, 15, 7, 21, 32, tzinfo=UTC),
    )
    assert summary.deposit_date == datetime(2026, 11, 17, 7, 21, 32, tzinfo=UTC)
    assert (summary.total, summary.currency) == (Decimal("29.20"), "USD")
    rows = list(read.rows())
    assert len(rows) == 33
    assert sum(r.amount for r in rows) == summary.total
    first = rows[0]
    assert (first.line, first.transaction_type, first.order_id, first.amount_type) == (
        3,
        "Order",
        "114-3941689-8772232",
        "ItemPrice",
    )
    assert first.posted == datetime(2026, 11, 3, 14, 2, 11, tzinfo=UTC)
    assert rows[-1].order_id == "" and rows[-1].amount == Decimal("-39.99")


def test_the_us_sample_folds_into_one_line_per_order_and_type() -> None:
    statement = aggregate(reader(US))
    assert statement.rows == 33 and statement.marketplace_name == "Amazon.com"
    assert statement.total_of_lines == Decimal("29.20")
    lines = {line.label: line for line in statement.lines}
    assert list(lines) == [
        "Order 114-3941689-8772232",
        "Order 114-2208876-1153001",
        "Order 114-7730412-5509876",
        "Refund 114-3941689-8772232",
        "Subscription Fee",
    ]
    first = lines["Order 114-3941689-8772232"]
    assert first.kind is LineKind.ORDER and first.date == date(2026, 11, 3) and first.rows == 7
    assert first.receivable == Decimal("33.45")  # the invoice total: items, shipping, collected tax
    assert first.charges == {
        ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal"): Decimal("-2.08"),
        ("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping"): Decimal("-0.40"),
        ("ItemFees", "Commission"): Decimal("-4.65"),
    }
    assert first.amount == Decimal("26.32")
    gift = lines["Order 114-2208876-1153001"]  # two items, promotion included in what the buyer paid
    assert gift.receivable == Decimal("12.99") + Decimal("5.99") + Decimal("1.04") + Decimal(
        "0.48"
    ) + Decimal("9.50") + Decimal("3.99") + Decimal("0.76") + Decimal("0.32") - Decimal("2.00")
    assert gift.charges[("ItemFees", "Commission")] == Decimal("-4.57")  # both items' commission summed
    refund = lines["Refund 114-3941689-8772232"]
    assert refund.kind is LineKind.REFUND and refund.receivable == Decimal("-14.03")
    assert refund.charges[("ItemFees", "Commission")] == Decimal("1.95")
    fee = lines["Subscription Fee"]
    assert fee.kind is LineKind.ACCOUNT and fee.order_id == "" and fee.amount == Decimal("-39.99")


def test_the_german_sample_with_decimal_commas_and_dotted_dates() -> None:
    statement = aggregate(reader(DE, day_first=True))
    summary = statement.summary
    assert (summary.settlement_id, summary.total, summary.currency) == (
        "24011856733",
        Decimal("1060.67"),
        "EUR",
    )
    assert summary.start == datetime(2026, 11, 1, 7, 21, 32, tzinfo=UTC)
    lines = {line.label: line for line in statement.lines}
    kettle = lines["Order 302-5561290-3348217"]
    assert (kettle.receivable, kettle.amount, kettle.date) == (
        Decimal("1249.00"),
        Decimal("1061.65"),
        date(2026, 11, 4),
    )
    assert lines["Order 302-1187734-6620011"].receivable == Decimal("44.97")  # free shipping promotion
    assert lines["Subscription Fee"].amount == Decimal("-39.00")
    assert statement.total_of_lines == summary.total


def test_a_row_that_cannot_be_read_names_its_line_and_column() -> None:
    broken = US.replace("\t-4.65\t", "\t-4,6x\t")
    read = reader(broken, record="settlement report 1")
    with pytest.raises(SettlementFormatError) as caught:
        list(read.rows())
    assert (caught.value.line, caught.value.column) == (9, "amount")
    assert "line 9, column amount: '-4,6x' is not an amount" in caught.value.message
    assert "nothing of this report was written" in caught.value.resolution


def test_bad_dates_missing_columns_and_foreign_rows_are_refused_with_their_place() -> None:
    with pytest.raises(SettlementFormatError) as caught:
        list(reader(US.replace("11/05/26\t2026-11-05 09:41:57 UTC", "11/05/26\tsoon", 1)).rows())
    assert (caught.value.line, caught.value.column) == (10, "posted-date-time")
    header, rest = US.split("\n", 1)
    with pytest.raises(SettlementFormatError) as caught:
        reader(header.replace("\tamount\t", "\tamt\t") + "\n" + rest)
    assert (caught.value.line, caught.value.column) == (1, "amount")
    with pytest.raises(SettlementFormatError) as caught:
        list(reader(US.replace("\n23871640912\t\t\t\t\t\tRefund", "\n99999\t\t\t\t\t\tRefund", 1)).rows())
    assert caught.value.column == "settlement-id" and "not the summary's settlement" in caught.value.message
    with pytest.raises(SettlementFormatError) as caught:
        reader("")
    assert caught.value.line == 1


def test_rows_that_do_not_add_up_to_the_total_are_refused() -> None:
    lines = US.splitlines(keepends=True)
    with pytest.raises(PermanentError) as caught:
        aggregate(reader("".join(lines[:-1])))  # the subscription fee is missing: a truncated file
    assert caught.value.code == "SettlementTotal"
    assert "add up to 69.19, its summary says 29.20" in caught.value.message


def test_extra_columns_and_blank_lines_are_ignored() -> None:
    header, rest = US.split("\r\n", 1)
    widened = header + "\tnew-column\r\n" + rest.replace("\r\n", "\tx\r\n") + "\r\n\r\n"
    statement = aggregate(reader(widened))
    assert statement.rows == 33 and statement.total_of_lines == Decimal("29.20")


def test_a_gzip_free_document_in_its_declared_charset() -> None:
    text = US.replace("Subscription Fee", "Abonnementgebühr")
    data = io.BytesIO(text.encode("cp1252"))
    statement = read_statement(data, ReportDownload("text/plain;charset=Cp1252", 0).charset, day_first=False)
    assert statement.lines[-1].label == "Abonnementgebühr"
    wrong = io.BytesIO(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(SettlementFormatError) as caught:
        read_statement(wrong, "UTF-8", day_first=False)
    assert caught.value.column == "(encoding)"
    assert gzip.decompress(gzip.compress(b"x")) == b"x"


def test_charset_of_a_content_type() -> None:
    assert ReportDownload("text/tab-separated-values; charset=UTF-8", 1).charset == "UTF-8"
    assert ReportDownload('text/plain;charset="Cp1252"', 1).charset == "Cp1252"
    assert ReportDownload("application/octet-stream", 1).charset is None


@pytest.mark.parametrize(
    ("name", "marketplace"),
    [
        ("Amazon.com", "ATVPDKIKX0DER"),
        ("Amazon.de", "A1PA6795UKMFR9"),
        ("Amazon.co.uk", "A1F83G8C2ARO7P"),
        ("Amazon.com.mx", "A1AM78C64UM0Y8"),
        ("Amazon.co.jp", "A1VC38T7YXB528"),
        ("Non-Amazon", None),
    ],
)
def test_marketplace_of_a_marketplace_name(name: str, marketplace: str | None) -> None:
    assert marketplace_by_name(name, MARKETPLACES) == marketplace
