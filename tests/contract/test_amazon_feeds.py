"""The Amazon adapter's Feeds API over HTTP against the project's SP-API sandbox: createFeedDocument, the
upload to the pre-signed URL, createFeed, getFeed(s), getFeedDocument and the download (gzip when
declared), with the documented rate limits and the failure table. Sleeps are recorded, not slept."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from amazon_odoo.domain.errors import PermanentError, RetryableError, ThrottledError
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    ORDER_ACKNOWLEDGEMENT,
    FeedStatus,
    ListingsMessage,
    SubmissionUncertainError,
    build_listings_feed,
    parse_processing_report,
)
from tests.contract.sandbox_harness import SELLER, US, Harness

S3_EXPIRED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    "<Message>Request has expired</Message></Error>"
)


def quantity(sku: str, value: int) -> ListingsMessage:
    patch = {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }
    return ListingsMessage(sku=sku, product_type="DRINKING_CUP", patches=(patch,), value=f"quantity {value}")


def test_a_listings_feed_goes_up_and_its_processing_report_comes_down(harness: Harness) -> None:
    content = build_listings_feed(SELLER, [quantity("MUG-BLUE-12", 7), quantity("MUG-RED-12", -2)])
    target = harness.gateway.create_feed_document(content.content_type)
    assert target.document_id.startswith("amzn1.tortuga") and target.url.startswith(harness.sandbox.url)
    harness.gateway.upload_feed_document(target, content.content, content.content_type)
    stored = harness.sandbox.state.documents[target.document_id]
    assert (stored.content, stored.content_type) == (content.content, content.content_type)
    feed_id = harness.gateway.create_feed(JSON_LISTINGS_FEED, [US], target.document_id)
    # exactly the documented bodies (the library's own methods would add their "path" to them)
    assert harness.calls("createFeedDocument")[0].body == {"contentType": content.content_type}
    assert harness.calls("createFeed")[0].body == {
        "feedType": JSON_LISTINGS_FEED,
        "marketplaceIds": [US],
        "inputFeedDocumentId": target.document_id,
    }
    first = harness.gateway.get_feed(feed_id)
    assert (first.feed_id, first.status, first.result_document_id) == (feed_id, FeedStatus.IN_PROGRESS, None)
    done = harness.gateway.get_feed(feed_id)
    assert done.status is FeedStatus.DONE and done.result_document_id and done.processing_end
    report = parse_processing_report(
        JSON_LISTINGS_FEED, harness.gateway.get_feed_document(done.result_document_id)
    )
    assert (report.accepted, report.invalid) == (1, 1)
    assert [(i.message_id, i.key, i.code) for i in report.issues] == [(2, "MUG-RED-12", "99010")]
    assert harness.sandbox.state.seller().listing_quantity("MUG-BLUE-12") == 7


def test_a_document_declared_gzip_is_decompressed(harness: Harness) -> None:
    xml = (
        f'<?xml version="1.0"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>{SELLER}</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>"
        "<Message><MessageID>1</MessageID><OrderAcknowledgement><AmazonOrderID>114-0000000-0000000</AmazonOrderID>"
        "<StatusCode>Failure</StatusCode></OrderAcknowledgement></Message></AmazonEnvelope>"
    )
    feed_id = harness.submit(xml.encode(), "text/xml; charset=UTF-8", ORDER_ACKNOWLEDGEMENT)
    harness.sandbox.complete_pending()
    done = harness.gateway.get_feed(feed_id)
    assert done.result_document_id is not None
    document = harness.sandbox.state.documents[done.result_document_id]
    plain = document.content or b""
    document.content, document.compression = gzip.compress(plain), "GZIP"  # as Amazon serves large reports
    assert harness.gateway.get_feed_document(done.result_document_id) == plain
    report = parse_processing_report(ORDER_ACKNOWLEDGEMENT, plain)
    assert [(i.message_id, i.key) for i in report.issues] == [(1, "114-0000000-0000000")]


def test_an_expired_upload_url_is_retryable_and_names_s3s_answer(harness: Harness) -> None:
    target = harness.gateway.create_feed_document("application/json")
    harness.sandbox.inject("document", 403, times=3, body=S3_EXPIRED)
    with pytest.raises(RetryableError, match="Request has expired") as raised:
        harness.gateway.upload_feed_document(target, b"{}", "application/json")
    assert raised.value.code == "AccessDenied" and "expired" in raised.value.resolution
    assert len(harness.sleeps) == 2  # retried like any transient failure, then handed back


def test_a_document_that_is_gone_is_permanent(harness: Harness) -> None:
    feed_id = harness.submit(b"{}", "application/json")
    harness.sandbox.complete_pending()
    result = harness.gateway.get_feed(feed_id).result_document_id
    assert result is not None
    harness.sandbox.inject("document", 404)
    with pytest.raises(PermanentError, match="downloadFeedDocument"):
        harness.gateway.get_feed_document(result)


def test_create_feed_answering_5xx_is_not_repeated_and_is_uncertain(harness: Harness) -> None:
    target = harness.gateway.create_feed_document("application/json")
    harness.gateway.upload_feed_document(target, b"{}", "application/json")
    harness.sandbox.inject("createFeed", 503)
    with pytest.raises(SubmissionUncertainError, match="may have created it"):
        harness.gateway.create_feed(JSON_LISTINGS_FEED, [US], target.document_id)
    assert len(harness.calls("createFeed")) == 1 and harness.sleeps == []


def test_create_feed_throttled_is_handed_back_not_uncertain(harness: Harness) -> None:
    target = harness.gateway.create_feed_document("application/json")
    harness.gateway.upload_feed_document(target, b"{}", "application/json")
    harness.sandbox.inject("createFeed", 429)
    with pytest.raises(ThrottledError) as raised:  # a 429 created nothing: no doubt about the feed
        harness.gateway.create_feed(JSON_LISTINGS_FEED, [US], target.document_id)
    assert not isinstance(raised.value, SubmissionUncertainError)
    # createFeed refills one token every 2 minutes: far beyond a Lambda's wait, so it is handed back
    assert raised.value.retry_after == pytest.approx(1 / 0.0083, rel=0.05)
    assert [c.status for c in harness.calls("createFeed")] == [429]


def test_listings_feeds_are_held_to_five_per_five_minutes(harness: Harness) -> None:
    limited = Harness(harness.sandbox, max_wait=0)
    target = limited.gateway.create_feed_document("application/json")
    limited.gateway.upload_feed_document(target, b"{}", "application/json")
    for _ in range(5):
        limited.gateway.create_feed(JSON_LISTINGS_FEED, [US], target.document_id)
    with pytest.raises(ThrottledError, match="JSON_LISTINGS_FEED submissions") as raised:
        limited.gateway.create_feed(JSON_LISTINGS_FEED, [US], target.document_id)
    assert raised.value.retry_after == pytest.approx(60, abs=1)
    assert len(harness.calls("createFeed")) == 5  # the sixth never left
    # order feeds are not held by the listings limit
    limited.gateway.create_feed(ORDER_ACKNOWLEDGEMENT, [US], target.document_id)
    limited.gateway.close()


def test_get_feeds_lists_a_type_in_a_window(harness: Harness) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    listings = harness.submit(b"{}", "application/json")
    harness.submit(b"<AmazonEnvelope/>", "text/xml", ORDER_ACKNOWLEDGEMENT)
    found = harness.gateway.get_feeds(
        feed_types=[JSON_LISTINGS_FEED], marketplace_ids=[US], created_since=since
    )
    assert [f.feed_id for f in found] == [listings]
    query = harness.calls("getFeeds")[0].query
    assert query["feedTypes"] == [JSON_LISTINGS_FEED] and query["pageSize"] == ["100"]
    assert query["createdSince"][0].endswith("Z")
    assert (
        harness.gateway.get_feeds(feed_types=[JSON_LISTINGS_FEED], created_since=since + timedelta(hours=1))
        == []
    )


def test_an_unknown_feed_is_permanent_and_not_found(harness: Harness) -> None:
    with pytest.raises(PermanentError) as raised:
        harness.gateway.get_feed("99999999999")
    assert raised.value.code == "NotFound" and raised.value.record == "feed 99999999999"
