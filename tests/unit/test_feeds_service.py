"""services/feeds.py on the in-memory fakes and a scripted Amazon: submission, tracking, notification, queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import ConnectorError, PermanentError, SkipError, ThrottledError
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    AmazonFeed,
    AmazonFeedDocument,
    FeedContent,
    FeedRecord,
    FeedResults,
    FeedStatus,
    ItemOutcome,
    ListingsMessage,
    SubmissionUncertainError,
    build_listings_feed,
)
from amazon_odoo.domain.notifications import parse_notification
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.services import feeds as feeds_module
from amazon_odoo.services.feeds import (
    JOB,
    LOST_AFTER,
    FeedTracker,
    document_key,
    feed_finished_handler,
    feed_items,
    feed_results,
    track_feeds,
)
from amazon_odoo.services.jobs import run_job
from amazon_odoo.services.notifications import NotificationRouter
from tests.fakes import InMemoryDocumentStore, InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
US = "ATVPDKIKX0DER"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ScriptedAmazon:
    """The Feeds API of one seller, as a script: feeds are created, finished by the test, reported."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.feeds: dict[str, AmazonFeed] = {}
        self.results: dict[str, bytes] = {}
        self.uploads: dict[str, tuple[bytes, str]] = {}
        self.raise_on: dict[str, ConnectorError] = {}
        self.create_then_lose_answer = False
        self.before_call: Callable[[str], None] = lambda operation: None

    def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        self.before_call(operation)
        if operation == "createFeed" and self.create_then_lose_answer:
            return  # create_feed raises after creating the feed
        error = self.raise_on.pop(operation, None)
        if error is not None:
            raise error

    def create_feed_document(self, content_type: str) -> AmazonFeedDocument:
        self._enter("createFeedDocument")
        number = len(self.uploads) + 1
        return AmazonFeedDocument.model_validate(
            {"feedDocumentId": f"amzn1.tortuga.in-{number}", "url": f"https://s3.example/in-{number}"}
        )

    def upload_feed_document(self, document: AmazonFeedDocument, content: bytes, content_type: str) -> None:
        self._enter("uploadFeedDocument")
        self.uploads[document.document_id] = (content, content_type)

    def create_feed(
        self,
        feed_type: str,
        marketplace_ids: Sequence[str],
        input_document_id: str,
        feed_options: Any = None,
    ) -> str:
        self._enter("createFeed")
        feed_id = str(50046018000 + len(self.feeds))
        self.feeds[feed_id] = self._feed(feed_id, feed_type, marketplace_ids, "IN_QUEUE")
        error = self.raise_on.pop("createFeed", None)
        if error is not None:
            raise error  # created, but the answer is lost
        return feed_id

    def _feed(
        self, feed_id: str, feed_type: str, markets: Sequence[str], status: str, **extra: Any
    ) -> AmazonFeed:
        return AmazonFeed.model_validate(
            {
                "feedId": feed_id,
                "feedType": feed_type,
                "marketplaceIds": list(markets),
                "createdTime": self.clock(),
                "processingStatus": status,
                **extra,
            }
        )

    def finish(self, feed_id: str, status: str = "DONE", result: bytes | None = None) -> None:
        feed = self.feeds[feed_id]
        extra: dict[str, Any] = {"processingEndTime": self.clock()}
        if result is not None:
            extra["resultFeedDocumentId"] = f"amzn1.tortuga.out-{feed_id}"
            self.results[f"amzn1.tortuga.out-{feed_id}"] = result
        self.feeds[feed_id] = feed.model_copy(
            update={
                "status": FeedStatus(status),
                "processing_end": self.clock(),
                "result_document_id": extra.get("resultFeedDocumentId"),
            }
        )

    def get_feed(self, feed_id: str) -> AmazonFeed:
        self._enter("getFeed")
        if feed_id not in self.feeds:
            raise PermanentError("getFeed: Amazon answered HTTP 404 NotFound", code="NotFound")
        return self.feeds[feed_id]

    def get_feeds(
        self, *, feed_types: Sequence[str], marketplace_ids: Sequence[str] = (), **window: Any
    ) -> list[AmazonFeed]:
        self._enter("getFeeds")
        since, until = window.get("created_since"), window.get("created_until")
        return [
            f
            for f in self.feeds.values()
            if f.feed_type in feed_types
            and (since is None or f.created_time >= since)
            and (until is None or f.created_time <= until)
        ]

    def get_feed_document(self, document_id: str) -> bytes:
        self._enter("getFeedDocument")
        return self.results[document_id]


