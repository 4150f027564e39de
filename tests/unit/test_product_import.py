"""Products CSV (issue 7), without servers: the whole file is checked first (a bad cell names its line and
column, and nothing is imported), missing Odoo products are created in one call, bindings carry the ASIN,
title and fulfilment channel; the upload file for Seller Central (columns, barcodes, prices, stock)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import ProductCondition, SellerConfig, StockCap, parse_sellers_file
from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.listings import BindingSource, ListingBinding
from amazon_odoo.domain.product_csv import COLUMNS, SAMPLE_CSV, Fulfillment, read_products_csv
from amazon_odoo.mapping.listings import OdooPrice, OdooStock, PricelistPrices
from amazon_odoo.mapping.product_sync import OdooProduct
from amazon_odoo.mapping.product_values import UPLOAD_COLUMNS, Listing, UploadItem, gtin_type, upload_rows
from amazon_odoo.mapping.products import OdooProductContent
from amazon_odoo.services.product_import import import_products, marketplace_id_of, upload_file
from tests.fakes import InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
SAMPLE = Path("/work/shared/samples/product-import.csv")
US, CA, DE = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
HEADER = ",".join(COLUMNS)


@pytest.fixture
def seller() -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["sellers"][0]["marketplaces"].append({"id": CA})
    return parse_sellers_file(raw).sellers[0]


class ScriptedOdoo:
    """The Odoo gateway calls the import and the upload file make, answered from dicts."""

    def __init__(self, products: Mapping[str, Sequence[OdooProductContent]] | None = None) -> None:
        self.products: dict[str, list[OdooProductContent]] = {k: list(v) for k, v in (products or {}).items()}
        self.created: list[dict[str, str]] = []
        self.reads = 0
        self.stock: dict[str, float] = {}
        self.prices: dict[str, float] = {}

    def products_by_reference(self, company: str, references: Sequence[str]) -> dict[str, list[OdooProduct]]:
        self.reads += 1
        return {
            ref: [OdooProduct(p.product_id, p.reference, p.active) for p in self.products[ref]]
            for ref in references
            if ref in self.products
        }

    def company_id(self, name: str) -> int:
        return 1

    def create_products(self, company_id: int, products: Mapping[str, str]) -> dict[str, int]:
        self.created.append(dict(products))
        out = {}
        for ref, name in products.items():
            new = OdooProductContent(100 + len(self.products), ref, name)
            self.products[ref] = [new]
            out[ref] = new.product_id
        return out

    def search_read(
        self, model: str, domain: Sequence[Any], fields: Sequence[str], **kwargs: Any
    ) -> list[dict[str, Any]]:
        assert model == "product.product" and domain[0][:2] == ("default_code", "in")
        return [
            {
                "id": p.product_id,
                "default_code": p.reference,
                "name": p.name,
                "description_sale": p.description,
                "barcode": p.barcode,
                "active": p.active,
            }
            for ref in domain[0][2]
            for p in self.products.get(ref, [])
        ]

    def stock_by_reference(
        self, company: str, references: Sequence[str], *, warehouse: str | None
    ) -> dict[str, list[OdooStock]]:
        return {
            ref: [OdooStock(p.product_id, ref, p.active, True, Decimal(str(q)), Decimal(str(q)))]
            for ref, q in self.stock.items()
            for p in self.products.get(ref, [])[:1]
        }

    def pricelist_prices(
        self, company: str, pricelists: Sequence[str], references: Sequence[str]
    ) -> dict[str, PricelistPrices]:
        found = {
            ref: [OdooPrice(self.products[ref][0].product_id, ref, True, p)] for ref, p in self.prices.items()
        }
        return {name: PricelistPrices(1, name, "USD", 0.01, 2, found) for name in pricelists}


def rows_csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_the_sample_is_the_documented_one_and_reads_as_rows() -> None:
    if SAMPLE.exists():
        assert SAMPLE.read_text() == SAMPLE_CSV
    found = read_products_csv(
        SAMPLE_CSV,
        seller_id="mugs-eu",
        region="EU",
        marketplace_ids=[US, DE],  # one seller per region in practice; the reader only checks membership
        default_marketplace=None,
        now=NOW,
        marketplace_by_name=marketplace_id_of,
    )
    assert found.problems == ()
    assert [(b.marketplace_id, b.sku, b.odoo_ref, b.asin) for b in found.bindings] == [
        (US, "MUG-BLUE-12", "MUG-BLUE-12", "B0CXM4K2Q1"),
        (DE, "MUG-BLUE-12-DE", "MUG-BLUE-12", "B0CXM4K2Q1"),
        (US, "COASTER-SET-4", "COASTER-SET-4", "B0BQW8L3N9"),
        (DE, "KETTLE-STEEL", "KETTLE-STEEL", "B0DKT7S1Z5"),
    ]
    # one Odoo product for two SKUs, named after its first title
    assert found.products["MUG-BLUE-12"] == "Stoneware Mug 12 oz, Blue"
    assert all(b.fulfillment_channel == "DEFAULT" and b.source is BindingSource.CSV for b in found.bindings)


def test_marketplaces_by_name_or_id() -> None:
    assert [marketplace_id_of(v) for v in ("Amazon.com", "amazon.de", "Amazon.co.uk", CA, "Amazon.xx")] == [
        US,
        DE,
        "A1F83G8C2ARO7P",
        CA,
        None,
    ]


def test_every_bad_cell_is_named_by_line_and_column_and_nothing_is_imported(seller: SellerConfig) -> None:
    text = rows_csv(
        "MUG-1,MUG-1,B0CXM4K2Q1,Mug,FBM,Amazon.com",  # fine
        "MUG-2,MUG-2,B0BAD,Mug 2,FBM,Amazon.com",  # line 3: ASIN
        "MUG-3,MUG-3,,Mug 3,Drone,Amazon.ca",  # line 4: fulfilment
        "MUG-4,MUG-4,,Mug 4,FBM,Amazon.de",  # line 5: not one of the seller's
        "MUG-5,,,Mug 5,FBM,Amazon.com",  # line 6: no SKU
        "MUG-6," + "S" * 41 + ",,Mug 6,FBM,Amazon.com",  # line 7: SKU too long
        "MUG-7,MUG-7,,Mug 7,FBM,Amazon.moon",  # line 8: unknown marketplace
    )
    state, odoo = InMemoryStateStore(), ScriptedOdoo()
    found = import_products(state, odoo, seller, text, now=NOW)  # type: ignore[arg-type]
    assert [p.split(": ")[0:2] for p in found.problems] == [
        ["line 3", "column 'ASIN'"],
        ["line 4", "column 'Fulfillment By'"],
        ["line 5", "column 'Marketplace'"],
        ["line 6", "column 'Seller SKU'"],
        ["line 7", "column 'Seller SKU'"],
        ["line 8", "column 'Marketplace'"],
    ]
    assert "'B0BAD' is no ASIN" in found.problems[0]
    assert "Amazon.de (A1PA6795UKMFR9) is not one of the seller's" in found.problems[2]
    assert "at most 40 characters" in found.problems[4]
    # nothing imported: no Odoo call at all, no binding stored
    assert (odoo.reads, odoo.created) == (0, [])
    assert state.list_bindings(seller.id, US) == [] and found.bindings == ()


def test_a_bad_header_is_line_1(seller: SellerConfig) -> None:
    odoo = ScriptedOdoo()
    found = import_products(InMemoryStateStore(), odoo, seller, "Internal Reference,Colour\nA,red\n")  # type: ignore[arg-type]
    assert found.problems[0].startswith("line 1: column 'Colour' is not a column")
    assert found.problems[1].startswith("line 1: no 'Seller SKU' column")
    empty = import_products(InMemoryStateStore(), odoo, seller, "")  # type: ignore[arg-type]
    assert empty.problems[0].startswith("line 1: the file is empty")
    unquoted = import_products(InMemoryStateStore(), odoo, seller, rows_csv("A,A,,Mug, blue,FBM,Amazon.com"))  # type: ignore[arg-type]
    assert unquoted.problems[0].startswith("line 2: more cells than the header")
    assert odoo.reads == 0


def test_missing_products_are_created_in_one_call_and_every_sku_is_bound(seller: SellerConfig) -> None:
    text = rows_csv(
        'MUG-BLUE-12,MUG-BLUE-12,B0CXM4K2Q1,"Stoneware Mug 12 oz, Blue",FBM,Amazon.com',
        "MUG-BLUE-12,MUG-BLUE-12-CA,,Stoneware Mug (CA),FBM,Amazon.ca",
        "TEAPOT,TEAPOT-FBA,,Teapot,FBA,Amazon.com",
        "KETTLE,KETTLE,,,,",  # empty marketplace: every marketplace of the seller; no title: the reference
    )
    state = InMemoryStateStore()
    odoo = ScriptedOdoo({"TEAPOT": [OdooProductContent(7, "TEAPOT", "Teapot")]})
    dry = import_products(state, odoo, seller, text, now=NOW, dry_run=True)  # type: ignore[arg-type]
    assert dry.problems == () and dict(dry.created) == {"MUG-BLUE-12": 0, "KETTLE": 0}
    assert dry.existing == ("TEAPOT",) and len(dry.bindings) == 5
    assert odoo.created == [] and state.list_bindings(seller.id, US) == []  # a dry run writes nothing

    done = import_products(state, odoo, seller, text, now=NOW)  # type: ignore[arg-type]
    assert odoo.created == [{"MUG-BLUE-12": "Stoneware Mug 12 oz, Blue", "KETTLE": "KETTLE"}]  # one call
    assert set(done.created) == {"MUG-BLUE-12", "KETTLE"}
    us = {b.sku: b for b in state.list_bindings(seller.id, US)}
    ca = {b.sku: b for b in state.list_bindings(seller.id, CA)}
    assert set(us) == {"MUG-BLUE-12", "TEAPOT-FBA", "KETTLE"} and set(ca) == {"MUG-BLUE-12-CA", "KETTLE"}
    assert (us["MUG-BLUE-12"].asin, us["MUG-BLUE-12"].title) == ("B0CXM4K2Q1", "Stoneware Mug 12 oz, Blue")
    assert ca["MUG-BLUE-12-CA"].odoo_ref == "MUG-BLUE-12"  # one product, two SKUs
    fba = us["TEAPOT-FBA"]
    assert (fba.fulfillment_channel, fba.active) == ("AMAZON_NA", False) and "FBA" in fba.note

    again = import_products(state, odoo, seller, text, now=NOW)  # type: ignore[arg-type]
    assert dict(again.created) == {} and len(odoo.created) == 1  # nothing is created twice


def test_what_a_listings_sync_learnt_is_kept(seller: SellerConfig) -> None:
    state = InMemoryStateStore()
    state.save_bindings(
        [
            ListingBinding(
                seller_id=seller.id,
                marketplace_id=US,
                sku="MUG-1",
                odoo_ref="OLD",
                product_type="DRINKING_CUP",
                source=BindingSource.AMAZON,
                updated_at=NOW,
                asin="B0CXM4K2Q1",
                price=Decimal("12.99"),
                listing_status="Active",
            )
        ]
    )
    odoo = ScriptedOdoo({"MUG-1": [OdooProductContent(1, "MUG-1", "Mug")]})
    import_products(state, odoo, seller, rows_csv("MUG-1,MUG-1,,New title,FBM,Amazon.com"), now=NOW)  # type: ignore[arg-type]
    [binding] = state.list_bindings(seller.id, US)
    assert (binding.odoo_ref, binding.title, binding.source) == ("MUG-1", "New title", BindingSource.CSV)
    assert (binding.asin, binding.price, binding.listing_status, binding.product_type) == (
        "B0CXM4K2Q1",
        Decimal("12.99"),
        "Active",
        "DRINKING_CUP",
    )


def test_an_archived_product_is_a_problem_of_its_rows(seller: SellerConfig) -> None:
    odoo = ScriptedOdoo({"OLD-MUG": [OdooProductContent(3, "OLD-MUG", "Old mug", active=False)]})
    state = InMemoryStateStore()
    text = rows_csv("NEW,NEW,,New,FBM,Amazon.com", "OLD-MUG,OLD-1,,Old,FBM,Amazon.com")
    found = import_products(state, odoo, seller, text, now=NOW)  # type: ignore[arg-type]
    assert found.problems == (
        "line 3: column 'Internal Reference': the Odoo product 'OLD-MUG' is archived (restore it in Odoo, "
        "or give the row another internal reference)",
    )
    assert odoo.created == [] and state.list_bindings(seller.id, US) == []


def test_an_unknown_default_marketplace_is_a_config_error(seller: SellerConfig) -> None:
    with pytest.raises(ConfigError, match="A1PA6795UKMFR9 is not configured"):
        import_products(InMemoryStateStore(), ScriptedOdoo(), seller, rows_csv(), marketplace="Amazon.de")  # type: ignore[arg-type]


# -- the upload file ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("barcode", "kind"),
    [
        ("4006381333931", "EAN"),
        ("036000291452", "UPC"),
        ("96385074", "EAN"),
        ("10012345678902", "GTIN"),
        ("4006381333932", None),  # wrong check digit
        ("40063813339", None),
        ("", None),
        ("ABCDEFGHIJKL", None),
    ],
)
def test_barcodes_are_typed_by_length_and_check_digit(barcode: str, kind: str | None) -> None:
    assert gtin_type(barcode) == kind


def test_upload_rows_name_every_gap() -> None:
    products = {
        "MUG": [
            OdooProductContent(1, "MUG", "Mug", barcode="4006381333931", description="A mug.\n\n  Blue.")
        ],
        "NOCODE": [OdooProductContent(2, "NOCODE", "No code")],
        "TWICE": [OdooProductContent(3, "TWICE", "A"), OdooProductContent(4, "TWICE", "B")],
    }
    prices = PricelistPrices(1, "USD list", "USD", 0.01, 2, {"MUG": [OdooPrice(1, "MUG", True, 12.499)]})
    stock = {"MUG": [OdooStock(1, "MUG", True, True, Decimal(9), Decimal(4))]}
    listing = Listing(
        US,
        "USD",
        prices,
        stock,
        {"MUG-US": StockCap(type="fixed", value=Decimal(5))},
        False,
        ProductCondition.NEW,
    )
    items = [
        UploadItem("MUG-US", "MUG", "DRINKING_CUP", "Mug (US title)"),
        UploadItem("NOCODE", "NOCODE"),
        UploadItem("TWICE", "TWICE"),
        UploadItem("GHOST", "GHOST"),
    ]
    rows, notes = upload_rows(items, products, listing)
    assert [list(r) for r in rows] == [list(UPLOAD_COLUMNS)] * 2
    assert rows[0] == {
        "feed_product_type": "DRINKING_CUP",
        "item_sku": "MUG-US",
        "external_product_id": "4006381333931",
        "external_product_id_type": "EAN",
        "item_name": "Mug (US title)",
        "product_description": "A mug. Blue.",
        "standard_price": "12.50",
        "currency": "USD",
        "quantity": "5",  # 9 on hand, capped at 5
        "condition_type": "New",
        "fulfillment_center_id": "DEFAULT",
        "update_delete": "Update",
    }
    assert (rows[1]["external_product_id"], rows[1]["standard_price"], rows[1]["quantity"]) == ("", "", "0")
    left_out = {n.sku: n.message for n in notes if not n.written}
    assert set(left_out) == {"TWICE", "GHOST"} and "2 Odoo products" in left_out["TWICE"]
    gaps = [n.message for n in notes if n.written]
    assert any("no barcode" in m for m in gaps) and any("no positive price" in m for m in gaps)
    assert any("not a storable product" in m for m in gaps)


def test_upload_file_takes_the_skus_without_asin_or_the_given_references(seller: SellerConfig) -> None:
    state = InMemoryStateStore()
    odoo = ScriptedOdoo(
        {
            "MUG": [OdooProductContent(1, "MUG", "Mug", barcode="036000291452")],
            "KNOWN": [OdooProductContent(2, "KNOWN", "Known")],
            "LOOSE": [OdooProductContent(3, "LOOSE", "Loose, unbound")],
        }
    )
    odoo.stock, odoo.prices = (
        {"MUG": 3.0, "KNOWN": 1.0, "LOOSE": 2.0},
        {"MUG": 9.9, "KNOWN": 5.0, "LOOSE": 4.0},
    )
    state.save_bindings(
        [
            ListingBinding(
                seller_id=seller.id, marketplace_id=US, sku="MUG-1", odoo_ref="MUG", updated_at=NOW
            ),
            ListingBinding(
                seller_id=seller.id,
                marketplace_id=US,
                sku="K",
                odoo_ref="KNOWN",
                updated_at=NOW,
                asin="B0CXM4K2Q1",
            ),
        ]
    )
    made = upload_file(state, odoo, seller, "Amazon.com")  # type: ignore[arg-type]
    rows = list(csv.DictReader(io.StringIO(made.text)))
    assert made.rows == 1 and [
        (r["item_sku"], r["external_product_id_type"], r["quantity"]) for r in rows
    ] == [("MUG-1", "UPC", "3")]
    assert rows[0]["standard_price"] == "9.90" and rows[0]["currency"] == "USD"
    asked = upload_file(state, odoo, seller, US, ["KNOWN", "LOOSE"], delimiter="\t")  # type: ignore[arg-type]
    lines = asked.text.splitlines()
    assert lines[0].split("\t") == list(UPLOAD_COLUMNS)
    assert [line.split("\t")[1] for line in lines[1:]] == ["K", "LOOSE"]  # bound SKU, else the reference
    assert "Loose, unbound" in asked.text
    nothing = upload_file(InMemoryStateStore(), odoo, seller, US)  # type: ignore[arg-type]
    assert (nothing.rows, nothing.text.count("\n")) == (0, 1)


def test_fulfillment_values() -> None:
    text = "Seller SKU,Fulfillment By\nA,fba\nB,AMAZON_EU\nC,Merchant\nD,\n"
    found = read_products_csv(
        text, seller_id="s", region="EU", marketplace_ids=[DE], default_marketplace=None, now=NOW
    )
    assert [(r.fulfillment_by, r.fulfillment_channel) for r in found.rows] == [
        (Fulfillment.FBA, "AMAZON_EU"),
        (Fulfillment.FBA, "AMAZON_EU"),
        (Fulfillment.FBM, "DEFAULT"),
        (Fulfillment.FBM, "DEFAULT"),
    ]


def test_semicolons_or_tabs_as_some_spreadsheets_save_them() -> None:
    for sep in (";", "\t"):
        text = (
            sep.join(COLUMNS) + "\n" + sep.join(["MUG", "MUG-1", "", "Mug, blue", "FBM", "Amazon.de"]) + "\n"
        )
        found = read_products_csv(
            text,
            seller_id="s",
            region="EU",
            marketplace_ids=[DE],
            default_marketplace=None,
            now=NOW,
            marketplace_by_name=marketplace_id_of,
        )
        assert found.problems == () and [(r.seller_sku, r.title) for r in found.rows] == [
            ("MUG-1", "Mug, blue")
        ]
