"""Settlement lines -> Odoo bank statement lines, with every Odoo reference resolved beforehand. Pure.

Each :class:`~amazon_odoo.domain.settlements.SettlementLine` becomes one ``account.bank.statement.line``
with explicit journal items (ODOO.md §9, approach D): the liquidity item on the journal's account for the
line's amount, and the counterparts —

- the receivable part of a sale (refund) on the account of the order's open invoice (credit note, or the
  payment that already settled it), with the buyer as partner and an import matching number (``I…``) that
  is also written on the open item, so Odoo reconciles the two when it posts the line (ODOO.md §9 and
  ``account.move.line._reconcile_marked``); the invoice ends paid;
- each fee or charge on the account the seller's ``fee_accounts`` map it to (default: ``fee_account``);
- what cannot be matched or mapped on the journal's suspense account: the line stays open for the accountant
  (and for a later run, once the invoice exists), and a :class:`Problem` says what to do.

Amounts are Decimal up to here and become floats in the values only. On a journal in another currency than
the company's, each item carries ``amount_currency`` and its company-currency debit/credit at Odoo's rate of
the line's date; the liquidity item takes the rounding so every entry balances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from amazon_odoo.domain.settlements import (
    LineKind,
    SettlementLine,
    SettlementSummary,
)

#: what the suspense item of a receivable part is called (after the line's label): a later run finds the
#: lines still waiting for their invoice by it
RECEIVABLE_OPEN = "waiting for its invoice"
REFUND_OPEN = "waiting for its credit note"
UNMAPPED = "no account mapped"


# -- Odoo references and records, as the gateway answers them --------------------------------------------------


@dataclass(frozen=True)
class SettlementJournal:
    """The marketplace's settlement (bank) journal. ``currency_id`` is set when its currency is not the
    company's (then ``currency`` is that currency)."""

    id: int
    code: str
    name: str
    default_account_id: int
    suspense_account_id: int
    currency: str
    company_currency: str
    currency_id: int | None = None
    company_id: int = 0

    @property
    def foreign(self) -> bool:
        return self.currency_id is not None and self.currency != self.company_currency


@dataclass(frozen=True)
class OpenItem:
    """An open journal item of an Amazon order: an invoice's (credit note's) receivable, or the outstanding
    receipt of a payment that settled the invoice. ``residual`` is in the journal's currency (> 0: the buyer
    owes it; < 0: owed to the buyer)."""

    id: int
    order_id: str
    account_id: int
    residual: Decimal
    move_id: int
    move_name: str = ""
    partner_id: int | None = None
    kind: str = "invoice"  # invoice | credit_note | payment | entry


@dataclass(frozen=True)
class OdooStatement:
    """A settlement's bank statement as Odoo holds it: the labels of its lines (how a resumed run knows what
    is written), how many wait for a match, and its balances."""

    id: int
    name: str
    labels: frozenset[str] = frozenset()
    line_count: int = 0
    open_lines: int = 0
    balance_start: Decimal = Decimal(0)
    balance_end: Decimal = Decimal(0)
    balance_end_real: Decimal = Decimal(0)


@dataclass(frozen=True)
class OpenStatementLine:
    """A statement line's item still on the suspense account (``amount`` in the journal's currency)."""

    statement_line_id: int
    item_id: int
    label: str
    order_id: str
    transaction_type: str
    item_name: str
    amount: Decimal
    date: date | None = None


@dataclass(frozen=True)
class LineMatch:
    """Move a suspense item to the open item's account and reconcile it with those items."""

    item_id: int
    account_id: int
    partner_id: int | None
    matched: tuple[int, ...]
    order_id: str
    label: str


@dataclass(frozen=True)
class FeeRule:
    """``settlements.fee_accounts`` with the account resolved: empty criteria match anything."""

    account_id: int
    transaction_type: str | None = None
    amount_type: str | None = None
    amount_description: str | None = None

    def matches(self, transaction_type: str, amount_type: str, amount_description: str) -> bool:
        return all(
            want is None or want.casefold() == have.casefold()
            for want, have in (
                (self.transaction_type, transaction_type),
                (self.amount_type, amount_type),
                (self.amount_description, amount_description),
            )
        )


