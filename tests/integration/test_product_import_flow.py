"""Products CSV end to end through the CLI on the local stack (moto, the SP-API sandbox, the Odoo double):
``products sample-csv`` writes the sample; ``products import`` checks the whole file first (a bad cell is
named by line and column and nothing is imported), says in a dry run what it would do, creates the missing
Odoo products once and binds every SKU; ``products export-file`` writes the products without an ASIN for
Seller Central's upload."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.product_csv import SAMPLE_CSV
from amazon_odoo.local.demo import _demo_credentials
from amazon_odoo.local.stack import LocalStack
from amazon_odoo.mapping.product_values import UPLOAD_COLUMNS
from tests.integration.conftest import example_sellers

SELLER_ID = "mugs-import"  # its own seller: nothing another module left in the state store is in the way
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
HEADER = "Internal Reference,Seller SKU,ASIN,Product Title,Fulfillment By,Marketplace"


@pytest.fixture(scope="module")
def seller(stack: LocalStack) -> Iterator[SellerConfig]:
    raw = example_sellers(SELLER_ID)
    entry = raw["sellers"][0]
    entry["marketplaces"].append({"id": CA})
    _demo_credentials(stack, "mugs-us")
    compose().load_sellers(raw)
    odoo = compose().odoo
    assert odoo is not None
    usd = odoo.search_read("res.currency", [("name", "=", "USD")], ["id"])[0]["id"]
    odoo.create("product.pricelist", [{"name": "Amazon.com (USD)", "currency_id": usd}])
    odoo.create(
        "product.product", [{"name": "Teapot", "default_code": "PI-TEAPOT", "detailed_type": "product"}]
    )
    yield compose().seller(SELLER_ID)
    compose().state.replace_sellers([])


def products(*references: str) -> dict[str, list[dict[str, Any]]]:
    odoo = compose().odoo
    assert odoo is not None
    rows = odoo.search_read(
        "product.product",
        [("default_code", "in", list(references))],
        ["default_code", "name", "detailed_type"],
        context={"active_test": False},
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(str(row["default_code"]), []).append(row)
    return out


def test_sample_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["products", "sample-csv"]) == 0
    assert capsys.readouterr().out == SAMPLE_CSV
    target = tmp_path / "products.csv"
    assert main(["products", "sample-csv", str(target)]) == 0
    assert target.read_text() == SAMPLE_CSV and "4 rows" in capsys.readouterr().out
    assert main(["products", "sample-csv", str(target)]) == 2  # not replaced without --force
    assert "exists" in capsys.readouterr().err


def test_import_checks_the_whole_file_then_creates_what_is_missing_once(
    stack: LocalStack, seller: SellerConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\n"
        "PI-MUG,PI-MUG,,Mug,FBM,Amazon.com\n"
        "PI-KETTLE,PI-KETTLE,B0SHORT,Kettle,FBM,Amazon.com\n"
        "PI-LAMP,PI-LAMP,,Lamp,FBM,Amazon.de\n"
    )
    assert main(["products", "import", str(bad), "--seller", SELLER_ID]) == 2
    err = capsys.readouterr().err
    assert "nothing imported, 2 problem(s)" in err
    assert "line 3: column 'ASIN': 'B0SHORT' is no ASIN" in err
    assert (
        "line 4: column 'Marketplace': marketplace Amazon.de (A1PA6795UKMFR9) is not one of the seller's"
        in err
    )
    assert products("PI-MUG", "PI-KETTLE", "PI-LAMP") == {}
    assert compose().state.list_bindings(SELLER_ID, US) == []

    good = tmp_path / "good.csv"
    good.write_text(
        f"{HEADER}\n"
        'PI-MUG,PI-MUG,B0CXM4K2Q1,"Stoneware Mug 12 oz, Blue",FBM,Amazon.com\n'
        "PI-MUG,PI-MUG-CA,,Stoneware Mug (Canada),FBM,Amazon.ca\n"
        "PI-KETTLE,PI-KETTLE,,Stainless Kettle 1.7 L,FBM,\n"
        "PI-TEAPOT,PI-TEAPOT,,,FBA,Amazon.com\n"
    )
    assert main(["products", "import", str(good), "--seller", SELLER_ID, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would create 2 Odoo product(s): PI-MUG, PI-KETTLE" in out
    assert f"would bind 5 SKU(s) of seller {SELLER_ID} (A2EUQ1WTGCTBG2: 2, ATVPDKIKX0DER: 3)" in out
    assert set(products("PI-MUG", "PI-KETTLE")) == set()

    assert main(["products", "import", str(good), "--seller", SELLER_ID]) == 0
    out = capsys.readouterr().out
    assert "created 2 Odoo product(s): PI-MUG, PI-KETTLE" in out and "1 internal reference(s) already" in out
    made = products("PI-MUG", "PI-KETTLE", "PI-TEAPOT")
    assert [(r["name"], r["detailed_type"]) for r in made["PI-MUG"]] == [
        ("Stoneware Mug 12 oz, Blue", "product")
    ]
    assert [r["name"] for r in made["PI-KETTLE"]] == ["Stainless Kettle 1.7 L"]
    bound = {
        (b.marketplace_id, b.sku): b for m in (US, CA) for b in compose().state.list_bindings(SELLER_ID, m)
    }
    assert set(bound) == {
        (US, "PI-MUG"),
        (CA, "PI-MUG-CA"),
        (US, "PI-KETTLE"),
        (CA, "PI-KETTLE"),
        (US, "PI-TEAPOT"),
    }
    assert bound[(CA, "PI-MUG-CA")].odoo_ref == "PI-MUG" and bound[(US, "PI-MUG")].asin == "B0CXM4K2Q1"
    assert (bound[(US, "PI-TEAPOT")].fulfillment_channel, bound[(US, "PI-TEAPOT")].active) == (
        "AMAZON_NA",
        False,
    )

    assert main(["products", "import", str(good), "--seller", SELLER_ID]) == 0  # again: nothing new
    assert "created 0 Odoo product(s)" in capsys.readouterr().out
    assert {ref: len(rows) for ref, rows in products("PI-MUG", "PI-KETTLE").items()} == {
        "PI-MUG": 1,
        "PI-KETTLE": 1,
    }

    assert main(["products", "list", "--seller", SELLER_ID, "--marketplace", CA]) == 0
    listed = capsys.readouterr().out
    assert "PI-MUG-CA" in listed and "PI-KETTLE" in listed


def test_export_file_writes_the_products_without_asin(
    seller: SellerConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odoo = compose().odoo
    assert odoo is not None
    kettle = products("PI-KETTLE")["PI-KETTLE"][0]["id"]
    odoo.write(
        "product.product",
        [kettle],
        {"barcode": "4006381333931", "description_sale": "Boils 1.7 l.", "list_price": 39.5},
    )
    target = tmp_path / "upload.csv"
    args = [
        "products",
        "export-file",
        "--seller",
        SELLER_ID,
        "--marketplace",
        "Amazon.com",
        "-o",
        str(target),
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert f"{target}: 1 SKU(s) written (CSV), 0 left out" in captured.out
    [row] = list(csv.DictReader(io.StringIO(target.read_text())))
    assert list(row) == list(UPLOAD_COLUMNS)
    assert (row["item_sku"], row["external_product_id"], row["external_product_id_type"]) == (
        "PI-KETTLE",
        "4006381333931",
        "EAN",
    )
    assert (row["item_name"], row["product_description"], row["standard_price"], row["currency"]) == (
        "Stainless Kettle 1.7 L",
        "Boils 1.7 l.",
        "39.50",
        "USD",
    )
    assert (row["quantity"], row["condition_type"], row["update_delete"]) == ("0", "New", "Update")

    tsv = tmp_path / "upload.txt"  # named references, tab-delimited; the mug has no barcode
    assert main([*args[:-1], str(tsv), "PI-MUG", "PI-NOTHING"]) == 0
    captured = capsys.readouterr()
    assert "1 SKU(s) written (tab-delimited), 1 left out" in captured.out
    assert "PI-MUG: Odoo product 'PI-MUG' has no barcode" in captured.err
    assert "left out: SKU PI-NOTHING: no Odoo product" in captured.err
    lines = tsv.read_text().splitlines()
    assert lines[0].split("\t") == list(UPLOAD_COLUMNS) and lines[1].split("\t")[1] == "PI-MUG"
