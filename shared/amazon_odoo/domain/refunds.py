"""Refunds at Amazon (FEATURES.md §7, issue 8): what an order charged, what was refunded, what a refund asks.

Amazon refunds a seller-fulfilled order through the payment adjustment feed (``POST_PAYMENT_ADJUSTMENT_DATA``):
per order item an ``AdjustedItem`` with an ``AdjustmentReason`` and the amounts to give back by component
(``Principal``, ``Shipping``, ``Tax``, ``ShippingTax``, ``GiftWrap``, ``GiftWrapTax``), each a positive number.

Pure rules, no I/O: :func:`item_charges` reads the charges of a 2026-01-01 order per item and component,
:func:`plan_refund` turns a request (a full refund, per-SKU quantities or amounts, a shipping amount) into
:class:`RefundLine` values, and refuses — :class:`RefundRefusedError`, naming the order, the SKU and the
component — a refund larger than what is left to refund (charged minus what earlier refunds already gave
back), a line already refunded in full, an unknown SKU, a zero refund. A refund is a :class:`RefundRecord`
keyed by seller, order and a deterministic refund id (one per Odoo credit note, one per CLI request), so the
same refund is never sent twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from amazon_odoo.domain.errors import ConfigError, PermanentError
from amazon_odoo.domain.orders import ChargeKind, Order, ProceedsType

ZERO = Decimal("0")
CENT = Decimal("0.01")

# The AdjustmentReason values of Amazon's OrderAdjustment schema.
ADJUSTMENT_REASONS = (
    "NoInventory",
    "CustomerReturn",
    "GeneralAdjustment",
    "CouldNotShip",
    "DifferentItem",
    "Abandoned",
    "CustomerCancel",
    "PriceError",
    "ProductOutofStock",
    "CustomerAddressIncorrect",
    "Exchange",
    "Other",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "TransactionRecord",
)
DEFAULT_REASON = "CustomerReturn"


def check_adjustment_reason(reason: str) -> str:
    """Amazon's spelling of ``reason`` (case-insensitive); ConfigError naming the allowed values."""
    for known in ADJUSTMENT_REASONS:
        if known.lower() == reason.strip().lower():
            return known
    raise ConfigError(
        f"{reason!r} is not one of Amazon's adjustment reasons",
        record="refund reason",
        resolution=f"use one of {', '.join(ADJUSTMENT_REASONS)}",
    )


class Component(StrEnum):
    """``ItemPriceAdjustments/Component/Type`` values the connector refunds."""

    PRINCIPAL = "Principal"
    SHIPPING = "Shipping"
    TAX = "Tax"
    SHIPPING_TAX = "ShippingTax"
    GIFT_WRAP = "GiftWrap"
    GIFT_WRAP_TAX = "GiftWrapTax"


_TAX_OF = {
    ProceedsType.ITEM.value: Component.TAX,
    ProceedsType.SHIPPING.value: Component.SHIPPING_TAX,
    ProceedsType.GIFT_WRAP.value: Component.GIFT_WRAP_TAX,
}


class RefundRefusedError(PermanentError):
    """The refund asks what the order cannot give back; nothing is sent."""


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class ItemCharges(BaseModel):
    """What the buyer paid for one order item, by refund component."""

    model_config = ConfigDict(frozen=True)

    order_item_id: str
    sku: str
    quantity: int
    amounts: dict[Component, Decimal]


