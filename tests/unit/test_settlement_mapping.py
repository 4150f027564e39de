"""Settlement lines -> Odoo statement line values (mapping/settlements.py): balanced entries, sale parts on
the invoice's account with a matching number, fees on their mapped accounts, what cannot be matched on the
suspense account with a problem saying what to do, the transfer to the bank, foreign currencies."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from amazon_odoo.domain.settlements import LineKind, SettlementReader, SettlementStatement, aggregate
from amazon_odoo.mapping.settlements import (
    RECEIVABLE_OPEN,
    FeeRule,
    OpenItem,
    OpenStatementLine,
    SettlementJournal,
    StatementRefs,
    matching_number,
    plan_lines,
    rematch,
    statement_name,
    transfer_line,
)

LOCAL = Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios"
BANK, SUSPENSE, RECEIVABLE, OUTSTANDING = 100, 101, 121, 103
FEES, COMMISSION, SUBSCRIPTION, TAX_CLEARING, TRANSFER = 600, 601, 602, 250, 170
JOURNAL = SettlementJournal(
    id=9,
    code="AMZco",
    name="Amazon.com settlements",
    default_account_id=BANK,
    suspense_account_id=SUSPENSE,
    currency="USD",
    company_currency="USD",
    company_id=1,
)
FIRST, GIFT, TEAPOT = "114-3941689-8772232", "114-2208876-1153001", "114-7730412-5509876"


def statement() -> SettlementStatement:
    text = (LOCAL / "settlement-v2-us.tsv").read_bytes().decode("utf-8")
    return aggregate(SettlementReader(io.StringIO(text, newline="")))


def refs(**changes: Any) -> StatementRefs:
    base: dict[str, Any] = {
        "journal": JOURNAL,
        "settlement_id": "23871640912",
        "fee_rules": (
            FeeRule(COMMISSION, amount_description="Commission"),
            FeeRule(SUBSCRIPTION, amount_description="subscription fee"),  # matched case-insensitively
            FeeRule(TAX_CLEARING, amount_type="ItemWithheldTax"),
        ),
        "default_fee_account": FEES,
        "ending_balance_account": TRANSFER,
    }
    return StatementRefs(**{**base, **changes})


def invoice(order_id: str, residual: str, item: int, **changes: Any) -> OpenItem:
    base: dict[str, Any] = {
        "id": item,
        "order_id": order_id,
        "account_id": RECEIVABLE,
        "residual": Decimal(residual),
        "move_id": item * 10,
        "move_name": f"INV/2026/{item:05d}",
        "partner_id": 7,
        "kind": "invoice",
    }
    return OpenItem(**{**base, **changes})


def items_of(vals: dict[str, Any]) -> list[dict[str, Any]]:
    return [command[2] for command in vals["line_ids"]]


def balance(item: dict[str, Any]) -> Decimal:
    return Decimal(str(item["debit"])) - Decimal(str(item["credit"]))


def test_every_line_is_a_balanced_entry_whose_liquidity_is_the_line_amount() -> None:
    st = statement()
    planned = plan_lines(st.lines, refs(), {})
    assert [p.label for p in planned] == [line.label for line in st.lines]
    for plan, line in zip(planned, st.lines, strict=True):
        items = items_of(plan.vals)
        assert sum(balance(i) for i in items) == 0
        assert items[0]["account_id"] == BANK and balance(items[0]) == line.amount
        assert Decimal(str(plan.vals["amount"])) == line.amount
        assert plan.vals["payment_ref"] == line.label and items[0]["name"] == line.label
    assert sum(Decimal(str(p.vals["amount"])) for p in planned) == Decimal("29.20")


def test_an_order_line_settles_its_invoice_and_books_each_fee_on_its_account() -> None:
    st = statement()
    used: set[int] = set()
    [plan] = plan_lines(st.lines[:1], refs(), {FIRST: [invoice(FIRST, "33.45", 1)]}, used)
    vals = plan.vals
    assert (vals["ref"], vals["transaction_type"], vals["date"], vals["partner_id"]) == (
        FIRST,
        "Order",
        "2026-11-03",
        7,
    )
    liquidity, receivable, *fees = items_of(vals)
    assert balance(liquidity) == Decimal("26.32")
    assert receivable["account_id"] == RECEIVABLE and balance(receivable) == Decimal("-33.45")
    assert receivable["partner_id"] == 7 and receivable["name"] == f"Order {FIRST} - INV/2026/00001"
    marker = matching_number("23871640912", st.lines[0])
    assert receivable["matching_number"] == marker and marker.startswith("I")
    assert plan.markers == {1: marker} and plan.matched == (1,) and used == {1}
    assert {(f["account_id"], balance(f)) for f in fees} == {
        (TAX_CLEARING, Decimal("2.08")),
        (TAX_CLEARING, Decimal("0.40")),
        (COMMISSION, Decimal("4.65")),
    }
    assert plan.problems == () and plan.open_amount == 0


def test_a_refund_settles_the_credit_note_not_the_invoice() -> None:
    st = statement()
    refund = next(line for line in st.lines if line.kind is LineKind.REFUND)
    items = {FIRST: [invoice(FIRST, "33.45", 1), invoice(FIRST, "-14.03", 2, kind="credit_note")]}
    [plan] = plan_lines([refund], refs(), items)
    assert plan.matched == (2,)
    receivable = items_of(plan.vals)[1]
    assert balance(receivable) == Decimal("14.03")  # debit: the money goes back to the buyer
    fees = {i["name"]: balance(i) for i in items_of(plan.vals)[2:]}
    assert fees[f"Refund {FIRST} - ItemFees Commission"] == Decimal("-1.95")  # Amazon gives commission back
    assert fees[f"Refund {FIRST} - ItemFees RefundCommission"] == Decimal("0.39")


def test_without_an_open_invoice_the_sale_part_stays_open_and_says_what_to_do() -> None:
    st = statement()
    planned = plan_lines(st.lines, refs(), {})
    first = planned[0]
    receivable = items_of(first.vals)[1]
    assert receivable["account_id"] == SUSPENSE and receivable["name"].endswith(RECEIVABLE_OPEN)
    assert first.open_amount == Decimal("33.45") and first.markers == {}
    [problem] = first.problems
    assert not problem.error and problem.order_id == FIRST
    assert f"amazon-odoo orders import {FIRST}" in problem.resolution
    refund = planned[3]
    assert "credit note" in refund.problems[0].message and refund.open_amount == Decimal("-14.03")
    assert planned[4].problems == ()  # the subscription fee is mapped: nothing open


def test_fees_without_mapping_use_the_default_account_or_stay_open() -> None:
    st = statement()
    gift = st.lines[1]
    [plan] = plan_lines([gift], refs(fee_rules=()), {GIFT: [invoice(GIFT, "33.07", 3)]})
    assert {i["account_id"] for i in items_of(plan.vals)[2:]} == {FEES}
    [plan] = plan_lines(
        [gift], refs(fee_rules=(), default_fee_account=None), {GIFT: [invoice(GIFT, "33.07", 3)]}
    )
    open_items = [i for i in items_of(plan.vals) if i["account_id"] == SUSPENSE]
    assert len(open_items) == 5 and all(i["name"].endswith("no account mapped") for i in open_items)
    assert all(p.error for p in plan.problems) and len(plan.problems) == 5
    assert "settlements.fee_accounts" in plan.problems[0].resolution
    assert plan.matched == (3,)  # the sale part is still matched


def test_a_paid_invoice_is_settled_through_its_payments_outstanding_receipt() -> None:
    st = statement()
    paid = invoice(TEAPOT, "36.72", 4, account_id=OUTSTANDING, kind="payment", move_name="PBNK1/2026/00004")
    [plan] = plan_lines([st.lines[2]], refs(), {TEAPOT: [paid]})
    receivable = items_of(plan.vals)[1]
    assert receivable["account_id"] == OUTSTANDING and plan.matched == (4,)


def test_an_amount_that_differs_is_matched_partly_with_a_warning() -> None:
    st = statement()
    [plan] = plan_lines(st.lines[:1], refs(), {FIRST: [invoice(FIRST, "40.00", 1)]})
    assert plan.matched == (1,)
    [problem] = plan.problems
    assert "Amazon settled 33.45" in problem.message and "40.00 open" in problem.message
    assert problem.amount == Decimal("-6.55")


def test_items_are_used_once_and_exact_amounts_win() -> None:
    st = statement()
    first = st.lines[0]
    exact = invoice(FIRST, "33.45", 5, account_id=OUTSTANDING, kind="payment")
    other = invoice(FIRST, "12.00", 6)
    used = {5}
    [plan] = plan_lines([first], refs(), {FIRST: [exact, other]}, used)
    assert plan.matched == (6,)  # 5 was taken by an earlier line
    [plan] = plan_lines([first], refs(), {FIRST: [other, exact]})
    assert plan.matched == (5,)  # the account whose items add up to the amount


def test_the_transfer_to_bank_takes_the_payout_to_the_ending_balance_account() -> None:
    st = statement()
    line = transfer_line(st.summary, "Transfer to Bank")
    assert line.kind is LineKind.TRANSFER and line.label == "Transfer to Bank"
    [plan] = plan_lines([line], refs(), {})
    liquidity, counterpart = items_of(plan.vals)
    assert balance(liquidity) == Decimal("-29.20") and counterpart["account_id"] == TRANSFER
    assert plan.vals["date"] == "2026-11-17" and plan.vals["ref"] == "23871640912"
    assert statement_name("Amazon.com", st.summary) == "Amazon.com 23871640912 (2026-11-01 - 2026-11-15)"


def test_a_foreign_currency_journal_converts_at_the_days_rate_and_still_balances() -> None:
    st = statement()
    euro = SettlementJournal(
        id=9,
        code="AMZde",
        name="x",
        default_account_id=BANK,
        suspense_account_id=SUSPENSE,
        currency="EUR",
        company_currency="USD",
        currency_id=2,
        company_id=1,
    )
    rates = {date(2026, 11, 1): Decimal("0.9"), date(2026, 11, 4): Decimal("0.95")}
    planned = plan_lines(st.lines, refs(journal=euro, rates=rates), {FIRST: [invoice(FIRST, "33.45", 1)]})
    first = items_of(planned[0].vals)
    assert all(i["currency_id"] == 2 for i in first)
    assert first[1]["amount_currency"] == -33.45 and balance(first[1]) == Decimal("-37.17")  # 33.45 / 0.9
    for plan in planned:
        assert sum(balance(i) for i in items_of(plan.vals)) == 0  # the liquidity item took the rounding
    assert refs(journal=euro, rates=rates).rate_on(date(2026, 11, 10)) == Decimal("0.95")
    assert refs(journal=euro, rates=rates).rate_on(date(2026, 10, 1)) == Decimal("0.9")


def test_rematch_moves_waiting_lines_onto_invoices_that_appeared() -> None:
    waiting = OpenStatementLine(
        statement_line_id=1,
        item_id=11,
        label=f"Order {FIRST}",
        order_id=FIRST,
        transaction_type="Order",
        item_name=f"Order {FIRST} - {RECEIVABLE_OPEN}",
        amount=Decimal("-33.45"),
    )
    unmapped = OpenStatementLine(
        statement_line_id=1,
        item_id=12,
        label=f"Order {FIRST}",
        order_id=FIRST,
        transaction_type="Order",
        item_name=f"Order {FIRST} - ItemFees Commission: no account mapped",
        amount=Decimal("4.65"),
    )
    refund = OpenStatementLine(
        statement_line_id=2,
        item_id=13,
        label=f"Refund {FIRST}",
        order_id=FIRST,
        transaction_type="Refund",
        item_name=f"Refund {FIRST} - waiting for its credit note",
        amount=Decimal("14.03"),
    )
    items = {FIRST: [invoice(FIRST, "33.45", 1)]}
    [match] = rematch([waiting, unmapped, refund], items, ["Refund"])
    assert (match.item_id, match.account_id, match.partner_id, match.matched) == (11, RECEIVABLE, 7, (1,))
    assert rematch([waiting], {}, ["Refund"]) == []
