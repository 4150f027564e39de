"""Feed records, status transitions, processing report parsers and per-item results (domain/feeds.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    ORDER_ACKNOWLEDGEMENT,
    PAYMENT_ADJUSTMENT,
    AmazonFeed,
    FeedContent,
    FeedItem,
    FeedRecord,
    FeedStatus,
    ItemOutcome,
    ListingsMessage,
    ReportFormatError,
    Severity,
    build_listings_feed,
    build_results,
    check_feed_type,
    failure_reason,
    new_submission_id,
    next_status,
    parse_listings_report,
    parse_processing_report,
    parse_xml_processing_report,
    resolution_for,
)
from amazon_odoo.settings import load_settings

MODELS = Path(load_settings({}).spapi_models_dir or "/nonexistent")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# Amazon's XML processing report as the Feeds API returns it for the order feeds (the shape of Amazon's
# published example, amzn-envelope.xsd / ProcessingReport.xsd): one error tied to a message, one warning,
# one error about the feed as a whole (MessageID 0).
ORDER_ACK_REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header>
    <DocumentVersion>1.02</DocumentVersion>
    <MerchantIdentifier>A3MUGSUS8ACCPT</MerchantIdentifier>
  </Header>
  <MessageType>ProcessingReport</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <ProcessingReport>
      <DocumentTransactionID>50046018675</DocumentTransactionID>
      <StatusCode>Complete</StatusCode>
      <ProcessingSummary>
        <MessagesProcessed>3</MessagesProcessed>
        <MessagesSuccessful>1</MessagesSuccessful>
        <MessagesWithError>1</MessagesWithError>
        <MessagesWithWarning>1</MessagesWithWarning>
      </ProcessingSummary>
      <Result>
        <MessageID>2</MessageID>
        <ResultCode>Error</ResultCode>
        <ResultMessageCode>18028</ResultMessageCode>
        <ResultDescription>The order 114-0000000-0000000 could not be found.</ResultDescription>
        <AdditionalInfo>
          <AmazonOrderID>114-0000000-0000000</AmazonOrderID>
        </AdditionalInfo>
      </Result>
      <Result>
        <MessageID>3</MessageID>
        <ResultCode>Warning</ResultCode>
        <ResultMessageCode>5002</ResultMessageCode>
        <ResultDescription>The merchant order id was ignored.</ResultDescription>
        <AdditionalInfo>
          <AmazonOrderID>702-3318840-1227604</AmazonOrderID>
        </AdditionalInfo>
      </Result>
      <Result>
        <MessageID>0</MessageID>
        <ResultCode>Error</ResultCode>
        <ResultMessageCode>5001</ResultMessageCode>
        <ResultDescription>XML element MerchantOrderID is deprecated.</ResultDescription>
      </Result>
    </ProcessingReport>
  </Message>
</AmazonEnvelope>"""


def record(**changes: Any) -> FeedRecord:
    base = FeedRecord(
        seller_id="mugs-us",
        submission_id=new_submission_id(NOW),
        feed_id="50046018675",
        feed_type=JSON_LISTINGS_FEED,
        job="export_stock",
        scope="ATVPDKIKX0DER",
        marketplace_ids=("ATVPDKIKX0DER",),
        content_type="application/json",
        item_count=3,
        created_at=NOW,
        status=FeedStatus.DONE,
    )
    return base.model_copy(update=changes)


def items(*keys: str) -> list[FeedItem]:
    return [FeedItem(message_id=n, key=key, value=f"v{n}") for n, key in enumerate(keys, start=1)]


