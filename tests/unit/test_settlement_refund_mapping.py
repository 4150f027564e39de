"""Refunds that start at Amazon (issue 8): a settlement's refund rows, item by item, and the credit note lines
they make on the order's sale lines (mapping/settlement_refunds.py); which refund lines want a credit note."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_odoo.domain.refunds import Component, CreditLine
from amazon_odoo.domain.settlements import (
    LineKind,
    RefundedItem,
    SettlementLine,
    SettlementReader,
    aggregate,
)
from amazon_odoo.mapping.settlement_refunds import (
    SaleLine,
    TaxMode,
    UnmappedRefundError,
    amazon_refund_id,
    line_names,
    plan_credit,
)
from amazon_odoo.mapping.settlements import OpenItem
from amazon_odoo.services.settlement_refunds import wants_credit

SAMPLE_US = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "amazon_odoo"
    / "local"
    / "scenarios"
    / "settlement-v2-us.tsv"
)
ORDER = "114-3941689-8772232"
ITEM = "52371928364510"
D = Decimal


def refund_line() -> SettlementLine:
    statement = aggregate(SettlementReader(io.StringIO(SAMPLE_US.read_text(), newline="")))
    [line] = [line for line in statement.lines if line.kind is LineKind.REFUND]
    return line


def item(
    amounts: dict[tuple[str, str], str], *, quantity: int = 0, code: str = ITEM, sku: str = "MUG"
) -> RefundedItem:
    return RefundedItem(code, sku, quantity, {k: D(v) for k, v in amounts.items()})


def names(kind: str = "", code: str = ITEM) -> str:
    base = f"oline_{ORDER.replace('-', '_')}"
    if not code:
        return f"{base}_{kind}"
    return f"{base}_{code}" + (f"_{kind}" if kind else "")


PRODUCT, SHIPPING, ORDER_SHIPPING, TAX_LINE = (
    names(),
    names("shipping"),
    names("shipping", ""),
    names("marketplace_tax", ""),
)


def test_the_samples_refund_line_keeps_its_adjustment_and_items() -> None:
    line = refund_line()
    assert line.receivable == D("-14.03") and line.adjustment_ids == ["amzn1:crow:R7dQ2mXcS3aK1pZ9vB4nWg"]
    [refunded] = line.refunded.values()
    assert (refunded.order_item_code, refunded.sku, refunded.quantity) == (ITEM, "MUG-BLUE-12", 0)
    assert refunded.amounts == {("ItemPrice", "Principal"): D("-12.99"), ("ItemPrice", "Tax"): D("-1.04")}
    assert amazon_refund_id(line) == "amz-amzn1:crow:R7dQ2mXcS3aK1pZ9vB4nWg"
    assert PRODUCT in line_names(ORDER, line.refunded.values()) and TAX_LINE in line_names(ORDER, [])


def test_quantity_purchased_of_refund_rows_is_read() -> None:
    text = SAMPLE_US.read_text().replace("MUG-BLUE-12\t\t\n", "MUG-BLUE-12\t1\t\n")
    statement = aggregate(SettlementReader(io.StringIO(text, newline="")))
    [line] = [line for line in statement.lines if line.kind is LineKind.REFUND]
    assert [i.quantity for i in line.refunded.values()] == [1]


def test_several_adjustments_in_one_line_get_one_stable_id() -> None:
    line = SettlementLine(LineKind.REFUND, "Refund", ORDER, date(2026, 11, 10), adjustment_ids=["b", "a"])
    other = SettlementLine(LineKind.REFUND, "Refund", ORDER, date(2026, 11, 10), adjustment_ids=["a", "b"])
    assert amazon_refund_id(line) == amazon_refund_id(other) and amazon_refund_id(line).startswith("amz-")


def test_facilitator_tax_goes_on_the_tax_line_and_units_follow_the_invoice_price() -> None:
    plan = plan_credit(
        ORDER,
        [item({("ItemPrice", "Principal"): "-12.99", ("ItemPrice", "Tax"): "-1.04"})],
        {
            PRODUCT: SaleLine(1, D(2), D("12.99")),
            TAX_LINE: SaleLine(9, D(1), D("2.48")),
        },
    )
    assert plan.lines == {
        1: CreditLine(quantity=D(1), price_unit=D("12.99")),
        9: CreditLine(quantity=D(1), price_unit=D("1.04")),
    }
    [line] = plan.refund_lines
    assert line.amounts == {Component.PRINCIPAL: D("12.99"), Component.TAX: D("1.04")} and plan.returns == {}


def test_included_tax_is_in_the_gross_price_excluded_tax_is_odoos_and_units_come_back() -> None:
    rows = {
        ("ItemPrice", "Principal"): "-20.00",
        ("ItemPrice", "Tax"): "-3.80",
        ("Promotion", "Principal"): "1.00",
        ("ItemPrice", "Shipping"): "-4.00",
        ("ItemPrice", "ShippingTax"): "-0.76",
    }
    included = plan_credit(
        ORDER,
        [item(rows, quantity=2)],
        {
            PRODUCT: SaleLine(1, D(3), D("11.90"), TaxMode.INCLUDED),
            ORDER_SHIPPING: SaleLine(2, D(1), D("4.76"), TaxMode.INCLUDED),
        },
    )
    assert included.lines == {
        1: CreditLine(quantity=D(2), price_unit=D("11.40")),  # 20.00 - 1.00 + 3.80 for 2 units
        2: CreditLine(quantity=D(1), price_unit=D("4.76")),  # the order's shipping line: no item shipping
    }
    assert included.returns == {"MUG": 2}
    excluded = plan_credit(
        ORDER,
        [item(rows, quantity=2)],
        {
            PRODUCT: SaleLine(1, D(3), D("10.00"), TaxMode.EXCLUDED),
            SHIPPING: SaleLine(3, D(1), D("4.00"), TaxMode.EXCLUDED),
            ORDER_SHIPPING: SaleLine(2, D(1), D("9.00"), TaxMode.EXCLUDED),
        },
    )
    assert excluded.lines == {  # Odoo adds the excluded tax again; the item's own shipping line first
        1: CreditLine(quantity=D(2), price_unit=D("9.50")),
        3: CreditLine(quantity=D(1), price_unit=D("4.00")),
    }


def test_an_amount_that_is_no_whole_number_of_units_is_one_unit_of_the_amount() -> None:
    plan = plan_credit(
        ORDER, [item({("ItemPrice", "Principal"): "-5.00"})], {PRODUCT: SaleLine(1, D(2), D("12.99"))}
    )
    assert plan.lines == {1: CreditLine(quantity=D(1), price_unit=D("5.00"))}


@pytest.mark.parametrize(
    ("rows", "lines", "words"),
    [
        (  # the SKU's item is not on the invoice
            {("ItemPrice", "Principal"): "-12.99"},
            {TAX_LINE: SaleLine(9, D(1), D("2.48"))},
            ["order 114-3941689-8772232", "Principal 12.99 of SKU MUG", "not on the order's invoice"],
        ),
        (  # more than the line invoiced
            {("ItemPrice", "Principal"): "-30.00"},
            {PRODUCT: SaleLine(1, D(2), D("12.99"))},
            ["30.00 to credit", "invoiced 25.98"],
        ),
        (  # a tax with no line to go on
            {("ItemPrice", "Principal"): "-12.99", ("ItemPrice", "Tax"): "-1.04"},
            {PRODUCT: SaleLine(1, D(2), D("12.99"))},
            ["Tax 1.04 of SKU MUG has no tax line"],
        ),
        (  # an amount of a kind no invoice line stands for
            {("ItemPrice", "Principal"): "-12.99", ("ItemPrice", "RestockingFee"): "2.00"},
            {PRODUCT: SaleLine(1, D(2), D("12.99"))},
            ["ItemPrice/RestockingFee 2.00", "SKU MUG"],
        ),
    ],
)
def test_what_cannot_be_mapped_makes_no_credit_note_and_says_why(
    rows: dict[tuple[str, str], str], lines: dict[str, SaleLine], words: list[str]
) -> None:
    with pytest.raises(UnmappedRefundError) as caught:
        plan_credit(ORDER, [item(rows)], lines)
    for word in words:
        assert word in caught.value.message
    assert caught.value.record == f"order {ORDER}" and "by hand" in caught.value.resolution


def test_which_refund_lines_want_a_credit_note() -> None:
    line = refund_line()
    open_credit = OpenItem(1, ORDER, 5, D("-14.03"), 7, kind="credit_note")
    open_invoice = OpenItem(2, ORDER, 5, D("33.45"), 8, kind="invoice")
    assert wants_credit(line, {})
    assert wants_credit(line, {ORDER: [open_invoice]})
    assert not wants_credit(line, {ORDER: [open_credit]})  # a credit note waits for it: matched as before
    sale = SettlementLine(LineKind.ORDER, "Order", ORDER, date(2026, 11, 3), receivable=D("33.45"))
    assert not wants_credit(sale, {})
    no_items = SettlementLine(LineKind.REFUND, "Refund", ORDER, date(2026, 11, 3), receivable=D("-1"))
    assert not wants_credit(no_items, {})  # nothing item by item: nothing to credit
