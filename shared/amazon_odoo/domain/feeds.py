"""Feeds (Feeds API 2021-06-30): what the connector submitted, what Amazon made of it. Pure.

Every submission is a :class:`FeedRecord`. It is written before Amazon is called (``SUBMITTING``) and
follows Amazon's ``processingStatus`` (``IN_QUEUE`` → ``IN_PROGRESS`` → ``DONE`` | ``FATAL`` |
``CANCELLED``); ``NOT_SUBMITTED`` means Amazon certainly has no such feed (refused, throttled, the upload
failed), ``UNCERTAIN`` that the connector cannot tell which feed at Amazon a lost submission became.
A record stays *pending* until its results are stored (``done_at``).

What a feed carried is a list of :class:`FeedItem` (message id → the item's key — a SKU or an Amazon
order id — and the value sent). The processing report is parsed into :class:`ReportIssue` rows keyed by
message id (JSON for ``JSON_LISTINGS_FEED``, Amazon's XML ``ProcessingReport`` for the order feeds), and
:func:`build_results` maps them back onto the items: accepted, accepted with warnings, or error.

Models are built on first use (``defer_build``): importing this module costs the amazon_events cold
start next to nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from amazon_odoo.domain.errors import PermanentError, RetryableError

# -- feed types --------------------------------------------------------------------------------------------

JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"
ORDER_ACKNOWLEDGEMENT = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
PAYMENT_ADJUSTMENT = "POST_PAYMENT_ADJUSTMENT_DATA"
ORDER_FULFILLMENT = "POST_ORDER_FULFILLMENT_DATA"
VAT_INVOICE = "UPLOAD_VAT_INVOICE"  # buyer invoices and credit notes as PDF (domain/documents.py)

SKU = "sku"
ORDER = "order"
DOCUMENT = "document"  # an Odoo invoice or credit note, keyed by its move id

#: The feed types the connector submits and tracks, and what their items are.
TRACKED_FEED_TYPES: dict[str, str] = {
    JSON_LISTINGS_FEED: SKU,
    ORDER_ACKNOWLEDGEMENT: ORDER,
    PAYMENT_ADJUSTMENT: ORDER,
    ORDER_FULFILLMENT: ORDER,
    VAT_INVOICE: DOCUMENT,
}
XML_FEED_TYPES = frozenset({ORDER_ACKNOWLEDGEMENT, PAYMENT_ADJUSTMENT, ORDER_FULFILLMENT})
# Amazon documents no report shape of its own for UPLOAD_VAT_INVOICE: its report is read as Amazon's XML
# ProcessingReport; anything else is "unreadable" and leaves the document for a person to check.
XML_REPORT_FEED_TYPES = XML_FEED_TYPES | {VAT_INVOICE}

#: Removed on 2025-07-31 (SPAPI.md): Amazon still accepts them and ends them FATAL, so they are refused here.
REMOVED_FEED_TYPES = frozenset(
    {
        "POST_PRODUCT_DATA",
        "POST_INVENTORY_AVAILABILITY_DATA",
        "POST_PRODUCT_PRICING_DATA",
        "POST_PRODUCT_IMAGE_DATA",
        "POST_PRODUCT_RELATIONSHIP_DATA",
        "POST_PRODUCT_OVERRIDES_DATA",
        "POST_FLAT_FILE_LISTINGS_DATA",
        "POST_FLAT_FILE_INVLOADER_DATA",
        "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA",
    }
)

MAX_LISTINGS_MESSAGES = 25_000  # per JSON_LISTINGS_FEED (SPAPI.md)
LISTINGS_CONTENT_TYPE = "application/json; charset=UTF-8"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
SUMMARY_ITEMS = 20  # items kept on the record itself; all of them are in the feed's manifest document


def item_kind(feed_type: str) -> str:
    """``sku`` or ``order``: what the items of a feed type are."""
    return TRACKED_FEED_TYPES.get(feed_type, SKU)


def check_feed_type(feed_type: str) -> None:
    """Refuse feed types Amazon removed and feed types whose processing report the connector cannot read."""
    if feed_type in REMOVED_FEED_TYPES:
        raise PermanentError(
            f"{feed_type} was removed by Amazon on 2025-07-31 (such feeds end FATAL)",
            record=f"feed type {feed_type}",
            resolution="send listings through JSON_LISTINGS_FEED or the Listings Items API",
        )
    if feed_type not in TRACKED_FEED_TYPES:
        raise PermanentError(
            f"{feed_type} is not a feed type this connector submits and tracks",
            record=f"feed type {feed_type}",
            resolution=f"use one of {', '.join(sorted(TRACKED_FEED_TYPES))}",
        )


# -- statuses ----------------------------------------------------------------------------------------------


class FeedStatus(StrEnum):
    SUBMITTING = "SUBMITTING"  # recorded; createFeed not answered yet (or the answer was lost)
    NOT_SUBMITTED = "NOT_SUBMITTED"  # Amazon certainly has no such feed
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FATAL = "FATAL"
    CANCELLED = "CANCELLED"
    UNCERTAIN = "UNCERTAIN"  # a lost submission that cannot be matched to one feed at Amazon

    @property
    def processing(self) -> bool:
        return self in (FeedStatus.IN_QUEUE, FeedStatus.IN_PROGRESS)

    @property
    def finished(self) -> bool:
        """Nothing more will happen to the feed at Amazon."""
        return self in FINISHED

    @property
    def failed(self) -> bool:
        """None of the feed's items can be counted as applied: they are to be sent again."""
        return self in (FeedStatus.NOT_SUBMITTED, FeedStatus.FATAL, FeedStatus.CANCELLED)


