"""The refund wizards of the Odoo double (``account.move.reversal``, ``stock.return.picking``) where the
contract suite (tests/contract/test_odoo_refunds.py, also run on a real Odoo 17) does not look: stock back in
the warehouse, kits, ``to_refund`` off, and the wizards' refusals."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from typing import Any

import pytest

from amazon_odoo.local.odoo_double import OdooDouble


@pytest.fixture(scope="module")
def double() -> Iterator[OdooDouble]:
    d = OdooDouble(db="amazon", users={"admin": "admin"}).start()
    yield d
    d.stop()


class Rpc:
    def __init__(self, double: OdooDouble) -> None:
        common = xmlrpc.client.ServerProxy(f"{double.url}/xmlrpc/2/common")
        self.object = xmlrpc.client.ServerProxy(f"{double.url}/xmlrpc/2/object", allow_none=True)
        self.uid = common.authenticate("amazon", "admin", "admin", {})

    def __call__(self, model: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        return self.object.execute_kw("amazon", self.uid, "admin", model, method, list(args), kwargs)


@pytest.fixture
def x(double: OdooDouble) -> Rpc:
    return Rpc(double)


def delivered_order(x: Rpc, lines: list[tuple[int, float]]) -> tuple[int, int]:
    """A confirmed order of ``lines`` (product, quantity), delivered in full: (order, delivery)."""
    partner = x("res.partner", "create", {"name": "Returner"})
    order = x(
        "sale.order",
        "create",
        {
            "partner_id": partner,
            "order_line": [
                (0, 0, {"product_id": p, "product_uom_qty": q, "price_unit": 10}) for p, q in lines
            ],
        },
    )
    x("sale.order", "action_confirm", [order])
    [picking] = x("sale.order", "read", [order], fields=["picking_ids"])[0]["picking_ids"]
    assert x("stock.picking", "button_validate", [picking]) is True
    return order, picking


def return_of(x: Rpc, picking: int, quantities: dict[int, float], to_refund: bool = True) -> int:
    """The validated return of ``quantities`` (product -> units) of the picking, through the wizard."""
    context = {"active_model": "stock.picking", "active_id": picking, "active_ids": [picking]}
    wizard = x("stock.return.picking", "create", {"picking_id": picking}, context=context)
    lines = x("stock.return.picking.line", "search_read", [("wizard_id", "=", wizard)], fields=["product_id"])
    commands = [
        (1, line["id"], {"quantity": quantities.get(line["product_id"][0], 0.0), "to_refund": to_refund})
        for line in lines
    ]
    x("stock.return.picking", "write", [wizard], {"product_return_moves": commands}, context=context)
    action = x("stock.return.picking", "create_returns", [wizard], context=context)
    picking = int(action["res_id"])
    if x("stock.picking", "read", [picking], fields=["state"])[0]["state"] == "waiting":  # a receipt's return
        with pytest.raises(xmlrpc.client.Fault, match="no quantities are reserved"):
            x("stock.picking", "button_validate", [picking])
        moves = x("stock.move", "search_read", [("picking_id", "=", picking)], fields=["product_uom_qty"])
        for move in moves:
            x("stock.move", "write", [move["id"]], {"quantity": move["product_uom_qty"]})
    assert x("stock.picking", "button_validate", [picking]) is True
    return picking


def delivered_quantities(x: Rpc, order: int) -> list[float]:
    lines = x(
        "sale.order.line", "search_read", [("order_id", "=", order)], fields=["qty_delivered"], order="id"
    )
    return [line["qty_delivered"] for line in lines]


def test_a_return_puts_the_units_back_in_stock_and_lowers_what_was_delivered(x: Rpc) -> None:
    [mug] = x("product.product", "create", [{"name": "Return mug", "detailed_type": "product"}])
    [stock] = x("stock.location", "search", [("usage", "=", "internal")], limit=1)
    x("stock.quant", "create", {"product_id": mug, "location_id": stock, "inventory_quantity_auto_apply": 10},
      context={"inventory_mode": True})  # fmt: skip
    order, delivery = delivered_order(x, [(mug, 3)])
    assert x("product.product", "read", [mug], fields=["qty_available"])[0]["qty_available"] == 7
    back = return_of(x, delivery, {mug: 2})
    assert x("product.product", "read", [mug], fields=["qty_available"])[0]["qty_available"] == 9
    assert delivered_quantities(x, order) == [1.0]
    again = return_of(x, back, {mug: 1})  # the return of a return goes out to the customer again
    [out] = x("stock.picking", "read", [again], fields=["picking_type_code", "name", "return_id"])
    assert out["picking_type_code"] == "outgoing" and out["name"].startswith("WH/OUT/")
    assert out["return_id"][0] == back and delivered_quantities(x, order) == [2.0]
    assert x("product.product", "read", [mug], fields=["qty_available"])[0]["qty_available"] == 8
    return_of(x, delivery, {mug: 1}, to_refund=False)  # a return that does not update the order
    assert delivered_quantities(x, order) == [2.0]
    assert x("product.product", "read", [mug], fields=["qty_available"])[0]["qty_available"] == 9
    context = {"active_model": "stock.picking", "active_id": delivery, "active_ids": [delivery]}
    wizard = x("stock.return.picking", "create", {}, context=context)
    [line] = x("stock.return.picking.line", "search_read", [("wizard_id", "=", wizard)], fields=["quantity"])
    assert line["quantity"] == 0.0  # every unit returned already


def test_a_kit_returned_counts_complete_kits_net_of_returns(x: Rpc) -> None:
    cork, box, kit = x(
        "product.product",
        "create",
        [{"name": "Cork"}, {"name": "Box"}, {"name": "Coaster kit", "detailed_type": "product"}],
    )
    x("mrp.bom", "create", {"product_id": kit, "type": "phantom", "bom_line_ids": [
        (0, 0, {"product_id": cork, "product_qty": 4}), (0, 0, {"product_id": box, "product_qty": 1})]})  # fmt: skip
    order, delivery = delivered_order(x, [(kit, 2)])
    assert delivered_quantities(x, order) == [2.0]
    return_of(x, delivery, {box: 1})  # one box back: one complete kit left delivered
    assert delivered_quantities(x, order) == [1.0]
    return_of(x, delivery, {cork: 4})
    assert delivered_quantities(x, order) == [1.0]


def test_the_wizards_refuse_what_odoo_refuses(x: Rpc) -> None:
    [goods] = x("product.product", "create", [{"name": "Refused goods"}])
    order, delivery = delivered_order(x, [(goods, 1)])
    two = {"active_model": "stock.picking", "active_id": delivery, "active_ids": [delivery, delivery + 1]}
    with pytest.raises(xmlrpc.client.Fault, match="You may only return one picking at a time"):
        x("stock.return.picking", "create", {}, context=two)
    wizard = x("sale.advance.payment.inv", "create", {"sale_order_ids": [(6, 0, [order])]})
    with pytest.raises(xmlrpc.client.Fault, match="cannot marshal None"):  # as Odoo 17: made, then the fault
        x("sale.advance.payment.inv", "create_invoices", [wizard])
    [invoice] = x("sale.order", "read", [order], fields=["invoice_ids"])[0]["invoice_ids"]
    x("account.move", "action_post", [invoice])
    [bank] = x("account.journal", "search", [("type", "=", "bank")], limit=1) or [
        x("account.journal", "create", {"name": "Refund bank", "code": "RFB", "type": "bank"})
    ]
    with pytest.raises(xmlrpc.client.Fault, match="Journal should be the same type as the reversed entry"):
        x("account.move.reversal", "create", {"move_ids": [(6, 0, [invoice])], "journal_id": bank})
    [sales] = x("account.move", "read", [invoice], fields=["journal_id"])[0]["journal_id"][:1]
    wizard = x("account.move.reversal", "create", {"move_ids": [(6, 0, [invoice])], "journal_id": sales})
    action = x("account.move.reversal", "refund_moves", [wizard])
    x("account.move", "action_post", [action["res_id"]])
    [paid] = x("account.move", "read", [invoice], fields=["amount_residual"])
    assert paid["amount_residual"] == 0.0  # the credit note settles the invoice it reverses