def item_charges(order: Order) -> dict[str, ItemCharges]:
    """Order item id -> its charges by component. Discounts lower the principal (shipping discounts the
    shipping); tax Amazon does not detail counts as the item's tax; shipping (and other charges) the order
    reports beyond its items is the first item's (Amazon refunds per item)."""
    out: dict[str, ItemCharges] = {}
    extra, extra_tax = order.order_level_charges()
    for index, item in enumerate(order.order_items):
        charges = item.charges()
        amounts: dict[Component, Decimal] = {
            Component.PRINCIPAL: charges.get(ChargeKind.ITEM, ZERO)
            + charges.get(ChargeKind.PROMOTION_DISCOUNT, ZERO),
            Component.SHIPPING: charges.get(ChargeKind.SHIPPING, ZERO)
            + charges.get(ChargeKind.SHIPPING_DISCOUNT, ZERO),
            Component.GIFT_WRAP: charges.get(ChargeKind.GIFT_WRAP, ZERO),
        }
        for kind, part in item.tax_details().items():
            component = _TAX_OF.get(kind, Component.TAX)
            amounts[component] = amounts.get(component, ZERO) + part
        if index == 0:
            amounts[Component.SHIPPING] += extra.get(ChargeKind.SHIPPING, ZERO) + extra.get(
                ChargeKind.SHIPPING_DISCOUNT, ZERO
            )
            amounts[Component.TAX] = amounts.get(Component.TAX, ZERO) + extra_tax
        out[item.order_item_id] = ItemCharges(
            order_item_id=item.order_item_id,
            sku=item.seller_sku or "",
            quantity=item.quantity_ordered,
            amounts={c: _cents(a) for c, a in amounts.items() if a > ZERO},
        )
    return out


