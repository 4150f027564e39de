"""Listings out (issue 5): 50,000 bound SKUs x 2 marketplaces, stock and prices, on the Odoo double.

bench: ``.venv/bin/python tests/bench/listings.py [--skus N] [--changed-share 0.01]`` prints figures next
to their targets and asserts nothing (not collected by pytest).

The Odoo double runs in a child process (seeded there: N storable products with an internal reference,
stock in WH, a category, a USD and a CAD pricelist with fixed, discount and formula rules and a CAD rate),
so this process holds only the connector: the real ``OdooGateway`` over XML-RPC, the real export services,
the real ``FeedTracker`` and its listener, on the in-memory state and document stores (DynamoDB and S3 are
not what is measured), and an Amazon stand-in that takes feeds and answers DONE without issues.

For each job (export_stock, then export_prices):

1. first run: every SKU changed (nothing accepted yet): 2 feeds of 25,000 per marketplace;
2. Amazon processes the feeds, ``track_feeds`` stores their results and the listener the accepted values;
3. the steady state: ``--changed-share`` of the products change in Odoo (quantity, or sales price), and
   the job runs again: timed (read from Odoo, diff against the last accepted values, build the feed
   documents and submit them), with its Odoo calls and the bytes it sends;
4. the same again under tracemalloc for the peak memory of the run (tracing slows the process, so that
   run is not the timed one).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from amazon_odoo.adapters.odoo import OdooGateway, make_transport  # noqa: E402
from amazon_odoo.config import SellerConfig, parse_sellers_file  # noqa: E402
from amazon_odoo.domain.feeds import AmazonFeed, AmazonFeedDocument, FeedStatus  # noqa: E402
from amazon_odoo.domain.listings import (  # noqa: E402
    EXPORT_PRICES,
    EXPORT_STOCK,
    ListingBinding,
    ListingsSubmission,
)
from amazon_odoo.services.export_listings import (  # noqa: E402
    accepted_values_listener,
    export_prices,
    export_stock,
)
from amazon_odoo.services.feeds import FeedTracker, track_feeds  # noqa: E402
from amazon_odoo.services.jobs import run_job  # noqa: E402
from amazon_odoo.settings import OdooProtocol  # noqa: E402
from tests.fakes import InMemoryDocumentStore, InMemoryStateStore  # noqa: E402

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
COMPANY = "Blue Mug Co."
TARGET_SECONDS = 5.0
TARGET_PRODUCTS_PER_CALL = 1000


# -- the Odoo double, in its own process -------------------------------------------------------------------


def sku_of(n: int) -> str:
    return f"SKU-{n:06d}"


def serve_double(skus: int, ready: Any, stop: Any) -> None:
    """Child process: seed the double and serve it until told to stop."""
    from amazon_odoo.local.odoo_double import OdooDouble

    double = OdooDouble(db="amazon", users={"admin": "admin"}, company=COMPANY, version="17.0")
    env = double.db.env(1, su=True)
    started = time.perf_counter()
    cad = next(i for i, r in double.db.table("res.currency").items() if r["name"] == "CAD")
    usd = next(i for i, r in double.db.table("res.currency").items() if r["name"] == "USD")
    env["res.currency.rate"].create([{"currency_id": cad, "name": "2020-01-01", "rate": 1.35}])
    category = env["product.category"].create([{"name": "Mugs"}]).ids[0]
    rng = random.Random(5)
    products = (
        env["product.product"]
        .create(
            [
                {
                    "name": f"Product {n}",
                    "default_code": sku_of(n),
                    "detailed_type": "product",
                    "list_price": round(rng.uniform(5, 80), 2),
                    "standard_price": round(rng.uniform(1, 30), 2),
                    "categ_id": category if n % 3 == 0 else False,
                    "company_id": 1,
                }
                for n in range(skus)
            ]
        )
        .ids
    )
    stock = double.db.table("stock.warehouse")[1]["lot_stock_id"]
    quants = double.db.table("stock.quant")
    for product in products:  # the bench's stock, put straight into the table (the API path is 1 RTT / 200)
        quant = double.db.new_id("stock.quant")
        quants[quant] = {
            "id": quant,
            "product_id": product,
            "location_id": stock,
            "quantity": float(rng.randint(0, 40)),
            "reserved_quantity": 0.0,
            "inventory_quantity": 0.0,
            "inventory_quantity_set": False,
            "company_id": 1,
        }
    env["product.pricelist"].create(
        [
            {
                "name": "Amazon.com (USD)",
                "currency_id": usd,
                "item_ids": [
                    *[
                        (0, 0, {"applied_on": "0_product_variant", "product_id": p, "fixed_price": 9.99})
                        for p in products[:50]
                    ],
                    (
                        0,
                        0,
                        {
                            "applied_on": "2_product_category",
                            "categ_id": category,
                            "compute_price": "percentage",
                            "percent_price": 10,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "compute_price": "formula",
                            "price_discount": 15,
                            "price_round": 1.0,
                            "price_surcharge": -0.01,
                        },
                    ),
                ],
            },
            {
                "name": "Amazon.ca (CAD)",
                "currency_id": cad,
                "item_ids": [(0, 0, {"compute_price": "formula", "price_discount": -5, "price_round": 0.05})],
            },
        ]
    )
    double.start()
    ready.put((double.url, time.perf_counter() - started))
    stop.wait()
    double.stop()


# -- Amazon, taking feeds -----------------------------------------------------------------------------------


@dataclass
class BenchAmazon:
    """Takes feed documents and feeds; processes them DONE without issues when told."""

    uploads: dict[str, bytes] = field(default_factory=dict)
    feeds: dict[str, AmazonFeed] = field(default_factory=dict)
    reports: dict[str, bytes] = field(default_factory=dict)
    sent_bytes: int = 0
    patches: int = 0

    def create_feed_document(self, content_type: str) -> AmazonFeedDocument:
        number = len(self.uploads) + 1
        return AmazonFeedDocument.model_validate(
            {"feedDocumentId": f"in-{number}", "url": f"https://s3/in-{number}"}
        )

    def upload_feed_document(self, document: AmazonFeedDocument, content: bytes, content_type: str) -> None:
        self.uploads[document.document_id] = content
        self.sent_bytes += len(content)

    def create_feed(
        self, feed_type: str, marketplace_ids: Sequence[str], input_document_id: str, feed_options: Any = None
    ) -> str:
        feed_id = str(70000000 + len(self.feeds))
        self.feeds[feed_id] = AmazonFeed.model_validate(
            {
                "feedId": feed_id,
                "feedType": feed_type,
                "marketplaceIds": list(marketplace_ids),
                "createdTime": datetime.now(UTC),
                "processingStatus": "IN_QUEUE",
            }
        )
        self.uploads[feed_id] = self.uploads[input_document_id]
        return feed_id

    def process(self) -> None:
        for feed_id, feed in list(self.feeds.items()):
            if feed.status is FeedStatus.DONE:
                continue
            count = len(json.loads(self.uploads[feed_id])["messages"])
            summary = {
                "errors": 0,
                "warnings": 0,
                "messagesProcessed": count,
                "messagesAccepted": count,
                "messagesInvalid": 0,
            }
            self.reports[f"out-{feed_id}"] = json.dumps(
                {"header": {}, "issues": [], "summary": summary}
            ).encode()
            self.feeds[feed_id] = feed.model_copy(
                update={"status": FeedStatus.DONE, "result_document_id": f"out-{feed_id}"}
            )

    def get_feed(self, feed_id: str) -> AmazonFeed:
        return self.feeds[feed_id]

    def get_feeds(self, **kw: Any) -> list[AmazonFeed]:
        return list(self.feeds.values())

    def get_feed_document(self, document_id: str) -> bytes:
        return self.reports[document_id]

    def patch_listings_item(
        self, merchant_id: str, sku: str, marketplace_id: str, product_type: str, patches: Any
    ) -> ListingsSubmission:
        self.patches += 1
        self.sent_bytes += len(json.dumps({"productType": product_type, "patches": list(patches)}))
        return ListingsSubmission.model_validate({"sku": sku, "status": "ACCEPTED"})


# -- the run ------------------------------------------------------------------------------------------------


def seller_config() -> SellerConfig:
    import yaml

    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry["odoo"]["company"] = COMPANY
    entry["marketplaces"] = [
        {
            "id": US,
            "warehouse": "WH",
            "pricelist": "Amazon.com (USD)",
            "stock_caps": {
                sku_of(n): {"type": "fixed" if n % 2 else "percentage", "value": 5 if n % 2 else 50}
                for n in range(200)
            },
        },
        {"id": CA, "stock_field": "forecast", "pricelist": "Amazon.ca (CAD)"},
    ]
    return parse_sellers_file(raw).sellers[0]


@dataclass
class Figures:
    seconds: float = 0.0
    cpu: float = 0.0  # this process's CPU time: the connector's share (the double runs in its own)
    odoo_calls: int = 0
    sent_bytes: int = 0
    messages: int = 0
    feeds: int = 0
    patches: int = 0
    peak: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Bench:
    def __init__(self, url: str, skus: int, protocol: OdooProtocol) -> None:
        self.skus = skus
        self.seller = seller_config()
        self.state = InMemoryStateStore()
        self.state.replace_sellers([self.seller])
        self.documents = InMemoryDocumentStore()
        self.amazon = BenchAmazon()
        self.odoo = OdooGateway(make_transport(protocol, url, "amazon", "admin", "admin", timeout=600))
        listener = accepted_values_listener(self.state)
        self.tracker = FeedTracker(
            self.state,
            self.documents,
            lambda s: self.amazon,  # type: ignore[arg-type,return-value]
            listeners={EXPORT_STOCK: listener, EXPORT_PRICES: listener},
        )
        now = datetime.now(UTC)
        self.state.save_bindings(
            [
                ListingBinding(
                    seller_id=self.seller.id,
                    marketplace_id=mp,
                    sku=sku_of(n),
                    odoo_ref=sku_of(n),
                    updated_at=now,
                )
                for mp in (US, CA)
                for n in range(skus)
            ]
        )

    def run(self, job: str, *, traced: bool = False) -> Figures:
        export: Callable[..., None] = export_stock if job == EXPORT_STOCK else export_prices
        calls, sent, patches, feeds = (
            self.odoo.calls,
            self.amazon.sent_bytes,
            self.amazon.patches,
            len(self.amazon.feeds),
        )
        if traced:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        run = run_job(
            self.state, self.seller, job, lambda ctx: export(ctx, self.odoo, self.amazon, self.tracker)
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = 0
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        new_feeds = list(self.amazon.feeds)[feeds:]
        messages = sum(len(json.loads(self.amazon.uploads[f])["messages"]) for f in new_feeds)
        return Figures(
            seconds=seconds,
            cpu=cpu,
            odoo_calls=self.odoo.calls - calls,
            sent_bytes=self.amazon.sent_bytes - sent,
            messages=messages + self.amazon.patches - patches,
            feeds=len(new_feeds),
            patches=self.amazon.patches - patches,
            peak=peak,
            counts=dict(run.counts),
        )

    def accept(self) -> float:
        """Amazon processes every feed; track_feeds stores the results; the listener the accepted values."""
        self.amazon.process()
        started = time.perf_counter()
        run_job(self.state, self.seller, "track_feeds", lambda ctx: track_feeds(ctx, self.tracker))
        return time.perf_counter() - started

    def change(self, job: str, share: float, rng: random.Random) -> int:
        """Change ``share`` of the products in Odoo: their quantity, or their sales price."""
        refs = [sku_of(n) for n in rng.sample(range(self.skus), max(1, int(self.skus * share)))]
        products = self.odoo.search_read("product.product", [("default_code", "in", refs)], ["id"])
        ids = [int(p["id"]) for p in products]
        if job == EXPORT_STOCK:
            quants = self.odoo.search_read("stock.quant", [("product_id", "in", ids)], ["id"])
            self.odoo.write(
                "stock.quant", [int(q["id"]) for q in quants], {"quantity": float(rng.randint(41, 99))}
            )
        else:
            self.odoo.write("product.product", ids, {"list_price": round(rng.uniform(81, 99), 2)})
        return len(ids)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--changed-share", type=float, default=0.01)
    parser.add_argument("--protocol", choices=["xmlrpc", "jsonrpc"], default="xmlrpc", help="Odoo transport")
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("fork")
    ready, stop = context.Queue(), context.Event()
    child = context.Process(target=serve_double, args=(args.skus, ready, stop), daemon=True)
    child.start()
    url, seeded = ready.get(timeout=900)
    rng = random.Random(11)
    say = print
    say(
        f"listings bench: {args.skus:,} bound SKUs x 2 marketplaces (US on hand, CA forecast), Odoo double 17.0"
    )
    say(
        f"  double seeded in its own process in {seeded:.1f} s; Python {platform.python_version()}, {platform.machine()}"
    )
    try:
        bench = Bench(url, args.skus, OdooProtocol(args.protocol))
        for job in (EXPORT_STOCK, EXPORT_PRICES):
            first = bench.run(job)
            tracked = bench.accept()
            changed = bench.change(job, args.changed_share, rng)
            steady = bench.run(job)
            bench.accept()
            bench.change(job, args.changed_share, rng)
            traced = bench.run(job, traced=True)
            bench.accept()
            quiet = bench.run(job)
            report(say, job, args.skus, first, tracked, changed, steady, traced, quiet)
    finally:
        stop.set()
        child.join(timeout=30)
    return 0


def report(
    say: Callable[[str], None],
    job: str,
    skus: int,
    first: Figures,
    tracked: float,
    changed: int,
    steady: Figures,
    traced: Figures,
    quiet: Figures,
) -> None:
    mib = 1024 * 1024
    products = 2 * skus
    say(f"\n{job}")
    say(
        f"  first run (all {products:,} SKU values new): {first.seconds:.2f} s, {first.odoo_calls} Odoo calls, "
        f"{first.feeds} feeds / {first.messages:,} messages, {first.sent_bytes / mib:.1f} MiB sent"
    )
    say(f"  results of those feeds stored (track_feeds + last accepted values): {tracked:.2f} s")
    say(
        f"  steady run, {changed} of {skus:,} products changed in Odoo ({changed / skus:.0%}), both marketplaces:"
    )
    say(
        f"    read + diff + build + submit: {steady.seconds:.2f} s   (target < {TARGET_SECONDS:.0f} s); the "
        f"connector's CPU {steady.cpu:.2f} s, the rest is the double answering"
    )
    per_call = skus / max(1, steady.odoo_calls)
    say(
        f"    Odoo calls: {steady.odoo_calls} for {skus:,} products x 2 marketplaces (each product read once: "
        f"the marketplaces share the warehouse, one read prices every pricelist) = {per_call:,.0f} products "
        f"a call (target >= {TARGET_PRODUCTS_PER_CALL:,})"
    )
    say(
        f"    sent: {steady.messages:,} messages in {steady.feeds} feed(s) + {steady.patches} patch(es), "
        f"{steady.sent_bytes / 1024:.1f} KiB ({steady.sent_bytes / max(1, first.sent_bytes):.2%} of the first run)"
    )
    say(
        f"    peak memory of the run (tracemalloc, a second 1 % run): {traced.peak / mib:.1f} MiB "
        f"(traced run {traced.seconds:.2f} s)"
    )
    say(
        f"  run with nothing changed: {quiet.seconds:.2f} s, {quiet.odoo_calls} Odoo calls, {quiet.messages} sent"
    )
    say(f"    counts: {quiet.counts}")


if __name__ == "__main__":
    raise SystemExit(main())
