"""Settlement figures (issue 6): parsing a generated 100,000-row V2 settlement file as a stream (time and peak
memory; targets < 2 s and < 100 MB), and the Odoo round trips to write 1,000 rows as a reconciled
statement (one invoice per order, in the Odoo double; in a real Odoo when ODOO_URL, ODOO_DB, ODOO_USERNAME
and ODOO_PASSWORD are set).

    .venv/bin/python tests/bench/settlement.py [ROWS]
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from amazon_odoo.adapters.odoo import OdooGateway, make_transport  # noqa: E402
from amazon_odoo.domain.settlements import COLUMNS  # noqa: E402
from amazon_odoo.mapping.settlements import FeeRule, StatementRefs, plan_lines, transfer_line  # noqa: E402
from amazon_odoo.services.settlements import read_statement  # noqa: E402
from amazon_odoo.settings import OdooProtocol  # noqa: E402

TARGET_SECONDS, TARGET_MB = 2.0, 100.0

# one order: (amount type, amount description, amount) — 6 rows, as a US order with a facilitator tax
ORDER_ROWS = (
    ("ItemPrice", "Principal", "25.98"),
    ("ItemPrice", "Shipping", "4.99"),
    ("ItemPrice", "Tax", "2.48"),
    ("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "-2.48"),
    ("ItemFees", "Commission", "-4.65"),
    ("ItemFees", "FixedClosingFee", "-1.80"),
)
ORDER_TOTAL = Decimal("33.45")  # what the buyer paid: the invoice total


def generate(rows: int, settlement_id: str, prefix: str = "114") -> tuple[bytes, list[str]]:
    """A V2 settlement file of about ``rows`` rows (orders of six rows, one account-level fee); the order ids."""
    start = datetime(2026, 11, 1, 7, 21, 32, tzinfo=UTC)
    orders = max(1, (rows - 1) // len(ORDER_ROWS))
    extra = max(0, rows - 1 - orders * len(ORDER_ROWS))  # account-level fees make up the exact count
    lines = ["\t".join(COLUMNS)]
    total = Decimal(0)
    body: list[str] = []
    order_ids = []
    for n in range(orders):
        order_id = f"{prefix}-{n // 10000000:07d}-{n % 10000000:07d}"
        order_ids.append(order_id)
        posted = start + timedelta(minutes=n * 10000 // orders)
        for amount_type, description, amount in ORDER_ROWS:
            cells = dict.fromkeys(COLUMNS, "")
            cells.update(
                {
                    "settlement-id": settlement_id,
                    "transaction-type": "Order",
                    "order-id": order_id,
                    "shipment-id": "Dq7bXJm1N",
                    "marketplace-name": "Amazon.com",
                    "amount-type": amount_type,
                    "amount-description": description,
                    "amount": amount,
                    "fulfillment-id": "MFN",
                    "posted-date": posted.strftime("%m/%d/%y"),
                    "posted-date-time": posted.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    "order-item-code": f"{n:014d}",
                    "sku": "MUG-BLUE-12",
                    "quantity-purchased": "2",
                }
            )
            body.append("\t".join(cells[c] for c in COLUMNS))
            total += Decimal(amount)
    fee = dict.fromkeys(COLUMNS, "")
    fee.update(
        {
            "settlement-id": settlement_id,
            "transaction-type": "other-transaction",
            "marketplace-name": "Amazon.com",
            "amount-type": "other-transaction",
            "amount-description": "Subscription Fee",
            "amount": "-39.99",
            "posted-date": "11/12/26",
            "posted-date-time": "2026-11-12 02:00:00 UTC",
        }
    )
    body.append("\t".join(fee[c] for c in COLUMNS))
    total += Decimal("-39.99")
    for n in range(extra):
        body.append(
            "\t".join(
                {**fee, "amount-description": f"Storage Fee {n}", "amount": "-1,00"}[c] for c in COLUMNS
            )
        )
        total += Decimal("-1.00")
    summary = dict.fromkeys(COLUMNS, "")
    summary.update(
        {
            "settlement-id": settlement_id,
            "settlement-start-date": "2026-11-01 07:21:32 UTC",
            "settlement-end-date": "2026-11-15 07:21:32 UTC",
            "deposit-date": "2026-11-17 07:21:32 UTC",
            "total-amount": str(total),
            "currency": "USD",
        }
    )
    lines.append("\t".join(summary[c] for c in COLUMNS))
    lines += body
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), order_ids


def parse_figures(rows: int) -> None:
    data, _ = generate(rows, "24000000001")
    with tempfile.TemporaryFile() as file:
        file.write(data)
        size = file.tell()
        del data
        gc.collect()
        timings = []
        for _ in range(3):
            file.seek(0)
            started = time.perf_counter()
            statement = read_statement(file, "UTF-8", day_first=False)
            timings.append(time.perf_counter() - started)
        file.seek(0)
        gc.collect()
        tracemalloc.start()
        read_statement(file, "UTF-8", day_first=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    seconds = min(timings)
    peak_mb = peak / 2**20
    print(
        f"parse: {statement.rows:,} rows ({size / 2**20:.1f} MB file) -> {len(statement.lines):,} statement lines"
    )
    print(
        f"  time  {seconds:.2f} s  (best of 3; {statement.rows / seconds:,.0f} rows/s)   target < {TARGET_SECONDS} s"
    )
    print(f"  peak  {peak_mb:.1f} MB  (tracemalloc, one pass)   target < {TARGET_MB:.0f} MB")
    print(f"  -> {'OK' if seconds < TARGET_SECONDS and peak_mb < TARGET_MB else 'MISSED'}")


def odoo_gateway() -> tuple[OdooGateway, Any, str]:
    if all(os.environ.get(n) for n in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD")):
        transport = make_transport(
            OdooProtocol.XMLRPC,
            os.environ["ODOO_URL"],
            os.environ["ODOO_DB"],
            os.environ["ODOO_USERNAME"],
            os.environ["ODOO_PASSWORD"],
            timeout=300,
        )
        return OdooGateway(transport), None, f"real Odoo at {os.environ['ODOO_URL']}"
    from amazon_odoo.local.odoo_double import OdooDouble

    double = OdooDouble(company="Blue Mug Co.").start()
    transport = make_transport(OdooProtocol.XMLRPC, double.url, "amazon", "admin", "admin", timeout=300)
    return OdooGateway(transport), double, "the Odoo double"


def write_figures(rows: int = 1000) -> None:
    """Write ``rows`` rows as a statement with the connector's own calls (the batches the service makes)."""
    odoo, double, where = odoo_gateway()
    try:
        gid = odoo.xmlid_map(["group_account_user"], module="account")["group_account_user"]
        odoo.write("res.users", [odoo.uid], {"groups_id": [(4, gid)]})
        tag = uuid.uuid4().hex[:6]
        data, order_ids = generate(rows, f"9{int(tag, 16):011d}", prefix=tag[:3])
        company = odoo.company_id(
            odoo.search_read("res.company", [], ["name"], limit=1, order="id")[0]["name"]
        )
        partner = odoo.create("res.partner", [{"name": f"Amazon buyer {tag}"}])[0]
        invoices = odoo.create(
            "account.move",
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner,
                    "ref": order_id,
                    "payment_reference": order_id,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {"name": "Mug", "quantity": 1, "price_unit": float(ORDER_TOTAL), "tax_ids": []},
                        )
                    ],
                }
                for order_id in order_ids
            ],
        )
        odoo.post_invoices(invoices)
        with tempfile.TemporaryFile() as file:
            file.write(data)
            file.seek(0)
            statement = read_statement(file, "UTF-8", day_first=False)
        before, started = odoo.calls, time.perf_counter()
        journal = odoo.settlement_journal(company, f"B{tag[:4]}", f"Amazon bench {tag}", "USD")
        accounts = odoo.account_ids(company, ["600000", "101701"])
        refs = StatementRefs(
            journal=journal,
            settlement_id=statement.summary.settlement_id,
            fee_rules=(FeeRule(accounts["600000"], amount_type="ItemFees"),),
            default_fee_account=accounts["600000"],
            ending_balance_account=accounts.get("101701"),
        )
        lines = [*statement.lines, transfer_line(statement.summary, "Transfer to Bank")]
        assert odoo.find_statement(journal.id, refs.settlement_id) is None
        statement_id: int | None = None
        used: set[int] = set()
        for start in range(0, len(lines), 100):
            batch = lines[start : start + 100]
            items = odoo.open_items(company, [line.order_id for line in batch if line.receivable], journal)
            planned = plan_lines(batch, refs, items, used)
            markers = {i: m for p in planned for i, m in p.markers.items()}
            statement_id = odoo.write_statement_lines(
                journal,
                statement_id,
                {"name": tag, "reference": refs.settlement_id},
                [p.vals for p in planned],
                markers,
            )
        assert statement_id is not None
        final = odoo.close_statement(statement_id, sum((line.amount for line in lines), Decimal(0)))
        calls, seconds = odoo.calls - before, time.perf_counter() - started
        paid = odoo.search_count("account.move", [("id", "in", invoices), ("payment_state", "=", "paid")])
        print(f"write: {statement.rows:,} rows -> {final.line_count} statement lines in {where}")
        print(f"  {calls} Odoo calls = {calls * 1000 / statement.rows:.0f} per 1,000 rows, {seconds:.1f} s")
        print(f"  {paid}/{len(invoices)} invoices paid, {final.open_lines} line(s) open, complete: "
              f"{final.balance_end_real == final.balance_end}")  # fmt: skip
    finally:
        if double is not None:
            double.stop()


if __name__ == "__main__":
    parse_figures(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    write_figures()
