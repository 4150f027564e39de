"""The feed parts of the StateStore and the DocumentStore: one contract, run on the in-memory fakes and on
DynamoDB / S3 on moto server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from amazon_odoo.adapters.aws.clients import AwsTarget, s3_client
from amazon_odoo.adapters.aws.documents import S3DocumentStore
from amazon_odoo.domain.errors import ConflictError, PermanentError
from amazon_odoo.domain.feeds import FailedItem, FeedItem, FeedRecord, FeedStatus, new_submission_id
from tests.contract.aws_fixtures import Clock
from tests.fakes import InMemoryDocumentStore

US = "ATVPDKIKX0DER"


def new_record(clock: Clock, seller: str = "mugs-us", **changes: Any) -> FeedRecord:
    record = FeedRecord(
        seller_id=seller,
        submission_id=new_submission_id(clock.now),
        feed_type="JSON_LISTINGS_FEED",
        job="export_stock",
        scope=US,
        marketplace_ids=(US,),
        content_type="application/json; charset=UTF-8",
        item_count=2,
        items=(
            FeedItem(message_id=1, key="MUG-BLUE-12", value="quantity 5"),
            FeedItem(message_id=2, key="MUG#2"),
        ),
        created_at=clock.now,
    )
    return record.model_copy(update=changes)


def failed(key: str, submission: str, clock: Clock) -> FailedItem:
    return FailedItem(
        key=key, value="quantity -1", feed_id="1", submission_id=submission, status=FeedStatus.DONE,
        code="99010", message="99010: not a whole number", at=clock.now,
    )  # fmt: skip


def test_a_feed_is_saved_with_optimistic_versions_and_found_by_either_id(
    state_store: Any, clock: Clock
) -> None:
    record = new_record(clock)
    saved = state_store.save_feed(record)
    assert saved.version == 1 and saved == record.model_copy(update={"version": 1})
    assert state_store.get_feed("mugs-us", record.submission_id) == saved
    assert state_store.get_feed("mugs-us", "50046018675") is None  # no Amazon id yet
    with pytest.raises(ConflictError):
        state_store.save_feed(record)  # version 0: must not exist yet
    submitted = state_store.save_feed(
        saved.model_copy(
            update={"feed_id": "50046018675", "status": FeedStatus.IN_QUEUE, "submitted_at": clock.now}
        )
    )
    assert submitted.version == 2
    assert state_store.get_feed("mugs-us", "50046018675") == submitted
    assert state_store.get_feed("mugs-us", record.submission_id) == submitted
    assert state_store.get_feed("other-seller", "50046018675") is None  # feed ids are unique per seller only
    with pytest.raises(ConflictError):
        state_store.save_feed(saved.model_copy(update={"message": "a stale writer"}))


def test_pending_feeds_are_found_until_done(state_store: Any, clock: Clock) -> None:
    first = state_store.save_feed(new_record(clock))
    clock.advance(seconds=5)
    second = state_store.save_feed(new_record(clock, feed_id="2", status=FeedStatus.IN_QUEUE))
    state_store.save_feed(new_record(clock, seller="other"))
    assert [r.submission_id for r in state_store.pending_feeds("mugs-us")] == [
        first.submission_id,
        second.submission_id,
    ]  # oldest first
    state_store.save_feed(first.model_copy(update={"status": FeedStatus.DONE, "done_at": clock.now}))
    assert [r.submission_id for r in state_store.pending_feeds("mugs-us")] == [second.submission_id]


def test_list_feeds_newest_first_by_status_with_limit_and_expiry(state_store: Any, clock: Clock) -> None:
    ids = []
    for n in range(4):
        status = FeedStatus.DONE if n % 2 else FeedStatus.FATAL
        ids.append(
            state_store.save_feed(new_record(clock, feed_id=str(n), status=status, done_at=clock.now)).feed_id
        )
        clock.advance(minutes=1)
    assert [r.feed_id for r in state_store.list_feeds("mugs-us")] == ["3", "2", "1", "0"]
    assert [r.feed_id for r in state_store.list_feeds("mugs-us", FeedStatus.DONE)] == ["3", "1"]
    assert [r.feed_id for r in state_store.list_feeds("mugs-us", limit=1)] == ["3"]
    assert state_store.list_feeds("mugs-us", limit=0) == []
    assert state_store.list_feeds("nobody") == []
    clock.advance(days=90)  # the history expires with the log book (Amazon keeps feeds 90 days too)
    assert state_store.list_feeds("mugs-us") == [] and state_store.get_feed("mugs-us", "3") is None


def test_failed_items_are_replaced_cleared_and_kept_apart_by_job_and_scope(
    state_store: Any, clock: Clock
) -> None:
    a, b = "20261120T100000000000Z-aaaaaaaa", "20261120T100500000000Z-bbbbbbbb"
    state_store.save_failed_items(
        "mugs-us", "export_stock", US, [failed("MUG#2", a, clock), failed("TEAPOT", a, clock)]
    )
    state_store.save_failed_items("mugs-us", "export_stock", US, [failed("MUG#2", b, clock)])  # replaced
    state_store.save_failed_items("mugs-us", "export_prices", US, [failed("TEAPOT", b, clock)])
    state_store.save_failed_items("mugs-us", "export_stock", "A2EUQ1WTGCTBG2", [failed("TEAPOT", b, clock)])
    found = state_store.failed_items("mugs-us", "export_stock", US)
    assert [(f.key, f.submission_id) for f in found] == [("MUG#2", b), ("TEAPOT", a)]
    assert found[0] == failed("MUG#2", b, clock)  # round-trips
    state_store.clear_failed_items("mugs-us", "export_stock", US, ["TEAPOT", "NEVER-FAILED"])
    assert [f.key for f in state_store.failed_items("mugs-us", "export_stock", US)] == ["MUG#2"]
    assert [f.key for f in state_store.failed_items("mugs-us", "export_prices", US)] == ["TEAPOT"]
    assert state_store.failed_items("other", "export_stock", US) == []


def test_many_failed_items_are_written_in_batches(state_store: Any, clock: Clock) -> None:
    items = [failed(f"SKU-{n:03}", "s", clock) for n in range(60)]
    state_store.save_failed_items("mugs-us", "export_stock", US, items + items[:3])  # duplicates: last wins
    assert len(state_store.failed_items("mugs-us", "export_stock", US)) == 60
    state_store.clear_failed_items("mugs-us", "export_stock", US, [i.key for i in items])
    assert state_store.failed_items("mugs-us", "export_stock", US) == []


def test_a_feed_record_is_small_whatever_the_feed_carried(state_store: Any, clock: Clock) -> None:
    items = tuple(
        FeedItem(message_id=n, key=f"SKU-{n:05}-" + "x" * 30, value="quantity 12") for n in range(1, 21)
    )
    saved = state_store.save_feed(new_record(clock, item_count=25_000, items=items))
    assert len(saved.model_dump_json()) < 10_000  # far below DynamoDB's 400 KB, for the largest feed


# -- documents -----------------------------------------------------------------------------------------------


@pytest.fixture(params=["in-memory", "s3"])
def document_store(request: pytest.FixtureRequest) -> Any:
    if request.param == "in-memory":
        return InMemoryDocumentStore()
    target: AwsTarget = request.getfixturevalue("aws_target")
    bucket = f"documents-{uuid.uuid4().hex[:10]}"
    s3_client(target).create_bucket(Bucket=bucket)
    return S3DocumentStore(bucket, s3_client(target))


def test_documents_round_trip_and_a_missing_one_is_permanent(document_store: Any) -> None:
    big = b"x" * 2_000_000  # a processing report far above DynamoDB's item size
    document_store.put_document("feeds/mugs-us/s-1/report", big, "application/json")
    document_store.put_document("feeds/mugs-us/s-1/input", b"\x1f\x8b gzip-ish bytes")
    assert document_store.get_document("feeds/mugs-us/s-1/report") == big
    assert document_store.get_document("feeds/mugs-us/s-1/input") == b"\x1f\x8b gzip-ish bytes"
    document_store.put_document("feeds/mugs-us/s-1/input", b"replaced")
    assert document_store.get_document("feeds/mugs-us/s-1/input") == b"replaced"
    with pytest.raises(PermanentError, match="feeds/mugs-us/s-2/report") as raised:
        document_store.get_document("feeds/mugs-us/s-2/report")
    assert raised.value.code == "NoSuchKey" and "expired" in raised.value.resolution


def test_a_missing_bucket_is_permanent_and_names_it(aws_target: AwsTarget) -> None:
    store = S3DocumentStore("no-such-bucket-here", s3_client(aws_target))
    with pytest.raises(PermanentError, match="no-such-bucket-here") as raised:
        store.put_document("feeds/x", b"1")
    assert "DOCUMENTS_BUCKET" in raised.value.resolution


def test_expiry_is_relative_to_creation(state_store: Any, clock: Clock) -> None:
    saved = state_store.save_feed(new_record(clock))
    clock.advance(days=89, hours=23)
    assert state_store.get_feed("mugs-us", saved.submission_id) is not None
    clock.advance(hours=2)
    assert state_store.get_feed("mugs-us", saved.submission_id) is None
