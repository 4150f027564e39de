"""Settlements on the local stack (moto, the SP-API sandbox, the Odoo double), through the composition root:
the process_settlements function on its schedule's event, `amazon-odoo run process-settlements --since`,
REPORT_PROCESSING_FINISHED through amazon_events, and `amazon-odoo settlements`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.bootstrap import JOBS, compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.settlements import SETTLEMENT_REPORT_TYPE, ReportState
from amazon_odoo.local.demo import load_demo_sellers
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.stack import LocalStack, drain_queue, scheduled_event

SAMPLE_US = Path(__file__).resolve().parents[2] / "shared/amazon_odoo/local/scenarios/settlement-v2-us.tsv"


@pytest.fixture(scope="module", autouse=True)
def leave_no_sellers(stack: LocalStack) -> Iterator[None]:
    """moto keeps its tables for the whole process: the next module's stack starts without sellers."""
    yield
    compose().state.replace_sellers([])


@pytest.fixture(scope="module")
def seller(stack: LocalStack) -> SellerConfig:
    if compose().state.get_seller("mugs-us") is None:
        load_demo_sellers(stack, lambda line: None)
    odoo = compose().odoo
    assert odoo is not None
    gid = odoo.xmlid_map(["group_account_user"], module="account")["group_account_user"]
    odoo.write("res.users", [odoo.uid], {"groups_id": [(4, gid)]})
    known = set(odoo.account_ids(1, ["600100", "600200"]))
    odoo.create(
        "account.account",
        [
            {"code": c, "name": f"Amazon fees {c}", "account_type": "expense"}
            for c in ("600100", "600200")
            if c not in known
        ],
    )
    return compose().seller("mugs-us")


def records(seller: SellerConfig) -> dict[str, Any]:
    return {r.report_id: r for r in compose().state.list_settlements(seller.id)}


def test_the_scheduled_function_and_the_command_line_book_the_seeded_report(
    seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "process_settlements" in JOBS
    (run,) = invoke("process_settlements", scheduled_event("process_settlements"))["runs"]
    assert run["seller_id"] == "mugs-us" and run["counts"]["reports_listed"] == 1
    assert run["counts"]["lines_written"] == 6  # no invoices in this Odoo: the order lines wait for theirs
    [record] = records(seller).values()
    assert record.state is ReportState.IMPORTED and record.settlement_id == "23871640912"
    errors = [e.message for e in compose().state.list_logs(seller_id="mugs-us", job="process_settlements")]
    assert not any("suspense account" in m for m in errors)  # the example's 101701 Liquidity Transfer
    since = (datetime.now(UTC) - timedelta(days=5)).date().isoformat()
    assert main(["run", "process-settlements", "--seller", "mugs-us", "--since", since]) == 0
    out = capsys.readouterr().out
    assert "mugs-us process_settlements: succeeded" in out and "lines_written=0" in out
    assert main(["settlements", "--seller", "mugs-us"]) == 0
    listing = capsys.readouterr().out
    assert "23871640912" in listing and "29.20 USD" in listing and "imported" in listing
    assert main(["run", "process-settlements", "--seller", "mugs-us", "--since", since, "--to", since]) == 2
    assert "takes --since only" in capsys.readouterr().err


def test_report_processing_finished_goes_through_amazon_events(
    stack: LocalStack, seller: SellerConfig
) -> None:
    text = SAMPLE_US.read_bytes().replace(b"23871640912", b"23871649999")
    report = stack.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE, text, marketplace_ids=["ATVPDKIKX0DER"], compression="GZIP"
    )
    stack.send_notification(
        {
            "notificationVersion": "2020-09-04",
            "notificationType": "REPORT_PROCESSING_FINISHED",
            "payloadVersion": "2020-09-04",
            "eventTime": datetime.now(UTC).isoformat(),
            "payload": {
                "reportProcessingFinishedNotification": {
                    "sellerId": seller.merchant_id,
                    "reportId": report.report_id,
                    "reportType": SETTLEMENT_REPORT_TYPE,
                    "processingStatus": "DONE",
                    "reportDocumentId": report.document_id,
                }
            },
            "notificationMetadata": {
                "applicationId": "amzn1.sellerapps.app.test",
                "subscriptionId": "sub-reports",
                "publishTime": datetime.now(UTC).isoformat(),
                "notificationId": f"report-{report.report_id}",
            },
        }
    )
    totals = drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events")
    assert totals == {"delivered": 1, "failed": 0}
    record = records(seller)[report.report_id]
    assert record.state is ReportState.IMPORTED and record.settlement_id == "23871649999"
    assert record.lines == 6
