"""Sync products (issue 7), the Amazon side over HTTP against the project's SP-API sandbox: createReport for
one marketplace, getReport until DONE, the listings report document downloaded and read by the parser;
createReport of a marketplace the seller does not sell in is permanent."""

from __future__ import annotations

import io

import pytest

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.listings_report import LISTINGS_REPORT_TYPE, ListingsReportReader
from tests.contract.sandbox_harness import Harness

US = "ATVPDKIKX0DER"


def test_a_listings_report_is_requested_polled_and_read(harness: Harness) -> None:
    gateway = harness.gateway
    report_id = gateway.create_report(LISTINGS_REPORT_TYPE, [US])
    [call] = harness.calls("createReport")
    assert call.body == {"reportType": LISTINGS_REPORT_TYPE, "marketplaceIds": [US]}
    statuses = [gateway.get_report(report_id).processing_status for _ in range(2)]
    assert statuses == ["IN_PROGRESS", "DONE"]  # the sandbox: one step per poll
    report = gateway.get_report(report_id)
    assert report.report_type == LISTINGS_REPORT_TYPE and report.document_id
    file = io.BytesIO()
    download = gateway.download_report_document(report.document_id, file)
    assert download.charset == "UTF-8"
    rows = {r.sku: r for r in ListingsReportReader(io.StringIO(file.getvalue().decode(), newline=""))}
    assert set(rows) == {"MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE"}
    assert rows["MUG-BLUE-12"].quantity == 37 and rows["MUG-BLUE-12"].asin


def test_a_report_for_a_marketplace_the_seller_does_not_sell_in_is_refused(harness: Harness) -> None:
    with pytest.raises(PermanentError) as caught:
        harness.gateway.create_report(LISTINGS_REPORT_TYPE, ["A1PA6795UKMFR9"])
    assert "marketplace" in caught.value.message.lower()
    assert len(harness.calls("createReport")) == 1  # not retried
