"""Feeds: every submission recorded, tracked to Amazon's per-item result (FEATURES.md §5, DESIGN.md §2).

**Submitting** (:func:`submit_feed`, called by the jobs that send feeds — listings exports, order
acknowledgements, payment adjustments): the document and its item manifest go to the documents store,
the record is written (``SUBMITTING``) *before* Amazon is called, then createFeedDocument → upload to
the pre-signed URL → createFeed, and the record is completed (``IN_QUEUE`` with Amazon's feed id). A
refusal on the way closes the record ``NOT_SUBMITTED`` (its items count as failed) and is raised to the
caller; a lost createFeed answer leaves it ``SUBMITTING`` for the tracker to look up, so a feed that
Amazon may act on is never sent twice blindly.

**Tracking** (:class:`FeedTracker`): ``FEED_PROCESSING_FINISHED`` (routed by amazon_events) and the
``track_feeds`` job (the polling fallback: getFeed for each pending record, getFeeds for lost
submissions) end in the same :meth:`FeedTracker.finish`: the processing report is downloaded, kept, parsed
and mapped back onto the items; the results are stored; errors become log book entries against the SKU
or order (filed under the submitting job) with Amazon's message and a resolution; items whose feed
failed or that Amazon refused are marked failed until a later feed gets them accepted.

**Asking** (for the submitting jobs' next run): :func:`failed_items` — the items whose last feed failed —
and :func:`items_in_flight` — the items of feeds Amazon has not finished with.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import ValidationError

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import (
    ConnectorError,
    PermanentError,
    RetryableError,
    SkipError,
    ThrottledError,
)
from amazon_odoo.domain.feeds import (
    SKU,
    SUMMARY_ITEMS,
    AmazonFeed,
    FailedItem,
    FeedContent,
    FeedItem,
    FeedRecord,
    FeedResults,
    FeedStatus,
    ItemOutcome,
    ReportFormatError,
    SubmissionUncertainError,
    build_results,
    check_feed_type,
    failure_reason,
    item_kind,
    new_submission_id,
    parse_processing_report,
    resolution_for,
)
from amazon_odoo.domain.notifications import Notification, get_ci
from amazon_odoo.domain.state import LogEntry, LogLevel, utcnow
from amazon_odoo.ports import AmazonGateway, DocumentStore, StateStore
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.notifications import NotificationHandler

JOB = "track_feeds"
FEED_PROCESSING_FINISHED = "FEED_PROCESSING_FINISHED"

# A SUBMITTING record this old lost its submitter (crash, lost answer): it is looked up at Amazon.
LOST_AFTER = timedelta(minutes=15)
# Amazon's createdTime of a lost submission's feed: from a little before the record to a little after.
MATCH_BEFORE, MATCH_AFTER = timedelta(minutes=2), timedelta(minutes=10)
LEASE_SECONDS = 300  # one worker finishes a feed at a time (notification and poll may race)
MAX_ITEM_LOG_ENTRIES = 200  # per feed; the rest are summed up in one entry (all are in `feeds show`)

INPUT, MANIFEST, REPORT, RESULTS = "input", "manifest.json", "report", "results.json"

FeedListener = Callable[[FeedRecord, FeedResults], None]
"""Told once per feed when its results are stored (before its failed items are marked). Keyed by the
submitting job; must be idempotent and raise only retryable errors (the feed is then finished again)."""


def document_key(record: FeedRecord, name: str) -> str:
    """Where a feed's documents are kept in the documents store."""
    return f"feeds/{record.seller_id}/{record.submission_id}/{name}"


def default_scope(marketplace_ids: Sequence[str]) -> str:
    return ",".join(sorted(marketplace_ids))


def _manifest(items: Sequence[FeedItem]) -> bytes:
    return json.dumps({"items": [item.model_dump() for item in items]}, separators=(",", ":")).encode()


def feed_items(documents: DocumentStore, record: FeedRecord) -> tuple[FeedItem, ...]:
    """Every item a feed carried (from the record when it holds them all, else from its manifest)."""
    if record.item_count <= len(record.items):
        return record.items
    data = json.loads(documents.get_document(document_key(record, MANIFEST)))
    return tuple(FeedItem.model_validate(item) for item in data["items"])


