"""Invoices and credit notes to buyers (FEATURES.md, issue 8 item 3): jobs ``send_invoices`` and
``send_credit_notes``.

Each run finds the posted customer invoices (or credit notes) of the seller's imported Amazon orders dated
in the last :data:`LOOKBACK_DAYS` days (one Odoo search, see ``OdooGateway.buyer_documents``), asks
Odoo for each one's PDF (the Send & Print wizard without e-mail; ODOO.md §11) and uploads it through the
Feeds API feed ``UPLOAD_VAT_INVOICE``, one feed per document with the document's metadata in
``feedOptions`` — Amazon's documented channel for seller invoices, shown in Seller Central's Manage
Invoices (why this channel: :mod:`amazon_odoo.domain.documents`).

**Sent once.** A :class:`~amazon_odoo.domain.documents.BuyerDocument` per (seller, Odoo move) is claimed
``SUBMITTING`` with a conditional put — holding the feed's submission id before the feed record exists —
and only then is Amazon called (:func:`~amazon_odoo.services.feeds.submit_feed`). A crash after createFeed
leaves a claim whose feed record the tracker settles (a lost answer is looked up at Amazon, never sent
again blindly); a claim without a feed record after :data:`CLAIM_GRACE` certainly never reached Amazon and
is sent again. Feed results come back through the feed tracker (``FEED_PROCESSING_FINISHED`` or
``track_feeds``) into :func:`buyer_documents_listener`: accepted → ``SENT``; FATAL or refused → ``FAILED``
with Amazon's message in the log book (written by the tracker) and sent again by the next run, at most
:data:`MAX_ATTEMPTS` feeds; an unreadable report → ``UNCERTAIN`` for a person to check.

**Skipped.** Marketplaces configured ``amazon_issues_invoices`` (Amazon issues the invoices itself) and
marketplaces without an invoice upload channel: their documents are recorded ``SKIPPED`` with one log
book entry each. **Refused.** A document Odoo cannot render (no wkhtmltopdf, a broken report) or whose
file is not a PDF: log book ERROR naming the move and what to do, nothing sent, tried again next run
(logged again only when the reason changes).

**Limits.** createFeed refills one call every 2 minutes (burst 15; SPAPI.md) and is shared with the other
feeds: at most :data:`MAX_PER_RUN` documents a run; a throttled createFeed stops the run and leaves the
rest for the next one (no sleeping in a Lambda).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amazon_odoo.domain.documents import (
    INVOICE_UPLOAD_MARKETPLACES,
    UPLOAD_VAT_INVOICE,
    BuyerDocument,
    DocumentStatus,
    DocumentType,
    OdooDocument,
    document_feed,
    feed_options,
)
from amazon_odoo.domain.errors import (
    ConfigError,
    ConflictError,
    ConnectorError,
    RetryableError,
    ThrottledError,
)
from amazon_odoo.domain.feeds import (
    FeedRecord,
    FeedResults,
    ItemOutcome,
    SubmissionUncertainError,
    new_submission_id,
)
from amazon_odoo.domain.state import LogLevel, utcnow
from amazon_odoo.ports import DocumentStore, OdooGateway, StateStore
from amazon_odoo.services.feeds import FeedListener, FeedTracker, feed_results
from amazon_odoo.services.jobs import JobContext

SEND_INVOICES = "send_invoices"
SEND_CREDIT_NOTES = "send_credit_notes"
JOB_OF: dict[DocumentType, str] = {
    DocumentType.INVOICE: SEND_INVOICES,
    DocumentType.CREDIT_NOTE: SEND_CREDIT_NOTES,
}
MOVE_TYPE: dict[DocumentType, str] = {
    DocumentType.INVOICE: "out_invoice",
    DocumentType.CREDIT_NOTE: "out_refund",
}

LOOKBACK_DAYS = 90  # Amazon's "pending invoices" cover orders of the last 90 days
MAX_PER_RUN = 20  # createFeed: burst 15, then one every 2 minutes, shared with the other feeds
MAX_ATTEMPTS = 3  # feeds per document; after that a person uploads it in Seller Central
CLAIM_GRACE = timedelta(minutes=15)  # a claim this old without a feed record lost its submitter


@dataclass
class DocumentsOutcome:
    """What one run did, by Odoo move id."""

    sent: list[int] = field(default_factory=list)  # uploaded in this run (feed in Amazon's queue)
    skipped: list[int] = field(default_factory=list)
    not_rendered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)  # for the next run (throttled, or over MAX_PER_RUN)


def _enabled(ctx: JobContext, document_type: DocumentType) -> bool:
    options = ctx.seller.documents
    return options.send_invoices if document_type is DocumentType.INVOICE else options.send_credit_notes


def _skip_reason(ctx: JobContext, marketplace_id: str) -> str:
    """Why documents of this marketplace are not uploaded ('' when they are)."""
    marketplace = ctx.seller.marketplace(marketplace_id)
    if marketplace.amazon_issues_invoices:
        return (
            f"Amazon issues the buyers' invoices in marketplace {marketplace_id} ({marketplace.country}) "
            "(amazon_issues_invoices is on)"
        )
    if marketplace_id not in INVOICE_UPLOAD_MARKETPLACES:
        return (
            f"Amazon takes no invoice uploads (UPLOAD_VAT_INVOICE) in marketplace {marketplace_id} "
            f"({marketplace.country})"
        )
    return ""


def send_buyer_documents(
    ctx: JobContext,
    odoo: OdooGateway,
    tracker: FeedTracker,
    document_type: DocumentType,
    now: datetime,
    *,
    max_per_run: int = MAX_PER_RUN,
    lookback_days: int = LOOKBACK_DAYS,
) -> DocumentsOutcome:
    """The job: upload the seller's new posted invoices (or credit notes) of Amazon orders, each once."""
    seller = ctx.seller
    if not _enabled(ctx, document_type):
        option = "send_invoices" if document_type is DocumentType.INVOICE else "send_credit_notes"
        raise ConfigError(
            f"documents.{option} is off for seller {seller.id}: nothing is sent",
            record=f"seller {seller.id}",
            resolution=f"switch documents.{option} on in the sellers file and load it again",
        )
    state = tracker.state
    company = odoo.company_id(seller.odoo.company)
    found = odoo.buyer_documents(
        company,
        MOVE_TYPE[document_type],
        (now - timedelta(days=lookback_days)).date(),
        [mp.id for mp in seller.marketplaces],
    )
    ctx.counts["documents_found"] = len(found)
    records = state.get_buyer_documents(seller.id, [d.move_id for d in found]) if found else {}
    outcome = DocumentsOutcome()
    budget, throttled = max_per_run, False
    for document in sorted(found, key=lambda d: d.move_id):
        record = records.get(document.move_id)
        reason = _skip_reason(ctx, document.marketplace_id)
        if reason:
            if record is None or record.status is not DocumentStatus.SKIPPED:
                _skip(ctx, state, document, record, reason, now)
            outcome.skipped.append(document.move_id)
            ctx.counts["skipped"] += 1
            continue
        if record is not None:
            record = follow(state, tracker.documents, record, now)
            if not _to_send(ctx, record):
                continue
        if throttled or budget <= 0:
            outcome.left.append(document.move_id)
            ctx.counts["left_for_next_run"] += 1
            continue
        budget -= 1
        result = _send(ctx, odoo, tracker, document, record, now)
        if result == "throttled":
            throttled = True
            outcome.left.append(document.move_id)
            ctx.counts["left_for_next_run"] += 1
        else:
            {
                "sent": outcome.sent,
                "skipped": outcome.skipped,
                "not_rendered": outcome.not_rendered,
                "failed": outcome.failed,
            }[result].append(document.move_id)
    if outcome.left:
        ctx.log(
            f"{len(outcome.left)} {document_type.label}(s) left for the next run "
            + ("(Amazon's createFeed limit was reached)" if throttled else f"(at most {max_per_run} a run)"),
            record=f"job {ctx.job}",
            details={"move_ids": outcome.left[:100]},
        )
    return outcome


