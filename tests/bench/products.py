"""Sync products (issue 7): a 50,000-row listings report made by the SP-API sandbox → bindings.

bench: ``.venv/bin/python tests/bench/products.py [--rows N] [--protocol xmlrpc|jsonrpc]`` prints figures
next to their targets and asserts nothing (not collected by pytest).

The SP-API sandbox and the Odoo double each run in a child process, so this process holds only the
connector: the real ``SpApiGateway`` (rate limits, createReport, getReport, getReportDocument and the
document streamed into a temporary file), the real ``OdooGateway`` over XML-RPC, the real ``ProductSync``
on the in-memory state store (DynamoDB is not what is measured). The sandbox lists N SKUs (every 50th
fulfilled by Amazon); Odoo has a product for 9 SKUs in 10 (one in 1,000 of those archived), so a tenth
of the report is unmatched and goes to the log book (the first 1,000 one entry each, the rest summed up).

Runs: (1) the first sync, every SKU new: timed; (2) the same report again (nothing to write): timed;
(3) a first sync on an empty state store under tracemalloc for the peak memory (tracing slows the
process, so that run is not the timed one). ru_maxrss is the process's high-water mark at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from amazon_odoo.adapters.amazon.clients import ClientFactory, SellerCredentials, TokenCache  # noqa: E402
from amazon_odoo.adapters.amazon.gateway import SpApiGateway  # noqa: E402
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter  # noqa: E402
from amazon_odoo.adapters.odoo import OdooGateway, make_transport  # noqa: E402
from amazon_odoo.adapters.odoo.gateway import LISTINGS_BATCH  # noqa: E402
from amazon_odoo.config import SellerConfig, parse_sellers_file  # noqa: E402
from amazon_odoo.services.jobs import JobContext, run_job  # noqa: E402
from amazon_odoo.services.sync_products import JOB, ProductSync  # noqa: E402
from amazon_odoo.settings import OdooProtocol, Settings  # noqa: E402
from tests.fakes import InMemoryStateStore  # noqa: E402

US = "ATVPDKIKX0DER"
COMPANY = "Blue Mug Co."
MERCHANT = "A3MUGSUS8ACCPT"
SCENARIO = ROOT / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
TARGET_SKUS_PER_SEARCH = 1000


def sku_of(n: int) -> str:
    return f"BENCH-{n:06d}"


# -- the two servers, each in its own process ---------------------------------------------------------------


def serve_sandbox(rows: int, ready: Any, stop: Any) -> None:
    from amazon_odoo.local.sandbox import SpApiSandbox

    started = time.perf_counter()
    with SpApiSandbox() as sandbox:
        state = sandbox.state
        state.processing.polls_to_done = 1  # DONE at the first getReport: the wait is not what is measured
        seller = state.seller(MERCHANT)
        for n in range(rows):
            channel = [{"fulfillment_channel_code": "AMAZON_NA"}] if n % 50 == 49 else []
            seller.put_listing(
                {
                    "sku": sku_of(n),
                    "asin": f"B0{n:08d}",
                    "itemName": f"Bench product {n}, stoneware",
                    "marketplaceIds": [US],
                    "attributes": {
                        "fulfillment_availability": channel
                        or [{"fulfillment_channel_code": "DEFAULT", "quantity": n % 40}],
                        "purchasable_offer": [
                            {
                                "marketplace_id": US,
                                "currency": "USD",
                                "our_price": [{"schedule": [{"value_with_tax": 5 + (n % 500) / 10}]}],
                            }
                        ],
                    },
                }
            )
        ready.put((sandbox.url, time.perf_counter() - started))
        stop.wait()


def serve_double(rows: int, ready: Any, stop: Any) -> None:
    from amazon_odoo.local.odoo_double import OdooDouble

    started = time.perf_counter()
    double = OdooDouble(db="amazon", users={"admin": "admin"}, company=COMPANY, version="17.0")
    env = double.db.env(1, su=True)
    matched = [n for n in range(rows) if n % 10 != 9]
    ids = (
        env["product.product"]
        .create(
            [
                {
                    "name": f"Product {n}",
                    "default_code": sku_of(n),
                    "detailed_type": "product",
                    "company_id": 1,
                }
                for n in matched
            ]
        )
        .ids
    )
    env["product.product"].browse(ids[::1000]).write({"active": False})
    double.start()
    ready.put((double.url, time.perf_counter() - started))
    stop.wait()
    double.stop()


# -- the connector -------------------------------------------------------------------------------------------


def seller_config() -> SellerConfig:
    import yaml

    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry["odoo"]["company"] = COMPANY
    entry["marketplaces"] = [{"id": US}]
    raw["sellers"] = [entry]
    return parse_sellers_file(raw).sellers[0]


def amazon_gateway(url: str) -> SpApiGateway:
    data = json.loads(SCENARIO.read_text(encoding="utf-8"))
    seller = next(s for s in data["sellers"] if s["selling_partner_id"] == MERCHANT)
    credentials = SellerCredentials(
        lwa_client_id=data["application"]["client_id"],
        lwa_client_secret=data["application"]["client_secret"],
        refresh_token=seller["refresh_token"],
    )
    settings = Settings(SP_API_ENDPOINT=url, LWA_ENDPOINT=url + "/auth/o2/token")
    return SpApiGateway(
        MERCHANT,
        credentials,
        "NA",
        settings,
        clients=ClientFactory(settings, token_cache=TokenCache()),
        limiter=RateLimiter(),
    )


@dataclass
class Figures:
    seconds: float = 0.0
    cpu: float = 0.0
    odoo_calls: int = 0
    looked_up: int = 0
    peak: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    logs: int = 0


class Bench:
    def __init__(
        self, sandbox_url: str, odoo_url: str, protocol: OdooProtocol, new_state: Callable[[], Any]
    ) -> None:
        self.new_state = new_state
        self.seller = seller_config()
        self.amazon = amazon_gateway(sandbox_url)
        self.odoo = OdooGateway(make_transport(protocol, odoo_url, "amazon", "admin", "admin", timeout=600))
        self.odoo.products_by_reference(COMPANY, [])  # the company is looked up once per process
        self.fresh()

    def fresh(self) -> None:
        self.state = self.new_state()
        self.state.replace_sellers([self.seller])
        self.sync = ProductSync(self.state, lambda s: self.amazon, lambda: self.odoo, sleep=lambda s: None)

    def run(self, *, traced: bool = False) -> Figures:
        calls = self.odoo.calls
        bound_before = len(self.state.list_bindings(self.seller.id, US))
        logs_before = len(self.state.list_logs(self.seller.id, limit=1_000_000))
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()

        def body(ctx: JobContext) -> None:
            self.sync.run(ctx, wait_seconds=30)

        run = run_job(self.state, self.seller, JOB, body)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = 0
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        counts = dict(run.counts)
        return Figures(
            seconds=seconds,
            cpu=cpu,
            odoo_calls=self.odoo.calls - calls,
            looked_up=counts.get("skus_listed", 0) - bound_before,
            peak=peak,
            counts=counts,
            logs=len(self.state.list_logs(self.seller.id, limit=1_000_000)) - logs_before,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--protocol", choices=["xmlrpc", "jsonrpc"], default="xmlrpc", help="Odoo transport")
    parser.add_argument(
        "--dynamodb",
        action="store_true",
        help="DynamoStateStore on moto server (in this process: its CPU and memory count too) instead of the "
        "in-memory store, to see the cost of the batched binding writes",
    )
    args = parser.parse_args(argv)
    new_state: Callable[[], Any] = InMemoryStateStore
    moto = None
    if args.dynamodb:
        from amazon_odoo.adapters.aws.clients import dynamodb_client
        from amazon_odoo.adapters.aws.state import DynamoStateStore
        from amazon_odoo.local.aws import create_state_table, start_moto_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's request log
        moto = start_moto_server()
        client = dynamodb_client(moto.target())

        def new_state() -> Any:
            table = f"bench-{time.monotonic_ns()}"
            create_state_table(client, table)
            return DynamoStateStore(table, client)

    context = multiprocessing.get_context("fork")
    stop = context.Event()
    sandbox_ready, double_ready = context.Queue(), context.Queue()
    children = [
        context.Process(target=serve_sandbox, args=(args.rows, sandbox_ready, stop), daemon=True),
        context.Process(target=serve_double, args=(args.rows, double_ready, stop), daemon=True),
    ]
    for child in children:
        child.start()
    sandbox_url, sandbox_seeded = sandbox_ready.get(timeout=900)
    odoo_url, double_seeded = double_ready.get(timeout=900)
    say = print
    say(f"products bench: a {args.rows:,}-row GET_MERCHANT_LISTINGS_ALL_DATA report → bindings")
    say(
        f"  sandbox seeded in {sandbox_seeded:.1f} s, Odoo double 17.0 in {double_seeded:.1f} s (own processes); "
        f"Python {platform.python_version()}, {platform.machine()}, Odoo over {args.protocol}, "
        f"state {'DynamoDB on moto server' if args.dynamodb else 'in memory'}"
    )
    try:
        bench = Bench(sandbox_url, odoo_url, OdooProtocol(args.protocol), new_state)
        first = bench.run()
        again = bench.run()
        bench.fresh()
        traced = bench.run(traced=True)
    finally:
        stop.set()
        for child in children:
            child.join(timeout=30)
        if moto is not None:
            moto.stop()
    mib = 1024 * 1024
    searches = math.ceil(first.looked_up / LISTINGS_BATCH) if first.looked_up else 0
    say("\nfirst sync (every SKU new):")
    say(f"  {first.seconds:.2f} s wall, {first.cpu:.2f} s CPU in the connector")
    say(f"  counts: {', '.join(f'{k}={v}' for k, v in sorted(first.counts.items()))}")
    say(
        f"  Odoo calls: {first.odoo_calls} for {first.looked_up:,} SKUs looked up "
        f"= {first.looked_up / max(1, first.odoo_calls):,.0f} SKUs per search_read "
        f"(target >= {TARGET_SKUS_PER_SEARCH:,}; expected {searches} searches of <= {LISTINGS_BATCH:,})"
    )
    say(f"  log book entries written: {first.logs:,}")
    say("same report again (nothing changed):")
    say(f"  {again.seconds:.2f} s wall, {again.cpu:.2f} s CPU; Odoo calls: {again.odoo_calls}")
    say(f"  counts: {', '.join(f'{k}={v}' for k, v in sorted(again.counts.items()))}")
    say("first sync under tracemalloc:")
    say(f"  peak Python memory {traced.peak / mib:.1f} MiB ({traced.seconds:.2f} s traced)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"  ru_maxrss of the connector's process at the end: {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
