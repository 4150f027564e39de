"""The Amazon adapter's Reports API (settlements, issue 6) over HTTP against the project's SP-API sandbox:
getReports (listed, paged with the token alone), getReport, getReportDocument and the document streamed into
a file (un-gzipped when declared, its content type kept), with the failure table. Sleeps are recorded."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta

import pytest

from amazon_odoo.domain.errors import PermanentError, RetryableError
from amazon_odoo.domain.settlements import SETTLEMENT_REPORT_TYPE
from tests.contract.sandbox_harness import Harness

SEEDED = "51243019877"  # the default scenario's settlement report
S3_EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)


def test_settlement_reports_are_listed_newest_first_and_paged_with_the_token_alone(harness: Harness) -> None:
    seller = harness.sandbox.state.seller()
    now = datetime.now(UTC)
    for n in range(120):
        seller.add_report(
            SETTLEMENT_REPORT_TYPE, b"x", report_id=f"9{n:010d}", created=now - timedelta(minutes=n)
        )
    since = now - timedelta(days=30)
    page = harness.gateway.get_reports(
        report_types=[SETTLEMENT_REPORT_TYPE], processing_statuses=["DONE"], created_since=since
    )
    assert len(page.reports) == 100 and page.next_token
    assert page.reports[0].report_id == "90000000000" and page.reports[0].processing_status == "DONE"
    assert page.reports[0].document_id and page.reports[0].marketplace_ids == ("ATVPDKIKX0DER",)
    rest = harness.gateway.get_reports(report_types=[SETTLEMENT_REPORT_TYPE], next_token=page.next_token)
    ids = [r.report_id for r in (*page.reports, *rest.reports)]
    assert rest.next_token is None and len(ids) == 121 and SEEDED in ids
    first, second = harness.calls("getReports")
    assert first.query["reportTypes"] == [SETTLEMENT_REPORT_TYPE] and first.query["processingStatuses"] == [
        "DONE"
    ]
    assert set(second.query) == {"nextToken"}  # Amazon wants the token as the only parameter
    with pytest.raises(ValueError):
        harness.gateway.get_reports(report_types=[])


def test_a_report_and_its_document_streamed_into_a_file(harness: Harness) -> None:
    report = harness.gateway.get_report(SEEDED)
    assert report.report_type == SETTLEMENT_REPORT_TYPE and report.document_id
    file = io.BytesIO(b"left over from an earlier attempt")
    download = harness.gateway.download_report_document(report.document_id, file)
    assert file.getvalue().startswith(b"settlement-id\tsettlement-start-date") and download.size == len(
        file.getvalue()
    )
    assert download.charset == "UTF-8"
    text = "settlement-id\tamount\r\n1\t1.234,56\r\n".encode("cp1252")
    gz = harness.sandbox.state.seller().add_report(
        SETTLEMENT_REPORT_TYPE, text, compression="GZIP", content_type="text/plain;charset=Cp1252"
    )
    assert harness.sandbox.state.documents[gz.document_id or ""].content == gzip.compress(text, mtime=0)
    out = io.BytesIO()
    download = harness.gateway.download_report_document(gz.document_id or "", out)
    assert out.getvalue() == text and download.charset == "Cp1252"


def test_document_failures_follow_the_failure_table(harness: Harness) -> None:
    document = harness.gateway.get_report(SEEDED).document_id or ""
    harness.sandbox.inject("document", 403, times=1, body=S3_EXPIRED)  # an expired URL: retried at once
    out = io.BytesIO()
    harness.gateway.download_report_document(document, out)
    assert out.getvalue().startswith(b"settlement-id") and harness.sleeps
    harness.sandbox.inject("document", 404)
    with pytest.raises(PermanentError):
        harness.gateway.download_report_document(document, io.BytesIO())
    with pytest.raises(PermanentError) as caught:
        harness.gateway.get_report("00000000000")
    assert caught.value.code == "NotFound"
    harness.sandbox.inject("getReport", 503, times=5)
    with pytest.raises(RetryableError):
        harness.gateway.get_report(SEEDED)