def _to_send(ctx: JobContext, record: BuyerDocument) -> bool:
    """Whether a recorded document is sent (again) now; counts what it is otherwise."""
    status = record.status
    if status in (DocumentStatus.SENT, DocumentStatus.UNCERTAIN):
        ctx.counts[f"already_{status.value.lower()}"] += 1
        return False
    if status in (DocumentStatus.SUBMITTING, DocumentStatus.SUBMITTED):
        ctx.counts["in_flight"] += 1
        return False
    if status is DocumentStatus.FAILED and record.attempts >= MAX_ATTEMPTS:
        ctx.counts["given_up"] += 1
        return False
    return True  # new, SKIPPED in a marketplace that takes uploads now, NOT_RENDERED, FAILED


def _new_record(
    document: OdooDocument, seller_id: str, status: DocumentStatus, now: datetime
) -> BuyerDocument:
    return BuyerDocument(
        seller_id=seller_id,
        move_id=document.move_id,
        name=document.name,
        document_type=document.document_type,
        order_id=document.order_id,
        marketplace_id=document.marketplace_id,
        status=status,
        created_at=now,
        updated_at=now,
    )


def _save(state: StateStore, record: BuyerDocument) -> BuyerDocument | None:
    """Save; None when another worker changed the record first (it is theirs now)."""
    try:
        return state.save_buyer_document(record)
    except ConflictError:
        return None