def feed_results(documents: DocumentStore, record: FeedRecord) -> FeedResults | None:
    """A finished feed's per-item results; None while it is pending."""
    if record.pending:
        return None
    return FeedResults.model_validate_json(documents.get_document(document_key(record, RESULTS)))


# -- submitting --------------------------------------------------------------------------------------------


def submit_feed(
    amazon: AmazonGateway,
    state: StateStore,
    documents: DocumentStore,
    *,
    seller_id: str,
    feed_type: str,
    marketplace_ids: Sequence[str],
    content: FeedContent,
    job: str,
    scope: str | None = None,
    feed_options: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = utcnow,
    submission_id: str | None = None,
) -> FeedRecord:
    """Submit one feed and return its record (``IN_QUEUE``, with Amazon's feed id).

    ``submission_id`` (default: a new one) lets a caller record the feed's id before it exists.

    ``job`` is the submitting job (its log book entries are filed under it); ``scope`` what that job keeps
    apart (default: the marketplace ids joined by commas — the marketplace id for a one-marketplace feed).
    Raises what Amazon answered: a refusal or throttling after closing the record ``NOT_SUBMITTED`` (its
    items count as failed), SubmissionUncertainError when createFeed's answer was lost (the tracker
    settles it).
    """
    check_feed_type(feed_type)
    marketplaces = tuple(marketplace_ids)
    if not marketplaces:
        raise ValueError("a feed needs at least one marketplace id")
    if not content.items:
        raise ValueError("a feed carries at least one item")
    now = clock()
    record = FeedRecord(
        seller_id=seller_id,
        submission_id=submission_id or new_submission_id(now),
        feed_type=feed_type,
        job=job,
        scope=default_scope(marketplaces) if scope is None else scope,
        marketplace_ids=marketplaces,
        content_type=content.content_type,
        item_kind=item_kind(feed_type),
        item_count=len(content.items),
        items=content.items[:SUMMARY_ITEMS],
        created_at=now,
    )
    documents.put_document(document_key(record, INPUT), content.content, content.content_type)
    documents.put_document(document_key(record, MANIFEST), _manifest(content.items), "application/json")
    record = state.save_feed(record)  # from here on a crash leaves a record the tracker settles
    document_id = ""
    try:
        target = amazon.create_feed_document(content.content_type)
        document_id = target.document_id
        amazon.upload_feed_document(target, content.content, content.content_type)
        feed_id = amazon.create_feed(feed_type, marketplaces, document_id, feed_options)
    except SubmissionUncertainError as error:
        state.save_feed(
            record.model_copy(update={"input_document_id": document_id, "message": error.message})
        )
        raise
    except ConnectorError as error:
        closed = record.model_copy(
            update={
                "status": FeedStatus.NOT_SUBMITTED,
                "input_document_id": document_id,
                "message": error.message,
            }
        )
        results = build_results(closed, content.items, None, reason=error.message)
        _close(state, documents, closed, results, clock(), log=False)
        raise
    return state.save_feed(
        record.model_copy(
            update={
                "feed_id": feed_id,
                "status": FeedStatus.IN_QUEUE,
                "submitted_at": clock(),
                "input_document_id": document_id,
            }
        )
    )


# -- finishing ---------------------------------------------------------------------------------------------


def _close(
    state: StateStore,
    documents: DocumentStore,
    record: FeedRecord,
    results: FeedResults,
    now: datetime,
    *,
    log: bool,
    listener: FeedListener | None = None,
) -> FeedRecord:
    """Store a finished feed's results, tell its listener, mark its failed items, log, close the record."""
    documents.put_document(
        document_key(record, RESULTS), results.model_dump_json().encode("utf-8"), "application/json"
    )
    if listener is not None:
        listener(record, results)
    _mark_failed_items(state, record, results, now)
    if log:
        _log_results(state, record, results, now)
    return state.save_feed(
        record.model_copy(
            update={
                "status": results.status,
                "accepted": results.accepted,
                "warnings": results.warnings,
                "errors": results.errors,
                "message": results.message,
                "done_at": now,
            }
        )
    )