def report(*issues: tuple[int, str, str, str]) -> bytes:
    """A JSON_LISTINGS_FEED processing report: (message id, sku, severity, code) per issue."""
    rows = [
        {"messageId": n, "sku": sku, "severity": severity, "code": code, "message": f"{code} about {sku}"}
        for n, sku, severity, code in issues
    ]
    errors = sum(1 for r in rows if r["severity"] == "ERROR")
    summary = {"errors": errors, "warnings": len(rows) - errors, "messagesProcessed": 3}
    summary |= {"messagesAccepted": 3 - errors, "messagesInvalid": errors}
    return json.dumps(
        {
            "header": {"sellerId": "A3MUGSUS8ACCPT", "version": "2.0", "feedId": "1"},
            "issues": rows,
            "summary": summary,
        }
    ).encode()


def quantity(sku: str, value: int) -> ListingsMessage:
    patch = {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": value}],
    }
    return ListingsMessage(sku=sku, product_type="DRINKING_CUP", patches=(patch,), value=f"quantity {value}")


def stock_feed(*skus: str) -> FeedContent:
    return build_listings_feed("A3MUGSUS8ACCPT", [quantity(sku, n) for n, sku in enumerate(skus, start=1)])


@pytest.fixture
def seller() -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return parse_sellers_file(raw).sellers[0]


class World:
    def __init__(self, seller: SellerConfig) -> None:
        self.seller = seller
        self.clock = Clock()
        self.state = InMemoryStateStore(clock=self.clock)
        self.state.replace_sellers([seller])
        self.documents = InMemoryDocumentStore()
        self.amazon = ScriptedAmazon(self.clock)
        self.heard: list[tuple[str, int]] = []
        self.tracker = self.make_tracker()

    def make_tracker(self, worker: str | None = None) -> FeedTracker:
        def listener(record: FeedRecord, results: FeedResults) -> None:
            self.heard.append((record.label, len(results.items)))

        return FeedTracker(
            self.state,
            self.documents,
            lambda s: self.amazon,
            listeners={"export_stock": listener},
            clock=self.clock,
            worker=worker,
        )

    def submit(self, *skus: str, job: str = "export_stock") -> FeedRecord:
        return self.tracker.submit(
            self.seller,
            feed_type=JSON_LISTINGS_FEED,
            marketplace_ids=[US],
            content=stock_feed(*skus),
            job=job,
        )

    def track(self) -> Any:
        return run_job(self.state, self.seller, JOB, lambda ctx: track_feeds(ctx, self.tracker))

    def logs(self, job: str = "export_stock") -> list[Any]:
        return list(reversed(self.state.list_logs("mugs-us", job=job)))

    def failed(self, job: str = "export_stock") -> dict[str, Any]:
        return self.tracker.failed_items("mugs-us", job, US)


@pytest.fixture
def world(seller: SellerConfig) -> World:
    return World(seller)


# -- submitting ----------------------------------------------------------------------------------------------