def _skip(
    ctx: JobContext,
    state: StateStore,
    document: OdooDocument,
    record: BuyerDocument | None,
    reason: str,
    now: datetime,
) -> None:
    base = record or _new_record(document, ctx.seller.id, DocumentStatus.SKIPPED, now)
    if record is not None and record.status in (DocumentStatus.SUBMITTING, DocumentStatus.SUBMITTED):
        return  # already on its way (the marketplace was switched after it left): the tracker settles it
    if record is not None and record.status in (DocumentStatus.SENT, DocumentStatus.UNCERTAIN):
        return
    saved = _save(
        state,
        base.model_copy(update={"status": DocumentStatus.SKIPPED, "message": reason, "updated_at": now}),
    )
    if saved is not None:
        ctx.log(
            f"{document.label} not uploaded: {reason}",
            record=f"move {document.move_id}",
            details={"order_id": document.order_id, "marketplace_id": document.marketplace_id},
        )


def _send(
    ctx: JobContext,
    odoo: OdooGateway,
    tracker: FeedTracker,
    document: OdooDocument,
    record: BuyerDocument | None,
    now: datetime,
) -> str:
    """Render, claim, submit one document: ``sent``, ``not_rendered``, ``failed`` or ``throttled``."""
    state, seller = tracker.state, ctx.seller
    base = record or _new_record(document, seller.id, DocumentStatus.NOT_RENDERED, now)
    where = f"move {document.move_id} ({document.name})"
    try:
        content = document_feed(document, odoo.document_pdf(document.move_id, document.name))
    except ConnectorError as error:
        if isinstance(error, RetryableError):
            raise  # Odoo unreachable or busy: the run is retried, nothing claimed
        message = error.message
        first = (
            record is None or record.status is not DocumentStatus.NOT_RENDERED or record.message != message
        )
        saved = _save(
            state,
            base.model_copy(
                update={"status": DocumentStatus.NOT_RENDERED, "message": message, "updated_at": now}
            ),
        )
        ctx.counts["not_rendered"] += 1
        if saved is not None and first:
            ctx.log(
                f"{document.label} was not sent: {message}",
                level=LogLevel.ERROR,
                record=where,
                resolution=error.resolution
                or "make the document printable in Odoo (Print > Invoice); the next run tries again",
                details={"order_id": document.order_id},
            )
        return "not_rendered"
    submission_id = new_submission_id(now)
    claimed = _save(
        state,
        base.model_copy(
            update={
                "status": DocumentStatus.SUBMITTING,
                "submission_id": submission_id,
                "feed_id": "",
                "attempts": base.attempts + 1,
                "message": "",
                "updated_at": now,
            }
        ),
    )
    if claimed is None:
        ctx.counts["claimed_elsewhere"] += 1
        return "skipped"
    try:
        feed = tracker.submit(
            seller,
            feed_type=UPLOAD_VAT_INVOICE,
            marketplace_ids=[document.marketplace_id],
            content=content,
            job=ctx.job,
            scope=str(document.move_id),
            feed_options=feed_options(document),
            submission_id=submission_id,
        )
    except SubmissionUncertainError as error:
        # the claim stays SUBMITTING: the tracker looks the feed up at Amazon; nothing is sent twice
        ctx.counts["uncertain"] += 1
        ctx.log_error(error)
        return "sent"
    except ThrottledError as error:
        _save(
            state,
            claimed.model_copy(
                update={
                    "status": DocumentStatus.FAILED,
                    "attempts": base.attempts,
                    "message": error.message,
                    "updated_at": now,
                }
            ),
        )
        return "throttled"
    except ConnectorError as error:
        failed = _save(
            state,
            claimed.model_copy(
                update={"status": DocumentStatus.FAILED, "message": error.message, "updated_at": now}
            ),
        )
        ctx.counts["failed"] += 1
        ctx.log(
            f"Amazon did not take {document.label}: {error.message}",
            level=LogLevel.ERROR,
            record=where,
            resolution=(error.resolution or "fix what Amazon names")
            + (
                f"; the next {ctx.job} run sends it again"
                if failed is not None and failed.attempts < MAX_ATTEMPTS
                else "; upload it by hand in Seller Central (Orders > Manage Invoices)"
            ),
            details={"order_id": document.order_id, "submission_id": submission_id},
        )
        return "failed"
    submitted = claimed.model_copy(
        update={"status": DocumentStatus.SUBMITTED, "feed_id": feed.feed_id, "updated_at": now}
    )
    _save(state, submitted)  # lost to the listener only when Amazon already finished: its word stands
    ctx.counts["documents_sent"] += 1
    ctx.log(
        f"{document.label} uploaded to Amazon in feed {feed.feed_id}",
        record=where,
        details={
            "order_id": document.order_id,
            "marketplace_id": document.marketplace_id,
            "feed_id": feed.feed_id,
            "submission_id": submission_id,
            "bytes": len(content.content),
        },
    )
    return "sent"


