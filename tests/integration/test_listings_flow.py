"""Listings out end to end on the local stack (moto, the SP-API sandbox, the Odoo double): bindings from a
CSV file and by hand, stock (on hand and forecast, fixed and percentage caps) and prices (a pricelist per
marketplace with fixed, discount and formula rules, one in another currency) reach the sandbox's listings
through JSON_LISTINGS_FEEDs and patchListingsItem; a second run sends nothing; a SKU Amazon refuses is in
the log book and ``feeds show`` and is sent again by the next run."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import _demo_credentials
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.sandbox.apis import feeds as sandbox_feeds
from amazon_odoo.local.stack import LocalStack, scheduled_event
from tests.integration.conftest import example_sellers

SELLER_ID = "mugs-listings"  # its own seller: nothing another module left in the state store is in the way
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
BULK = [f"BULK-{n:02d}" for n in range(1, 26)]  # enough changed SKUs for a feed
STOCK = {
    "MUG-BLUE-12": 10.0,
    "MUG-RED-12": 4.0,
    "COASTER-SET-4": 7.0,
    "TEAPOT-WHITE": 2.5,
    "NOT-AT-AMAZON": 6.0,
}


@pytest.fixture(scope="module")
def seller(stack: LocalStack) -> Iterator[SellerConfig]:
    raw = example_sellers(SELLER_ID)
    entry = raw["sellers"][0]
    entry["schedules"]["export_prices"]["enabled"] = True
    us = entry["marketplaces"][0]
    us["stock_caps"] = {
        "MUG-BLUE-12": {"type": "fixed", "value": 5},  # 10 available -> 5
        "MUG-RED-12": {"type": "fixed", "value": 5},  # 4 available -> 4
        "COASTER-SET-4": {"type": "percentage", "value": 50},  # 7 available -> 3
    }
    entry["marketplaces"].append({"id": CA, "stock_field": "forecast", "pricelist": "Amazon.ca (CAD)"})
    _demo_credentials(stack, "mugs-us")  # the example's secrets; its refresh token is the sandbox seller's
    compose().load_sellers(raw)
    _seed_odoo()
    _seed_amazon(stack)
    yield compose().seller(SELLER_ID)
    compose().state.replace_sellers([])


def _seed_odoo() -> None:
    """The seller's Odoo: storable products with stock in WH, an order that will take 3 mugs (forecast),
    a USD pricelist with a fixed, a discount and a formula rule, a CAD one based on sales prices."""
    odoo = compose().odoo
    assert odoo is not None
    company = odoo.search_read("res.company", [], ["id"])[0]["id"]
    coasters = odoo.create("product.category", [{"name": "Coasters"}])[0]
    prices = {"MUG-BLUE-12": 12.99, "MUG-RED-12": 12.49, "COASTER-SET-4": 8.0, "TEAPOT-WHITE": 29.95}
    rows = [
        {
            "name": sku,
            "default_code": sku,
            "detailed_type": "product",
            "list_price": prices.get(sku, 5.0 + n),
            "company_id": company,
            **({"categ_id": coasters} if sku.startswith("COASTER") else {}),
        }
        for n, sku in enumerate([*STOCK, *BULK])
    ]
    ids = dict(zip([*STOCK, *BULK], odoo.create("product.product", rows), strict=True))
    stock = odoo.search_read("stock.warehouse", [("code", "=", "WH")], ["lot_stock_id"])[0]["lot_stock_id"][0]
    quantities = {**STOCK, **{sku: float(n) for n, sku in enumerate(BULK, start=1)}}
    odoo.create(
        "stock.quant",
        [
            {"product_id": ids[s], "location_id": stock, "inventory_quantity_auto_apply": q}
            for s, q in quantities.items()
        ],
        context={"inventory_mode": True},
    )
    partner = odoo.create("res.partner", [{"name": "A buyer"}])[0]
    [order] = odoo.create(
        "sale.order",
        [
            {
                "partner_id": partner,
                "order_line": [(0, 0, {"product_id": ids["MUG-RED-12"], "product_uom_qty": 3})],
            }
        ],
    )
    odoo.confirm_orders([order])
    usd, cad = (
        odoo.search_read("res.currency", [("name", "=", code)], ["id"])[0]["id"] for code in ("USD", "CAD")
    )
    odoo.create("res.currency.rate", [{"currency_id": cad, "name": "2020-01-01", "rate": 1.35}])
    odoo.create(
        "product.pricelist",
        [
            {
                "name": "Amazon.com (USD)",
                "currency_id": usd,
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": ids["MUG-BLUE-12"],
                            "fixed_price": 14.99,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "applied_on": "2_product_category",
                            "categ_id": coasters,
                            "compute_price": "percentage",
                            "percent_price": 10,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "compute_price": "formula",
                            "price_discount": 20,
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
        ],
    )


def _seed_amazon(stack: LocalStack) -> None:
    """The seller's listings at Amazon: the scenario's four and the bulk ones (NOT-AT-AMAZON is not listed)."""
    seller = stack.sandbox.state.seller()
    for sku in BULK:
        seller.put_listing(
            {"sku": sku, "productType": "PRODUCT", "marketplaceIds": [US, CA], "asin": f"B0{sku}"}
        )


def run(job: str) -> dict[str, Any]:
    [result] = invoke(job, scheduled_event(job, SELLER_ID))["runs"]
    return dict(result)


def process_feeds(stack: LocalStack, marketplace: str | None = None) -> None:
    """Amazon processes the pending feeds (of one marketplace), then the track_feeds schedule comes."""
    state = stack.sandbox.state
    seller = state.seller()
    with state.lock:
        for feed in list(seller.feeds.values()):
            if marketplace is None or feed.marketplace_ids == [marketplace]:
                sandbox_feeds.advance(state, seller, feed, force=True)
    run("track_feeds")


def sent_operations(stack: LocalStack) -> int:
    return len(stack.sandbox.calls("patchListingsItem")) + len(stack.sandbox.calls("createFeed"))


def test_stock_reaches_the_listings_once_and_a_refused_sku_is_sent_again(
    stack: LocalStack, seller: SellerConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = compose()
    csv = tmp_path / "bindings.csv"
    lines = ["sku,odoo_ref,marketplace,product_type"]
    lines += [f"{sku},,,DRINKING_CUP" for sku in ("MUG-BLUE-12", "MUG-RED-12")]
    lines += [f"{sku},,," for sku in ("COASTER-SET-4", "TEAPOT-WHITE", *BULK)]
    csv.write_text("\n".join(lines) + "\n")
    assert main(["products", "import", str(csv), "--seller", SELLER_ID]) == 0
    assert (
        "bound 58 SKU(s) of seller mugs-listings (A2EUQ1WTGCTBG2: 29, ATVPDKIKX0DER: 29)"
        in capsys.readouterr().out
    )
    assert main(["products", "bind", "NOT-AT-AMAZON", "--seller", SELLER_ID, "--marketplace", US]) == 0
    assert (
        main(["products", "bind", "GHOST-1", "NO-SUCH-REF", "--seller", SELLER_ID, "--marketplace", US]) == 0
    )

    first = run("export_stock")
    assert first["status"] == "partial" and first["counts"]["feeds_submitted"] == 2  # one per marketplace
    assert first["counts"]["skus_sent"] == 30 + 29 and first["counts"]["skus_problems"] == 1
    problems = {
        e.record_ref: e for e in app.state.list_logs(SELLER_ID, job="export_stock", level=LogLevel.ERROR)
    }
    assert "'NO-SUCH-REF', which no Odoo product" in problems["sku GHOST-1"].message
    warnings = app.state.list_logs(SELLER_ID, job="export_stock", level=LogLevel.WARNING)
    assert {w.record_ref for w in warnings} == {"sku TEAPOT-WHITE"} and len(warnings) == 2  # US and CA
    assert all("2.5 (not a whole number): 2 is sent" in w.message for w in warnings)

    listings = stack.sandbox.state.seller()
    process_feeds(stack, US)  # on hand in WH, capped
    assert [
        listings.listing_quantity(s) for s in ("MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE")
    ] == [
        5,
        4,
        3,
        2,
    ]
    assert listings.listing_quantity("BULK-25") == 25
    process_feeds(stack, CA)  # forecast: the confirmed order takes 3 of the 4 red mugs; no caps in CA
    assert [listings.listing_quantity(s) for s in ("MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4")] == [
        10,
        1,
        7,
    ]

    refused = [
        e
        for e in app.state.list_logs(SELLER_ID, job="export_stock", level=LogLevel.ERROR)
        if e.record_ref == "sku NOT-AT-AMAZON"
    ]
    assert len(refused) == 1 and "4000001" in refused[0].message
    feed_id = refused[0].details["feed_id"]
    assert main(["feeds", "show", feed_id, "--problems"]) == 0
    shown = capsys.readouterr().out
    assert "NOT-AT-AMAZON" in shown and "quantity 6" in shown and "4000001" in shown
    assert app.state.listing_values(SELLER_ID, "export_stock", US)["MUG-RED-12"] == "quantity 4"
    assert app.state.listing_values(SELLER_ID, "export_stock", CA)["MUG-RED-12"] == "quantity 1"

    before = sent_operations(stack)
    second = run("export_stock")  # only the refused SKU goes again, alone: patchListingsItem
    assert second["counts"]["skus_changed"] == 1 and second["counts"]["skus_failed"] == 1
    assert [c.path.rsplit("/", 1)[-1] for c in stack.sandbox.calls("patchListingsItem")] == ["NOT-AT-AMAZON"]
    listings.put_listing({"sku": "NOT-AT-AMAZON", "productType": "PRODUCT", "marketplaceIds": [US]})
    third = run("export_stock")
    assert third["counts"]["skus_sent"] == 1 and listings.listing_quantity("NOT-AT-AMAZON") == 6
    middle = sent_operations(stack)
    assert middle == before + 2
    assert main(["run", "export-stock", "--seller", SELLER_ID]) == 0  # by hand: nothing left to send
    assert f"{SELLER_ID} export_stock: partial" in capsys.readouterr().out  # GHOST-1 is still unbound
    assert sent_operations(stack) == middle

    assert main(["products", "list", "--seller", SELLER_ID, "--sku", "MUG-RED-12"]) == 0
    table = capsys.readouterr().out
    assert "DRINKING_CUP" in table and "csv" in table and " 4 " in table and " 1 " in table
    assert stack.sandbox.violations == []


def test_prices_equal_odoos_reach_each_marketplace_in_its_currency_once(
    stack: LocalStack, seller: SellerConfig
) -> None:
    app = compose()
    odoo = app.odoo
    assert odoo is not None
    if not app.state.list_bindings(SELLER_ID, US):  # this test alone: bind as the first test does
        main(["products", "bind", "MUG-BLUE-12", "--seller", SELLER_ID, "--marketplace", US])
    first = run("export_prices")
    assert first["status"] in ("succeeded", "partial") and first["counts"]["skus_sent"] > 0
    process_feeds(stack)
    listings = stack.sandbox.state.seller()
    pricelists = {
        mp: odoo.search_read("product.pricelist", [("name", "=", name)], ["id"])[0]["id"]
        for mp, name in ((US, "Amazon.com (USD)"), (CA, "Amazon.ca (CAD)"))
    }
    checked = 0
    for mp in (US, CA):
        for binding in app.state.list_bindings(SELLER_ID, mp):
            found = odoo.search_read("product.product", [("default_code", "=", binding.odoo_ref)], ["id"])
            if not found:  # GHOST-1: bound to a product that does not exist, nothing sent
                assert binding.sku not in app.state.listing_values(SELLER_ID, "export_prices", mp)
                continue
            [product] = found
            odoo_price = odoo.call(
                "product.product",
                "get_contextual_price",
                [product["id"]],
                context={"pricelist": pricelists[mp]},
            )
            expected = Decimal(str(round(float(odoo_price), 2))).quantize(Decimal("0.01"))
            assert listings.listing_price(binding.sku, mp) == expected, (binding.sku, mp)
            checked += 1
    assert checked >= 50
    assert listings.listing_price("MUG-BLUE-12", US) == Decimal("14.99")  # fixed on the variant
    assert listings.listing_price("COASTER-SET-4", US) == Decimal("7.20")  # 10 % off the category
    assert listings.listing_price("TEAPOT-WHITE", US) == Decimal("23.99")  # 20 % off, to 1.00, -0.01
    assert listings.listing_price("TEAPOT-WHITE", CA) == Decimal("42.45")  # 29.95 x 1.35 x 1.05, to 0.05
    values = app.state.listing_values(SELLER_ID, "export_prices", CA)
    assert values["TEAPOT-WHITE"] == "price 42.45 CAD"
    before = sent_operations(stack)
    again = run("export_prices")
    assert again["counts"].get("skus_changed", 0) == 0 and sent_operations(stack) == before
    assert stack.sandbox.violations == []
