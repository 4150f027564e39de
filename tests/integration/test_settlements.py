"""Settlements end to end (issue 6): the SP-API sandbox's settlement report (the US sample) processed by
services/settlements.py through the real Amazon gateway into the Odoo double through the real Odoo gateway.
Invoices come from issue 3's workflow (ingest_order with create and post invoice) for the sample's orders.

The report becomes one statement whose lines add up to the deposit, its order lines reconciled with the
invoices (paid), fees on their mapped accounts, the refund open until its credit note exists, and a second
run changes nothing; a run that dies half-way is completed, never duplicated; an unreadable row fails the
report with nothing written; REPORT_PROCESSING_FINISHED processes a new report; the CLI lists them."""

from __future__ import annotations

import copy
import gzip
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.adapters.odoo import OdooGateway, make_transport
from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import ConfigError, RetryableError
from amazon_odoo.domain.settlements import SETTLEMENT_REPORT_TYPE, ReportState
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.services.ingest_order import ingest_order
from amazon_odoo.services.jobs import run_job
from amazon_odoo.services.notifications import NotificationRouter
from amazon_odoo.services.settlements import (
    JOB,
    REPORT_PROCESSING_FINISHED,
    SettlementPaused,
    SettlementProcessor,
    process_settlements,
    reports_by_type,
    settlement_report_handler,
)
from amazon_odoo.settings import OdooProtocol
from tests.fakes import InMemoryStateStore

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_US = ROOT / "shared" / "amazon_odoo" / "local" / "scenarios" / "settlement-v2-us.tsv"
SEEDED_REPORT = "51243019877"  # the default scenario's settlement report (the US sample)
SETTLEMENT = "23871640912"
FIRST, GIFT, TEAPOT = "114-3941689-8772232", "114-2208876-1153001", "114-7730412-5509876"
SKUS = ("MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE")
ACCOUNTS = {"600100": "Amazon commissions", "600200": "Amazon subscription"}


def make_seller(*, returns: dict[str, Any] | None = None, **settlements: Any) -> SellerConfig:
    """The example seller; Odoo documents of refunds that start at Amazon off unless ``returns`` says
    (tests/integration/test_settlement_refunds.py has them on)."""
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry["marketplaces"][0]["ending_balance_account"] = "101701"  # Liquidity Transfer: the deposit's way out
    entry["settlements"].update(settlements)
    entry["returns"].update(returns or {"create_credit_note": False, "create_return_picking": False})
    return parse_sellers_file(raw).sellers[0]


@pytest.fixture
def double() -> Iterator[OdooDouble]:
    with OdooDouble(company="Blue Mug Co.").start() as running:
        yield running


def gateway(double: OdooDouble) -> OdooGateway:
    return OdooGateway(
        make_transport(OdooProtocol.XMLRPC, double.url, "amazon", "admin", "admin", timeout=30)
    )


def prepare_odoo(odoo: OdooGateway) -> None:
    """What the seller's Odoo has: products by SKU, pricelist and team, the fee accounts, and an API user
    with the full accounting features (ODOO.md §0)."""
    gid = odoo.xmlid_map(["group_account_user"], module="account")["group_account_user"]
    odoo.write("res.users", [odoo.uid], {"groups_id": [(4, gid)]})
    odoo.create(
        "product.product", [{"name": s.title(), "default_code": s, "detailed_type": "product"} for s in SKUS]
    )
    odoo.create("product.pricelist", [{"name": "Amazon.com (USD)"}])
    odoo.create("crm.team", [{"name": "Amazon US"}])
    odoo.create(
        "account.account", [{"code": c, "name": n, "account_type": "expense"} for c, n in ACCOUNTS.items()]
    )


@pytest.fixture
def odoo(double: OdooDouble) -> OdooGateway:
    odoo = gateway(double)
    prepare_odoo(odoo)
    return odoo