# -- statuses ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        (FeedStatus.SUBMITTING, FeedStatus.IN_QUEUE, FeedStatus.IN_QUEUE),
        (FeedStatus.IN_QUEUE, FeedStatus.IN_PROGRESS, FeedStatus.IN_PROGRESS),
        (FeedStatus.IN_PROGRESS, FeedStatus.IN_QUEUE, FeedStatus.IN_PROGRESS),  # late answer: ignored
        (FeedStatus.IN_QUEUE, FeedStatus.DONE, FeedStatus.DONE),
        (FeedStatus.SUBMITTING, FeedStatus.FATAL, FeedStatus.FATAL),
        (FeedStatus.IN_PROGRESS, FeedStatus.CANCELLED, FeedStatus.CANCELLED),
        (FeedStatus.DONE, FeedStatus.FATAL, FeedStatus.DONE),  # finished is final
        (FeedStatus.NOT_SUBMITTED, FeedStatus.IN_QUEUE, FeedStatus.NOT_SUBMITTED),
        (FeedStatus.UNCERTAIN, FeedStatus.DONE, FeedStatus.UNCERTAIN),
    ],
)
def test_status_moves_forward_only(current: FeedStatus, reported: FeedStatus, expected: FeedStatus) -> None:
    assert next_status(current, reported) is expected


def test_status_properties() -> None:
    assert {s for s in FeedStatus if s.failed} == {
        FeedStatus.NOT_SUBMITTED,
        FeedStatus.FATAL,
        FeedStatus.CANCELLED,
    }
    assert {s for s in FeedStatus if not s.finished} == {
        FeedStatus.SUBMITTING,
        FeedStatus.IN_QUEUE,
        FeedStatus.IN_PROGRESS,
    }


def test_record_takes_amazons_answer() -> None:
    submitted = record(status=FeedStatus.IN_QUEUE, feed_id="")
    answer = AmazonFeed.model_validate(
        {
            "feedId": "50046018675",
            "feedType": JSON_LISTINGS_FEED,
            "createdTime": "2026-11-20T10:00:01Z",
            "processingStatus": "DONE",
            "processingStartTime": "2026-11-20T10:01:00Z",
            "processingEndTime": "2026-11-20T10:02:00Z",
            "resultFeedDocumentId": "amzn1.tortuga.4.na.result",
        }
    )
    done = submitted.with_amazon(answer)
    assert (done.feed_id, done.status, done.result_document_id) == (
        "50046018675",
        FeedStatus.DONE,
        "amzn1.tortuga.4.na.result",
    )
    assert done.processing_ended_at == datetime(2026, 11, 20, 10, 2, tzinfo=UTC)
    assert done.pending  # finished at Amazon; results not stored yet
    assert done.label == "50046018675"
    assert submitted.model_copy(update={"feed_id": ""}).label == submitted.submission_id


def test_submission_ids_sort_by_time_and_are_unique() -> None:
    first, second = new_submission_id(NOW), new_submission_id(NOW.replace(second=1))
    assert first < second and new_submission_id(NOW) != first


def test_removed_and_unknown_feed_types_are_refused() -> None:
    with pytest.raises(PermanentError, match="removed by Amazon"):
        check_feed_type("POST_INVENTORY_AVAILABILITY_DATA")
    with pytest.raises(PermanentError, match="not a feed type this connector"):
        check_feed_type("POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA")
    check_feed_type(PAYMENT_ADJUSTMENT)


# -- the listings feed we send -----------------------------------------------------------------------------


def quantity(sku: str, value: int) -> ListingsMessage:
    patch = {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }
    return ListingsMessage(sku=sku, product_type="DRINKING_CUP", patches=(patch,), value=f"quantity {value}")


def test_listings_feed_document_follows_amazons_schema() -> None:
    content = build_listings_feed("A3MUGSUS8ACCPT", [quantity("MUG-BLUE-12", 5), quantity("MUG-RED-12", 0)])
    body = json.loads(content.content)
    assert body["header"] == {"sellerId": "A3MUGSUS8ACCPT", "version": "2.0", "issueLocale": "en_US"}
    assert [(m["messageId"], m["sku"], m["operationType"]) for m in body["messages"]] == [
        (1, "MUG-BLUE-12", "PATCH"),
        (2, "MUG-RED-12", "PATCH"),
    ]
    assert content.items == (
        FeedItem(message_id=1, key="MUG-BLUE-12", value="quantity 5"),
        FeedItem(message_id=2, key="MUG-RED-12", value="quantity 0"),
    )
    schema = MODELS / "schemas" / "feeds" / "listings-feed-schema-v2.json"
    if not schema.is_file():
        pytest.skip("the SP-API models are not beside this checkout")
    errors = list(Draft7Validator(json.loads(schema.read_text())).iter_errors(body))
    assert [e.message for e in errors] == []