def _mark_failed_items(state: StateStore, record: FeedRecord, results: FeedResults, now: datetime) -> None:
    """Failed items get (or keep) their marker; accepted ones lose it — unless a later feed set it."""
    existing = {item.key: item for item in state.failed_items(record.seller_id, record.job, record.scope)}

    def newer(key: str) -> bool:
        return key in existing and existing[key].submission_id > record.submission_id

    failed = [
        FailedItem(
            key=item.key,
            value=item.value,
            feed_id=record.feed_id,
            submission_id=record.submission_id,
            status=results.status,
            code=item.code,
            message=item.text,
            at=now,
        )
        for item in results.items
        if item.outcome is ItemOutcome.ERROR and not newer(item.key)
    ]
    cleared = [
        item.key
        for item in results.items
        if item.outcome.applied and item.key in existing and not newer(item.key)
    ]
    if failed:
        state.save_failed_items(record.seller_id, record.job, record.scope, failed)
    if cleared:
        state.clear_failed_items(record.seller_id, record.job, record.scope, cleared)


def _log_results(state: StateStore, record: FeedRecord, results: FeedResults, now: datetime) -> None:
    kind, job, label = record.item_kind, record.job, record.label
    details = {
        "feed_id": record.feed_id,
        "submission_id": record.submission_id,
        "feed_type": record.feed_type,
    }

    written = 0

    def add(level: LogLevel, ref: str, message: str, resolution: str, **extra: object) -> None:
        nonlocal written
        written += 1
        state.add_log(
            LogEntry(
                at=now + timedelta(microseconds=written),  # the log book keeps them in this order
                level=level,
                seller_id=record.seller_id,
                job=job,
                record_ref=ref,
                message=message,
                resolution=resolution,
                details={**details, **extra},
            )
        )

    status = results.status
    count = len(results.items)
    if status in (FeedStatus.FATAL, FeedStatus.CANCELLED):
        add(
            LogLevel.ERROR,
            f"feed {label}",
            f"{record.feed_type} feed {label} ended {status.value}: {results.message}",
            f"its {count} item(s) are sent again by the next {job} run; if it keeps failing, look at the "
            f"feed in Seller Central (amazon-odoo feeds show {label})",
        )
        return
    if status is FeedStatus.NOT_SUBMITTED:
        add(
            LogLevel.WARNING,
            f"feed {label}",
            f"{record.feed_type} submission {label} never reached Amazon: {results.message}",
            f"nothing to do: its {count} item(s) are sent again by the next {job} run",
        )
        return
    if status is FeedStatus.UNCERTAIN or results.count(ItemOutcome.UNKNOWN):
        add(
            LogLevel.ERROR,
            f"feed {label}",
            f"{record.feed_type} feed {label}: {results.message}",
            f"check in Seller Central what became of its {count} item(s) (amazon-odoo feeds show {label}); "
            "they are not sent again on their own, so nothing is done twice",
        )
        return
    problems = results.by_outcome(ItemOutcome.ERROR, ItemOutcome.WARNING)
    for item in problems[:MAX_ITEM_LOG_ENTRIES]:
        what = f"{kind} {item.key}"
        sent = f" ({item.value})" if item.value else ""
        if item.outcome is ItemOutcome.ERROR:
            add(
                LogLevel.ERROR,
                what,
                f"Amazon refused {what}{sent} in {record.feed_type} feed {label}: {item.text}",
                resolution_for(item.code, kind, job),
                message_id=item.message_id,
                code=item.code,
            )
        else:
            add(
                LogLevel.WARNING,
                what,
                f"Amazon accepted {what}{sent} in {record.feed_type} feed {label} with warnings: {item.text}",
                "nothing blocks the update; complete the listing in Seller Central to clear the warning"
                if kind == SKU
                else "nothing blocks the update; Amazon's warning says what to correct next time",
                message_id=item.message_id,
                code=item.code,
            )
    if len(problems) > MAX_ITEM_LOG_ENTRIES:
        add(
            LogLevel.ERROR,
            f"feed {label}",
            f"{len(problems) - MAX_ITEM_LOG_ENTRIES} more item(s) of feed {label} have errors or warnings",
            f"see them all with 'amazon-odoo feeds show {label}'",
        )
    if results.feed_issues:
        add(
            LogLevel.WARNING,
            f"feed {label}",
            f"Amazon's report on feed {label} names issues outside its items: "
            + "; ".join(issue.text for issue in results.feed_issues),
            "check the feed in Seller Central if its items' results look wrong",
        )