def test_the_record_is_written_before_amazon_is_called_and_completed_after(world: World) -> None:
    seen: list[tuple[str, list[FeedStatus]]] = []
    world.amazon.before_call = lambda op: seen.append(
        (op, [r.status for r in world.state.pending_feeds("mugs-us")])
    )
    record = world.submit("MUG-BLUE-12", "MUG-RED-12")
    assert seen == [
        ("createFeedDocument", [FeedStatus.SUBMITTING]),
        ("uploadFeedDocument", [FeedStatus.SUBMITTING]),
        ("createFeed", [FeedStatus.SUBMITTING]),
    ]
    assert (record.status, record.feed_id, record.submitted_at) == (FeedStatus.IN_QUEUE, "50046018000", START)
    assert (record.job, record.scope, record.item_kind, record.item_count) == ("export_stock", US, "sku", 2)
    assert [(i.key, i.value) for i in record.items] == [
        ("MUG-BLUE-12", "quantity 1"),
        ("MUG-RED-12", "quantity 2"),
    ]
    assert record.input_document_id == "amzn1.tortuga.in-1"
    assert world.state.get_feed("mugs-us", "50046018000") == record
    assert world.state.get_feed("mugs-us", record.submission_id) == record
    sent, content_type = world.amazon.uploads["amzn1.tortuga.in-1"]
    assert content_type == "application/json; charset=UTF-8"
    assert world.documents.get_document(document_key(record, "input")) == sent  # kept as submitted


def test_a_large_feed_keeps_a_summary_on_the_record_and_every_item_in_its_manifest(world: World) -> None:
    skus = [f"SKU-{n:03}" for n in range(30)]
    record = world.submit(*skus)
    assert record.item_count == 30 and len(record.items) == 20
    assert [i.key for i in feed_items(world.documents, record)] == skus
    assert set(world.tracker.items_in_flight("mugs-us", "export_stock", US)) == set(skus)


@pytest.mark.parametrize(
    "error",
    [
        PermanentError(
            "createFeed: Amazon answered HTTP 400 InvalidInput: Invalid marketplaceIds", code="InvalidInput"
        ),
        ThrottledError("createFeed: rate limit", code="QuotaExceeded", retry_after=120),
    ],
)
def test_a_refused_submission_is_closed_and_its_items_count_as_failed(
    world: World, error: ConnectorError
) -> None:
    world.amazon.raise_on["createFeed"] = error
    with pytest.raises(type(error)):
        world.submit("MUG-BLUE-12", "MUG-RED-12")
    (record,) = world.state.list_feeds("mugs-us")
    assert (record.status, record.pending, record.feed_id, record.errors) == (
        FeedStatus.NOT_SUBMITTED,
        False,
        "",
        2,
    )
    assert record.message == error.message
    assert sorted(world.failed()) == ["MUG-BLUE-12", "MUG-RED-12"]
    assert world.failed()["MUG-RED-12"].status is FeedStatus.NOT_SUBMITTED
    assert world.logs() == []  # the caller's job logs what was raised
    assert world.state.pending_feeds("mugs-us") == []


def test_removed_feed_types_are_refused_before_anything_is_recorded(world: World) -> None:
    with pytest.raises(PermanentError, match="removed by Amazon"):
        world.tracker.submit(
            world.seller,
            feed_type="POST_INVENTORY_AVAILABILITY_DATA",
            marketplace_ids=[US],
            content=stock_feed("A"),
            job="export_stock",
        )
    assert world.state.list_feeds("mugs-us") == [] and world.amazon.calls == []


# -- a lost createFeed answer ------------------------------------------------------------------------------


def test_a_lost_answer_leaves_the_record_to_the_tracker_which_adopts_the_feed(world: World) -> None:
    world.amazon.raise_on["createFeed"] = SubmissionUncertainError("createFeed: no answer (ReadTimeout)")
    world.amazon.create_then_lose_answer = True
    with pytest.raises(SubmissionUncertainError):
        world.submit("MUG-BLUE-12")
    (record,) = world.state.pending_feeds("mugs-us")
    assert record.status is FeedStatus.SUBMITTING and "ReadTimeout" in record.message
    assert "MUG-BLUE-12" in world.tracker.items_in_flight(
        "mugs-us", "export_stock", US
    )  # not resent meanwhile

    world.track()  # its submitter may still be at it: left alone, Amazon not asked
    assert "getFeeds" not in world.amazon.calls
    world.clock.advance(seconds=LOST_AFTER.total_seconds() + 1)
    world.track()
    (adopted,) = world.state.pending_feeds("mugs-us")
    assert (adopted.status, adopted.feed_id) == (FeedStatus.IN_QUEUE, "50046018000")
    world.amazon.finish("50046018000", result=report())
    run = world.track()
    assert run.counts["feeds_finished"] == 1 and run.counts["items_accepted"] == 1
    assert world.state.get_feed("mugs-us", "50046018000").status is FeedStatus.DONE  # type: ignore[union-attr]


