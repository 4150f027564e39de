"""Listings out (issue 5), without servers: caps, rounding, deltas, bindings CSV, Odoo 17's pricelist rules
(domain/listings.py, mapping/listings.py), and the two export jobs on in-memory fakes with a scripted
Amazon (patchListingsItem, the Feeds API) and a scripted Odoo."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import SellerConfig, StockCap, parse_sellers_file
from amazon_odoo.domain.errors import PermanentError, ThrottledError
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    MAX_LISTINGS_MESSAGES,
    AmazonFeed,
    AmazonFeedDocument,
    FeedStatus,
)
from amazon_odoo.domain.listings import (
    EXPORT_PRICES,
    EXPORT_STOCK,
    BindingSource,
    ListingBinding,
    ListingsSubmission,
    ProblemKind,
    SendingMode,
    Wanted,
    currency_amount,
    feed_batches,
    odoo_round,
    parse_bindings_csv,
    plan_changes,
    price_patch,
    quantity_patch,
    sending_mode,
)
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.mapping.listings import (
    Category,
    OdooPrice,
    OdooStock,
    PricedProduct,
    Pricelist,
    PricelistEngine,
    PricelistPrices,
    PricelistRule,
    stock_quantity,
    wanted_prices,
    wanted_stock,
)
from amazon_odoo.services.export_listings import (
    accepted_values_listener,
    bind_sku,
    export_prices,
    export_stock,
    import_bindings,
)
from amazon_odoo.services.feeds import FeedTracker, feed_items, track_feeds
from amazon_odoo.services.jobs import run_job
from tests.fakes import InMemoryDocumentStore, InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


# -- caps, rounding, deltas --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "cap", "quantity", "noted"),
    [
        ("10", StockCap(type="fixed", value=Decimal(5)), 5, False),
        ("4", StockCap(type="fixed", value=Decimal(5)), 4, False),
        ("7", StockCap(type="percentage", value=Decimal(50)), 3, False),
        ("7", StockCap(type="percentage", value=Decimal(0)), 0, False),
        ("7", None, 7, False),
        ("-3", None, 0, True),
        ("-3", StockCap(type="fixed", value=Decimal(5)), 0, True),
        ("2.5", None, 2, True),
        ("9.99", StockCap(type="percentage", value=Decimal(100)), 9, True),
    ],
)
def test_the_quantity_is_capped_whole_and_never_negative(
    available: str, cap: StockCap | None, quantity: int, noted: bool
) -> None:
    sent, note = stock_quantity(Decimal(available), cap)
    assert sent == quantity and isinstance(sent, int)
    assert bool(note) is noted
    if noted:
        assert available.lstrip("-") in note and f"{quantity} is sent" in note


@pytest.mark.parametrize(
    ("value", "rounding", "digits", "amount"),
    [
        (2.675, 0.01, 2, "2.68"),  # 2.67499999... in binary: Odoo's epsilon rounds it up
        (9.995, 0.01, 2, "10.00"),
        (10.299999999999999, 0.01, 2, "10.30"),
        (1234.5, 1.0, 0, "1235"),
        (-1.005, 0.01, 2, "-1.01"),
        (0.0, 0.01, 2, "0.00"),
    ],
)
def test_prices_are_rounded_as_odoo_rounds_in_the_currency(
    value: float, rounding: float, digits: int, amount: str
) -> None:
    assert str(currency_amount(value, rounding, digits)) == amount


def test_odoo_round_to_a_step() -> None:
    assert odoo_round(12.3, 1.0) == 12.0 and odoo_round(12.5, 1.0) == 13.0 and odoo_round(1.3, 0.5) == 1.5


def wanted(sku: str, value: str) -> Wanted:
    return Wanted(sku, "PRODUCT", value, lambda: quantity_patch(int(value.split()[-1])))


def test_only_values_unlike_the_last_accepted_ones_are_sent_and_not_while_in_flight() -> None:
    plan = plan_changes(
        [
            wanted("A", "quantity 5"),
            wanted("B", "quantity 3"),
            wanted("C", "quantity 1"),
            wanted("D", "quantity 2"),
        ],
        {"A": "quantity 5", "B": "quantity 4", "D": "quantity 2"},
        in_flight={"C"},
        failed={"D"},
    )
    assert [w.sku for w in plan.send] == ["B"]
    assert (plan.unchanged, plan.in_flight, plan.settled) == (2, ("C",), ("D",))


def test_few_changes_are_patched_many_go_in_feeds_of_at_most_25000() -> None:
    assert [sending_mode(n) for n in (0, 1, 20, 21)] == [
        SendingMode.NONE,
        SendingMode.PATCH,
        SendingMode.PATCH,
        SendingMode.FEED,
    ]
    items = [wanted(f"S{i}", "quantity 1") for i in range(MAX_LISTINGS_MESSAGES + 1)]
    assert [len(batch) for batch in feed_batches(items)] == [MAX_LISTINGS_MESSAGES, 1]


def test_patches_are_the_documented_shapes() -> None:
    assert quantity_patch(4) == {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
    }
    patch = price_patch(US, "USD", Decimal("12.99"))
    assert patch["op"] == "replace" and patch["path"] == "/attributes/purchasable_offer"
    assert patch["value"] == [
        {"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 12.99}]}]}
    ]
    assert price_patch("A1VC38T7YXB528", "JPY", Decimal("1235"))["value"][0]["our_price"][0]["schedule"] == [
        {"value_with_tax": 1235}
    ]


# -- bindings CSV ------------------------------------------------------------------------------------------


def test_bindings_csv_with_aliases_defaults_and_every_marketplace() -> None:
    text = "\ufeffSeller SKU,Internal Reference,Marketplace,Product Type\n"
    text += "MUG-1,ODOO-MUG-1,ATVPDKIKX0DER,drinking_cup\nMUG-2,,,\n\nMUG-1,OTHER,ATVPDKIKX0DER,\n"
    found = parse_bindings_csv(
        text, seller_id="mugs-us", marketplace_ids=[US, CA], default_marketplace=None, now=NOW
    )
    assert found.problems == ()
    by_key = {(b.marketplace_id, b.sku): b for b in found.bindings}
    assert set(by_key) == {(US, "MUG-1"), (US, "MUG-2"), (CA, "MUG-2")}
    assert by_key[(US, "MUG-1")].odoo_ref == "OTHER" and by_key[(US, "MUG-1")].product_type == "PRODUCT"
    assert by_key[(CA, "MUG-2")].odoo_ref == "MUG-2" and by_key[(CA, "MUG-2")].source is BindingSource.CSV


def test_bindings_csv_reports_each_bad_row_by_line() -> None:
    text = (
        "sku,odoo_ref,marketplace,product_type\n,X,,\nA,X,A1PA6795UKMFR9,\nB,X,,bad type!\n"
        + "C" * 41
        + ",X,,\n"
    )
    found = parse_bindings_csv(text, seller_id="s", marketplace_ids=[US], default_marketplace=US, now=NOW)
    assert [p.split(":")[0] for p in found.problems] == ["line 2", "line 3", "line 4", "line 5"]
    assert "A1PA6795UKMFR9 is not one of the seller's" in found.problems[1]
    assert "product_type" in found.problems[2] and "sku" in found.problems[3]
    assert parse_bindings_csv(
        "odoo_ref\nX\n", seller_id="s", marketplace_ids=[US], default_marketplace=US, now=NOW
    ).problems


# -- Odoo 17's pricelist rules -----------------------------------------------------------------------------


def product(pid: int = 1, **changes: Any) -> PricedProduct:
    values: dict[str, Any] = {
        "list_price": 12.5,
        "standard_price": 4.0,
        "currency_id": 1,
        "cost_currency_id": 1,
    }
    return PricedProduct(id=pid, **(values | changes))


def engine(*pricelists: Pricelist, **kw: Any) -> PricelistEngine:
    return PricelistEngine({p.id: p for p in pricelists}, now="2026-11-20 10:00:00", **kw)


def test_rules_fixed_discount_and_formula() -> None:
    fixed = Pricelist(1, "F", 1, (PricelistRule(1, fixed_price=7.77),))
    discount = Pricelist(2, "D", 1, (PricelistRule(2, compute_price="percentage", percent_price=10),))
    formula = Pricelist(
        3,
        "R",
        1,
        (
            PricelistRule(
                3, compute_price="formula", price_discount=20, price_round=1.0, price_surcharge=-0.01
            ),
        ),
    )
    cost = Pricelist(
        4, "C", 1, (PricelistRule(4, compute_price="formula", base="standard_price", price_discount=-50),)
    )
    prices = engine(fixed, discount, formula, cost)
    assert [prices.price(p, product()) for p in (1, 2, 3, 4)] == [7.77, 11.25, 9.99, 6.0]
    assert engine(Pricelist(9, "none", 1)).price(9, product(price_extra=1.5)) == 14.0  # no rule: sales price


def test_margins_bound_the_formula() -> None:
    rule = PricelistRule(
        1, compute_price="formula", price_discount=50, price_min_margin=-2.0, price_max_margin=5.0
    )
    assert engine(Pricelist(1, "M", 1, (rule,))).price(1, product()) == 10.5  # 6.25 raised to 12.5 - 2


def test_the_first_applicable_rule_in_odoos_order_wins() -> None:
    categories = {
        1: Category(1, "1/", "All"),
        2: Category(2, "1/2/", "All / Mugs"),
        3: Category(3, "1/2/3/", "All / Mugs / Blue"),
    }
    rules = (
        PricelistRule(1, fixed_price=1.0),  # global: last
        PricelistRule(2, applied_on="2_product_category", categ_id=2, fixed_price=2.0),
        PricelistRule(3, applied_on="2_product_category", categ_id=3, fixed_price=3.0),  # deeper first
        PricelistRule(4, applied_on="0_product_variant", product_id=7, fixed_price=4.0, min_quantity=5),
        PricelistRule(
            5, applied_on="0_product_variant", product_id=7, fixed_price=5.0, date_start="2026-12-01 00:00:00"
        ),
        PricelistRule(6, applied_on="0_product_variant", product_id=8, fixed_price=6.0),
    )
    prices = engine(Pricelist(1, "P", 1, rules), categories=categories)
    assert prices.price(1, product(7, categ_id=3)) == 3.0  # the variant rules need 5 units / December
    assert prices.price(1, product(7, categ_id=3), quantity=5) == 4.0
    assert prices.price(1, product(9, categ_id=2)) == 2.0
    assert prices.price(1, product(9, categ_id=1)) == 1.0
    assert prices.price(1, product(8, categ_id=3)) == 6.0


def test_a_pricelist_based_on_another_in_another_currency() -> None:
    usd = Pricelist(1, "USD", 1, (PricelistRule(1, compute_price="percentage", percent_price=10),))
    cad = Pricelist(
        2, "CAD", 2, (PricelistRule(2, compute_price="formula", base="pricelist", base_pricelist_id=1),)
    )
    prices = engine(usd, cad)
    assert prices.currency_pairs(2, [product()]) == {(1, 2)}
    prices.rates = {(1, 2): 1.25}
    assert prices.price(2, product()) == pytest.approx(12.5 * 0.9 * 1.25)
    assert engine(Pricelist(3, "CAD", 2), rates={(1, 2): 1.25}).price(3, product()) == pytest.approx(15.625)


# -- Odoo's answers to what each SKU should show -----------------------------------------------------------


def binding(sku: str, ref: str | None = None, mp: str = US, **extra: Any) -> ListingBinding:
    return ListingBinding(
        seller_id="mugs-us", marketplace_id=mp, sku=sku, odoo_ref=ref or sku, updated_at=NOW, **extra
    )


def test_wanted_stock_keeps_back_what_cannot_be_sent_naming_the_sku() -> None:
    def stock(pid: int, ref: str, qty: str, active: bool = True, storable: bool = True) -> OdooStock:
        return OdooStock(pid, ref, active, storable, Decimal(qty), Decimal(qty) - 1)

    found = {
        "A": [stock(1, "A", "10")],
        "B": [stock(2, "B", "3", active=False)],
        "C": [stock(3, "C", "1"), stock(4, "C", "2")],
        "D": [stock(5, "D", "1", storable=False)],
        "E": [stock(6, "E", "-2"), stock(7, "E", "9", active=False)],
    }
    bindings = [binding(s) for s in ("A", "B", "C", "D", "E", "F")]
    wanted_items, problems = wanted_stock(bindings, found, {"A": StockCap(type="fixed", value=Decimal(5))})
    forecast, _ = wanted_stock(bindings[:1], found, {}, forecast=True)
    assert [w.value for w in forecast] == ["quantity 9"]
    assert [(w.sku, w.value, bool(w.note)) for w in wanted_items] == [
        ("A", "quantity 5", False),
        ("E", "quantity 0", True),
    ]
    assert [(p.sku, p.kind) for p in problems] == [
        ("B", ProblemKind.ARCHIVED),
        ("C", ProblemKind.AMBIGUOUS),
        ("D", ProblemKind.NOT_STORABLE),
        ("F", ProblemKind.MISSING),
    ]
    assert all(f"SKU {p.sku}" in p.message and p.resolution for p in problems)


def test_wanted_prices_are_rounded_in_the_currency_and_must_be_positive() -> None:
    prices = PricelistPrices(
        1,
        "Amazon.ca",
        "CAD",
        0.01,
        2,
        {"A": [OdooPrice(1, "A", True, 16.495)], "B": [OdooPrice(2, "B", True, 0.004)]},
    )
    wanted_items, problems = wanted_prices([binding("A", mp=CA), binding("B", mp=CA)], prices, CA)
    assert [(w.sku, w.value) for w in wanted_items] == [("A", "price 16.50 CAD")]
    assert wanted_items[0].patch["value"][0]["our_price"][0]["schedule"][0]["value_with_tax"] == 16.5
    assert [(p.sku, p.kind) for p in problems] == [("B", ProblemKind.NO_PRICE)]


# -- the jobs on fakes -------------------------------------------------------------------------------------


class ScriptedOdoo:
    """What the exports ask of Odoo: products by internal reference with stock or a price."""

    def __init__(self) -> None:
        self.products: dict[str, dict[str, Any]] = {}
        self.pricelists: dict[str, tuple[str, dict[str, float]]] = {}
        self.reads = 0

    def add(self, ref: str, qty: float, price: float = 10.0, **extra: Any) -> None:
        self.products[ref] = {
            "qty": qty,
            "forecast": qty,
            "price": price,
            "active": True,
            "storable": True,
            **extra,
        }

    def stock_by_reference(
        self, company: str, references: Sequence[str], *, warehouse: str | None
    ) -> dict[str, list[OdooStock]]:
        self.reads += 1
        if warehouse == "NOPE":
            raise PermanentError("warehouse NOPE does not exist in Odoo", record="warehouse NOPE")
        return {
            ref: [
                OdooStock(
                    i, ref, p["active"], p["storable"], Decimal(str(p["qty"])), Decimal(str(p["forecast"]))
                )
            ]
            for i, (ref, p) in enumerate(self.products.items(), start=1)
            if ref in references
        }

    def pricelist_prices(
        self, company: str, pricelists: Sequence[str], references: Sequence[str]
    ) -> dict[str, PricelistPrices]:
        self.reads += 1
        for name in pricelists:
            if name not in self.pricelists:
                raise PermanentError(f"pricelist {name!r} does not exist", record=f"pricelist {name}")
        out = {}
        for name in pricelists:
            currency, factors = self.pricelists[name]
            out[name] = PricelistPrices(
                1,
                name,
                currency,
                0.01,
                2,
                {
                    ref: [OdooPrice(i, ref, p["active"], p["price"] * factors.get(ref, 1.0))]
                    for i, (ref, p) in enumerate(self.products.items(), start=1)
                    if ref in references
                },
            )
        return out

    def product_references(self, company: str) -> list[str]:
        return list(self.products)

    def warehouse_id(self, company: str, code: str | None) -> int:
        if code == "NOPE":
            raise PermanentError("warehouse NOPE does not exist in Odoo", record="warehouse NOPE")
        return {None: 1, "WH": 1}.get(code, 2)


class ScriptedAmazon:
    """patchListingsItem and the Feeds API of one seller; listings it knows, feeds finished by the test."""

    def __init__(self, listed: Sequence[str]) -> None:
        self.listed = set(listed)
        self.patched: list[tuple[str, str, dict[str, Any]]] = []
        self.feeds: dict[str, AmazonFeed] = {}
        self.uploads: dict[str, bytes] = {}
        self.results: dict[str, bytes] = {}
        self.throttle_feeds = False

    def patch_listings_item(
        self,
        merchant_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        patches: Sequence[Mapping[str, Any]],
    ) -> ListingsSubmission:
        self.patched.append((sku, marketplace_id, dict(patches[0])))
        if sku not in self.listed:
            issue = {"code": "4000001", "message": f"SKU '{sku}' does not exist", "severity": "ERROR"}
            return ListingsSubmission.model_validate({"sku": sku, "status": "INVALID", "issues": [issue]})
        return ListingsSubmission.model_validate({"sku": sku, "status": "ACCEPTED", "submissionId": "x"})

    def create_feed_document(self, content_type: str) -> AmazonFeedDocument:
        number = len(self.uploads) + 1
        return AmazonFeedDocument.model_validate(
            {"feedDocumentId": f"in-{number}", "url": f"https://s3/in-{number}"}
        )

    def upload_feed_document(self, document: AmazonFeedDocument, content: bytes, content_type: str) -> None:
        self.uploads[document.document_id] = content

    def create_feed(
        self, feed_type: str, marketplace_ids: Sequence[str], input_document_id: str, feed_options: Any = None
    ) -> str:
        if self.throttle_feeds:
            raise ThrottledError(
                "createFeed: JSON_LISTINGS_FEED submissions are at most 5 per 5 minutes", retry_after=60
            )
        feed_id = str(60000 + len(self.feeds))
        self.feeds[feed_id] = AmazonFeed.model_validate(
            {
                "feedId": feed_id,
                "feedType": feed_type,
                "marketplaceIds": list(marketplace_ids),
                "createdTime": NOW,
                "processingStatus": "IN_QUEUE",
            }
        )
        self.uploads[feed_id] = self.uploads[input_document_id]
        return feed_id

    def process(self) -> None:
        """Amazon processes every queued feed: listed SKUs accepted, others refused (4000001)."""
        for feed_id, feed in list(self.feeds.items()):
            if feed.status is not FeedStatus.IN_QUEUE:
                continue
            body = json.loads(self.uploads[feed_id])
            issues = [
                {
                    "messageId": m["messageId"],
                    "sku": m["sku"],
                    "severity": "ERROR",
                    "code": "4000001",
                    "message": "no such SKU",
                }
                for m in body["messages"]
                if m["sku"] not in self.listed
            ]
            count = len(body["messages"])
            report = {
                "header": {"sellerId": "A3MUGSUS8ACCPT", "version": "2.0", "feedId": feed_id},
                "issues": issues,
                "summary": {
                    "errors": len(issues),
                    "warnings": 0,
                    "messagesProcessed": count,
                    "messagesAccepted": count - len(issues),
                    "messagesInvalid": len(issues),
                },
            }
            self.results[f"out-{feed_id}"] = json.dumps(report).encode()
            self.feeds[feed_id] = feed.model_copy(
                update={"status": FeedStatus.DONE, "result_document_id": f"out-{feed_id}"}
            )

    def get_feed(self, feed_id: str) -> AmazonFeed:
        return self.feeds[feed_id]

    def get_feeds(self, **kw: Any) -> list[AmazonFeed]:
        return list(self.feeds.values())

    def get_feed_document(self, document_id: str) -> bytes:
        return self.results[document_id]

    def messages(self, feed_id: str) -> list[dict[str, Any]]:
        return list(json.loads(self.uploads[feed_id])["messages"])


class World:
    def __init__(self, seller: SellerConfig, listed: Sequence[str]) -> None:
        self.seller = seller
        self.state = InMemoryStateStore()
        self.state.replace_sellers([seller])
        self.documents = InMemoryDocumentStore()
        self.odoo = ScriptedOdoo()
        self.amazon = ScriptedAmazon(listed)
        listener = accepted_values_listener(self.state, clock=lambda: NOW)
        self.tracker = FeedTracker(
            self.state,
            self.documents,
            lambda s: self.amazon,  # type: ignore[arg-type,return-value]
            listeners={EXPORT_STOCK: listener, EXPORT_PRICES: listener},
            clock=lambda: NOW,
        )

    def run(self, job: str = EXPORT_STOCK, patch_limit: int = 20) -> Any:
        export = export_stock if job == EXPORT_STOCK else export_prices

        def body(ctx: Any) -> None:
            export(ctx, self.odoo, self.amazon, self.tracker, clock=lambda: NOW, patch_limit=patch_limit)  # type: ignore[arg-type]

        return run_job(self.state, self.seller, job, body)

    def track(self) -> None:
        self.amazon.process()
        run_job(self.state, self.seller, "track_feeds", lambda ctx: track_feeds(ctx, self.tracker))

    def logs(self, job: str = EXPORT_STOCK, level: LogLevel | None = None) -> list[Any]:
        return self.state.list_logs("mugs-us", job=job, level=level)


def make_seller(*marketplaces: dict[str, Any]) -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["sellers"][0]["marketplaces"] = list(marketplaces)
    return parse_sellers_file(raw).sellers[0]


@pytest.fixture
def world() -> World:
    seller = make_seller(
        {
            "id": US,
            "warehouse": "WH",
            "pricelist": "Amazon.com (USD)",
            "stock_caps": {"MUG-1": {"type": "fixed", "value": 5}},
        }
    )
    w = World(seller, listed=["MUG-1", "MUG-2", "MUG-3"])
    w.odoo.add("MUG-1", 10)
    w.odoo.add("MUG-2", 4)
    w.odoo.add("MUG-3", 2.5)
    return w


def test_first_run_binds_by_internal_reference_patches_few_and_the_second_run_sends_nothing(
    world: World,
) -> None:
    run = world.run()
    assert run.status is RunStatus.PARTIAL  # the fractional quantity is a warning in the log book
    assert run.counts["skus_bound_automatically"] == 3 and run.counts["skus_sent"] == 3
    assert [(sku, patch["value"][0]["quantity"]) for sku, _, patch in world.amazon.patched] == [
        ("MUG-1", 5),
        ("MUG-2", 4),
        ("MUG-3", 2),
    ]
    assert world.state.listing_values("mugs-us", EXPORT_STOCK, US) == {
        "MUG-1": "quantity 5",
        "MUG-2": "quantity 4",
        "MUG-3": "quantity 2",
    }
    (warning,) = world.logs(level=LogLevel.WARNING)
    assert warning.record_ref == "sku MUG-3" and "2.5 (not a whole number): 2 is sent" in warning.message
    again = world.run()
    assert again.status is RunStatus.SUCCEEDED and again.counts["skus_unchanged"] == 3
    assert "skus_sent" not in again.counts and len(world.amazon.patched) == 3
    world.odoo.products["MUG-2"]["qty"] = 1
    third = world.run()
    assert third.counts["skus_sent"] == 1 and world.amazon.patched[-1][0] == "MUG-2"


def test_many_changes_go_in_one_feed_whose_accepted_values_count_and_refused_skus_go_again(
    world: World,
) -> None:
    world.state.save_bindings([binding("MUG-1"), binding("MUG-2"), binding("MUG-3")])
    bind_sku(world.state, world.seller, US, "GHOST", "MUG-2", now=NOW)  # not listed at Amazon
    run = world.run(patch_limit=2)
    assert run.counts["feeds_submitted"] == 1 and run.counts["skus_sent"] == 4
    [record] = world.state.pending_feeds("mugs-us")
    assert (record.job, record.scope, record.feed_type) == (EXPORT_STOCK, US, JSON_LISTINGS_FEED)
    assert {i.key: i.value for i in feed_items(world.documents, record)}["GHOST"] == "quantity 4"
    [message] = [m for m in world.amazon.messages(record.feed_id) if m["sku"] == "GHOST"]
    assert message["productType"] == "PRODUCT" and message["operationType"] == "PATCH"
    # Amazon has not answered yet: the SKUs are in flight, nothing is sent again
    waiting = world.run(patch_limit=2)
    assert waiting.counts["skus_in_flight"] == 4 and "skus_sent" not in waiting.counts
    assert world.state.listing_values("mugs-us", EXPORT_STOCK, US) == {}  # nothing accepted yet
    world.track()
    assert world.state.listing_values("mugs-us", EXPORT_STOCK, US) == {
        "MUG-1": "quantity 5",
        "MUG-2": "quantity 4",
        "MUG-3": "quantity 2",
    }
    (error,) = world.logs(level=LogLevel.ERROR)
    assert error.record_ref == "sku GHOST" and "4000001" in error.message
    resend = world.run(patch_limit=2)
    assert resend.counts["skus_changed"] == 1 and world.amazon.patched[-1][0] == "GHOST"  # sent again
    assert resend.counts["skus_failed"] == 1  # and refused again: it is sent again until it is fixed
    assert world.state.get_bindings("mugs-us", US, ["GHOST"])["GHOST"].active  # bound by hand: kept


def test_automatic_bindings_amazon_does_not_list_are_switched_off(world: World) -> None:
    world.odoo.add("NOT-LISTED", 3)
    run = world.run()
    assert run.counts["skus_failed"] == 1
    binding_ = world.state.get_bindings("mugs-us", US, ["NOT-LISTED"])["NOT-LISTED"]
    assert not binding_.active and "4000001" in binding_.note
    again = world.run()
    assert "skus_failed" not in again.counts and [p[0] for p in world.amazon.patched].count("NOT-LISTED") == 1


def test_bad_input_is_logged_against_the_sku_and_the_rest_goes_out(world: World) -> None:
    world.odoo.products["MUG-2"]["active"] = False
    bind_sku(world.state, world.seller, US, "MUG-9", "NO-SUCH-REF", now=NOW)
    world.run()  # MUG-9 was bound by hand: no automatic bindings, and nothing it could send
    assert [p[0] for p in world.amazon.patched] == []
    world.state.save_bindings([binding("MUG-1"), binding("MUG-2"), binding("MUG-3")])
    run = world.run()
    assert run.status is RunStatus.PARTIAL and run.counts["skus_problems"] == 2
    assert sorted(p[0] for p in world.amazon.patched) == ["MUG-1", "MUG-3"]
    errors = {e.record_ref: e for e in world.logs(level=LogLevel.ERROR)}
    assert "archived" in errors["sku MUG-2"].message
    assert "'NO-SUCH-REF', which no Odoo product" in errors["sku MUG-9"].message
    assert "products bind MUG-9" in errors["sku MUG-9"].resolution


def test_a_missing_warehouse_stops_that_marketplace_only() -> None:
    seller = make_seller({"id": US, "warehouse": "NOPE"}, {"id": CA})
    w = World(seller, listed=["MUG-1"])
    w.odoo.add("MUG-1", 3)
    run = w.run()
    assert run.counts["marketplaces_failed"] == 1 and run.counts["skus_sent"] == 1
    assert [(sku, mp) for sku, mp, _ in w.amazon.patched] == [("MUG-1", CA)]
    assert any("warehouse NOPE" in e.message for e in w.logs(level=LogLevel.ERROR))


def test_feeds_throttled_by_amazon_wait_for_the_next_run(world: World) -> None:
    world.amazon.throttle_feeds = True
    run = world.run(patch_limit=1)
    assert run.counts["skus_deferred"] == 3 and "feeds_submitted" not in run.counts
    world.amazon.throttle_feeds = False
    assert world.run(patch_limit=1).counts["feeds_submitted"] == 1


def test_prices_go_out_per_marketplace_in_its_currency_and_a_wrong_currency_is_logged() -> None:
    seller = make_seller(
        {"id": US, "pricelist": "Amazon.com (USD)"},
        {"id": CA, "pricelist": "Amazon.ca (USD by mistake)"},
        {"id": "A1AM78C64UM0Y8"},  # Mexico: no pricelist
        {"id": "A2Q3Y263D00KWC", "pricelist": "Gone"},  # Brazil: a pricelist Odoo does not have
    )
    w = World(seller, listed=["MUG-1", "MUG-2"])
    w.odoo.add("MUG-1", 1, price=12.99)
    w.odoo.add("MUG-2", 1, price=7.5)
    w.odoo.pricelists = {"Amazon.com (USD)": ("USD", {}), "Amazon.ca (USD by mistake)": ("USD", {})}
    run = w.run(EXPORT_PRICES)
    assert run.counts["marketplaces_failed"] == 3 and run.counts["skus_sent"] == 2
    assert w.odoo.reads == 2  # all pricelists at once; again without the one Odoo does not have
    assert [
        (sku, mp, p["value"][0]["our_price"][0]["schedule"][0]["value_with_tax"])
        for sku, mp, p in w.amazon.patched
    ] == [
        ("MUG-1", US, 12.99),
        ("MUG-2", US, 7.5),
    ]
    errors = [e.message for e in w.logs(EXPORT_PRICES, LogLevel.ERROR)]
    assert any(
        "is in USD, marketplace A2EUQ1WTGCTBG2 (CA) sells in CAD" in m and "MUG-1, MUG-2" in m for m in errors
    )
    assert any("A1AM78C64UM0Y8 (MX) has no pricelist" in m for m in errors)
    assert any("pricelist 'Gone' does not exist" in m for m in errors)
    assert w.state.listing_values("mugs-us", EXPORT_PRICES, US) == {
        "MUG-1": "price 12.99 USD",
        "MUG-2": "price 7.50 USD",
    }
    w.odoo.pricelists["Amazon.com (USD)"] = ("USD", {"MUG-2": 1.1})
    assert w.run(EXPORT_PRICES).counts["skus_sent"] == 1 and w.amazon.patched[-1][0] == "MUG-2"
    assert w.state.listing_values("mugs-us", EXPORT_STOCK, US) == {}  # stock and price are kept apart


def test_bindings_by_hand_and_by_csv(world: World) -> None:
    made = bind_sku(world.state, world.seller, US, "MUG-7", "ODOO-7", product_type="drinking_cup", now=NOW)
    assert (made.odoo_ref, made.product_type, made.source) == ("ODOO-7", "DRINKING_CUP", BindingSource.MANUAL)
    again = bind_sku(world.state, world.seller, US, "MUG-7", "ODOO-8", now=NOW)
    assert again.product_type == "DRINKING_CUP"  # kept when not given
    bad = import_bindings(world.state, world.seller, "sku,marketplace\nA,A1PA6795UKMFR9\nB,\n", now=NOW)
    assert bad.problems and world.state.get_bindings("mugs-us", US, ["B"]) == {}  # nothing half-imported
    good = import_bindings(world.state, world.seller, "sku,odoo_ref\nA,RA\nB,\n", now=NOW)
    assert not good.problems and set(world.state.get_bindings("mugs-us", US, ["A", "B", "MUG-7"])) == {
        "A",
        "B",
        "MUG-7",
    }
    with pytest.raises(PermanentError, match="is not configured"):
        bind_sku(world.state, world.seller, CA, "X", "Y")


def test_listener_ignores_other_jobs_and_keeps_only_accepted_values(world: World) -> None:
    world.run(patch_limit=0)  # everything through a feed
    [record] = world.state.pending_feeds("mugs-us")
    world.amazon.listed.discard("MUG-3")
    world.track()
    assert world.state.listing_values("mugs-us", EXPORT_STOCK, US) == {
        "MUG-1": "quantity 5",
        "MUG-2": "quantity 4",
    }
    assert "MUG-3" in world.tracker.failed_items("mugs-us", EXPORT_STOCK, US)
    assert world.state.get_bindings("mugs-us", US, ["MUG-3"])["MUG-3"].active is False  # automatic binding
    assert record.scope == US
    # once MUG-3 shows its accepted value again, its failure mark is settled
    world.state.save_bindings([binding("MUG-3")])
    world.state.save_listing_values("mugs-us", EXPORT_STOCK, US, {"MUG-3": "quantity 2"})
    world.run()
    assert "MUG-3" not in world.tracker.failed_items("mugs-us", EXPORT_STOCK, US)


def test_a_feed_past_the_limit_is_split(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from amazon_odoo.domain import listings

    monkeypatch.setattr(
        "amazon_odoo.services.export_listings.feed_batches", lambda items: listings.feed_batches(items, 2)
    )
    run = world.run(patch_limit=0)
    assert run.counts["feeds_submitted"] == 2 and [
        len(world.amazon.messages(f)) for f in world.amazon.feeds
    ] == [2, 1]


def test_stock_cap_percentage_and_forecast_field_one_read_per_warehouse() -> None:
    seller = make_seller(
        {"id": US, "stock_field": "forecast", "stock_caps": {"MUG-1": {"type": "percentage", "value": 50}}},
        {"id": CA},
        {"id": "A1AM78C64UM0Y8", "warehouse": "MX"},
    )
    w = World(seller, listed=["MUG-1"])
    w.odoo.add("MUG-1", 10, forecast=7)
    w.run()
    assert [(mp, patch["value"][0]["quantity"]) for _, mp, patch in w.amazon.patched] == [
        (US, 3),  # 50 % of the forecast 7, rounded down
        (CA, 10),  # on hand, no cap
        ("A1AM78C64UM0Y8", 10),
    ]
    assert w.odoo.reads == 2  # US and CA share the company's warehouse: one read for both