# -- tracking ----------------------------------------------------------------------------------------------


class FeedTracker:
    """Follows the connector's feeds to their results (the notification, the poll, the CLI).

    ``amazon_for`` gives a seller's gateway; ``listeners`` (by submitting job) hear of finished feeds.
    """

    def __init__(
        self,
        state: StateStore,
        documents: DocumentStore,
        amazon_for: Callable[[SellerConfig], AmazonGateway],
        *,
        listeners: Mapping[str, FeedListener] | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
    ) -> None:
        self.state = state
        self.documents = documents
        self._amazon_for = amazon_for
        self._listeners = dict(listeners or {})
        self._clock = clock
        self._worker = worker or f"feeds-{uuid.uuid4().hex[:12]}"

    def submit(
        self,
        seller: SellerConfig,
        *,
        feed_type: str,
        marketplace_ids: Sequence[str],
        content: FeedContent,
        job: str,
        scope: str | None = None,
        feed_options: Mapping[str, str] | None = None,
        submission_id: str | None = None,
    ) -> FeedRecord:
        """:func:`submit_feed` for ``seller`` with this tracker's stores."""
        return submit_feed(
            self._amazon_for(seller),
            self.state,
            self.documents,
            seller_id=seller.id,
            feed_type=feed_type,
            marketplace_ids=marketplace_ids,
            content=content,
            job=job,
            scope=scope,
            feed_options=feed_options,
            clock=self._clock,
            submission_id=submission_id,
        )

    def refresh(self, seller: SellerConfig, record: FeedRecord) -> FeedRecord:
        """Bring one pending record forward: look a lost submission up, ask getFeed, finish it when done."""
        if not record.pending:
            return record
        if record.status is FeedStatus.SUBMITTING:
            return self._recover(seller, record)
        if record.status.finished:  # Amazon is done, the results are not stored yet
            return self.finish(seller, record, None)
        amazon = self._amazon_for(seller)
        try:
            reported = amazon.get_feed(record.feed_id)
        except PermanentError as error:
            if error.code not in ("NotFound", "404"):
                raise
            closed = record.model_copy(
                update={
                    "status": FeedStatus.UNCERTAIN,
                    "message": f"Amazon no longer knows it: {error.message}",
                }
            )
            return self._finish_without_report(closed)
        updated = record.with_amazon(reported)
        if updated.status.finished:
            return self.finish(seller, record, reported)
        if updated != record:
            return self.state.save_feed(updated)
        return record

    def finish(self, seller: SellerConfig, record: FeedRecord, reported: AmazonFeed | None) -> FeedRecord:
        """Store what Amazon made of a feed that finished (or only its new status while it is processing)."""
        lease = f"feed:{record.seller_id}:{record.submission_id}"
        if not self.state.acquire_lease(lease, self._worker, LEASE_SECONDS):
            raise SkipError(
                f"feed {record.label} is being finished by another worker", record=f"feed {record.label}"
            )
        try:
            current = self.state.get_feed(record.seller_id, record.submission_id) or record
            if not current.pending:
                return current
            updated = current.with_amazon(reported) if reported is not None else current
            if updated != current:
                updated = self.state.save_feed(updated)  # Amazon's verdict kept even if the download fails
            if not updated.status.finished:
                return updated
            return self._finish(seller, updated)
        finally:
            self.state.release_lease(lease, self._worker)

    def _finish(self, seller: SellerConfig, record: FeedRecord) -> FeedRecord:
        report_bytes: bytes | None = None
        if record.result_document_id:
            report_bytes = self._amazon_for(seller).get_feed_document(record.result_document_id)
            self.documents.put_document(
                document_key(record, REPORT), report_bytes, "application/octet-stream"
            )
        items = feed_items(self.documents, record)
        if record.status is not FeedStatus.DONE:
            reason = (
                failure_reason(record.feed_type, report_bytes) or f"Amazon ended the feed {record.status}"
            )
            return self._close(record, build_results(record, items, None, reason=reason))
        if report_bytes is None:
            return self._close(record, _unknown(record, items, "Amazon gave no processing report"))
        try:
            report = parse_processing_report(record.feed_type, report_bytes)
        except ReportFormatError as exc:
            return self._close(
                record, _unknown(record, items, f"its processing report is unreadable ({exc})")
            )
        return self._close(record, build_results(record, items, report))

    def _close(self, record: FeedRecord, results: FeedResults) -> FeedRecord:
        return _close(
            self.state,
            self.documents,
            record,
            results,
            self._clock(),
            log=True,
            listener=self._listeners.get(record.job),
        )

    def _finish_without_report(self, record: FeedRecord) -> FeedRecord:
        items = feed_items(self.documents, record)
        return self._close(record, build_results(record, items, None, reason=record.message))

    def _recover(self, seller: SellerConfig, record: FeedRecord) -> FeedRecord:
        """A SUBMITTING record whose submitter is gone: adopt its feed, or close it."""
        now = self._clock()
        if now - record.created_at < LOST_AFTER:
            return record  # its submitter may still be at it
        found = self._amazon_for(seller).get_feeds(
            feed_types=[record.feed_type],
            marketplace_ids=record.marketplace_ids,
            created_since=record.created_at - MATCH_BEFORE,
            created_until=min(now, record.created_at + MATCH_AFTER),
        )
        unknown = [
            feed
            for feed in found
            if (not feed.marketplace_ids or set(feed.marketplace_ids) == set(record.marketplace_ids))
            and self.state.get_feed(record.seller_id, feed.feed_id) is None
        ]
        if len(unknown) == 1:
            adopted = self.state.save_feed(
                record.with_amazon(unknown[0]).model_copy(
                    update={
                        "submitted_at": unknown[0].created_time,
                        "message": "found at Amazon after the answer to createFeed was lost",
                    }
                )
            )
            return self.finish(seller, adopted, None) if adopted.status.finished else adopted
        if not unknown:
            closed = record.model_copy(
                update={
                    "status": FeedStatus.NOT_SUBMITTED,
                    "message": "createFeed never created it: Amazon lists no such feed "
                    f"({record.message or 'its submitter stopped before the answer'})",
                }
            )
        else:
            ids = ", ".join(feed.feed_id for feed in unknown)
            closed = record.model_copy(
                update={
                    "status": FeedStatus.UNCERTAIN,
                    "message": f"the answer to createFeed was lost and Amazon lists several feeds it may "
                    f"be: {ids}",
                }
            )
        return self._finish_without_report(closed)

    # -- the notification ------------------------------------------------------------------------------

    def on_notification(self, notification: Notification, seller: SellerConfig) -> str:
        """FEED_PROCESSING_FINISHED: finish the feed if it is one of ours; anyone else's is acknowledged."""
        body = get_ci(notification.payload, "feedProcessingFinishedNotification")
        feed_id = str(get_ci(body, "feedId") or "") if isinstance(body, Mapping) else ""
        if not isinstance(body, Mapping) or not feed_id:
            raise PermanentError(
                "FEED_PROCESSING_FINISHED without payload.feedProcessingFinishedNotification.feedId",
                record=f"notification {notification.notification_id}",
                resolution="nothing to fix here; track_feeds polls the connector's feeds",
            )
        feed_type = str(get_ci(body, "feedType") or "")
        record = self.state.get_feed(seller.id, feed_id)
        if record is None:
            raise SkipError(
                f"feed {feed_id} ({feed_type or 'unknown type'}) was not submitted by this connector: "
                "acknowledged",
                record=f"feed {feed_id}",
            )
        if not record.pending:
            raise SkipError(f"feed {feed_id} is already tracked to its result", record=f"feed {feed_id}")
        try:
            reported = AmazonFeed.model_validate(
                {
                    "feedId": feed_id,
                    "feedType": record.feed_type,
                    "marketplaceIds": list(record.marketplace_ids),
                    "createdTime": record.submitted_at or record.created_at,
                    "processingStatus": get_ci(body, "processingStatus"),
                    "resultFeedDocumentId": get_ci(body, "resultFeedDocumentId"),
                }
            )
        except ValidationError:
            raise PermanentError(
                f"FEED_PROCESSING_FINISHED for feed {feed_id} has no valid processingStatus",
                record=f"feed {feed_id}",
                resolution="nothing to fix here; track_feeds polls the feed's status",
            ) from None
        done = self.finish(seller, record, reported)
        return f"feed {done.status.value.lower()}"

    # -- asking ----------------------------------------------------------------------------------------

    def failed_items(self, seller_id: str, job: str, scope: str) -> dict[str, FailedItem]:
        return failed_items(self.state, seller_id, job, scope)

    def items_in_flight(self, seller_id: str, job: str, scope: str) -> dict[str, FeedItem]:
        return items_in_flight(self.state, self.documents, seller_id, job, scope)