FINISHED = frozenset(
    {FeedStatus.NOT_SUBMITTED, FeedStatus.DONE, FeedStatus.FATAL, FeedStatus.CANCELLED, FeedStatus.UNCERTAIN}
)
AMAZON_STATUSES = frozenset(
    {FeedStatus.IN_QUEUE, FeedStatus.IN_PROGRESS, FeedStatus.DONE, FeedStatus.FATAL, FeedStatus.CANCELLED}
)
_RANK = {
    FeedStatus.SUBMITTING: 0,
    FeedStatus.IN_QUEUE: 1,
    FeedStatus.IN_PROGRESS: 2,
}


def next_status(current: FeedStatus, reported: FeedStatus) -> FeedStatus:
    """The status after Amazon reported ``reported``: forward only; a finished feed never changes again.

    Answers arriving out of order (``IN_QUEUE`` after ``IN_PROGRESS``) are ignored; a finished status is
    only ever replaced by itself.
    """
    if current.finished:
        return current
    if reported.finished:
        return reported
    if reported in _RANK and _RANK[reported] > _RANK.get(current, 0):
        return reported
    return current


# -- what was sent -----------------------------------------------------------------------------------------


class FeedItem(BaseModel):
    """One message of a feed: its id in the feed document, the SKU or order it concerns, the value sent."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    message_id: int = Field(ge=1)
    key: str = Field(min_length=1)
    value: str = ""


class FeedContent(BaseModel):
    """A feed document ready to submit, with the items it carries (message ids unique)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    content: bytes
    content_type: str
    items: tuple[FeedItem, ...]

    @model_validator(mode="after")
    def _unique_message_ids(self) -> FeedContent:
        ids = [item.message_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("message ids of a feed must be unique")
        return self


class ListingsMessage(BaseModel):
    """One ``PATCH`` message of a ``JSON_LISTINGS_FEED`` (quantity, price, ...): Amazon's patch documents
    as given, and ``value``, a short text of what is sent (kept with the feed record)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    sku: str = Field(min_length=1)
    product_type: str = Field(min_length=1)
    patches: tuple[dict[str, Any], ...] = Field(min_length=1)
    value: str = ""


def build_xml_feed(
    merchant_id: str, message_type: str, messages: Sequence[str], items: Sequence[FeedItem]
) -> FeedContent:
    """An XML order feed (``AmazonEnvelope``, amzn-envelope.xsd) of ``message_type`` whose ``messages`` are the
    already-escaped ``<Message>`` elements, carrying ``items``."""
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        f"<Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>{escape(merchant_id)}</MerchantIdentifier></Header>"
        f"<MessageType>{message_type}</MessageType>"
        f"{''.join(messages)}</AmazonEnvelope>"
    )
    return FeedContent(content=document.encode("utf-8"), content_type=XML_CONTENT_TYPE, items=tuple(items))


def build_listings_feed(
    merchant_id: str, messages: Sequence[ListingsMessage], *, issue_locale: str = "en_US"
) -> FeedContent:
    """A ``JSON_LISTINGS_FEED`` document (listings-feed-schema-v2) with message ids 1..n."""
    if not messages:
        raise ValueError("a listings feed needs at least one message")
    if len(messages) > MAX_LISTINGS_MESSAGES:
        raise ValueError(f"a listings feed holds at most {MAX_LISTINGS_MESSAGES} messages")
    body = {
        "header": {"sellerId": merchant_id, "version": "2.0", "issueLocale": issue_locale},
        "messages": [
            {
                "messageId": number,
                "sku": message.sku,
                "operationType": "PATCH",
                "productType": message.product_type,
                "patches": [dict(patch) for patch in message.patches],
            }
            for number, message in enumerate(messages, start=1)
        ],
    }
    return FeedContent(
        content=json.dumps(body, separators=(",", ":"), default=str).encode("utf-8"),
        content_type=LISTINGS_CONTENT_TYPE,
        items=tuple(
            FeedItem(message_id=number, key=message.sku, value=message.value)
            for number, message in enumerate(messages, start=1)
        ),
    )


# -- Amazon's answers --------------------------------------------------------------------------------------


class _Amazon(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)


class AmazonFeedDocument(_Amazon):
    """createFeedDocument / getFeedDocument: where to upload or download (a pre-signed URL, 5 minutes)."""

    document_id: str = Field(alias="feedDocumentId")
    url: str = Field(repr=False)
    compression: str | None = Field(default=None, alias="compressionAlgorithm")


class AmazonFeed(_Amazon):
    """getFeed / getFeeds: one feed as Amazon reports it."""

    feed_id: str = Field(alias="feedId")
    feed_type: str = Field(alias="feedType")
    marketplace_ids: tuple[str, ...] = Field(default=(), alias="marketplaceIds")
    created_time: AwareDatetime = Field(alias="createdTime")
    status: FeedStatus = Field(alias="processingStatus")
    processing_start: AwareDatetime | None = Field(default=None, alias="processingStartTime")
    processing_end: AwareDatetime | None = Field(default=None, alias="processingEndTime")
    result_document_id: str | None = Field(default=None, alias="resultFeedDocumentId")


class SubmissionUncertainError(RetryableError):
    """createFeed got no clear answer (a timeout, a 5xx): Amazon may or may not have created the feed.

    Never retried blindly (a second feed could act twice); the tracker looks the feed up later.
    """


# -- the record --------------------------------------------------------------------------------------------


def new_submission_id(at: datetime) -> str:
    """The connector's own id of a submission: time-ordered text, unique."""
    return f"{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}"


class FeedRecord(BaseModel):
    """One submission to the Feeds API and where it stands. No personal data is ever stored here."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seller_id: str
    submission_id: str
    feed_id: str = ""  # Amazon's, once createFeed answered
    feed_type: str
    job: str  # the job that submitted it (its log book entries are filed under it)
    scope: str = ""  # what the submitting job keeps apart (a marketplace id for listings)
    marketplace_ids: tuple[str, ...]
    content_type: str
    item_kind: str = SKU
    item_count: int = 0
    items: tuple[FeedItem, ...] = ()  # the first SUMMARY_ITEMS items; all of them in the manifest
    status: FeedStatus = FeedStatus.SUBMITTING
    created_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    processing_started_at: AwareDatetime | None = None
    processing_ended_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = None  # results stored: tracking finished
    input_document_id: str = ""
    result_document_id: str = ""
    accepted: int = 0
    warnings: int = 0  # items accepted with warnings (also counted in ``accepted``)
    errors: int = 0
    message: str = ""  # why it failed (FATAL reason, refusal) or what it is waiting for
    version: int = 0  # optimistic locking: bumped by every save

    @property
    def pending(self) -> bool:
        return self.done_at is None

    @property
    def label(self) -> str:
        """Amazon's feed id, or the submission id while Amazon has none."""
        return self.feed_id or self.submission_id

    def with_amazon(self, feed: AmazonFeed) -> FeedRecord:
        """The record after Amazon reported ``feed`` (status forward only, Amazon's timestamps)."""
        return self.model_copy(
            update={
                "feed_id": self.feed_id or feed.feed_id,
                "status": next_status(self.status, feed.status),
                "processing_started_at": feed.processing_start or self.processing_started_at,
                "processing_ended_at": feed.processing_end or self.processing_ended_at,
                "result_document_id": feed.result_document_id or self.result_document_id,
            }
        )


class FailedItem(BaseModel):
    """An item whose last feed failed (its feed ended FATAL/CANCELLED/NOT_SUBMITTED, or Amazon refused it):
    its owner sends it again on its next run; cleared when a later feed gets it accepted."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    value: str = ""
    feed_id: str = ""
    submission_id: str
    status: FeedStatus
    code: str = ""
    message: str = ""
    at: AwareDatetime


# -- processing reports ------------------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


class ReportIssue(BaseModel):
    """One issue of a processing report; ``message_id`` None: about the feed as a whole."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    message_id: int | None = None
    key: str = ""  # the SKU / order id the report names, when it does
    severity: Severity
    code: str = ""
    message: str
    attribute: str = ""

    @property
    def text(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class ProcessingReport(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    issues: tuple[ReportIssue, ...] = ()
    processed: int | None = None
    accepted: int | None = None
    invalid: int | None = None
    status: str = ""  # the XML report's StatusCode (e.g. Complete)

    def for_message(self, message_id: int) -> tuple[ReportIssue, ...]:
        return tuple(i for i in self.issues if i.message_id == message_id)

    @property
    def feed_issues(self) -> tuple[ReportIssue, ...]:
        return tuple(i for i in self.issues if i.message_id is None)


class ReportFormatError(ValueError):
    """The processing report does not have the documented shape."""


class _ListingsIssue(_Amazon):
    message_id: int | None = Field(default=None, alias="messageId")
    sku: str = ""
    code: str = ""
    severity: Severity
    message: str
    attribute_name: str = Field(default="", alias="attributeName")


class _ListingsSummary(_Amazon):
    errors: int = 0
    warnings: int = 0
    messages_processed: int = Field(alias="messagesProcessed")
    messages_accepted: int = Field(alias="messagesAccepted")
    messages_invalid: int = Field(alias="messagesInvalid")


class _ListingsReport(_Amazon):
    issues: tuple[_ListingsIssue, ...] = ()
    summary: _ListingsSummary


def parse_listings_report(data: bytes | str) -> ProcessingReport:
    """A ``JSON_LISTINGS_FEED`` processing report (listings-feed-processing-report-schema-v2)."""
    try:
        report = _ListingsReport.model_validate_json(data)
    except ValidationError as exc:
        raise ReportFormatError(f"not a JSON listings processing report: {_first_error(exc)}") from None
    return ProcessingReport(
        issues=tuple(
            ReportIssue(
                message_id=issue.message_id,
                key=issue.sku,
                severity=issue.severity,
                code=issue.code,
                message=issue.message,
                attribute=issue.attribute_name,
            )
            for issue in report.issues
        ),
        processed=report.summary.messages_processed,
        accepted=report.summary.messages_accepted,
        invalid=report.summary.messages_invalid,
    )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "<root>"
    return f"{where}: {error['msg']}"


_XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml_processing_report(data: bytes | str) -> ProcessingReport:
    """Amazon's XML ``ProcessingReport`` (order acknowledgement, payment adjustment, fulfilment feeds).

    ``Result`` rows name a ``MessageID`` (0: the feed as a whole), ``ResultCode`` Error/Warning,
    ``ResultMessageCode``, ``ResultDescription`` and in ``AdditionalInfo`` the SKU or Amazon order id.
    """
    import xml.etree.ElementTree as ET  # only this parser needs it: not at cold start

    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _XML_DECLARATIONS.search(raw):
        raise ReportFormatError("XML with DOCTYPE or ENTITY declarations is refused")
    try:
        root = ET.fromstring(raw)  # noqa: S314 - Amazon's report, declarations refused above
    except ET.ParseError as exc:
        raise ReportFormatError(f"not XML: {exc}") from None
    report = next((e for e in root.iter() if _local(e.tag) == "ProcessingReport"), None)
    if report is None:
        raise ReportFormatError("no ProcessingReport element")

    def text(element: Any, name: str) -> str:
        found = next((c for c in element if _local(c.tag) == name), None)
        return (found.text or "").strip() if found is not None else ""

    def number(element: Any, name: str) -> int | None:
        value = text(element, name)
        return int(value) if value.isdigit() else None

    summary = next((c for c in report if _local(c.tag) == "ProcessingSummary"), None)
    issues: list[ReportIssue] = []
    for result in (c for c in report if _local(c.tag) == "Result"):
        message_id = number(result, "MessageID")
        code = text(result, "ResultCode").upper()
        info = next((c for c in result if _local(c.tag) == "AdditionalInfo"), None)
        key = ""
        if info is not None:
            key = text(info, "SKU") or text(info, "AmazonOrderID") or text(info, "MerchantOrderID")
        issues.append(
            ReportIssue(
                message_id=message_id or None,
                key=key,
                severity=Severity.ERROR if code == "ERROR" else Severity.WARNING,
                code=text(result, "ResultMessageCode"),
                message=text(result, "ResultDescription")
                or f"{text(result, 'ResultCode')} without description",
            )
        )
    processed = number(summary, "MessagesProcessed") if summary is not None else None
    successful = number(summary, "MessagesSuccessful") if summary is not None else None
    with_error = number(summary, "MessagesWithError") if summary is not None else None
    return ProcessingReport(
        issues=tuple(issues),
        processed=processed,
        accepted=successful,
        invalid=with_error,
        status=text(report, "StatusCode"),
    )


def parse_processing_report(feed_type: str, data: bytes) -> ProcessingReport:
    """The report of a tracked feed type; :class:`ReportFormatError` when it is not in the documented shape."""
    if feed_type == JSON_LISTINGS_FEED:
        return parse_listings_report(data)
    if feed_type in XML_REPORT_FEED_TYPES:
        return parse_xml_processing_report(data)
    raise ReportFormatError(f"no parser for the processing report of {feed_type}")


def failure_reason(feed_type: str, data: bytes | None, limit: int = 500) -> str:
    """Why a FATAL feed failed, from its result document (a report with feed-level issues, or text)."""
    if not data:
        return ""
    try:
        report = parse_processing_report(feed_type, data)
    except ReportFormatError:
        text = data.decode("utf-8", errors="replace").strip()
        return text[:limit]
    issues = report.feed_issues or report.issues
    return "; ".join(issue.text for issue in issues)[:limit]


# -- results -----------------------------------------------------------------------------------------------


class ItemOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WARNING = "warning"  # accepted, with warnings
    ERROR = "error"  # refused, or its feed failed: to be sent again
    UNKNOWN = "unknown"  # the feed's fate is uncertain: a person checks it

    @property
    def applied(self) -> bool:
        return self in (ItemOutcome.ACCEPTED, ItemOutcome.WARNING)


class ItemResult(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    message_id: int
    key: str
    value: str = ""
    outcome: ItemOutcome
    issues: tuple[ReportIssue, ...] = ()

    @property
    def code(self) -> str:
        first = self._worst()
        return first.code if first else ""

    @property
    def text(self) -> str:
        """Amazon's messages for the item, errors first."""
        ordered = sorted(self.issues, key=lambda i: list(Severity).index(i.severity))
        return "; ".join(issue.text for issue in ordered)

    def _worst(self) -> ReportIssue | None:
        for severity in Severity:
            for issue in self.issues:
                if issue.severity is severity:
                    return issue
        return None


class FeedResults(BaseModel):
    """Per-item results of one feed (stored as a document; counts also on the record)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seller_id: str
    submission_id: str
    feed_id: str = ""
    feed_type: str
    status: FeedStatus
    item_kind: str = SKU
    items: tuple[ItemResult, ...] = ()
    feed_issues: tuple[ReportIssue, ...] = ()
    message: str = ""

    def count(self, *outcomes: ItemOutcome) -> int:
        return sum(1 for item in self.items if item.outcome in outcomes)

    @property
    def accepted(self) -> int:
        return self.count(ItemOutcome.ACCEPTED, ItemOutcome.WARNING)

    @property
    def warnings(self) -> int:
        return self.count(ItemOutcome.WARNING)

    @property
    def errors(self) -> int:
        return self.count(ItemOutcome.ERROR)

    def by_outcome(self, *outcomes: ItemOutcome) -> list[ItemResult]:
        return [item for item in self.items if item.outcome in outcomes]


def build_results(
    record: FeedRecord,
    items: Iterable[FeedItem],
    report: ProcessingReport | None,
    *,
    reason: str = "",
) -> FeedResults:
    """Map a finished feed's report back onto its items.

    ``DONE``: an item with an ERROR issue is refused, one with only WARNING issues accepted with
    warnings, any other accepted (INFO issues kept). ``FATAL``/``CANCELLED``/``NOT_SUBMITTED``: every item
    is an error with ``reason``. ``UNCERTAIN``: every item unknown. Issues naming a message id the feed did
    not carry are kept as feed-level issues.
    """
    listed = sorted(items, key=lambda item: item.message_id)
    known = {item.message_id for item in listed}
    issues = report.issues if report is not None else ()
    feed_issues = tuple(i for i in issues if i.message_id is None or i.message_id not in known)
    status = record.status
    results: list[ItemResult] = []
    for item in listed:
        own = tuple(i for i in issues if i.message_id == item.message_id)
        if status is FeedStatus.DONE:
            severities = {i.severity for i in own}
            if Severity.ERROR in severities:
                outcome = ItemOutcome.ERROR
            elif Severity.WARNING in severities:
                outcome = ItemOutcome.WARNING
            else:
                outcome = ItemOutcome.ACCEPTED
        elif status.failed:
            outcome = ItemOutcome.ERROR
            if not own:
                own = (
                    ReportIssue(
                        message_id=item.message_id,
                        severity=Severity.ERROR,
                        code=status.value,
                        message=reason or f"the feed ended {status.value}",
                    ),
                )
        elif status is FeedStatus.UNCERTAIN:
            outcome = ItemOutcome.UNKNOWN
        else:
            outcome = ItemOutcome.PENDING
        results.append(
            ItemResult(
                message_id=item.message_id, key=item.key, value=item.value, outcome=outcome, issues=own
            )
        )
    return FeedResults(
        seller_id=record.seller_id,
        submission_id=record.submission_id,
        feed_id=record.feed_id,
        feed_type=record.feed_type,
        status=status,
        item_kind=record.item_kind,
        items=tuple(results),
        feed_issues=feed_issues,
        message=reason or record.message,
    )


# -- what a person does about an issue ---------------------------------------------------------------------

#: Amazon's issue codes the connector meets most, and what to do about them.
ISSUE_HINTS: Mapping[str, str] = {
    "90220": "Amazon requires an attribute that was not sent: complete the listing (product type "
    "attributes) in Seller Central",
    "99010": "Amazon refused a value that was sent (quantity or price): correct it in Odoo",
    "99022": "a required value is missing from what was sent: correct it in Odoo",
    "4000001": "Amazon has no listing with this SKU: create the listing in Seller Central or correct the "
    "SKU's binding",
    "8541": "the SKU's product data conflicts with the Amazon catalogue: check the listing in Seller Central",
    "18028": "Amazon refused the order data: check the order's state in Seller Central",
}


def resolution_for(code: str, kind: str, job: str) -> str:
    """What a person does about a refused item; the item is sent again by the next run of ``job``."""
    hint = ISSUE_HINTS.get(code, "fix what Amazon names")
    what = {SKU: "SKU", DOCUMENT: "document"}.get(kind, "order")
    return f"{hint}; once fixed, the next {job} run sends the {what} again"
