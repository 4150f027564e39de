"""Refund wizards of the Odoo double (issue 8), after Odoo 17's ``account/wizard/account_move_reversal.py``
and ``stock/wizard/stock_picking_return.py`` (with ``stock_account``'s ``to_refund``).

- ``account.move.reversal``: created with ``move_ids`` (or the context's ``active_ids``), ``reason``, ``date``
  and ``journal_id``. Over RPC Odoo does not compute the journal: without it the create fails with the
  not-null ``ValidationError`` Odoo gives (:data:`JOURNAL_MISSING`). ``refund_moves`` makes one draft credit
  note per invoice (``reversed_entry_id``, ref ``Reversal of: <number>, <reason>``, the invoice's product lines
  with their quantities, prices, taxes and sale lines) and answers Odoo's action (``res_id`` = the credit note
  when there is one). The double reverses customer invoices and credit notes only.
- ``stock.return.picking``: created with ``picking_id`` (or the context's ``active_id``) of a done picking; its
  ``stock.return.picking.line`` records (``wizard_id``) hold each move's quantity not returned yet, and
  ``to_refund``. ``create_returns`` makes the return picking (a delivery's: ``WH/IN/…``, incoming, ready; a
  receipt's: outgoing, waiting, nothing reserved; ``return_id``, origin ``Return of <name>``, the order and
  partner of the picking) with one move per non-zero line (``origin_returned_move_id``, ``to_refund``, the
  sale line).
  Validating a delivery's return (``button_validate``) puts the units back in stock and, for ``to_refund``
  moves, lowers the order lines' delivered quantity (kits: the complete kits net of returns), as sale_stock
  does.

Not modelled: ``qty_invoiced`` of order lines does not follow credit notes (it is stored, not computed, in the
double); Odoo 18+ changes of the return wizard (lines start at 0, ``action_create_returns``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from amazon_odoo.local.odoo_double import models
from amazon_odoo.local.odoo_double.errors import UserError, ValidationError
from amazon_odoo.local.odoo_double.orm import REGISTRY, Field, Model, Row, api_multi, now_string, register

#: what Odoo 17 answers over RPC when ``account.move.reversal`` is created without a journal
JOURNAL_MISSING = (
    "The operation cannot be completed:\n"
    "- Create/update: a mandatory field is not set.\n"
    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
    "Model: Account Move Reversal (account.move.reversal)\n"
    "Field: Journal (journal_id)"
)

REVERSE_TYPE = {"out_invoice": "out_refund", "out_refund": "out_invoice"}

#: the invoice line values a credit note copies (``copy`` with ``include_business_fields``)
COPIED_LINE_FIELDS = ("name", "product_id", "quantity", "price_unit", "discount", "account_id", "partner_id")

STOCK_MOVE_FIELDS: dict[str, Field] = {
    "origin_returned_move_id": Field("many2one", "Origin return move", relation="stock.move"),
    "returned_move_ids": Field(
        "one2many", "All returned moves", relation="stock.move", inverse="origin_returned_move_id"
    ),
    "to_refund": Field("boolean", "Update quantities on SO/PO", default=False),
}


def _extend(model: str, fields: dict[str, Field]) -> None:
    """Give the class serving ``model`` the fields (idempotent; subclasses made later inherit them)."""
    cls = REGISTRY[model]
    for name, fld in fields.items():
        if name not in cls._all_fields:
            fld.name = name
            cls._all_fields[name] = fld
        own = cls.__dict__.get("_fields")
        if isinstance(own, dict) and name not in own:
            own[name] = fld


_extend("stock.move", STOCK_MOVE_FIELDS)


# ------------------------------------------------------------------------------------- credit notes


@register
class AccountMoveReversal(Model):
    _name = "account.move.reversal"
    _description = "Account Move Reversal"
    _access: ClassVar[dict[str, tuple[str, ...]]] = {"*": ("account.group_account_invoice",)}
    _fields: ClassVar[dict[str, Field]] = {
        "move_ids": Field("many2many", "Move", relation="account.move"),
        "new_move_ids": Field("many2many", "New Move", relation="account.move"),
        "date": Field("date", "Reversal date", default=lambda env: now_string()[:10]),
        "reason": Field("char", "Reason displayed on Credit Note"),
        "journal_id": Field("many2one", "Journal", relation="account.journal"),
        "company_id": Field("many2one", "Company", relation="res.company"),
        "residual": Field(
            "monetary",
            "Residual",
            compute=lambda m, i: (
                float(m.env["account.move"].sudo().get(m.get(i, "move_ids")[0], "amount_residual") or 0)
                if len(m.get(i, "move_ids")) == 1
                else 0.0
            ),
        ),
        "move_type": Field(
            "char",
            "Move Type",
            compute=lambda m, i: (
                m.db.table("account.move")[m.get(i, "move_ids")[0]].get("move_type")
                if len(m.get(i, "move_ids")) == 1
                else False
            ),
        ),
    }

    def _prepare_create(self, vals: Row) -> Row:
        moves = self.env["account.move"].sudo()
        active: list[int] = []
        if self.context.get("active_model") == "account.move":  # default_get
            active = [int(i) for i in self.context.get("active_ids") or []]
            if len({moves.row(i).get("company_id") for i in active}) > 1:
                raise UserError("All selected moves for reversal must belong to the same company.")
            if any(moves.row(i).get("state") != "posted" for i in active):
                raise UserError("You can only reverse posted moves.")
            vals.setdefault("move_ids", [(6, 0, active)])
        if not vals.get("company_id"):
            companies = [moves.row(i).get("company_id") for i in active if moves.row(i).get("company_id")]
            vals["company_id"] = companies[0] if companies else models._company(self.env)
        if not vals.get("journal_id"):
            raise ValidationError(JOURNAL_MISSING)
        return vals

    def _post_create(self) -> None:
        moves, journals = self.db.table("account.move"), self.db.table("account.journal")
        for rec_id in self.ids:  # @api.constrains('journal_id', 'move_ids')
            kinds = {
                journals.get(int(moves[m].get("journal_id") or 0), {}).get("type")
                for m in self.get(rec_id, "move_ids")
            }
            if journals.get(int(self.row(rec_id)["journal_id"]), {}).get("type") not in kinds:
                raise UserError("Journal should be the same type as the reversed entry.")

    @api_multi
    def refund_moves(self) -> Row:
        wizard = self.ensure_one()
        row = self.row(wizard)
        moves = self.env["account.move"].sudo()
        lines = self.env["account.move.line"].sudo()
        created: list[int] = []
        for move in self.get(wizard, "move_ids"):
            source = moves.row(move)
            kind = REVERSE_TYPE.get(str(source.get("move_type")))
            if kind is None:
                raise UserError("The Odoo double reverses customer invoices and credit notes only.")
            name = source.get("name")
            reason = row.get("reason")
            vals: Row = {
                "move_type": kind,
                "reversed_entry_id": move,
                "partner_id": source.get("partner_id") or False,
                "ref": f"Reversal of: {name}, {reason}" if reason else f"Reversal of: {name}",
                "date": row.get("date") or now_string()[:10],
                "invoice_date": row.get("date") or source.get("date") or now_string()[:10],
                "journal_id": row.get("journal_id"),
                "invoice_line_ids": [
                    (0, 0, self._line_values(lines, line)) for line in moves.get(move, "invoice_line_ids")
                ],
            }
            for field in ("currency_id", "company_id", "invoice_origin"):
                if field in moves.fields:
                    vals[field] = source.get(field) or False
            created += moves.create([vals]).ids
        self.db.touch(self._name)[wizard]["new_move_ids"] = list(created)
        action: Row = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move"}
        kinds = {moves.row(i).get("move_type") for i in created}
        if len(created) == 1:
            action.update(
                {"view_mode": "form", "res_id": created[0], "context": {"default_move_type": kinds.pop()}}
            )
        else:
            action.update({"view_mode": "tree,form", "domain": [["id", "in", created]]})
            if len(kinds) == 1:
                action["context"] = {"default_move_type": kinds.pop()}
        return action

    @staticmethod
    def _line_values(lines: Model, line: int) -> Row:
        source = lines.row(line)
        fields = lines.fields
        vals: Row = {f: source.get(f) or False for f in COPIED_LINE_FIELDS if f in fields}
        vals["quantity"] = float(source.get("quantity") or 0)
        vals["price_unit"] = float(source.get("price_unit") or 0)
        vals["discount"] = float(source.get("discount") or 0)
        vals["tax_ids"] = [(6, 0, list(source.get("tax_ids") or []))]
        vals["sale_line_ids"] = [(6, 0, list(source.get("sale_line_ids") or []))]
        return vals


# ------------------------------------------------------------------------------------- returns


@register
class StockReturnPickingLine(Model):
    _name = "stock.return.picking.line"
    _description = "Return Picking Line"
    _rec_name = "product_id"
    _access: ClassVar[dict[str, tuple[str, ...]]] = {"*": models.STOCK_USERS}
    _fields: ClassVar[dict[str, Field]] = {
        "product_id": Field("many2one", "Product", relation="product.product", required=True),
        # required in Odoo (NOT NULL): 0.0 is a value there, so the double does not mark it required
        "quantity": Field("float", "Quantity"),
        "wizard_id": Field("many2one", "Wizard", relation="stock.return.picking"),
        "move_id": Field("many2one", "Move", relation="stock.move"),
        "to_refund": Field("boolean", "Update quantities on SO/PO", default=True),
    }

    def _display_name(self, rec_id: int) -> str:
        product = self.row(rec_id).get("product_id")
        return self.env["product.product"].sudo()._display_name(product) if product else ""


@register
class StockReturnPicking(Model):
    _name = "stock.return.picking"
    _description = "Return Picking"
    _access: ClassVar[dict[str, tuple[str, ...]]] = {"*": models.STOCK_USERS}
    _fields: ClassVar[dict[str, Field]] = {
        "picking_id": Field("many2one", "Picking", relation="stock.picking"),
        "product_return_moves": Field(
            "one2many", "Moves", relation="stock.return.picking.line", inverse="wizard_id"
        ),
        "move_dest_exists": Field("boolean", "Chained Move Exists"),
        "company_id": Field(
            "many2one",
            "Company",
            relation="res.company",
            compute=lambda m, i: (
                m.db.table("stock.picking").get(int(m.row(i).get("picking_id") or 0), {}).get("company_id")
                or False
            ),
        ),
    }

    def _prepare_create(self, vals: Row) -> Row:
        if self.context.get("active_id") and self.context.get("active_model") == "stock.picking":
            if len(self.context.get("active_ids") or []) > 1:
                raise UserError("You may only return one picking at a time.")
            if int(self.context["active_id"]) in self.db.table("stock.picking"):
                vals.setdefault("picking_id", int(self.context["active_id"]))
        return vals

    def _post_create(self) -> None:
        """``_compute_moves_locations``: one line per move of the done picking, with what is left to return."""
        pickings = self.env["stock.picking"].sudo()
        moves = self.env["stock.move"].sudo()
        wizard_lines = self.env["stock.return.picking.line"].sudo()
        for rec_id in self.ids:
            picking = self.row(rec_id).get("picking_id")
            if not picking:
                continue
            if pickings.row(picking).get("state") != "done":
                raise UserError("You may only return Done pickings.")
            values = []
            for move in pickings.get(picking, "move_ids"):
                if moves.get(move, "state") == "cancel":
                    continue
                quantity = float(moves.row(move).get("quantity") or 0)
                quantity -= sum(
                    float(moves.row(r).get("quantity") or 0) for r in moves.get(move, "returned_move_ids")
                )
                values.append(
                    {
                        "wizard_id": rec_id,
                        "product_id": moves.row(move)["product_id"],
                        "quantity": round(quantity, 6),
                        "move_id": move,
                        "to_refund": True,
                    }
                )
            if not values:
                raise UserError(
                    "No products to return (only lines in Done state and not fully returned yet can be returned)."
                )
            wizard_lines.create(values)

    @api_multi
    def create_returns(self) -> Row:
        new_picking = 0
        for wizard in self.ids:
            new_picking = self._create_returns(wizard)
        source = self.db.table("stock.picking")[int(self.row(self.ids[-1])["picking_id"])] if self.ids else {}
        context = {
            **self.context,
            "default_partner_id": source.get("partner_id") or False,
            "search_default_draft": False,
            "search_default_assigned": False,
            "search_default_confirmed": False,
            "search_default_ready": False,
            "search_default_planning_issues": False,
            "search_default_available": False,
        }
        return {
            "name": "Returned Picking",
            "view_mode": "form,tree,calendar",
            "res_model": "stock.picking",
            "res_id": new_picking,
            "type": "ir.actions.act_window",
            "context": context,
        }

    def _create_returns(self, wizard: int) -> int:
        wizard_lines = self.env["stock.return.picking.line"].sudo()
        lines = [wizard_lines.row(i) for i in self.get(wizard, "product_return_moves")]
        if any(not line.get("move_id") for line in lines):
            raise UserError("You have manually created product lines, please delete them to proceed.")
        returned = [line for line in lines if abs(float(line.get("quantity") or 0)) >= 1e-9]
        if not returned:
            raise UserError("Please specify at least one non-zero quantity.")
        original = int(self.row(wizard)["picking_id"])
        source = self.db.table("stock.picking")[original]
        moves = self.db.table("stock.move")
        # the return type of deliveries is receipts (from the customer: reserved at once), and the other way
        # round (Odoo 17 leaves a receipt's return waiting, nothing reserved)
        kind = "outgoing" if source.get("picking_type_code") == "incoming" else "incoming"
        code = "OUT" if kind == "outgoing" else "IN"
        name = f"WH/{code}/{self.db.next_sequence(f'stock.picking.{code.lower()}'):05d}"
        move_values = []
        for line in returned:
            move = moves[int(line["move_id"])]
            quantity = float(line["quantity"])
            move_values.append(
                (
                    0,
                    0,
                    {
                        "name": move.get("name") or False,
                        "product_id": line["product_id"],
                        "product_uom_qty": quantity,
                        "quantity": quantity if kind == "incoming" else 0.0,
                        "sale_line_id": move.get("sale_line_id") or False,
                        "bom_line_id": move.get("bom_line_id") or False,
                        "origin_returned_move_id": int(line["move_id"]),
                        "to_refund": bool(line.get("to_refund")),
                    },
                )
            )
        [picking] = (
            self.env["stock.picking"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "picking_type_code": kind,
                        "state": "assigned" if kind == "incoming" else "waiting",
                        "origin": f"Return of {source.get('name')}",
                        "partner_id": source.get("partner_id") or False,
                        "sale_id": source.get("sale_id") or False,
                        "company_id": source.get("company_id") or False,
                        "return_id": original,
                        "move_ids": move_values,
                    }
                ]
            )
            .ids
        )
        return int(picking)


@register
class StockPickingReturns(models.StockPickingMovingStock):
    """Pickings know what they return; validating a return lowers what the order has delivered."""

    _name = "stock.picking"
    _fields: ClassVar[dict[str, Field]] = {
        "return_id": Field("many2one", "Return of", relation="stock.picking"),
        "return_ids": Field("one2many", "Returns", relation="stock.picking", inverse="return_id"),
    }

    @api_multi
    def button_validate(self) -> Any:
        """As before, but a return's moves change what the order delivered as sale_stock counts it: a
        ``to_refund`` return from the customer lowers it, one to the customer raises it, others leave it."""
        moves, order_lines = self.db.table("stock.move"), self.db.table("sale.order.line")
        open_pickings = {i for i in self.ids if self.row(i).get("state") != "done"}
        return_moves = [
            m
            for m, r in moves.items()
            if r.get("picking_id") in open_pickings
            and r.get("origin_returned_move_id")
            and r.get("sale_line_id")
        ]
        before = {
            int(moves[m]["sale_line_id"]): float(
                order_lines[int(moves[m]["sale_line_id"])].get("qty_delivered") or 0
            )
            for m in return_moves
        }
        result = super().button_validate()
        if result is not True:
            return result
        delivered = dict(before)
        kit_lines: set[int] = set()
        for move in return_moves:
            row = moves[move]
            line = int(row["sale_line_id"])
            if row.get("bom_line_id"):
                kit_lines.add(line)
            elif row.get("to_refund"):
                outgoing = self.row(int(row["picking_id"])).get("picking_type_code") == "outgoing"
                delivered[line] += float(row.get("quantity") or 0) * (1.0 if outgoing else -1.0)
        table = self.db.touch("sale.order.line")
        for line, quantity in delivered.items():
            table[line]["qty_delivered"] = self._kits_net(line) if line in kit_lines else max(quantity, 0.0)
        return result

    def _kits_net(self, sale_line: int) -> float:
        """sale_mrp: complete kits of the line's component moves, shipped minus returned ``to_refund``."""
        moves, pickings = self.db.table("stock.move"), self.db.table("stock.picking")
        done: dict[int, float] = {}
        for row in moves.values():
            picking = pickings.get(int(row.get("picking_id") or 0), {})
            if (
                row.get("sale_line_id") != sale_line
                or not row.get("bom_line_id")
                or picking.get("state") != "done"
            ):
                continue
            counted = not row.get("origin_returned_move_id") or row.get("to_refund")
            sign = {"outgoing": 1.0, "incoming": -1.0}.get(str(picking.get("picking_type_code")), 0.0)
            sign = sign if counted else 0.0
            line = int(row["bom_line_id"])
            done[line] = done.get(line, 0.0) + sign * float(row.get("quantity") or 0)
        bom_lines, boms = self.db.table("mrp.bom.line"), self.db.table("mrp.bom")
        bom = next(iter({bom_lines[b]["bom_id"] for b in done if b in bom_lines}), None)
        if bom is None:
            return 0.0
        per_kit = float(boms[bom].get("product_qty") or 1.0)
        needed = {
            i: float(r.get("product_qty") or 1.0) / per_kit
            for i, r in bom_lines.items()
            if r["bom_id"] == bom
        }
        return float(max(0, min(int(done.get(i, 0.0) / qty + 1e-9) for i, qty in needed.items())))