def _unknown(record: FeedRecord, items: Sequence[FeedItem], reason: str) -> FeedResults:
    """Results of a DONE feed whose report cannot tell what happened to its items."""
    uncertain = record.model_copy(update={"status": FeedStatus.UNCERTAIN})
    return build_results(uncertain, items, None, reason=reason).model_copy(update={"status": FeedStatus.DONE})


def failed_items(state: StateStore, seller_id: str, job: str, scope: str) -> dict[str, FailedItem]:
    """The items whose last feed failed (FATAL / CANCELLED / NOT_SUBMITTED, or refused by Amazon), by key:
    the submitting job's next run sends them again. A later feed that gets one accepted clears it."""
    return {item.key: item for item in state.failed_items(seller_id, job, scope)}


def items_in_flight(
    state: StateStore, documents: DocumentStore, seller_id: str, job: str, scope: str
) -> dict[str, FeedItem]:
    """The items of the job's feeds whose results are not stored yet (newest feed's value per key): not to
    be sent again while Amazon still works on them."""
    found: dict[str, FeedItem] = {}
    for record in state.pending_feeds(seller_id):
        if record.job == job and record.scope == scope:
            for item in feed_items(documents, record):
                found[item.key] = item
    return found


# -- the job and the notification --------------------------------------------------------------------------


def track_feeds(ctx: JobContext, tracker: FeedTracker) -> None:
    """The polling fallback: every pending feed of the seller brought forward (nothing pending: no call)."""
    pending = tracker.state.pending_feeds(ctx.seller.id)
    ctx.counts["feeds_pending"] = len(pending)
    for record in pending:
        try:
            done = tracker.refresh(ctx.seller, record)
        except SkipError:
            ctx.counts["feeds_skipped"] += 1
            continue
        except ThrottledError:
            ctx.counts["feeds_deferred"] += 1  # Amazon's rate limit: the next run goes on
            continue
        except RetryableError as error:
            ctx.counts["feeds_deferred"] += 1
            ctx.log_error(error)
            continue
        if not done.pending:
            ctx.counts["feeds_finished"] += 1
            ctx.counts["items_accepted"] += done.accepted
            ctx.counts["items_failed"] += done.errors


def feed_finished_handler(tracker: Callable[[], FeedTracker]) -> NotificationHandler:
    """The FEED_PROCESSING_FINISHED handler (``tracker`` is built on first use: cold start)."""

    def handle(notification: Notification, seller: SellerConfig) -> str:
        return tracker().on_notification(notification, seller)

    return handle
