"""A refund that started at Amazon, met in a settlement (issue 8), booked in Odoo by
services/settlement_refunds.py through the real gateway: the reads it batches (sale orders by external id, their
invoices and credit notes, sale lines and taxes) and the credit note and return it makes, once — on the Odoo
double and, with ODOO_URL ..., on the real Odoo 17."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from amazon_odoo.adapters.odoo import OdooGateway
from amazon_odoo.config import parse_sellers_file
from amazon_odoo.domain.refunds import RefundStatus
from amazon_odoo.domain.settlements import LineKind, RefundedItem, SettlementLine
from amazon_odoo.mapping.orders import LineKind as OrderLineKind
from amazon_odoo.mapping.orders import line_external_id, order_external_id
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.settlement_refunds import AmazonRefunds
from tests.contract.test_odoo_refunds import delivered_invoiced_order, real  # noqa: F401  (fixture)
from tests.fakes import InMemoryStateStore

ROOT = Path(__file__).resolve().parents[2]
MARKETPLACE = "ATVPDKIKX0DER"


def _seller() -> Any:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry["returns"].update({"create_credit_note": True, "create_return_picking": True})
    return parse_sellers_file(raw).sellers[0]


def _tag(odoo: OdooGateway, xmlid: str, model: str, res_id: int) -> None:
    module, name = xmlid.split(".", 1)
    odoo.create("ir.model.data", [{"module": module, "name": name, "model": model, "res_id": res_id}])


def test_amazons_refund_of_one_unit_makes_one_credit_note_and_one_return(
    real: OdooGateway,  # noqa: F811
) -> None:
    order, products, sale_lines, invoice = delivered_invoiced_order(real)
    amazon_order = f"902-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10**7:07d}"
    _tag(real, order_external_id(MARKETPLACE, amazon_order), "sale.order", order)
    for item, key in (("11111", "A"), ("22222", "B")):
        _tag(
            real,
            line_external_id(amazon_order, item, OrderLineKind.PRODUCT),
            "sale.order.line",
            sale_lines[key],
        )
    sku = str(real.read("product.product", [products["A"]], ["default_code"])[0]["default_code"])
    line = SettlementLine(
        LineKind.REFUND,
        "Refund",
        amazon_order,
        date(2026, 11, 10),
        receivable=Decimal("-10.00"),
        adjustment_ids=[f"amzn1:crow:{uuid.uuid4().hex}"],
        refunded={
            ("11111", sku): RefundedItem("11111", sku, 1, {("ItemPrice", "Principal"): Decimal("-10.00")})
        },
    )
    state = InMemoryStateStore()
    seller = _seller()
    company = int(real.search_read("res.company", [], ["id"], limit=1, order="id")[0]["id"])
    refunds = AmazonRefunds(state, lambda: datetime.now(UTC))

    def credit() -> tuple[set[str], JobContext]:
        ctx = JobContext(seller=seller, job="process_settlements", state=state, run_id=uuid.uuid4().hex)
        made = refunds.credit(
            ctx, real, [line], {}, marketplace_id=MARKETPLACE, currency="USD", company_id=company
        )
        return made, ctx

    calls = real.calls
    made, ctx = credit()
    assert made == {amazon_order} and ctx.counts["amazon_refunds_credited"] == 1
    [refund] = state.order_refunds(seller.id, amazon_order)
    assert refund.source == "amazon" and refund.status is RefundStatus.ACCEPTED
    [move] = real.read(
        "account.move",
        [refund.credit_note_id or 0],
        ["move_type", "state", "amount_total", "ref", "reversed_entry_id"],
    )
    assert (move["move_type"], move["state"], move["reversed_entry_id"][0]) == (
        "out_refund",
        "posted",
        invoice,
    )
    assert Decimal(str(move["amount_total"])) == Decimal("10.00")
    assert move["ref"] == f"Amazon refund {refund.refund_id}"
    [picking] = real.read("stock.picking", list(refund.return_picking_ids), ["state", "origin"])
    assert picking == {"id": refund.return_picking_ids[0], "state": "done", "origin": move["ref"]}
    moves = real.search_read("stock.move", [("picking_id", "=", picking["id"])], ["product_id", "quantity"])
    assert [(m["product_id"][0], m["quantity"]) for m in moves] == [(products["A"], 1.0)]
    assert real.calls - calls <= 25  # 5 batched reads, the reversal wizard, the return wizard

    again, ctx = credit()  # a second run (or the report processed again): nothing more in Odoo
    assert again == set() and ctx.counts["amazon_refunds_known"] == 1
    assert real.search_count("account.move", [("reversed_entry_id", "=", invoice)]) == 1
