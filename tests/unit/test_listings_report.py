"""The listings report parser (domain/listings_report.py) and the sync plan (mapping/product_sync.py)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_odoo.domain.listings import BindingSource, ListingBinding
from amazon_odoo.domain.listings_report import ListingRow, ListingsReportError, ListingsReportReader
from amazon_odoo.mapping.product_sync import OdooProduct, UnmatchedKind, plan_sync, unbound_skus

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "listings-all-data-us.tsv"  # samples/ verbatim
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
US = "ATVPDKIKX0DER"


def read(text: str) -> ListingsReportReader:
    return ListingsReportReader(io.StringIO(text, newline=""))


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def test_the_sample_report_reads_every_listing_with_its_amazon_data() -> None:
    reader = read(sample_text())
    rows = {row.sku: row for row in reader}
    assert reader.problems == []
    assert list(rows) == [
        "MUG-BLUE-12",
        "MUG-RED-12",
        "COASTER-SET-4",
        "TEAPOT-WHITE",
        "KETTLE-STEEL",
        "TOWEL-LINEN-NAT",
    ]
    blue = rows["MUG-BLUE-12"]
    assert blue == ListingRow(
        line=2,
        sku="MUG-BLUE-12",
        asin="B0CXM4K2Q1",
        title="Stoneware Mug 12 oz, Blue",
        price=Decimal("12.99"),
        quantity=37,
        fulfillment_channel="DEFAULT",
        status="Active",
    )
    assert blue.merchant_fulfilled
    assert rows["TEAPOT-WHITE"].status == "Inactive" and rows["TEAPOT-WHITE"].quantity == 0
    towel = rows["TOWEL-LINEN-NAT"]  # FBA: Amazon's channel, no quantity
    assert (towel.fulfillment_channel, towel.quantity, towel.merchant_fulfilled) == ("AMAZON_NA", None, False)
    assert towel.price == Decimal("8.75")


def test_columns_are_found_by_name_in_any_order_and_extra_ones_are_ignored() -> None:
    text = (
        "Status\tExtra\tquantity\tSELLER-SKU\tasin1\tprice\tfulfillment-channel\r\n"
        "Active\tx\t4\tA-1\tB0A\t9,50\t\r\n"
        "\r\n"
        "Inactive\ty\t\tB-2\t\t\tamazon_eu\r\n"
    )
    rows = list(read(text))
    assert rows[0] == ListingRow(4 - 2, "A-1", "B0A", "", Decimal("9.50"), 4, "DEFAULT", "Active")
    assert rows[1].line == 4 and rows[1].fulfillment_channel == "AMAZON_EU" and rows[1].price is None


def test_product_id_is_the_asin_when_there_is_no_asin_column() -> None:
    [row] = read("seller-sku\tproduct-id-type\tproduct-id\nX\t1\tB0XYZ\n")
    assert row.asin == "B0XYZ"
    [row] = read("seller-sku\tproduct-id-type\tproduct-id\nX\t4\t0123456789012\n")  # a UPC, not an ASIN
    assert row.asin == ""


def test_bad_rows_are_named_by_line_and_column_and_the_others_are_read() -> None:
    text = (
        "seller-sku\tprice\tquantity\titem-name\n"
        "OK-1\t1.00\t1\tfine\n"
        "\t2.00\t2\tno sku\n"
        "P-1\t12.x\t3\tbad price\n"
        "Q-1\t3.00\t-1\tnegative quantity\n"
        "Q-2\t3.00\t2.5\tfractional quantity\n"
        "OK-1\t1.00\t1\ttwice\n"
        f"{'L' * 41}\t1.00\t1\ttoo long\n"
        "N-1\t-4.00\t1\tnegative price\n"
        "SHORT\n"
        "OK-2\t2.00\t2\tfine too\n"
    )
    reader = read(text)
    rows = list(reader)
    assert [r.sku for r in rows] == ["OK-1", "SHORT", "OK-2"]  # a short row has empty optional cells
    assert [(p.line, p.column) for p in reader.problems] == [
        (3, "seller-sku"),
        (4, "price"),
        (5, "quantity"),
        (6, "quantity"),
        (7, "seller-sku"),
        (8, "seller-sku"),
        (9, "price"),
    ]
    assert str(reader.problems[1]) == "line 4, column price: SKU P-1: price '12.x' is not a number"
    assert reader.problems[2].sku == "Q-1" and "not a whole number" in reader.problems[2].message
    assert "on line 2 already" in reader.problems[4].message
    assert reader.rows_read == 10


def test_a_report_without_the_sku_column_or_header_cannot_be_read() -> None:
    with pytest.raises(ListingsReportError, match="no 'seller-sku' column"):
        read("sku\tprice\nA\t1\n")
    with pytest.raises(ListingsReportError, match="empty"):
        read("")


def test_rows_come_out_one_at_a_time() -> None:
    lines = iter(["seller-sku\n", "A\n", "B\n"])
    rows = iter(read_lines(lines))
    assert next(rows).sku == "A"
    assert next(lines) == "B\n"  # the reader had not read ahead


def read_lines(lines: object) -> ListingsReportReader:
    return ListingsReportReader(lines)  # type: ignore[arg-type]


# -- the plan -------------------------------------------------------------------------------------------------


def binding(sku: str, source: BindingSource = BindingSource.AMAZON, **extra: object) -> ListingBinding:
    values: dict[str, object] = {"odoo_ref": sku, **extra}
    return ListingBinding(seller_id="s", marketplace_id=US, sku=sku, source=source, updated_at=NOW, **values)


def test_the_plan_binds_refreshes_flags_fba_and_names_the_unmatched() -> None:
    rows = list(read(sample_text()))
    bound = {
        "MUG-RED-12": binding("MUG-RED-12", BindingSource.MANUAL, odoo_ref="RED-OLD", product_type="CUP"),
        "OLD-AUTO": binding("OLD-AUTO", BindingSource.AUTO),
        "BY-HAND": binding("BY-HAND", BindingSource.MANUAL),
    }
    assert unbound_skus(rows, bound) == [
        "MUG-BLUE-12",
        "COASTER-SET-4",
        "TEAPOT-WHITE",
        "KETTLE-STEEL",
        "TOWEL-LINEN-NAT",
    ]
    products = {
        "MUG-BLUE-12": [OdooProduct(10, "MUG-BLUE-12")],
        "TEAPOT-WHITE": [OdooProduct(11, "TEAPOT-WHITE", active=False)],
        "KETTLE-STEEL": [OdooProduct(12, "KETTLE-STEEL"), OdooProduct(13, "KETTLE-STEEL")],
        "TOWEL-LINEN-NAT": [OdooProduct(14, "TOWEL-LINEN-NAT"), OdooProduct(15, "TOWEL-LINEN-NAT", False)],
    }
    plan = plan_sync(rows, bound, products, seller_id="s", marketplace_id=US, now=NOW)
    written = {b.sku: b for b in plan.write}
    assert (plan.bound, plan.refreshed, plan.unchanged, plan.fba) == (2, 1, 0, 1)
    assert set(written) == {"MUG-BLUE-12", "TOWEL-LINEN-NAT", "MUG-RED-12", "OLD-AUTO"}
    blue = written["MUG-BLUE-12"]
    assert (blue.source, blue.odoo_ref, blue.asin, blue.price, blue.quantity, blue.active) == (
        BindingSource.AMAZON,
        "MUG-BLUE-12",
        "B0CXM4K2Q1",
        Decimal("12.99"),
        37,
        True,
    )
    towel = written["TOWEL-LINEN-NAT"]  # the active product wins over the archived one; FBA: not active
    assert not towel.active and towel.fulfillment_channel == "AMAZON_NA" and "AMAZON_NA" in towel.note
    red = written["MUG-RED-12"]
    assert (red.odoo_ref, red.product_type, red.source, red.quantity) == (
        "RED-OLD",
        "CUP",
        BindingSource.MANUAL,
        12,
    )
    assert not written["OLD-AUTO"].active and "2026-11-27" in written["OLD-AUTO"].note
    assert plan.retired == ["OLD-AUTO"] and plan.unlisted_kept == ["BY-HAND"]
    kinds = {u.sku: u.kind for u in plan.unmatched}
    assert kinds == {
        "COASTER-SET-4": UnmatchedKind.MISSING,
        "TEAPOT-WHITE": UnmatchedKind.ARCHIVED,
        "KETTLE-STEEL": UnmatchedKind.AMBIGUOUS,
    }
    coaster = next(u for u in plan.unmatched if u.sku == "COASTER-SET-4")
    assert coaster.resolution == (
        "create a product with internal reference COASTER-SET-4 in Odoo, or `amazon-odoo products import`"
    )

    # the same report again, on top of what was written: nothing to write
    after = {**bound, **written}
    again = plan_sync(rows, after, {}, seller_id="s", marketplace_id=US, now=NOW.replace(hour=7))
    assert again.write == [] and again.unchanged == 3 and again.retired == []
    assert [u.sku for u in again.unmatched] == ["COASTER-SET-4", "TEAPOT-WHITE", "KETTLE-STEEL"]


def test_a_listing_that_comes_back_switches_its_binding_on_again() -> None:
    [row] = read("seller-sku\tquantity\tfulfillment-channel\nBACK\t3\tDEFAULT\n")
    retired = binding("BACK", BindingSource.AUTO, active=False, note="not listed")
    plan = plan_sync([row], {"BACK": retired}, {}, seller_id="s", marketplace_id=US, now=NOW)
    [back] = plan.write
    assert back.active and back.note == "" and back.quantity == 3