@dataclass(frozen=True)
class StatementRefs:
    """Everything a statement's lines need from Odoo, resolved beforehand."""

    journal: SettlementJournal
    settlement_id: str
    fee_rules: tuple[FeeRule, ...] = ()
    default_fee_account: int | None = None
    ending_balance_account: int | None = None
    #: foreign-currency journals: Odoo's rate (journal currency per company currency unit) by date
    rates: Mapping[date, Decimal] = field(default_factory=dict)
    company_digits: int = 2

    def fee_account(self, transaction_type: str, amount_type: str, amount_description: str) -> int | None:
        for rule in self.fee_rules:
            if rule.matches(transaction_type, amount_type, amount_description):
                return rule.account_id
        return self.default_fee_account

    def rate_on(self, day: date) -> Decimal:
        known = [d for d in self.rates if d <= day]
        if known:
            return self.rates[max(known)]
        if self.rates:
            return self.rates[min(self.rates)]
        return Decimal(1)


# -- what the mapping answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A line (or part) left open: what it is and what a person does about it."""

    label: str
    order_id: str
    message: str
    resolution: str
    amount: Decimal
    error: bool = False  # a mapping the seller must add (error) or an invoice still to come (warning)


@dataclass(frozen=True)
class PlannedLine:
    """One statement line to create: its values, the matching numbers to write on open items first, the
    items it reconciles, what stays open and why."""

    label: str
    vals: dict[str, Any]
    markers: dict[int, str]
    matched: tuple[int, ...] = ()
    open_amount: Decimal = Decimal(0)
    problems: tuple[Problem, ...] = ()


def transfer_line(summary: SettlementSummary, description: str) -> SettlementLine:
    """The ending-balance line: the payout leaves the Amazon journal for the bank (``-total``)."""
    return SettlementLine(
        kind=LineKind.TRANSFER,
        transaction_type="Transfer",
        order_id="",
        date=summary.deposit_date.date(),
        description=description,
        charges={("Transfer", description): -summary.total},
        rows=0,
    )


def statement_name(marketplace: str, summary: SettlementSummary) -> str:
    """``Amazon.de 24011856733 (2026-11-01 - 2026-11-15)``: settlement id and period."""
    period = f"{summary.start.date().isoformat()} - {summary.end.date().isoformat()}"
    return f"{marketplace} {summary.settlement_id} ({period})".strip()


def matching_number(settlement_id: str, line: SettlementLine) -> str:
    """The import matching number Odoo reconciles on when the line is posted (``I`` + our reference)."""
    return f"IAMZ-{settlement_id}-{line.transaction_type.replace(' ', '')}-{line.order_id}"


