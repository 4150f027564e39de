"""Refunds that started at Amazon, met in a settlement (issue 8): the credit note (and the return) in Odoo.

When a settlement's ``Refund`` line finds no open credit note of its order and the seller has
``returns.create_credit_note`` on, :class:`AmazonRefunds` makes the credit note from the order's posted
invoice for exactly what Amazon refunded (:func:`~amazon_odoo.mapping.settlement_refunds.plan_credit`),
posted, with reference ``Amazon refund amz-<adjustment id>``; the statement line written right after it is
matched with it. With ``returns.create_return_picking`` on, the units the rows give (``quantity-purchased``)
are returned from the order's deliveries; rows without units: the log book says to receive the return by
hand. Each refund is kept as a :class:`~amazon_odoo.domain.refunds.RefundRecord` (source ``amazon``, status
ACCEPTED, refund id ``amz-<adjustment id>``): a second run or a report processed again makes nothing twice,
and ``export_refunds`` never sends the credit note back to Amazon as a refund.

Left alone (the line stays open, as without this): an order not in Odoo or without a posted invoice, an
order refunded through the connector (its own credit notes), an order with a credit note already, and a
refund whose amounts have no invoice line to go on (a log book ERROR naming the order and the field, said
once: the refund is recorded REFUSED).

A refund line written before its order (or invoice) was in Odoo waits on the statement; a later run of the
imported report reads the report again for it (:meth:`AmazonRefunds.waiting` says when that is worth it).

Odoo calls per batch of statement lines: 4-5 reads for all its refunds together, then per credit note the
reversal wizard's 5-7 round trips (and the return's).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConflictError, ConnectorError
from amazon_odoo.domain.refunds import RefundRecord, RefundStatus
from amazon_odoo.domain.settlements import LineKind, SettlementLine
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.mapping.orders import order_external_id
from amazon_odoo.mapping.settlement_refunds import (
    SOURCE,
    SaleLine,
    TaxMode,
    amazon_refund_id,
    line_names,
    plan_credit,
)
from amazon_odoo.mapping.settlements import OpenItem
from amazon_odoo.ports import OdooGateway, StateStore
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.refunds import odoo_reference

REASON = "Refunded at Amazon"


def wants_credit(line: SettlementLine, items: Mapping[str, Sequence[OpenItem]]) -> bool:
    """A refund of an order with nothing open to match it: no open credit note (nor a payment owed back)."""
    if line.kind is not LineKind.REFUND or not line.order_id or line.receivable >= 0 or not line.refunded:
        return False
    return not any(
        item.residual < 0 and item.kind in ("credit_note", "entry") for item in items.get(line.order_id, ())
    )


class AmazonRefunds:
    """Credit notes (and returns) of the refunds Amazon reports in a settlement, each once."""

    def __init__(self, state: StateStore, clock: Callable[[], datetime]) -> None:
        self.state = state
        self._clock = clock

    def credit(
        self,
        ctx: JobContext,
        odoo: OdooGateway,
        lines: Sequence[SettlementLine],
        items: Mapping[str, Sequence[OpenItem]],
        *,
        marketplace_id: str,
        currency: str,
        company_id: int,
    ) -> set[str]:
        """Make the credit notes of ``lines``' refunds that nothing in Odoo matches yet; answers the Amazon
        order ids that got one (their open items are to be read again)."""
        seller = ctx.seller
        options = seller.returns
        if not options.create_credit_note:
            return set()
        todo: list[tuple[SettlementLine, str]] = []
        for line in lines:
            if not wants_credit(line, items):
                continue
            refund_id = amazon_refund_id(line)
            earlier = self.state.order_refunds(seller.id, line.order_id)
            if any(r.refund_id == refund_id for r in earlier):
                ctx.counts["amazon_refunds_known"] += 1
                continue  # made already (a report processed again): never a second credit note
            own = [r.refund_id for r in earlier if r.source != SOURCE and r.status.counts]
            if own:
                ctx.log(
                    f"{line.label}: order {line.order_id} was refunded through the connector "
                    f"({', '.join(own)}): no credit note made for Amazon's refund {refund_id}",
                    level=LogLevel.WARNING,
                    record=f"order {line.order_id}",
                    resolution="check the order's credit notes in Odoo and match the open statement line by "
                    "hand if Amazon's refund is the connector's one",
                    details={"refund_id": refund_id},
                )
                continue
            todo.append((line, refund_id))
        if not todo:
            return set()
        odoo_data = self._read(odoo, seller, todo, marketplace_id)
        made: set[str] = set()
        for line, refund_id in todo:
            try:
                if self._one(ctx, odoo, line, refund_id, odoo_data, marketplace_id, currency, company_id):
                    made.add(line.order_id)
            except ConnectorError as error:
                ctx.counts["amazon_refunds_failed"] += 1
                ctx.log_error(error)
        return made

    def waiting(
        self, ctx: JobContext, odoo: OdooGateway, order_ids: Sequence[str], *, marketplace_id: str
    ) -> set[str]:
        """Of the orders whose refund lines still wait for a credit note, those worth reading the report
        again for: credit notes are made, the order is in Odoo now (1 call) and has no refund recorded."""
        seller = ctx.seller
        if not seller.returns.create_credit_note:
            return set()
        fresh = [o for o in dict.fromkeys(order_ids) if o and not self.state.order_refunds(seller.id, o)]
        if not fresh:
            return set()
        names = {o: _name(order_external_id(marketplace_id, o)) for o in fresh}
        found = odoo.xmlid_map(sorted(names.values()))
        return {o for o, name in names.items() if name in found}

    def _read(
        self,
        odoo: OdooGateway,
        seller: SellerConfig,
        todo: Sequence[tuple[SettlementLine, str]],
        marketplace_id: str,
    ) -> _OdooData:
        """Everything the batch's refunds need from Odoo, in 4-5 reads."""
        orders = {line.order_id: _name(order_external_id(marketplace_id, line.order_id)) for line, _ in todo}
        wanted = {line.order_id: line_names(line.order_id, line.refunded.values()) for line, _ in todo}
        found = odoo.xmlid_map(sorted({*orders.values(), *(n for names in wanted.values() for n in names)}))
        order_ids = {order: found[name] for order, name in orders.items() if name in found}
        order_rows = {
            int(row["id"]): row
            for row in (
                odoo.read(
                    "sale.order", sorted(order_ids.values()), ["name", "delivery_status", "invoice_ids"]
                )
                if order_ids
                else []
            )
        }
        move_ids = sorted({m for row in order_rows.values() for m in row.get("invoice_ids") or []})
        moves = {
            int(m["id"]): m
            for m in (
                odoo.read("account.move", move_ids, ["name", "state", "move_type", "ref"]) if move_ids else []
            )
        }
        line_ids = sorted({found[n] for names in wanted.values() for n in names if n in found})
        sale_rows = {
            int(r["id"]): r
            for r in (
                odoo.read("sale.order.line", line_ids, ["product_uom_qty", "price_unit", "tax_id"])
                if line_ids
                else []
            )
        }
        invoices = [
            m for m, row in moves.items() if row["move_type"] == "out_invoice" and row["state"] == "posted"
        ]
        if invoices:  # credit notes made by hand reverse the invoice without being the order's
            for move in odoo.search_read(
                "account.move",
                [
                    ("move_type", "=", "out_refund"),
                    ("reversed_entry_id", "in", invoices),
                    ("state", "=", "posted"),
                ],
                ["name", "state", "move_type", "ref", "reversed_entry_id"],
            ):
                moves[int(move["id"])] = move
        tax_ids = sorted({int(t) for r in sale_rows.values() for t in r.get("tax_id") or []})
        included = {
            int(t["id"]): bool(t.get("price_include"))
            for t in (odoo.read("account.tax", tax_ids, ["price_include"]) if tax_ids else [])
        }
        sale_lines: dict[str, dict[str, SaleLine]] = {}
        for order, names in wanted.items():
            for name in names:
                row = sale_rows.get(found.get(name, 0))
                if row is None:
                    continue
                taxes = [int(t) for t in row.get("tax_id") or []]
                mode = (
                    TaxMode.NONE
                    if not taxes
                    else TaxMode.INCLUDED
                    if all(included.get(t) for t in taxes)
                    else TaxMode.EXCLUDED
                )
                sale_lines.setdefault(order, {})[name] = SaleLine(
                    id=int(row["id"]),
                    quantity=Decimal(str(row.get("product_uom_qty") or 0)),
                    price_unit=Decimal(str(row.get("price_unit") or 0)),
                    tax=mode,
                )
        return _OdooData(order_ids, order_rows, moves, sale_lines)

    def _one(
        self,
        ctx: JobContext,
        odoo: OdooGateway,
        line: SettlementLine,
        refund_id: str,
        data: _OdooData,
        marketplace_id: str,
        currency: str,
        company_id: int,
    ) -> bool:
        seller = ctx.seller
        order_id = line.order_id
        record = f"order {order_id}"
        details: dict[str, object] = {"refund_id": refund_id, "line": line.label}
        sale_order = data.order_ids.get(order_id)
        if sale_order is None:
            return False  # the statement line's own entry says to import the order
        row = data.orders.get(sale_order, {})
        documents = [data.moves[m] for m in row.get("invoice_ids") or [] if m in data.moves]
        invoices = [
            int(m["id"]) for m in documents if m["move_type"] == "out_invoice" and m["state"] == "posted"
        ]
        documents += [
            m
            for m in data.moves.values()
            if m.get("reversed_entry_id") and _id(m["reversed_entry_id"]) in invoices and m not in documents
        ]
        credit_notes = [m for m in documents if m["move_type"] == "out_refund" and m["state"] == "posted"]
        ref = odoo_reference(refund_id)
        if any(str(m.get("ref") or "") == ref for m in credit_notes):
            credit_note: int | None = next(int(m["id"]) for m in credit_notes if m.get("ref") == ref)
        elif credit_notes:
            ctx.log(
                f"{line.label}: sale order {row.get('name')} has credit note(s) "
                f"{', '.join(str(m.get('name') or m['id']) for m in credit_notes)} already: no credit note made "
                f"for Amazon's refund {refund_id}",
                record=record,
                resolution="if that credit note is Amazon's refund, match the open statement line with it by "
                "hand; otherwise create the credit note in Odoo",
                details=details,
            )
            return False
        elif not invoices:
            ctx.log(
                f"{line.label}: sale order {row.get('name')} has no posted invoice: no credit note made for "
                f"Amazon's refund {refund_id}",
                level=LogLevel.WARNING,
                record=record,
                resolution="post the order's invoice; then create the credit note by hand (the open statement "
                "line is matched by the next process-settlements run)",
                details=details,
            )
            return False
        else:
            credit_note = None
        try:
            plan = plan_credit(order_id, list(line.refunded.values()), data.sale_lines.get(order_id, {}))
        except ConnectorError as error:
            ctx.counts["amazon_refunds_unmapped"] += 1
            ctx.log(
                error.message,
                level=LogLevel.ERROR,
                record=record,
                resolution=error.resolution,
                details={**details, "code": error.code},
            )
            now = self._clock()
            refusal = RefundRecord(  # said once: later runs leave this refund to the person
                seller_id=seller.id,
                order_id=order_id,
                refund_id=refund_id,
                marketplace_id=marketplace_id,
                reason=REASON,
                currency=currency,
                lines=(),
                source=SOURCE,
                status=RefundStatus.REFUSED,
                message=error.message,
                created_at=now,
                updated_at=now,
            )
            with contextlib.suppress(ConflictError):
                self.state.save_refund(refusal)
            return False
        if credit_note is None:
            credit_note = odoo.refund_invoice(
                invoices[0], reason=f"{REASON} ({refund_id})", ref=ref, lines=plan.lines
            )
        done = [f"credit note {credit_note} posted"]
        pickings: tuple[int, ...] = ()
        if seller.returns.create_return_picking:
            pickings = self._return(ctx, odoo, line, plan.returns, sale_order, row, ref, company_id, details)
            if pickings:
                done.append("return " + ", ".join(map(str, pickings)))
        now = self._clock()
        refund = RefundRecord(
            seller_id=seller.id,
            order_id=order_id,
            refund_id=refund_id,
            marketplace_id=marketplace_id,
            reason=REASON,
            currency=currency,
            lines=plan.refund_lines,
            source=SOURCE,
            credit_note_id=credit_note,
            return_picking_ids=pickings,
            status=RefundStatus.ACCEPTED,
            message=f"refunded at Amazon: {-line.receivable} {currency}",
            created_at=now,
            updated_at=now,
        )
        try:
            self.state.save_refund(refund)
        except ConflictError:
            ctx.counts["amazon_refunds_known"] += 1  # another worker recorded it meanwhile
            return True
        ctx.counts["amazon_refunds_credited"] += 1
        ctx.log(
            f"{line.label}: Amazon refunded {-line.receivable} {currency}: " + "; ".join(done),
            record=record,
            details={**details, "credit_note_id": credit_note},
        )
        return True

    def _return(
        self,
        ctx: JobContext,
        odoo: OdooGateway,
        line: SettlementLine,
        quantities: Mapping[str, int],
        sale_order: int,
        row: Mapping[str, Any],
        ref: str,
        company_id: int,
        details: Mapping[str, Any],
    ) -> tuple[int, ...]:
        record = f"order {line.order_id}"
        if not quantities:
            ctx.log(
                f"{line.label}: Amazon's refund gives no units (quantity-purchased): no return made",
                level=LogLevel.WARNING,
                record=record,
                resolution=f"receive the returned goods by hand in Odoo (Return on sale order {row.get('name')}'s "
                "delivery) if any come back",
                details=dict(details),
            )
            return ()
        if row.get("delivery_status") not in ("partial", "full"):
            ctx.log(
                f"{line.label}: nothing of sale order {row.get('name')} is delivered: no return made",
                level=LogLevel.WARNING,
                record=record,
                resolution="cancel the undelivered quantities of the order's delivery by hand",
                details=dict(details),
            )
            return ()
        products = odoo.products_by_sku(company_id, list(quantities))
        by_product = {products[s]: Decimal(q) for s, q in quantities.items() if s in products}
        if not by_product:
            return ()
        try:
            return tuple(odoo.return_deliveries(sale_order, by_product, origin=ref))
        except ConnectorError as error:  # the credit note stands; the return is made by hand
            ctx.log_error(error)
            return ()


class _OdooData:
    def __init__(
        self,
        order_ids: dict[str, int],
        orders: dict[int, dict[str, Any]],
        moves: dict[int, dict[str, Any]],
        sale_lines: dict[str, dict[str, SaleLine]],
    ) -> None:
        self.order_ids = order_ids
        self.orders = orders
        self.moves = moves
        self.sale_lines = sale_lines


def _id(value: Any) -> int:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else 0
    return int(value or 0)


def _name(xmlid: str) -> str:
    return xmlid.split(".", 1)[1]


__all__ = ["REASON", "AmazonRefunds", "wants_credit"]