class RefundLine(BaseModel):
    """One ``AdjustedItem``: the amounts given back for one order item, and the units it concerns (0 when
    the refund is an amount only: no goods come back)."""

    model_config = ConfigDict(frozen=True)

    order_item_id: str = Field(min_length=1)
    sku: str = ""
    quantity: int = Field(default=0, ge=0)
    amounts: dict[Component, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


class RefundStatus(StrEnum):
    SENDING = "SENDING"  # recorded, feed being submitted (or the submitter died: see the feed records)
    SENT = "SENT"  # in a feed Amazon has not finished yet
    ACCEPTED = "ACCEPTED"  # Amazon processed it without error
    REFUSED = "REFUSED"  # Amazon refused it (its message is in the log book and on the record)
    NOT_SENT = "NOT_SENT"  # never reached Amazon: may be sent again

    @property
    def counts(self) -> bool:
        """Amazon has (or may have) refunded it: it lowers what is left to refund."""
        return self in (RefundStatus.SENDING, RefundStatus.SENT, RefundStatus.ACCEPTED)


class RefundRecord(BaseModel):
    """One refund of one order (no personal data). ``version`` is bumped on every save (0 = not stored)."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    order_id: str
    refund_id: str = Field(min_length=1)
    marketplace_id: str = ""
    reason: str = DEFAULT_REASON
    currency: str = ""
    lines: tuple[RefundLine, ...]
    source: str = "cli"  # cli | credit_note | amazon (started at Amazon, met in a settlement)
    full: bool = False  # asked as "everything left"
    credit_note_id: int | None = None  # the Odoo credit note it came from, or created for it
    return_picking_ids: tuple[int, ...] = ()
    status: RefundStatus = RefundStatus.SENDING
    submission_id: str = ""
    feed_id: str = ""
    message_id: int = 0
    message: str = ""
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = 0

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    def touched(self, now: datetime, **changes: object) -> RefundRecord:
        return self.model_copy(update={**changes, "updated_at": now})


def refunded_so_far(
    records: Iterable[RefundRecord],
) -> tuple[dict[str, dict[Component, Decimal]], dict[str, int]]:
    """Per order item: the amounts by component and the units that earlier refunds gave (or may give) back."""
    amounts: dict[str, dict[Component, Decimal]] = {}
    units: dict[str, int] = {}
    for record in records:
        if not record.status.counts:
            continue
        for line in record.lines:
            done = amounts.setdefault(line.order_item_id, {})
            for component, value in line.amounts.items():
                done[component] = done.get(component, ZERO) + value
            units[line.order_item_id] = units.get(line.order_item_id, 0) + line.quantity
    return amounts, units


class AskedLine(BaseModel):
    """One SKU of a refund request: units (their share of the item's principal and tax) and/or amounts."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1)
    quantity: int | None = Field(default=None, ge=0)
    principal: Decimal | None = None
    tax: Decimal | None = None


class RefundAsk(BaseModel):
    """What someone asks to refund: the whole order (``full``), or lines and/or shipping."""

    model_config = ConfigDict(frozen=True)

    order_id: str = Field(min_length=1)
    refund_id: str = Field(min_length=1)
    reason: str = DEFAULT_REASON
    full: bool = False
    lines: tuple[AskedLine, ...] = ()
    shipping: Decimal | None = None
    shipping_tax: Decimal | None = None  # None: the shipping's share of the shipping tax
    source: str = "cli"
    credit_note_id: int | None = None


def cli_refund_id(ask: RefundAsk) -> str:
    """A deterministic id for a request given by hand: the same command twice is one refund."""
    text = "|".join(
        [
            ask.order_id,
            ask.reason,
            "full" if ask.full else "",
            ";".join(f"{ln.sku}:{ln.quantity}:{ln.principal}:{ln.tax}" for ln in ask.lines),
            f"{ask.shipping}:{ask.shipping_tax}",
        ]
    )
    return "cli-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def credit_note_refund_id(credit_note_id: int) -> str:
    return f"cn-{credit_note_id}"


def _left(charges: ItemCharges, done: Mapping[Component, Decimal]) -> dict[Component, Decimal]:
    return {c: a - done.get(c, ZERO) for c, a in charges.amounts.items() if a - done.get(c, ZERO) > ZERO}


def _share(left: Decimal, units: int, units_left: int) -> Decimal:
    """``units`` of ``units_left``'s share of ``left`` (all of it for the last units: no cent lost)."""
    if units >= units_left:
        return left
    return _cents(left * units / units_left)


def plan_refund(ask: RefundAsk, order: Order, earlier: Sequence[RefundRecord]) -> tuple[RefundLine, ...]:
    """The lines of ``ask`` against what ``order`` charged and ``earlier`` refunds gave back; refuses
    (:class:`RefundRefusedError`) anything larger than what is left, and an empty refund."""
    record = f"order {ask.order_id}"
    charges = item_charges(order)
    done_amounts, done_units = refunded_so_far(earlier)
    left = {item_id: _left(c, done_amounts.get(item_id, {})) for item_id, c in charges.items()}
    units_left = {item_id: c.quantity - done_units.get(item_id, 0) for item_id, c in charges.items()}
    planned: dict[str, dict[Component, Decimal]] = {}
    planned_units: dict[str, int] = {}
    problems: list[str] = []

    def add(item_id: str, component: Component, amount: Decimal) -> None:
        amount = _cents(amount)
        if amount > ZERO:
            planned.setdefault(item_id, {})
            planned[item_id][component] = planned[item_id].get(component, ZERO) + amount

    if ask.full:
        if not any(left.values()):
            raise RefundRefusedError(
                f"order {ask.order_id} is refunded in full already: nothing is left to refund",
                record=record,
                code="refund.already_refunded",
                resolution="nothing to do (amazon-odoo orders refunds ORDER_ID lists its refunds)",
            )
        for item_id, amounts in left.items():
            for component, amount in amounts.items():
                add(item_id, component, amount)
            planned_units[item_id] = max(0, units_left[item_id])
    by_sku: dict[str, list[str]] = {}
    for item_id, c in charges.items():
        by_sku.setdefault(c.sku, []).append(item_id)
    for asked in ask.lines:
        items = by_sku.get(asked.sku)
        if not items:
            problems.append(f"SKU {asked.sku} is not on the order (its SKUs: {', '.join(sorted(by_sku))})")
            continue
        item_id = items[0]
        item_left = left[item_id]
        if not item_left.get(Component.PRINCIPAL) and not item_left.get(Component.TAX):
            problems.append(f"SKU {asked.sku} is refunded in full already")
            continue
        if asked.quantity:
            if asked.quantity > units_left[item_id]:
                problems.append(
                    f"SKU {asked.sku}: {asked.quantity} unit(s) asked, {max(0, units_left[item_id])} of "
                    f"{charges[item_id].quantity} left to refund"
                )
                continue
            planned_units[item_id] = planned_units.get(item_id, 0) + asked.quantity
        if asked.principal is not None or asked.tax is not None:
            add(item_id, Component.PRINCIPAL, asked.principal or ZERO)
            add(item_id, Component.TAX, asked.tax or ZERO)
        elif asked.quantity:
            for component in (
                Component.PRINCIPAL,
                Component.TAX,
                Component.GIFT_WRAP,
                Component.GIFT_WRAP_TAX,
            ):
                amount = item_left.get(component, ZERO)
                add(item_id, component, _share(amount, asked.quantity, units_left[item_id]))
    if ask.shipping is not None and ask.shipping > ZERO:
        carrying = [i for i, amounts in left.items() if amounts.get(Component.SHIPPING)]
        if not carrying:
            problems.append("shipping: nothing is left to refund")
        else:
            item_id = carrying[0]
            add(item_id, Component.SHIPPING, ask.shipping)
            shipping_left = left[item_id][Component.SHIPPING]
            tax = ask.shipping_tax
            if tax is None:
                tax = _cents(
                    left[item_id].get(Component.SHIPPING_TAX, ZERO)
                    * min(ask.shipping, shipping_left)
                    / shipping_left
                )
            add(item_id, Component.SHIPPING_TAX, tax)
    for item_id, amounts in planned.items():
        for component, amount in amounts.items():
            available = left[item_id].get(component, ZERO)
            if amount > available:
                charged = charges[item_id].amounts.get(component, ZERO)
                problems.append(
                    f"SKU {charges[item_id].sku} {component.value}: {amount} asked, {available} left to refund "
                    f"(charged {charged}, refunded {charged - available})"
                )
    if problems:
        raise RefundRefusedError(
            f"refund {ask.refund_id} of order {ask.order_id} refused: " + "; ".join(problems),
            record=record,
            code="refund.too_large",
            resolution="ask at most what is left to refund (amazon-odoo orders refund ORDER_ID --dry-run "
            "shows it); nothing was sent",
        )
    lines = tuple(
        RefundLine(
            order_item_id=item_id,
            sku=charges[item_id].sku,
            quantity=planned_units.get(item_id, 0),
            amounts=amounts,
        )
        for item_id, amounts in planned.items()
        if amounts
    )
    if not lines:
        raise RefundRefusedError(
            f"refund {ask.refund_id} of order {ask.order_id} gives nothing back",
            record=record,
            code="refund.empty",
            resolution="name the lines (--line SKU=QTY or SKU=AMOUNT) or --shipping, or leave both out "
            "for a full refund",
        )
    return lines


class CreditLine(BaseModel):
    """What one line of an Odoo credit note keeps when a refund is partial: the quantity refunded and/or the
    unit price (None: as reversed from the invoice)."""

    model_config = ConfigDict(frozen=True)

    quantity: Decimal | None = None
    price_unit: Decimal | None = None


def parse_asked_line(text: str) -> AskedLine:
    """``SKU=QTY`` (whole units: their share of the item's price and tax) or ``SKU=AMOUNT`` (an amount with a
    decimal point: that much of the item's price, no units back); ConfigError naming the option."""
    sku, sep, value = text.rpartition("=")
    value = value.strip()
    if not sep or not sku.strip() or not value:
        raise ConfigError(
            f"--line {text!r} is not SKU=QTY or SKU=AMOUNT",
            record="option --line",
            resolution="e.g. --line MUG-1=2 (two units) or --line MUG-1=5.00 (an amount)",
        )
    try:
        if "." in value or "," in value:
            amount = Decimal(value.replace(",", "."))
            if amount <= ZERO:
                raise ValueError(value)
            return AskedLine(sku=sku.strip(), principal=_cents(amount))
        quantity = int(value)
        if quantity <= 0:
            raise ValueError(value)
        return AskedLine(sku=sku.strip(), quantity=quantity)
    except (ArithmeticError, ValueError):
        raise ConfigError(
            f"--line {text!r}: {value!r} is neither a positive whole quantity nor a positive amount",
            record="option --line",
            resolution="e.g. --line MUG-1=2 (two units) or --line MUG-1=5.00 (an amount)",
        ) from None