def test_listings_feed_limits() -> None:
    with pytest.raises(ValueError, match="at least one"):
        build_listings_feed("A3MUGSUS8ACCPT", [])
    with pytest.raises(ValueError, match="unique"):
        FeedContent(content=b"{}", content_type="application/json", items=tuple(items("A", "B")) * 2)


# -- parsers -------------------------------------------------------------------------------------------------


def test_listings_report_from_amazons_schema_example() -> None:
    example = MODELS / "schemas" / "feeds" / "listings-feed-processing-report-schema-v2.example.json"
    if not example.is_file():
        pytest.skip("the SP-API models are not beside this checkout")
    report = parse_listings_report(example.read_bytes())
    assert (report.processed, report.accepted, report.invalid) == (4, 2, 2)
    assert [(i.message_id, i.key, i.code, i.severity) for i in report.issues] == [
        (4, "My-SKU-B", "90220", Severity.ERROR),
        (4, "My-SKU-B", "90220", Severity.ERROR),
        (5, "My-SKU-C", "99022", Severity.ERROR),
    ]
    assert report.issues[2].attribute == "purchasable_offer.our_price"
    # mapped back onto what the feed carried: messages 3..5 (6 had nothing to say: accepted)
    carried = [
        FeedItem(message_id=n, key=f"My-SKU-{c}", value="x") for n, c in ((3, "A"), (4, "B"), (5, "C"))
    ]
    results = build_results(record(item_count=3), carried, report)
    assert [(r.key, r.outcome) for r in results.items] == [
        ("My-SKU-A", ItemOutcome.ACCEPTED),
        ("My-SKU-B", ItemOutcome.ERROR),
        ("My-SKU-C", ItemOutcome.ERROR),
    ]
    assert results.items[1].text == (
        "90220: '[batteries_required]' is required but not supplied.; "
        "90220: '[supplier_declared_dg_hz_regulation]' is required but not supplied."
    )
    assert (results.accepted, results.warnings, results.errors) == (1, 0, 2)


def test_listings_report_warnings_info_and_feed_level_issues() -> None:
    data = {
        "header": {"sellerId": "A3MUGSUS8ACCPT", "version": "2.0", "feedId": "1"},
        "issues": [
            {"messageId": 1, "sku": "A", "code": "18448", "severity": "WARNING", "message": "incomplete"},
            {"messageId": 2, "sku": "B", "code": "1", "severity": "INFO", "message": "fyi"},
            {"code": "100001", "severity": "ERROR", "message": "bad header"},
            {"messageId": 9, "sku": "Z", "severity": "ERROR", "message": "not ours"},
        ],
        "summary": {
            "errors": 2,
            "warnings": 1,
            "messagesProcessed": 2,
            "messagesAccepted": 2,
            "messagesInvalid": 0,
        },
    }
    report = parse_listings_report(json.dumps(data))
    results = build_results(record(), items("A", "B"), report)
    assert [(r.key, r.outcome) for r in results.items] == [
        ("A", ItemOutcome.WARNING),
        ("B", ItemOutcome.ACCEPTED),
    ]
    assert results.items[1].issues[0].severity is Severity.INFO
    assert [i.message for i in results.feed_issues] == ["bad header", "not ours"]
    assert (results.accepted, results.warnings) == (2, 1)


@pytest.mark.parametrize("bad", [b"not json", b"[]", b'{"issues": []}', b'{"summary": {}, "issues": 3}'])
def test_listings_report_in_another_shape_is_refused(bad: bytes) -> None:
    with pytest.raises(ReportFormatError):
        parse_listings_report(bad)