def test_a_lost_submission_amazon_never_created_is_closed_and_its_items_sent_again(world: World) -> None:
    world.amazon.raise_on["createFeed"] = SubmissionUncertainError("createFeed: HTTP 503")
    with pytest.raises(SubmissionUncertainError):
        world.submit("MUG-BLUE-12")
    world.clock.advance(minutes=20)
    world.track()
    (record,) = world.state.list_feeds("mugs-us")
    assert record.status is FeedStatus.NOT_SUBMITTED and "Amazon lists no such feed" in record.message
    assert list(world.failed()) == ["MUG-BLUE-12"]
    (entry,) = world.logs()
    assert entry.level is LogLevel.WARNING and "never reached Amazon" in entry.message


def test_a_lost_submission_with_two_candidates_is_uncertain_and_not_sent_again(world: World) -> None:
    world.amazon.raise_on["createFeed"] = SubmissionUncertainError("createFeed: HTTP 503")
    world.amazon.create_then_lose_answer = True
    with pytest.raises(SubmissionUncertainError):
        world.submit("MUG-BLUE-12")
    world.amazon.feeds["99"] = world.amazon._feed("99", JSON_LISTINGS_FEED, [US], "DONE")  # someone else's
    world.clock.advance(minutes=20)
    world.track()
    (record,) = world.state.list_feeds("mugs-us")
    assert record.status is FeedStatus.UNCERTAIN and "50046018000, 99" in record.message
    assert world.failed() == {}  # nothing is sent twice on a guess
    (entry,) = world.logs()
    assert entry.level is LogLevel.ERROR and "Seller Central" in entry.resolution


# -- tracking by polling -------------------------------------------------------------------------------------


def test_polling_stores_results_logs_errors_against_the_sku_and_flags_them(world: World) -> None:
    record = world.submit("MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4")
    run = world.track()
    assert run.counts == {"feeds_pending": 1} and run.status is RunStatus.SUCCEEDED  # still processing
    world.amazon.finish(
        record.feed_id,
        result=report((2, "MUG-RED-12", "ERROR", "99010"), (3, "COASTER-SET-4", "WARNING", "18448")),
    )
    run = world.track()
    assert run.counts == {"feeds_pending": 1, "feeds_finished": 1, "items_accepted": 2, "items_failed": 1}
    done = world.state.get_feed("mugs-us", record.feed_id)
    assert done is not None and not done.pending
    assert (done.status, done.accepted, done.warnings, done.errors) == (FeedStatus.DONE, 2, 1, 1)
    assert done.result_document_id == f"amzn1.tortuga.out-{record.feed_id}"
    results = feed_results(world.documents, done)
    assert results is not None
    assert [(i.key, i.outcome) for i in results.items] == [
        ("MUG-BLUE-12", ItemOutcome.ACCEPTED),
        ("MUG-RED-12", ItemOutcome.ERROR),
        ("COASTER-SET-4", ItemOutcome.WARNING),
    ]
    assert (
        world.documents.get_document(document_key(done, "report"))
        == world.amazon.results[done.result_document_id]
    )
    error, warning = world.logs()
    assert (error.level, error.record_ref, error.job) == (LogLevel.ERROR, "sku MUG-RED-12", "export_stock")
    assert "99010 about MUG-RED-12" in error.message and "(quantity 2)" in error.message
    assert "correct it in Odoo" in error.resolution and "next export_stock run" in error.resolution
    assert error.details["feed_id"] == record.feed_id and error.details["message_id"] == 2
    assert (warning.level, warning.record_ref) == (LogLevel.WARNING, "sku COASTER-SET-4")
    assert list(world.failed()) == ["MUG-RED-12"] and world.failed()["MUG-RED-12"].code == "99010"
    assert world.heard == [(record.feed_id, 3)]
    assert world.tracker.items_in_flight("mugs-us", "export_stock", US) == {}
    assert world.track().counts == {"feeds_pending": 0}  # nothing pending: Amazon is not asked
    assert world.amazon.calls.count("getFeed") == 2