def _cents(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _item(
    account_id: int, name: str, amount: Decimal, refs: StatementRefs, day: date, **extra: Any
) -> dict[str, Any]:
    """A journal item of ``amount`` in the journal's currency (> 0: debit)."""
    vals: dict[str, Any] = {"account_id": account_id, "name": name, **extra}
    company = amount
    if refs.journal.foreign:
        company = _cents(amount / refs.rate_on(day), refs.company_digits)
        vals["currency_id"] = refs.journal.currency_id
        vals["amount_currency"] = float(amount)
    vals["debit"] = float(company) if company > 0 else 0.0
    vals["credit"] = float(-company) if company < 0 else 0.0
    return vals


def _choose(line: SettlementLine, items: Sequence[OpenItem], used: set[int]) -> list[OpenItem]:
    """The open items the line's receivable part settles: same sign, not used by another line, on one
    account — the account whose items add up to the amount if one does, else an invoice's (credit note's)."""
    amount = line.receivable
    unwanted = {"credit_note"} if line.kind is LineKind.ORDER else {"invoice", "payment"}
    fitting = [
        i
        for i in items
        if i.id not in used
        and i.residual != 0
        and (i.residual > 0) == (amount > 0)
        and i.kind not in unwanted
    ]
    if not fitting:
        return []
    by_account: dict[int, list[OpenItem]] = {}
    for item in fitting:
        by_account.setdefault(item.account_id, []).append(item)
    groups = list(by_account.values())
    exact = [g for g in groups if sum((i.residual for i in g), Decimal(0)) == amount]
    if exact:
        return exact[0]
    documents = [g for g in groups if any(i.kind in ("invoice", "credit_note") for i in g)]
    return (documents or groups)[0]


@dataclass(frozen=True)
class _Joint:
    """Every receivable part of one order in a batch settled together with all its open items."""

    account_id: int
    items: tuple[OpenItem, ...]
    marker: str


def _joint_matches(
    lines: Sequence[SettlementLine],
    items: Mapping[str, Sequence[OpenItem]],
    used: set[int],
    settlement_id: str,
) -> dict[str, _Joint]:
    """Orders whose sale and refund lines cannot each be matched on their own, but whose parts together
    add up to what the order has open on one account — typically a sale and its refund in one settlement,
    the credit note already reconciled with the invoice: one matching number for all of them."""
    by_order: dict[str, list[SettlementLine]] = {}
    for line in lines:
        if line.receivable and line.order_id and line.kind in (LineKind.ORDER, LineKind.REFUND):
            by_order.setdefault(line.order_id, []).append(line)
    joint: dict[str, _Joint] = {}
    for order_id, order_lines in by_order.items():
        open_items = [i for i in items.get(order_id, ()) if i.id not in used and i.residual]
        if not open_items or len({i.account_id for i in open_items}) != 1:
            continue
        trial: set[int] = set(used)
        exact = True
        for line in order_lines:
            chosen = _choose(line, open_items, trial)
            trial.update(i.id for i in chosen)
            exact = (
                exact and bool(chosen) and sum((i.residual for i in chosen), Decimal(0)) == line.receivable
            )
        net = sum((line.receivable for line in order_lines), Decimal(0))
        if not exact and net == sum((i.residual for i in open_items), Decimal(0)):
            joint[order_id] = _Joint(
                open_items[0].account_id, tuple(open_items), f"IAMZ-{settlement_id}-{order_id}"
            )
    return joint


def plan_lines(
    lines: Iterable[SettlementLine],
    refs: StatementRefs,
    items: Mapping[str, Sequence[OpenItem]],
    used: set[int] | None = None,
) -> list[PlannedLine]:
    """Statement line values for ``lines``; ``items`` are the open items by Amazon order id; ``used`` the
    items earlier lines already took (updated). The lines of one order should come in one call: a sale and
    its refund may only settle the order's open items together."""
    taken = used if used is not None else set()
    batch = list(lines)
    joint = _joint_matches(batch, items, taken, refs.settlement_id)
    for match in joint.values():
        taken.update(i.id for i in match.items)
    return [
        _plan(line, refs, items.get(line.order_id, ()), taken, joint.get(line.order_id)) for line in batch
    ]


def _plan(
    line: SettlementLine,
    refs: StatementRefs,
    items: Sequence[OpenItem],
    used: set[int],
    joint: _Joint | None = None,
) -> PlannedLine:
    journal = refs.journal
    label = line.label
    day = line.date
    counterparts: list[dict[str, Any]] = []
    markers: dict[int, str] = {}
    matched: tuple[int, ...] = ()
    problems: list[Problem] = []
    open_amount = Decimal(0)
    partner: int | None = None

    if line.receivable and joint is not None and line.kind in (LineKind.ORDER, LineKind.REFUND):
        partner = next((i.partner_id for i in joint.items if i.partner_id), None)
        names = ", ".join(dict.fromkeys(i.move_name for i in joint.items if i.move_name))
        extra_joint: dict[str, Any] = {"matching_number": joint.marker}
        if partner:
            extra_joint["partner_id"] = partner
        counterparts.append(
            _item(
                joint.account_id,
                f"{label} - {names}".rstrip(" -"),
                -line.receivable,
                refs,
                day,
                **extra_joint,
            )
        )
        matched = tuple(i.id for i in joint.items)
        markers = {i.id: joint.marker for i in joint.items}
    elif line.receivable:
        chosen = _choose(line, items, used)
        if chosen:
            marker = matching_number(refs.settlement_id, line)
            partner = next((i.partner_id for i in chosen if i.partner_id), None)
            names = ", ".join(dict.fromkeys(i.move_name for i in chosen if i.move_name))
            extra: dict[str, Any] = {"matching_number": marker}
            if partner:
                extra["partner_id"] = partner
            counterparts.append(
                _item(
                    chosen[0].account_id,
                    f"{label} - {names}".rstrip(" -"),
                    -line.receivable,
                    refs,
                    day,
                    **extra,
                )
            )
            matched = tuple(i.id for i in chosen)
            used.update(matched)
            markers = {i.id: marker for i in chosen}
            residual = sum((i.residual for i in chosen), Decimal(0))
            if residual != line.receivable:
                problems.append(
                    Problem(
                        label,
                        line.order_id,
                        f"{label}: Amazon settled {line.receivable}, {names} has {residual} open",
                        "the difference stays open on "
                        + (names if abs(residual) > abs(line.receivable) else "the buyer's account")
                        + "; check the order's invoice and refunds in Odoo and settle the rest by hand",
                        line.receivable - residual,
                    )
                )
        else:
            refund = line.kind is LineKind.REFUND
            waiting = REFUND_OPEN if refund else RECEIVABLE_OPEN
            counterparts.append(
                _item(journal.suspense_account_id, f"{label} - {waiting}", -line.receivable, refs, day)
            )
            open_amount += line.receivable
            document = "credit note" if refund else "invoice"
            problems.append(
                Problem(
                    label,
                    line.order_id,
                    f"{label}: no open {document} of order {line.order_id} in Odoo; {line.receivable} stays "
                    "open on the statement",
                    (
                        f"create the credit note of order {line.order_id} in Odoo"
                        if refund
                        else f"import and invoice order {line.order_id} (amazon-odoo orders import "
                        f"{line.order_id})"
                    )
                    + "; the next process-settlements run matches the open line (or reconcile it by hand)",
                    line.receivable,
                )
            )

    for (amount_type, description), amount in line.charges.items():
        if not amount:
            continue
        name = (
            f"{label} - {amount_type} {description}".strip() if line.kind is not LineKind.TRANSFER else label
        )
        if line.kind is LineKind.TRANSFER:
            account = refs.ending_balance_account
        else:
            account = refs.fee_account(line.transaction_type, amount_type, description)
        if account is None:
            counterparts.append(_item(journal.suspense_account_id, f"{name}: {UNMAPPED}", -amount, refs, day))
            open_amount += amount
            problems.append(
                Problem(
                    label,
                    line.order_id,
                    f"{label}: {line.transaction_type} / {amount_type} / {description} ({amount}) has no "
                    "account; it stays open on the statement",
                    "map it in the seller's settlements.fee_accounts (or set fee_account) and load the sellers "
                    "file; book this open line by hand in Odoo",
                    amount,
                    error=True,
                )
            )
            continue
        counterparts.append(_item(account, name, -amount, refs, day))

    liquidity = _item(journal.default_account_id, label, line.amount, refs, day)
    if journal.foreign:  # the liquidity item takes the rounding: the entry balances in company currency
        others = sum((Decimal(str(c["debit"])) - Decimal(str(c["credit"])) for c in counterparts), Decimal(0))
        liquidity["debit"] = float(-others) if others < 0 else 0.0
        liquidity["credit"] = float(others) if others > 0 else 0.0
    vals: dict[str, Any] = {
        "date": day.isoformat(),
        "payment_ref": label,
        "ref": line.order_id or refs.settlement_id,
        "transaction_type": line.transaction_type,
        "amount": float(line.amount),
        "line_ids": [(0, 0, liquidity), *((0, 0, c) for c in counterparts)],
    }
    if partner:
        vals["partner_id"] = partner
    return PlannedLine(
        label=label,
        vals=vals,
        markers=markers,
        matched=matched,
        open_amount=open_amount,
        problems=tuple(problems),
    )


def rematch(
    open_lines: Sequence[OpenStatementLine],
    items: Mapping[str, Sequence[OpenItem]],
    refund_types: Iterable[str],
) -> list[LineMatch]:
    """Suspense items of receivable parts whose invoice (credit note) is in Odoo now: where to move them and
    what to reconcile them with. Only items the connector left waiting (named so) are considered."""
    refunds = set(refund_types)
    used: set[int] = set()
    matches: list[LineMatch] = []
    for open_line in open_lines:
        waiting = REFUND_OPEN if open_line.transaction_type in refunds else RECEIVABLE_OPEN
        if not open_line.order_id or not open_line.item_name.endswith(waiting):
            continue
        receivable = -open_line.amount  # the suspense item carries the opposite of the receivable part
        line = SettlementLine(
            kind=LineKind.REFUND if open_line.transaction_type in refunds else LineKind.ORDER,
            transaction_type=open_line.transaction_type,
            order_id=open_line.order_id,
            date=open_line.date or date.min,
            receivable=receivable,
        )
        chosen = _choose(line, items.get(open_line.order_id, ()), used)
        if not chosen:
            continue
        used.update(i.id for i in chosen)
        matches.append(
            LineMatch(
                item_id=open_line.item_id,
                account_id=chosen[0].account_id,
                partner_id=next((i.partner_id for i in chosen if i.partner_id), None),
                matched=tuple(i.id for i in chosen),
                order_id=open_line.order_id,
                label=open_line.label,
            )
        )
    return matches