def test_xml_processing_report_of_an_order_feed() -> None:
    report = parse_processing_report(ORDER_ACKNOWLEDGEMENT, ORDER_ACK_REPORT.encode())
    assert (report.status, report.processed, report.accepted, report.invalid) == ("Complete", 3, 1, 1)
    assert [(i.message_id, i.key, i.severity, i.code) for i in report.issues] == [
        (2, "114-0000000-0000000", Severity.ERROR, "18028"),
        (3, "702-3318840-1227604", Severity.WARNING, "5002"),
        (None, "", Severity.ERROR, "5001"),
    ]
    ack = record(feed_type=ORDER_ACKNOWLEDGEMENT, item_kind="order")
    carried = items("114-5820417-3390021", "114-0000000-0000000", "702-3318840-1227604")
    results = build_results(ack, carried, report)
    assert [r.outcome for r in results.items] == [
        ItemOutcome.ACCEPTED,
        ItemOutcome.ERROR,
        ItemOutcome.WARNING,
    ]
    assert results.items[1].code == "18028" and "could not be found" in results.items[1].text
    assert [i.code for i in results.feed_issues] == ["5001"]


def test_xml_report_with_a_namespace_and_iso_8859_1() -> None:
    text = ORDER_ACK_REPORT.replace("UTF-8", "ISO-8859-1").replace(
        "<AmazonEnvelope ", '<AmazonEnvelope xmlns="http://www.amazon.com/merchants" '
    )
    report = parse_xml_processing_report(text.replace("could not", "n'a pas été").encode("iso-8859-1"))
    assert report.issues[0].message == "The order 114-0000000-0000000 n'a pas été be found."


@pytest.mark.parametrize(
    "bad",
    [
        b"<AmazonEnvelope><Message/></AmazonEnvelope>",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    ],
)
def test_xml_report_in_another_shape_is_refused(bad: bytes) -> None:
    with pytest.raises(ReportFormatError):
        parse_xml_processing_report(bad)


def test_failure_reason_reads_reports_or_text() -> None:
    fatal = {
        "header": {"sellerId": "S", "version": "2.0", "feedId": "1"},
        "issues": [{"code": "100002", "severity": "ERROR", "message": "header.sellerId must be S"}],
        "summary": {
            "errors": 1,
            "warnings": 0,
            "messagesProcessed": 0,
            "messagesAccepted": 0,
            "messagesInvalid": 0,
        },
    }
    assert (
        failure_reason(JSON_LISTINGS_FEED, json.dumps(fatal).encode()) == "100002: header.sellerId must be S"
    )
    assert (
        failure_reason(PAYMENT_ADJUSTMENT, b"Feed 1 was not processed: no.\n")
        == "Feed 1 was not processed: no."
    )
    assert failure_reason(JSON_LISTINGS_FEED, None) == ""


# -- results of failed feeds -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [FeedStatus.FATAL, FeedStatus.CANCELLED, FeedStatus.NOT_SUBMITTED])
def test_every_item_of_a_failed_feed_is_an_error(status: FeedStatus) -> None:
    results = build_results(record(status=status), items("A", "B"), None, reason="the feed was cancelled")
    assert [r.outcome for r in results.items] == [ItemOutcome.ERROR, ItemOutcome.ERROR]
    assert results.items[0].code == status.value and results.items[0].text.endswith("the feed was cancelled")
    assert results.errors == 2 and results.message == "the feed was cancelled"


def test_items_of_an_uncertain_feed_are_unknown_and_of_a_pending_one_pending() -> None:
    uncertain = build_results(record(status=FeedStatus.UNCERTAIN), items("A"), None, reason="lost")
    assert uncertain.items[0].outcome is ItemOutcome.UNKNOWN and uncertain.errors == 0
    pending = build_results(record(status=FeedStatus.IN_PROGRESS), items("A"), None)
    assert pending.items[0].outcome is ItemOutcome.PENDING


def test_resolutions_name_the_fix_and_the_next_run() -> None:
    assert resolution_for("4000001", "sku", "export_stock").startswith("Amazon has no listing with this SKU")
    assert resolution_for("4000001", "sku", "export_stock").endswith(
        "the next export_stock run sends the SKU again"
    )
    assert "order again" in resolution_for("12345", "order", "cancel_orders")
