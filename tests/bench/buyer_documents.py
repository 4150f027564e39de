"""Invoices and credit notes to buyers (issue 8): PDFs from Odoo to the SP-API sandbox, once each.

bench: ``.venv/bin/python tests/bench/buyer_documents.py [--invoices N] [--odoo double|real]`` runs the local
stack (moto server, SP-API sandbox) with the project's Odoo double or the Odoo named by ``ODOO_URL`` /
``ODOO_DB`` / ``ODOO_USERNAME`` / ``ODOO_PASSWORD`` (where it creates its orders, invoices and a credit note,
in marketplace Amazon.it so that no one else's records are picked up), and prints a CLI transcript and
figures: seconds per document (Odoo render + feed), Odoo round trips, createFeed calls, what reached the
sandbox (and that a second run sends nothing). Asserts nothing.

Set-up (not measured): N orders at Amazon (sandbox) and in Odoo (sale order bound by the connector's
external id, posted invoice with the Amazon order id as reference), one credit note reversing the first.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from amazon_odoo.adapters.odoo import OdooGateway  # noqa: E402
from amazon_odoo.bootstrap import compose  # noqa: E402
from amazon_odoo.cli import main  # noqa: E402
from amazon_odoo.local.demo import SELLERS_FILE, _demo_credentials, load_demo_sellers  # noqa: E402
from amazon_odoo.local.sandbox.apis import feeds as sandbox_feeds  # noqa: E402
from amazon_odoo.local.sandbox.apis.invoices import uploads  # noqa: E402
from amazon_odoo.local.sandbox.state import SellerState, _marketplace_entry  # noqa: E402
from amazon_odoo.local.stack import LocalStack, local_stack  # noqa: E402
from amazon_odoo.mapping.orders import order_external_id  # noqa: E402

SELLER, AMAZON_SELLER, IT = "mugs-eu", "A3MUGSUS8ACCPT", "APJ6JRA9NG5V4"
IT_MARKET = {
    "id": IT,
    "name": "Amazon.it",
    "countryCode": "IT",
    "defaultCurrencyCode": "EUR",
    "defaultLanguageCode": "it_IT",
    "domainName": "www.amazon.it",
}


def cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    text = out.getvalue().rstrip()
    print(f"$ amazon-odoo {' '.join(argv)}\n" + "\n".join(f"  {line}" for line in text.splitlines()))
    if code != 0:
        print(f"  (exit {code})")
    return text


def set_up_seller(stack: LocalStack) -> SellerState:
    load_demo_sellers(stack, lambda line: None)
    seller = stack.sandbox.state.seller(AMAZON_SELLER)
    seller.marketplaces.append(_marketplace_entry(IT_MARKET, seller.store_name))
    raw: dict[str, Any] = yaml.safe_load((ROOT / SELLERS_FILE).read_text(encoding="utf-8"))
    eu = copy.deepcopy(raw["sellers"][0])
    eu["id"], eu["region"] = SELLER, "EU"
    eu["credentials"]["refresh_token"] = f"secret:amazon-odoo/{SELLER}/refresh-token"
    eu["marketplaces"] = [{"id": IT}]
    eu["documents"] = {"send_invoices": True, "send_credit_notes": True}
    raw["sellers"] = [eu]
    _demo_credentials(stack, SELLER)
    compose().load_sellers(raw)
    return seller


def create_documents(odoo: OdooGateway, seller: SellerState, count: int) -> list[tuple[str, int]]:
    company = odoo.company_id(str(compose().seller(SELLER).odoo.company))
    made = []
    for _ in range(count):
        order_id = f"406-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10**7:07d}"
        seller.build_order([("MUG-BLUE-12", 2, "11.90")], order_id=order_id, marketplace_id=IT)
        partner = odoo.create("res.partner", [{"name": f"Bench buyer {order_id}"}])[0]
        so = odoo.create(
            "sale.order", [{"partner_id": partner, "client_order_ref": order_id, "company_id": company}]
        )[0]
        module, name = order_external_id(IT, order_id).split(".", 1)
        odoo.create("ir.model.data", [{"module": module, "name": name, "model": "sale.order", "res_id": so}])
        move = odoo.create(
            "account.move",
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner,
                    "company_id": company,
                    "invoice_date": date.today().isoformat(),
                    "ref": order_id,
                    "payment_reference": order_id,
                    "invoice_line_ids": [
                        (0, 0, {"name": "Stoneware Mug", "quantity": 2, "price_unit": 11.90})
                    ],
                }
            ],
        )[0]
        odoo.call("account.move", "action_post", [move])
        made.append((order_id, move))
    order_id, invoice = made[0]
    [row] = odoo.read("account.move", [invoice], ["partner_id"])
    credit = odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": row["partner_id"][0],
                "company_id": company,
                "invoice_date": date.today().isoformat(),
                "ref": f"Reversal of: {invoice}, Amazon refund",
                "reversed_entry_id": invoice,
                "invoice_line_ids": [(0, 0, {"name": "Stoneware Mug", "quantity": 1, "price_unit": 11.90})],
            }
        ],
    )[0]
    odoo.call("account.move", "action_post", [credit])
    return made


def process(stack: LocalStack, seller: SellerState) -> None:
    with stack.sandbox.state.lock:
        for feed in list(seller.feeds.values()):
            sandbox_feeds.advance(stack.sandbox.state, seller, feed, force=True)


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=2)
    parser.add_argument("--odoo", choices=["double", "real"], default="double")
    args = parser.parse_args()
    if args.odoo == "double":
        for name in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD"):
            os.environ.pop(name, None)
    with local_stack(use_real_odoo=args.odoo == "real", odoo_company="Blue Mug Co.") as stack:
        seller = set_up_seller(stack)
        odoo = compose().odoo
        assert odoo is not None
        made = create_documents(odoo, seller, args.invoices)
        print(
            f"# Odoo: {args.odoo} ({odoo.server_version()[1]}); {len(made)} invoice(s) + 1 credit note, Amazon.it"
        )
        calls, started = odoo.calls, time.perf_counter()
        cli("run", "send-invoices", "--seller", SELLER)
        cli("run", "send-credit-notes", "--seller", SELLER)
        elapsed, odoo_calls = time.perf_counter() - started, odoo.calls - calls
        documents = len(made) + 1
        process(stack, seller)
        cli("run", "track-feeds", "--seller", SELLER)
        cli("documents", "--seller", SELLER)
        cli("run", "send-invoices", "--seller", SELLER)  # again: nothing to send
        cli("run", "send-credit-notes", "--seller", SELLER)
        reached = [u for order_id, _ in made for u in uploads(seller, order_id)]
        print("# reached the sandbox (UPLOAD_VAT_INVOICE, accepted):")
        for upload in reached:
            print(
                f"  {upload['documentType']:<10} {upload['invoiceNumber']:<16} order {upload['orderId']} "
                f"total {upload['totalAmount']} VAT {upload['totalVatAmount']} {upload['bytes']} bytes "
                f"feed {upload['feedId']}"
            )
        creates = [c for c in stack.sandbox.calls("createFeed") if c.body["feedType"] == "UPLOAD_VAT_INVOICE"]
        print(
            f"# figures: {documents} documents in {elapsed:.1f} s ({elapsed / documents:.2f} s each, Odoo render "
            f"included), {odoo_calls} Odoo calls ({odoo_calls / documents:.1f} per document), "
            f"{len(creates)} createFeed calls, {len(reached)} documents at Amazon"
        )


if __name__ == "__main__":
    main_bench()