# -- results ---------------------------------------------------------------------------------------------


def settle(
    record: BuyerDocument, feed: FeedRecord, results: FeedResults | None, now: datetime
) -> BuyerDocument:
    """The record after what its feed record says (unchanged while nothing new is known)."""
    if feed.pending or results is None:
        if feed.feed_id and (record.status is DocumentStatus.SUBMITTING or record.feed_id != feed.feed_id):
            return record.model_copy(
                update={"status": DocumentStatus.SUBMITTED, "feed_id": feed.feed_id, "updated_at": now}
            )
        return record
    item = next((i for i in results.items if i.key == str(record.move_id)), None)
    outcome = item.outcome if item is not None else ItemOutcome.UNKNOWN
    update: dict[str, object] = {"feed_id": feed.feed_id or record.feed_id, "updated_at": now}
    if outcome.applied:
        update |= {
            "status": DocumentStatus.SENT,
            "sent_at": feed.done_at or now,
            "message": item.text if item else "",
        }
    elif outcome is ItemOutcome.ERROR:
        update |= {"status": DocumentStatus.FAILED, "message": (item.text if item else "") or results.message}
    else:
        update |= {
            "status": DocumentStatus.UNCERTAIN,
            "message": results.message or "Amazon's answer is unknown",
        }
    return record.model_copy(update=update)


def follow(
    state: StateStore, documents: DocumentStore, record: BuyerDocument, now: datetime
) -> BuyerDocument:
    """Bring a claimed record up to date with its feed record (when the listener has not yet)."""
    if record.status not in (DocumentStatus.SUBMITTING, DocumentStatus.SUBMITTED):
        return record
    feed = state.get_feed(record.seller_id, record.submission_id) if record.submission_id else None
    if feed is None:
        if record.status is DocumentStatus.SUBMITTING and now - record.updated_at >= CLAIM_GRACE:
            # submit_feed writes the feed record before calling Amazon: without one, nothing reached it
            changed = record.model_copy(
                update={
                    "status": DocumentStatus.FAILED,
                    "message": "its submission stopped before reaching Amazon",
                    "updated_at": now,
                }
            )
            return _save(state, changed) or record
        return record
    changed = settle(record, feed, feed_results(documents, feed), now)
    if changed == record:
        return record
    return _save(state, changed) or record


def buyer_documents_listener(state: StateStore, clock: Callable[[], datetime] = utcnow) -> FeedListener:
    """Tells the document records of a finished ``UPLOAD_VAT_INVOICE`` feed what Amazon made of them."""

    def listen(feed: FeedRecord, results: FeedResults) -> None:
        if feed.feed_type != UPLOAD_VAT_INVOICE:
            return
        move_ids = [int(item.key) for item in results.items if item.key.isdigit()]
        records = state.get_buyer_documents(feed.seller_id, move_ids)
        closed = feed.model_copy(update={"done_at": feed.done_at or clock()})
        for record in records.values():
            if record.submission_id != feed.submission_id:
                continue  # a later feed of the same document decides
            changed = settle(record, closed, results, clock())
            if changed != record:
                state.save_buyer_document(changed)  # ConflictError is retryable: the feed is finished again

    return listen


def list_documents(state: StateStore, seller_ids: Sequence[str], limit: int = 100) -> list[BuyerDocument]:
    """The document records of some sellers, newest move first per seller (``amazon-odoo documents``)."""
    return [record for seller_id in seller_ids for record in state.list_buyer_documents(seller_id, limit)]