def test_a_later_accepted_feed_clears_a_failed_item_and_an_older_one_never_clobbers(world: World) -> None:
    older = world.submit("MUG-RED-12")
    world.clock.advance(seconds=1)
    newer = world.submit("MUG-RED-12")
    world.amazon.finish(newer.feed_id, result=report((1, "MUG-RED-12", "ERROR", "99010")))
    world.amazon.finish(older.feed_id, result=report())
    world.track()
    assert world.failed()["MUG-RED-12"].feed_id == newer.feed_id  # the older success does not hide it
    world.clock.advance(seconds=1)
    fixed = world.submit("MUG-RED-12")
    world.amazon.finish(fixed.feed_id, result=report())
    world.track()
    assert world.failed() == {}


def test_a_fatal_feed_flags_every_item_and_logs_once_with_amazons_reason(world: World) -> None:
    record = world.submit("MUG-BLUE-12", "MUG-RED-12")
    world.amazon.finish(
        record.feed_id, "FATAL", b"Feed was not processed: This feed type is no longer supported.\n"
    )
    world.track()
    done = world.state.get_feed("mugs-us", record.feed_id)
    assert done is not None and (done.status, done.errors, done.pending) == (FeedStatus.FATAL, 2, False)
    assert sorted(world.failed()) == ["MUG-BLUE-12", "MUG-RED-12"]
    (entry,) = world.logs()
    assert entry.record_ref == f"feed {record.feed_id}" and "no longer supported" in entry.message
    assert "sent again by the next export_stock run" in entry.resolution


def test_an_unreadable_report_leaves_the_items_unknown_for_a_person(world: World) -> None:
    record = world.submit("MUG-BLUE-12")
    world.amazon.finish(record.feed_id, result=b"<html>Service Unavailable</html>")
    world.track()
    results = feed_results(world.documents, world.state.get_feed("mugs-us", record.feed_id))  # type: ignore[arg-type]
    assert results is not None and results.items[0].outcome is ItemOutcome.UNKNOWN
    assert world.failed() == {}
    (entry,) = world.logs()
    assert entry.level is LogLevel.ERROR and "unreadable" in entry.message


def test_a_feed_amazon_no_longer_knows_is_closed_uncertain(world: World) -> None:
    record = world.submit("MUG-BLUE-12")
    del world.amazon.feeds[record.feed_id]
    world.track()
    closed = world.state.get_feed("mugs-us", record.feed_id)
    assert closed is not None and closed.status is FeedStatus.UNCERTAIN and not closed.pending


def test_item_log_entries_are_capped_per_feed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds_module, "MAX_ITEM_LOG_ENTRIES", 2)
    record = world.submit("A", "B", "C")
    world.amazon.finish(
        record.feed_id, result=report(*((n, k, "ERROR", "90220") for n, k in ((1, "A"), (2, "B"), (3, "C"))))
    )
    world.track()
    entries = world.logs()
    assert [e.record_ref for e in entries] == ["sku A", "sku B", f"feed {record.feed_id}"]
    assert "1 more item(s)" in entries[2].message and "feeds show" in entries[2].resolution
    assert sorted(world.failed()) == ["A", "B", "C"]  # every one is still flagged


def test_a_feed_being_finished_elsewhere_is_skipped(world: World) -> None:
    record = world.submit("A")
    world.amazon.finish(record.feed_id, result=report())
    assert world.state.acquire_lease(f"feed:mugs-us:{record.submission_id}", "someone-else", 300)
    run = world.track()
    assert run.counts["feeds_skipped"] == 1 and world.state.get_feed("mugs-us", record.feed_id).pending  # type: ignore[union-attr]