def invoice_orders(
    sandbox: SpApiSandbox, seller: SellerConfig, odoo: OdooGateway, *order_ids: str
) -> dict[str, int]:
    """Issue 3's workflow: each order imported, confirmed, invoiced and posted; its invoice id."""
    invoices = {}
    for order_id in order_ids:
        result = ingest_order(copy.deepcopy(sandbox.state.seller().orders[order_id]), seller, odoo)
        [invoice] = odoo.sale_order_status(result.sale_order_id or 0, invoices=True).invoices
        assert invoice.state == "posted"
        invoices[order_id] = invoice.id
    return invoices


class Harness:
    def __init__(
        self, sandbox: SpApiSandbox, amazon: SpApiGateway, odoo: OdooGateway, seller: SellerConfig
    ) -> None:
        self.sandbox, self.amazon, self.odoo, self.seller = sandbox, amazon, odoo, seller
        self.state = InMemoryStateStore()
        self.state.replace_sellers([seller])
        self.processor = SettlementProcessor(self.state, lambda s: amazon, lambda: self.odoo, batch_lines=100)

    def run(self, *, since: datetime | None = None, deadline: float | None = None) -> Any:
        return run_job(
            self.state,
            self.seller,
            JOB,
            lambda ctx: process_settlements(
                ctx, self.processor, datetime.now(UTC), since=since, deadline=deadline
            ),
        )

    def record(self, report_id: str = SEEDED_REPORT) -> Any:
        return self.state.get_settlement(self.seller.id, report_id)

    def statement(self, reference: str = SETTLEMENT) -> dict[str, Any]:
        [row] = self.odoo.search_read(
            "account.bank.statement",
            [("reference", "=", reference)],
            [
                "name",
                "journal_id",
                "balance_start",
                "balance_end",
                "balance_end_real",
                "is_complete",
                "line_ids",
            ],
        )
        return row

    def lines(self, statement_id: int) -> list[dict[str, Any]]:
        return self.odoo.search_read(
            "account.bank.statement.line",
            [("statement_id", "=", statement_id)],
            ["payment_ref", "ref", "amount", "is_reconciled", "transaction_type", "date"],
            order="id",
        )

    def account_total(self, code: str, statement_id: int) -> Decimal:
        account = self.odoo.account_ids(1, [code])[code]
        moves = [line["id"] for line in self.lines(statement_id)]
        items = self.odoo.search_read(
            "account.move.line",
            [("statement_line_id", "in", moves), ("account_id", "=", account)],
            ["balance"],
        )
        return sum((Decimal(str(i["balance"])) for i in items), Decimal(0)).quantize(Decimal("0.01"))


@pytest.fixture
def harness(sandbox: SpApiSandbox, amazon: SpApiGateway, odoo: OdooGateway) -> Harness:
    own = SpApiGateway(  # the sandbox seller with buckets of its own: each test starts with full bursts
        "mugs-us", amazon._credentials, "NA", amazon.settings, limiter=RateLimiter()
    )
    return Harness(sandbox, own, odoo, make_seller())


def payment_states(odoo: OdooGateway, invoices: dict[str, int]) -> dict[str, str]:
    rows = odoo.read("account.move", list(invoices.values()), ["payment_state"])
    by_id = {r["id"]: r["payment_state"] for r in rows}
    return {order: by_id[move] for order, move in invoices.items()}


