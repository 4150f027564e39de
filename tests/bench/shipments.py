"""Shipments out (issue 4): deliveries confirmed per minute against confirmShipment's documented rate, Odoo
round trips per run and per delivery, SP-API calls per delivery.

bench: ``.venv/bin/python tests/bench/shipments.py [--deliveries N] [--odoo double|real]`` prints figures next
to their targets and asserts nothing. ``--odoo real`` uses the Odoo named by ``ODOO_URL`` / ``ODOO_DB`` /
``ODOO_USERNAME`` / ``ODOO_PASSWORD`` (it creates the bench's orders and deliveries there); the default is
the project's Odoo double, in this process.

Set-up (not measured): N one-item FBM orders in the SP-API sandbox (which enforces Amazon's usage plans:
confirmShipment 2/s, burst 10), the same N loaded into Odoo as ``ingest_order`` loads them (order and line
external ids) and confirmed, each delivery shipped with a carrier and its own tracking number and validated.
Measured: one ``export_shipments`` run (the job body as the Lambda runs it; state in memory), then a second
run that must send nothing. The documented ceiling for N single-package deliveries from a full bucket is
``10 + 2/s x (t - 0)``: N deliveries need at least ``(N - 10) / 2`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from amazon_odoo.adapters.amazon.clients import SellerCredentials  # noqa: E402
from amazon_odoo.adapters.amazon.gateway import SpApiGateway  # noqa: E402
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter  # noqa: E402
from amazon_odoo.adapters.odoo import OdooGateway, make_transport  # noqa: E402
from amazon_odoo.config import SellerConfig, parse_sellers_file  # noqa: E402
from amazon_odoo.local.odoo_double import OdooDouble  # noqa: E402
from amazon_odoo.local.sandbox import SpApiSandbox  # noqa: E402
from amazon_odoo.mapping.orders import LineKind, line_external_id, order_external_id  # noqa: E402
from amazon_odoo.services.export_shipments import JOB, export_shipments  # noqa: E402
from amazon_odoo.services.jobs import run_job  # noqa: E402
from amazon_odoo.settings import OdooProtocol, load_settings  # noqa: E402
from tests.fakes import InMemoryStateStore  # noqa: E402

SCENARIO = ROOT / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
SKU = "MUG-BLUE-12"
RATE, BURST = 2.0, 10  # confirmShipment's usage plan (SPAPI.md)


def odoo_gateway(kind: str) -> tuple[OdooGateway, OdooDouble | None]:
    if kind == "real":
        env = {k: os.environ.get(k, "") for k in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD")}
        if not all(env.values()):
            raise SystemExit("--odoo real needs ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD")
        transport = make_transport(
            OdooProtocol.XMLRPC, env["ODOO_URL"], env["ODOO_DB"], env["ODOO_USERNAME"], env["ODOO_PASSWORD"]
        )
        return OdooGateway(transport), None
    double = OdooDouble(db="bench", users={"admin": "admin"}, company="Blue Mug Co.").start()
    return OdooGateway(make_transport(OdooProtocol.XMLRPC, double.url, "bench", "admin", "admin")), double


def seller_for(odoo: OdooGateway) -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    company = odoo.search_read("res.company", [], ["name"], limit=1, order="id")[0]["name"]
    raw["sellers"][0]["odoo"]["company"] = company
    return parse_sellers_file(raw).sellers[0]


def amazon_gateway(sandbox: SpApiSandbox) -> SpApiGateway:
    scenario = json.loads(SCENARIO.read_text())
    credentials = SellerCredentials(
        lwa_client_id=scenario["application"]["client_id"],
        lwa_client_secret=scenario["application"]["client_secret"],
        refresh_token=scenario["sellers"][0]["refresh_token"],
    )
    settings = load_settings({"SP_API_ENDPOINT": sandbox.url, "LWA_ENDPOINT": f"{sandbox.url}/auth/o2/token"})
    return SpApiGateway("mugs-us", credentials, "NA", settings, limiter=RateLimiter())


def ship_in_odoo(odoo: OdooGateway, orders: list[tuple[str, str]], company_id: int) -> list[int]:
    """Load, confirm, ship and validate one delivery per Amazon order (order id, item id)."""
    product = odoo.create_products(company_id, {SKU: "Stoneware Mug 12 oz, Blue"})[SKU]
    [partner] = odoo.create("res.partner", [{"name": f"Bench buyer {uuid.uuid4().hex[:6]}"}])
    fields = ["id", "partner_id/.id", "client_order_ref", "order_line/id", "order_line/product_id/.id"]
    fields += ["order_line/product_uom_qty", "order_line/price_unit", "order_line/discount"]
    rows = [
        [
            order_external_id("ATVPDKIKX0DER", order),
            str(partner),
            order,
            line_external_id(order, item, LineKind.PRODUCT),
            str(product),
            "1",
            "12.5",
            "0",
        ]
        for order, item in orders
    ]
    sale_orders = odoo.load("sale.order", fields, rows)
    odoo.confirm_orders(sale_orders)
    pickings = [
        int(p["id"]) for p in odoo.search_read("stock.picking", [("sale_id", "in", sale_orders)], ["id"])
    ]
    product_fee = odoo.ensure_service_products(company_id, "bench", {"delivery": "UPS delivery"})["delivery"]
    [carrier] = odoo.create("delivery.carrier", [{"name": "UPS Ground", "product_id": product_fee}])
    odoo.write("stock.picking", pickings, {"carrier_id": carrier})
    for n, picking in enumerate(pickings):
        odoo.write("stock.picking", [picking], {"carrier_tracking_ref": f"1ZBENCH{n:06d}"})
    moves = [int(m["id"]) for m in odoo.search_read("stock.move", [("picking_id", "in", pickings)], ["id"])]
    odoo.write("stock.move", moves, {"quantity": 1, "picked": True})
    odoo.call(
        "stock.picking", "button_validate", pickings, context={"skip_sms": True, "skip_backorder": True}
    )
    return pickings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=100)
    parser.add_argument("--odoo", choices=["double", "real"], default="double")
    args = parser.parse_args(argv)
    n = args.deliveries

    odoo, double = odoo_gateway(args.odoo)
    sandbox = SpApiSandbox().start()
    try:
        seller = seller_for(odoo)
        amazon = amazon_gateway(sandbox)
        shop = sandbox.state.seller()
        orders = []
        for _ in range(n):
            built = shop.build_order([(SKU, 1, "12.50")])
            orders.append((str(built["orderId"]), str(built["orderItems"][0]["orderItemId"])))
        company_id = odoo.company_id(seller.odoo.company)
        t0 = time.perf_counter()
        pickings = ship_in_odoo(odoo, orders, company_id)
        setup = time.perf_counter() - t0
        state = InMemoryStateStore()
        state.replace_sellers([seller])
        now = datetime.now(UTC)

        def once(at: datetime) -> tuple[Any, float, int]:
            calls = odoo.calls
            start = time.perf_counter()
            run = run_job(state, seller, JOB, lambda ctx: export_shipments(ctx, odoo, amazon, state, at))
            return run, time.perf_counter() - start, odoo.calls - calls

        sp_before = {op: len(sandbox.calls(op)) for op in ("confirmShipment", "getOrder")}
        run, elapsed, odoo_calls = once(now)
        confirmed = len(sandbox.calls("confirmShipment")) - sp_before["confirmShipment"]
        orders_read = len(sandbox.calls("getOrder")) - sp_before["getOrder"]
        again, elapsed_again, odoo_again = once(now + timedelta(minutes=15))
        done_before = again.counts.get("done_before", 0)
        confirmed_again = len(sandbox.calls("confirmShipment")) - sp_before["confirmShipment"] - confirmed
        refused = [c for c in sandbox.calls("confirmShipment") if c.status != 204]

        floor = max(0.0, (confirmed - BURST) / RATE)
        per_minute = 60 * run.counts.get("deliveries_confirmed", 0) / elapsed if elapsed else 0.0
        ceiling = 60 * confirmed / floor if floor else float("inf")
        print(f"shipments out — {n} deliveries, Odoo: {args.odoo}, Python {platform.python_version()}")
        print(
            f"  set-up (not measured): {setup:.1f} s for {len(pickings)} deliveries loaded, shipped, validated"
        )
        print(f"  run 1: {run.status.value} {dict(sorted(run.counts.items()))}")
        print(
            f"  deliveries confirmed per minute: {per_minute:.0f} ({run.counts.get('deliveries_confirmed', 0)} "
            f"in {elapsed:.1f} s); documented limit for {confirmed} calls from a full bucket (2/s, burst 10): "
            f"{ceiling:.0f}/min (at least {floor:.1f} s) -> {100 * floor / elapsed if elapsed else 0:.0f} % of it"
        )
        print(
            f"  Odoo round trips: run 1 (cold process) {odoo_calls}, run 2 (warm, nothing new) {odoo_again}; "
            f"per delivery {odoo_calls / max(n, 1):.3f}; per 100 deliveries {100 * odoo_calls / max(n, 1):.1f} "
            "(target: a constant number of batched queries)"
        )
        print(
            f"  SP-API calls: confirmShipment {confirmed} ({confirmed / max(n, 1):.2f} per delivery; "
            f"{len(refused)} not 204), getOrder {orders_read}; run 2 sent {confirmed_again} "
            f"(target 0; {done_before} found done) in {elapsed_again:.2f} s"
        )
        print(f"  sandbox model violations: {len(sandbox.violations)}")
    finally:
        sandbox.stop()
        if double is not None:
            double.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