def test_throttled_downloads_are_deferred_to_the_next_run(world: World) -> None:
    record = world.submit("A")
    world.amazon.finish(record.feed_id, result=report())
    world.amazon.raise_on["getFeedDocument"] = ThrottledError("getFeedDocument: rate limit", retry_after=45)
    run = world.track()
    assert run.counts["feeds_deferred"] == 1 and run.status is RunStatus.SUCCEEDED
    kept = world.state.get_feed("mugs-us", record.feed_id)
    assert kept is not None and kept.status is FeedStatus.DONE and kept.pending  # Amazon's verdict kept
    world.track()
    assert not world.state.get_feed("mugs-us", record.feed_id).pending  # type: ignore[union-attr]
    assert world.amazon.calls.count("getFeed") == 1  # the second run did not ask for the status again


# -- tracking by notification ---------------------------------------------------------------------------------


def notification(feed_id: str, status: str = "DONE", result: str | None = None, nid: str = "n-1") -> Any:
    payload: dict[str, Any] = {
        "sellerId": "A3MUGSUS8ACCPT",
        "feedId": feed_id,
        "feedType": JSON_LISTINGS_FEED,
        "processingStatus": status,
    }
    if result:
        payload["resultFeedDocumentId"] = result
    return parse_notification(
        {
            "notificationVersion": "2020-09-04",
            "notificationType": "FEED_PROCESSING_FINISHED",
            "payloadVersion": "2020-09-04",
            "eventTime": "2026-11-20T10:16:00.000Z",
            "payload": {"feedProcessingFinishedNotification": payload},
            "notificationMetadata": {
                "applicationId": "app",
                "subscriptionId": "sub",
                "publishTime": "2026-11-20T10:16:01.000Z",
                "notificationId": nid,
            },
        }
    )


def test_the_notification_finishes_our_feed_and_acknowledges_the_rest(world: World) -> None:
    router = NotificationRouter(
        world.state, {"FEED_PROCESSING_FINISHED": feed_finished_handler(lambda: world.tracker)}
    )
    record = world.submit("MUG-BLUE-12", "MUG-RED-12")
    world.amazon.finish(record.feed_id, result=report((2, "MUG-RED-12", "ERROR", "99010")))
    result_id = f"amzn1.tortuga.out-{record.feed_id}"
    assert router.handle(notification(record.feed_id, result=result_id)) == "feed done"
    assert "getFeed" not in world.amazon.calls  # the notification said it all
    assert list(world.failed()) == ["MUG-RED-12"] and world.logs()[0].record_ref == "sku MUG-RED-12"
    # delivered again, and a feed someone else submitted: both acknowledged with a note
    assert router.handle(notification(record.feed_id, result=result_id, nid="n-2")) == "handled"
    assert router.handle(notification("123456789", nid="n-3")) == "handled"
    notes = [e.message for e in world.state.list_logs("mugs-us", job="amazon_events")]
    assert any("already tracked" in m for m in notes)
    assert any("feed 123456789 (JSON_LISTINGS_FEED) was not submitted by this connector" in m for m in notes)
    assert world.heard == [(record.feed_id, 2)]  # told once


def test_a_notification_without_feed_id_is_refused_and_logged(world: World) -> None:
    router = NotificationRouter(
        world.state, {"FEED_PROCESSING_FINISHED": feed_finished_handler(lambda: world.tracker)}
    )
    broken = notification("x").model_copy(update={"payload": {"feedProcessingFinishedNotification": {}}})
    assert router.handle(broken) == "failed"
    (entry,) = world.state.list_logs("mugs-us", job="amazon_events")
    assert entry.level is LogLevel.ERROR and "feedId" in entry.message


def test_a_notification_that_races_the_poll_is_skipped_not_doubled(world: World) -> None:
    record = world.submit("A")
    world.amazon.finish(record.feed_id, result=report())
    other = world.make_tracker(worker="other")
    assert world.state.acquire_lease(f"feed:mugs-us:{record.submission_id}", "other", 300)
    with pytest.raises(SkipError, match="another worker"):
        world.tracker.on_notification(
            notification(record.feed_id, result=f"amzn1.tortuga.out-{record.feed_id}"), world.seller
        )
    world.state.release_lease(f"feed:mugs-us:{record.submission_id}", "other")
    done = other.refresh(world.seller, record)
    assert not done.pending and world.heard == [(record.feed_id, 1)]