def test_the_sample_settlement_becomes_one_reconciled_statement_and_a_second_run_changes_nothing(
    harness: Harness,
) -> None:
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    run = harness.run()
    assert run.status is RunStatus.PARTIAL  # the refund waits for its credit note (in the log book)
    assert run.counts["reports_listed"] == 1 and run.counts["lines_written"] == 6
    record = harness.record()
    assert (record.state, record.settlement_id, record.total, record.currency) == (
        ReportState.IMPORTED,
        SETTLEMENT,
        Decimal("29.20"),
        "USD",
    )
    assert (record.rows, record.lines, record.open_lines, record.journal_code) == (33, 6, 1, "AMZco")

    statement = harness.statement()
    assert statement["name"] == f"Amazon.com {SETTLEMENT} (2026-11-01 - 2026-11-15)" == record.statement_name
    assert statement["journal_id"][1].startswith("Amazon.com settlements")
    lines = harness.lines(statement["id"])
    by_label = {line["payment_ref"]: line for line in lines}
    assert list(by_label) == [
        f"Order {FIRST}",
        f"Order {GIFT}",
        f"Order {TEAPOT}",
        f"Refund {FIRST}",
        "Subscription Fee",
        "Transfer to Bank",
    ]
    deposit = sum(Decimal(str(line["amount"])) for line in lines if line["payment_ref"] != "Transfer to Bank")
    assert deposit == Decimal("29.20")  # the statement's lines add up to the report's total: the payout
    assert Decimal(str(by_label["Transfer to Bank"]["amount"])) == Decimal("-29.20")
    assert statement["balance_end_real"] == statement["balance_end"] == statement["balance_start"]
    assert statement["is_complete"] is True
    assert {line["ref"] for line in lines} == {FIRST, GIFT, TEAPOT, SETTLEMENT}  # the Amazon order id
    assert [line["is_reconciled"] for line in lines] == [True, True, True, False, True, True]

    assert payment_states(harness.odoo, invoices) == dict.fromkeys(invoices, "paid")
    sid = statement["id"]
    assert harness.account_total("600100", sid) == Decimal("12.37")  # commissions, less the one refunded
    assert harness.account_total("600200", sid) == Decimal("39.99")  # the subscription fee
    assert harness.account_total("600000", sid) == Decimal("7.65")  # withheld tax, gift wrap, refund fee
    assert harness.account_total("101701", sid) == Decimal("29.20")  # the transfer to the bank

    [warning] = [e for e in harness.state.list_logs(job=JOB) if e.level is LogLevel.WARNING]
    assert warning.record_ref == f"order {FIRST}" and "no open credit note" in warning.message
    assert "credit note" in warning.resolution

    calls = harness.odoo.calls
    again = harness.run()
    assert again.counts["lines_written"] == 0 and harness.odoo.calls - calls == 4  # a look for new matches
    assert harness.record() == record  # exactly once: the report is not written again
    assert harness.lines(sid) == lines and harness.statement() == statement
    assert payment_states(harness.odoo, invoices) == dict.fromkeys(invoices, "paid")


def test_an_open_refund_is_matched_once_its_credit_note_exists(harness: Harness) -> None:
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    harness.run()
    assert harness.record().state is ReportState.IMPORTED
    [credit_note] = harness.odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": harness.odoo.read("account.move", [invoices[FIRST]], ["partner_id"])[0][
                    "partner_id"
                ][0],
                "reversed_entry_id": invoices[FIRST],
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "quantity": 1, "price_unit": 14.03, "tax_ids": []})
                ],
            }
        ],
    )
    harness.odoo.post_invoices([credit_note])
    run = harness.run()
    assert run.status is RunStatus.SUCCEEDED and run.counts["lines_matched"] == 1
    record = harness.record()
    assert (record.state, record.open_lines) == (ReportState.RECONCILED, 0)
    assert all(line["is_reconciled"] for line in harness.lines(record.statement_id))
    assert harness.odoo.read("account.move", [credit_note], ["payment_state"])[0]["payment_state"] == "paid"


def test_orders_not_in_odoo_stay_open_and_the_log_book_says_what_to_do(harness: Harness) -> None:
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, GIFT)
    harness.run()
    record = harness.record()
    assert (record.state, record.open_lines) == (ReportState.IMPORTED, 3)
    warnings = {e.record_ref: e for e in harness.state.list_logs(job=JOB, level=LogLevel.WARNING)}
    assert set(warnings) == {f"order {FIRST}", f"order {TEAPOT}"}
    assert f"amazon-odoo orders import {TEAPOT}" in warnings[f"order {TEAPOT}"].resolution
    # the order comes later: the next run matches its open line
    invoice = invoice_orders(harness.sandbox, harness.seller, harness.odoo, TEAPOT)
    harness.run()
    assert harness.record().open_lines == 2
    assert payment_states(harness.odoo, invoice) == {TEAPOT: "paid"}


class FailingOdoo:
    """The Odoo gateway, failing on the n-th statement batch (after Odoo committed it, as a lost answer)."""

    def __init__(self, odoo: OdooGateway, fail_on: int) -> None:
        self._odoo, self._fail_on, self.batches = odoo, fail_on, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._odoo, name)

    def write_statement_lines(self, *args: Any) -> int:
        self.batches += 1
        result = self._odoo.write_statement_lines(*args)
        if self.batches == self._fail_on:
            raise RetryableError("Odoo's answer was lost", record="odoo")
        return result


def test_a_run_that_died_half_way_finds_its_statement_and_completes_it(harness: Harness) -> None:
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    failing = FailingOdoo(harness.odoo, fail_on=2)
    harness.processor = SettlementProcessor(
        harness.state, lambda s: harness.amazon, lambda: failing, batch_lines=2
    )  # type: ignore[arg-type,return-value]
    run = harness.run()
    assert run.counts["reports_deferred"] == 1
    half = harness.record()
    assert half.state is ReportState.DOWNLOADED and half.statement_id is not None
    assert (
        len(harness.lines(half.statement_id)) == 5
    )  # two batches made it (an order's refund joins its sale)
    harness.processor = SettlementProcessor(
        harness.state, lambda s: harness.amazon, lambda: harness.odoo, batch_lines=2
    )
    harness.run()
    record = harness.record()
    lines = harness.lines(record.statement_id)
    assert [line["payment_ref"] for line in lines].count(f"Order {FIRST}") == 1 and len(lines) == 6
    assert record.state is ReportState.IMPORTED and record.statement_id == half.statement_id
    assert payment_states(harness.odoo, invoices) == dict.fromkeys(invoices, "paid")
    assert harness.statement()["is_complete"] is True


def test_out_of_time_the_report_pauses_and_the_next_run_goes_on(harness: Harness) -> None:
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    harness.processor = SettlementProcessor(
        harness.state, lambda s: harness.amazon, lambda: harness.odoo, batch_lines=2, monotonic=lambda: 100.0
    )
    run = harness.run(deadline=50.0)  # already late: one batch, then a pause
    assert run.counts["reports_paused"] == 1 and harness.record().state is ReportState.DOWNLOADED
    assert len(harness.lines(harness.record().statement_id)) == 3  # two lines, and the first one's refund
    harness.run()  # by hand, no deadline
    assert harness.record().lines == 6
    with pytest.raises(SettlementPaused):
        raise SettlementPaused("x")


def test_a_row_that_cannot_be_read_fails_the_report_and_nothing_is_written(harness: Harness) -> None:
    broken = SAMPLE_US.read_bytes().replace(b"\t-4.65\t", b"\t-4,6x\t")
    report = harness.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE,
        broken,
        created=datetime.now(UTC) - timedelta(hours=1),
        marketplace_ids=["ATVPDKIKX0DER"],
    )
    harness.sandbox.state.seller().reports.pop(SEEDED_REPORT)
    run = harness.run()
    assert run.status is RunStatus.PARTIAL
    record = harness.record(report.report_id)
    assert record.state is ReportState.FAILED and "line 9, column amount" in record.message
    assert harness.odoo.search_count("account.bank.statement", []) == 0
    [error] = harness.state.list_logs(job=JOB, level=LogLevel.ERROR)
    assert "line 9, column amount: '-4,6x' is not an amount" in error.message
    harness.run()  # a scheduled run leaves a failed report alone
    assert harness.record(report.report_id).attempts == 1
    harness.run(since=datetime.now(UTC) - timedelta(days=3))  # by hand with --since: tried again
    assert harness.record(report.report_id).attempts == 2


def test_a_gzipped_report_in_cp1252_from_another_month(harness: Harness) -> None:
    text = SAMPLE_US.read_bytes().decode("utf-8").replace("23871640912", "23999999999")
    text = text.replace("Subscription Fee", "Gebühr")
    harness.sandbox.state.seller().reports.pop(SEEDED_REPORT)
    report = harness.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE,
        text.encode("cp1252"),
        compression="GZIP",
        content_type="text/plain;charset=Cp1252",
        marketplace_ids=["ATVPDKIKX0DER"],
    )
    assert gzip.decompress(harness.sandbox.state.documents[report.document_id or ""].content or b"")
    harness.run()
    record = harness.record(report.report_id)
    assert record.settlement_id == "23999999999" and record.total == Decimal("29.20")
    labels = [line["payment_ref"] for line in harness.lines(record.statement_id)]
    assert "Gebühr" in labels


def test_a_report_of_a_marketplace_the_seller_does_not_have_is_failed_not_booked(harness: Harness) -> None:
    harness.sandbox.state.seller().reports.pop(SEEDED_REPORT)
    report = harness.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE, SAMPLE_US.read_bytes(), marketplace_ids=["A2EUQ1WTGCTBG2"]
    )
    harness.run()
    record = harness.record(report.report_id)
    assert record.state is ReportState.FAILED and "A2EUQ1WTGCTBG2 is not configured" in record.message


def test_missing_accounts_and_a_missing_odoo_are_settings_to_fix(harness: Harness) -> None:
    harness.seller = make_seller(
        fee_accounts=[{"match": {"amount_description": "Commission"}, "account": "699999"}]
    )
    run = harness.run()
    assert run.counts["reports_blocked"] == 1
    assert harness.record().state is ReportState.DOWNLOADED  # nothing failed: fixed settings go on
    [error] = harness.state.list_logs(job=JOB, level=LogLevel.ERROR)
    assert "699999 does not exist" in error.message
    harness.processor = SettlementProcessor(harness.state, lambda s: harness.amazon, lambda: None)
    with pytest.raises(ConfigError):
        harness.processor.process(_ctx(harness), harness.record())


def _ctx(harness: Harness) -> Any:
    from amazon_odoo.services.jobs import JobContext

    return JobContext(seller=harness.seller, job=JOB, state=harness.state, run_id="t")


def notification(
    report_id: str, report_type: str = SETTLEMENT_REPORT_TYPE, status: str = "DONE"
) -> dict[str, Any]:
    return {
        "notificationVersion": "2020-09-04",
        "notificationType": REPORT_PROCESSING_FINISHED,
        "payloadVersion": "2020-09-04",
        "eventTime": "2026-11-17T08:00:00Z",
        "payload": {
            "reportProcessingFinishedNotification": {
                "sellerId": "A3MUGSUS8ACCPT",
                "reportId": report_id,
                "reportType": report_type,
                "processingStatus": status,
                "reportDocumentId": "amzn1.spdoc.x",
            }
        },
        "notificationMetadata": {
            "applicationId": "amzn1.sellerapps.app.x",
            "subscriptionId": "s",
            "publishTime": "2026-11-17T08:00:00Z",
            "notificationId": f"n-{report_id}-{report_type}-{status}-{time.time_ns()}",
        },
    }


def test_report_processing_finished_processes_a_settlement_report(harness: Harness) -> None:
    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    handlers = {
        REPORT_PROCESSING_FINISHED: reports_by_type(
            {SETTLEMENT_REPORT_TYPE: settlement_report_handler(lambda: harness.processor)}
        )
    }
    router = NotificationRouter(harness.state, handlers)
    assert router.handle_message(notification(SEEDED_REPORT)) == "settlement imported"
    assert harness.record().state is ReportState.IMPORTED
    [run] = harness.state.list_runs(harness.seller.id, JOB)
    assert run.trigger == "notification" and run.counts["lines_written"] == 6
    assert router.handle_message(notification(SEEDED_REPORT)) == "settlement imported"  # again: a look
    assert len(harness.lines(harness.record().statement_id)) == 6  # for new matches, nothing written twice
    assert router.handle_message(notification("123", "GET_MERCHANT_LISTINGS_ALL_DATA")) == "handled"
    assert router.handle_message(notification("456", status="FATAL")) == "handled"
    assert harness.state.get_settlement(harness.seller.id, "123") is None


def test_the_cli_lists_reports_with_state_and_totals(
    harness: Harness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from amazon_odoo import bootstrap, cli

    invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    harness.run()

    class App:
        state = harness.state

        def seller(self, seller_id: str) -> SellerConfig:
            return harness.seller

    monkeypatch.setattr(bootstrap, "compose", lambda: App())
    assert cli.main(["settlements", "--seller", "mugs-us"]) == 0
    out = capsys.readouterr().out
    assert "51243019877" in out and SETTLEMENT in out and "29.20 USD" in out and "imported" in out
    assert "2026-11-01 - 2026-11-15" in out and "1 line(s) wait for a match" in out
    assert cli.main(["settlements", "--state", "failed"]) == 0
    assert "no settlement reports in state failed" in capsys.readouterr().out


def test_the_german_sample_in_euros_books_a_euro_journal_at_odoos_rate(
    sandbox: SpApiSandbox, harness: Harness
) -> None:
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    entry = raw["sellers"][0]
    entry.update({"id": "mugs-de", "region": "EU"})
    entry["marketplaces"] = [{"id": "A1PA6795UKMFR9", "ending_balance_account": "101701"}]
    harness.seller = parse_sellers_file(raw).sellers[0]
    harness.state.replace_sellers([harness.seller])
    eur = harness.odoo.search_read("res.currency", [("name", "=", "EUR")], ["id"])[0]["id"]
    harness.odoo.create("res.currency.rate", [{"name": "2026-11-01", "rate": 0.8, "currency_id": eur}])
    sandbox.state.seller().reports.pop(SEEDED_REPORT)
    german = (ROOT / "tests" / "fixtures" / "settlement-v2-de.tsv").read_bytes()
    report = sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE,
        german,
        marketplace_ids=["A1PA6795UKMFR9"],
        content_type="text/plain;charset=UTF-8",
    )
    harness.run()
    record = harness.record(report.report_id)
    assert (record.settlement_id, record.total, record.currency, record.journal_code) == (
        "24011856733",
        Decimal("1060.67"),
        "EUR",
        "AMZde",
    )
    [journal] = harness.odoo.search_read("account.journal", [("code", "=", "AMZde")], ["currency_id"])
    assert journal["currency_id"][0] == eur
    lines = harness.lines(record.statement_id)
    assert sum(Decimal(str(line["amount"])) for line in lines[:-1]) == Decimal("1060.67")  # in euros
    items = harness.odoo.search_read(
        "account.move.line",
        [("statement_line_id", "=", lines[0]["id"])],
        ["debit", "credit", "amount_currency", "currency_id"],
    )
    assert sum(Decimal(str(i["debit"])) - Decimal(str(i["credit"])) for i in items) == 0
    kettle = next(i for i in items if i["amount_currency"] == -1249.0)
    assert Decimal(str(kettle["credit"])) == Decimal("1561.25")  # 1,249.00 EUR at 0.8 EUR per USD


def test_a_sale_and_its_refund_in_one_settlement_settle_the_invoice_together(harness: Harness) -> None:
    """The credit note came first and, reversing the unpaid invoice, was reconciled with it (Odoo 17): the
    invoice has 19.42 open. The sale (33.45) and the refund (-14.03) lines settle it together, even split
    into batches of two lines."""
    invoices = invoice_orders(harness.sandbox, harness.seller, harness.odoo, FIRST, GIFT, TEAPOT)
    partner = harness.odoo.read("account.move", [invoices[FIRST]], ["partner_id"])[0]["partner_id"][0]
    [credit_note] = harness.odoo.create(
        "account.move",
        [
            {
                "move_type": "out_refund",
                "partner_id": partner,
                "reversed_entry_id": invoices[FIRST],
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "quantity": 1, "price_unit": 14.03, "tax_ids": []})
                ],
            }
        ],
    )
    harness.odoo.post_invoices([credit_note])
    assert (
        harness.odoo.read("account.move", [invoices[FIRST]], ["amount_residual"])[0]["amount_residual"]
        == 19.42
    )
    harness.processor = SettlementProcessor(
        harness.state, lambda s: harness.amazon, lambda: harness.odoo, batch_lines=2
    )
    run = harness.run()
    assert run.status is RunStatus.SUCCEEDED
    record = harness.record()
    assert (record.state, record.open_lines, record.lines) == (ReportState.RECONCILED, 0, 6)
    assert payment_states(harness.odoo, invoices) == dict.fromkeys(invoices, "paid")
