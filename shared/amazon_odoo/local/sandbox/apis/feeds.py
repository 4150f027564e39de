"""Feeds API 2021-06-30 and the feed processing behind it.

A feed goes IN_QUEUE -> IN_PROGRESS -> DONE (or FATAL) one step per getFeed/getFeeds call
(``processing.polls_to_done`` steps), or at once when ``processing.delay_seconds`` have passed on the
sandbox clock. When it finishes, its input is applied to the state and a processing report is stored:
JSON for ``JSON_LISTINGS_FEED`` (valid against listings-feed-processing-report-schema-v2.json), Amazon's
XML ``ProcessingReport`` for the XML order feeds, the flat-file summary for flat-file feeds.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from amazon_odoo.local.sandbox.apis import adjustments, invoices, listings
from amazon_odoo.local.sandbox.core import (
    ApiError,
    Context,
    JsonObject,
    Reply,
    invalid_input,
    numeric_id,
    parse_time,
    utc_now,
)
from amazon_odoo.local.sandbox.routing import Route
from amazon_odoo.local.sandbox.state import FeedRecord, SandboxState, SellerState

MODEL = "feeds-api-model/feeds_2021-06-30.json"
TERMINAL = ("DONE", "FATAL", "CANCELLED")

# Removed on 2025-07-31; Amazon accepts the submission and the feed ends FATAL (SPAPI.md).
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
ORDER_FEEDS = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": "acknowledgement",
    "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA": "acknowledgement",
    "POST_PAYMENT_ADJUSTMENT_DATA": "adjustment",
    "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA": "adjustment",
    "POST_ORDER_FULFILLMENT_DATA": "fulfillment",
    "POST_FLAT_FILE_FULFILLMENT_DATA": "fulfillment",
}


# -- handlers ------------------------------------------------------------------------------------------


def create_feed_document(ctx: Context) -> Reply:
    body = ctx.request.body_object()
    document = ctx.state.add_document(str(body["contentType"]), None, prefix="amzn1.tortuga")
    return Reply(
        201, {"feedDocumentId": document.document_id, "url": ctx.state.document_url(document.document_id)}
    )


def create_feed(ctx: Context) -> Reply:
    seller, body = ctx.seller, ctx.request.body_object()
    document_id = str(body["inputFeedDocumentId"])
    if document_id not in ctx.state.documents:
        raise invalid_input("Invalid inputFeedDocumentId.", f"Feed document {document_id} does not exist.")
    unknown = [m for m in body["marketplaceIds"] if m not in seller.marketplace_ids]
    if unknown:
        raise invalid_input("Invalid marketplaceIds.", f"The seller does not sell in {', '.join(unknown)}.")
    feed = FeedRecord(
        feed_id=numeric_id(11),
        feed_type=str(body["feedType"]),
        marketplace_ids=list(body["marketplaceIds"]),
        input_document_id=document_id,
        created_time=utc_now(),
        created_clock=ctx.clock(),
        feed_options=dict(body.get("feedOptions", {})),
    )
    seller.feeds[feed.feed_id] = feed
    return Reply(202, {"feedId": feed.feed_id})


def _feed(ctx: Context) -> FeedRecord:
    feed_id = ctx.request.path_param("feedId")
    feed = ctx.seller.feeds.get(feed_id)
    if feed is None:
        raise ApiError(404, f"Feed {feed_id} not found.", code="NotFound")
    return feed


def get_feed(ctx: Context) -> Reply:
    feed = _feed(ctx)
    advance(ctx.state, ctx.seller, feed)
    return Reply(200, feed.to_api())


def get_feeds(ctx: Context) -> Reply:
    request, seller = ctx.request, ctx.seller
    token = request.param("nextToken")
    # With a nextToken the other parameters are those of the first request (kept in the token).
    offset, params = _decode_next(token) if token else (0, dict(request.query))
    types = set(_split(params.get("feedTypes")))
    if not token and not types:
        raise invalid_input("feedTypes is required when nextToken is not given.")
    states = set(_split(params.get("processingStatuses")))
    markets = set(_split(params.get("marketplaceIds")))
    since = _moment(params.get("createdSince"))
    until = _moment(params.get("createdUntil"))
    page_size = int((params.get("pageSize") or ["10"])[-1])
    rows = []
    for feed in seller.feeds.values():
        advance(ctx.state, seller, feed)
        if types and feed.feed_type not in types:
            continue
        if states and feed.status not in states:
            continue
        if markets and not markets & set(feed.marketplace_ids):
            continue
        if (since and feed.created_time < since) or (until and feed.created_time > until):
            continue
        rows.append(feed)
    rows.sort(key=lambda f: (f.created_time, f.feed_id), reverse=True)
    body: JsonObject = {"feeds": [f.to_api() for f in rows[offset : offset + page_size]]}
    if offset + page_size < len(rows):
        body["nextToken"] = _encode_next(offset + page_size, params)
    return Reply(200, body)


def cancel_feed(ctx: Context) -> Reply:
    feed = _feed(ctx)
    if feed.status != "IN_QUEUE":
        raise invalid_input(
            f"Feed {feed.feed_id} cannot be cancelled: its processingStatus is {feed.status}."
        )
    feed.status = "CANCELLED"
    feed.processing_end = utc_now()
    _notify(ctx.state, ctx.seller, feed)
    return Reply(200, None)


def get_feed_document(ctx: Context) -> Reply:
    document_id = ctx.request.path_param("feedDocumentId")
    document = ctx.state.documents.get(document_id)
    owned = any(
        f.result_document_id == document_id or f.input_document_id == document_id
        for f in ctx.seller.feeds.values()
    )
    if document is None or not owned:
        raise ApiError(404, f"Feed document {document_id} not found.", code="NotFound")
    body: JsonObject = {"feedDocumentId": document_id, "url": ctx.state.document_url(document_id)}
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return Reply(200, body)


def _split(values: list[str] | None) -> list[str]:
    return [p for v in values or [] for p in v.split(",") if p]


def _moment(values: list[str] | None) -> datetime | None:
    if not values:
        return None
    try:
        return parse_time(values[-1])
    except ValueError as exc:
        raise invalid_input(f"Invalid date-time: {values[-1]!r}.") from exc


def _encode_next(offset: int, params: dict[str, list[str]]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "p": params}).encode()).decode()


def _decode_next(token: str) -> tuple[int, dict[str, list[str]]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token))
        return int(data["o"]), {str(k): list(v) for k, v in data["p"].items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid_input("Invalid nextToken.") from exc


# -- processing ----------------------------------------------------------------------------------------


def advance(state: SandboxState, seller: SellerState, feed: FeedRecord, *, force: bool = False) -> None:
    """One processing step (or all of them when forced or the configured delay has passed)."""
    if feed.status in TERMINAL:
        return
    delay = state.processing.delay_seconds
    if not force and delay is not None and state.clock() - feed.created_clock >= delay:
        force = True
    feed.polls += 1
    if force or feed.polls >= state.processing.polls_to_done:
        _finish(state, seller, feed)
    elif feed.status == "IN_QUEUE":
        feed.status = "IN_PROGRESS"
        feed.processing_start = utc_now()


def _finish(state: SandboxState, seller: SellerState, feed: FeedRecord) -> None:
    feed.processing_start = feed.processing_start or utc_now()
    document = state.documents.get(feed.input_document_id)
    content = document.text() if document is not None and document.content is not None else None
    if feed.feed_type in REMOVED_FEED_TYPES:
        status, report, content_type = (
            "FATAL",
            _fatal_text(feed, "This feed type is no longer supported."),
            "text/plain",
        )
    elif content is None:
        status, report, content_type = (
            "FATAL",
            _fatal_text(feed, "The feed document was never uploaded."),
            "text/plain",
        )
    elif feed.feed_type == "JSON_LISTINGS_FEED":
        status, payload = _process_listings_feed(state, seller, feed, content)
        report, content_type = json.dumps(payload, indent=2), "application/json"
        state.violations.extend(_report_violations(state, payload))
    elif feed.feed_type in ORDER_FEEDS:
        status, report, content_type = _process_order_feed(seller, feed, content)
    elif feed.feed_type == invoices.FEED_TYPE:  # buyer invoices and credit notes as PDF (issue 8)
        status, report, content_type = _process_invoice_feed(seller, feed, document)
    else:
        status, report, content_type = _process_generic(seller, feed, content)
    result = state.add_document(content_type, report.encode("utf-8"), prefix="amzn1.tortuga")
    feed.result_document_id = result.document_id
    feed.status = status
    feed.processing_end = utc_now()
    _notify(state, seller, feed)


def _notify(state: SandboxState, seller: SellerState, feed: FeedRecord) -> None:
    payload: JsonObject = {
        "feedProcessingFinishedNotification": {
            "sellerId": seller.seller_id,
            "accountId": seller.seller_id,
            "feedId": feed.feed_id,
            "feedType": feed.feed_type,
            "processingStatus": feed.status,
        }
    }
    if feed.result_document_id:
        payload["feedProcessingFinishedNotification"]["resultFeedDocumentId"] = feed.result_document_id
    state.send("FEED_PROCESSING_FINISHED", seller, payload)


REPORT_SCHEMA = "feeds/listings-feed-processing-report-schema-v2.json"


def _report_violations(state: SandboxState, report: JsonObject) -> list[str]:
    return [
        f"JSON_LISTINGS_FEED processing report: {v}" for v in state.schema_violations(REPORT_SCHEMA, report)
    ]


def _process_listings_feed(
    state: SandboxState, seller: SellerState, feed: FeedRecord, content: str
) -> tuple[str, JsonObject]:
    header: JsonObject = {"sellerId": seller.seller_id, "version": "2.0", "feedId": feed.feed_id}
    try:
        document = json.loads(content)
    except ValueError as exc:
        return "FATAL", _listings_report(
            header, [_feed_issue(None, None, "100001", f"Invalid JSON: {exc}")], 0, 0
        )
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        issue = _feed_issue(None, None, "100001", "The feed must be an object with 'header' and 'messages'.")
        return "FATAL", _listings_report(header, [issue], 0, 0)
    feed_header = document.get("header", {})
    if feed_header.get("sellerId") != seller.seller_id or feed_header.get("version") != "2.0":
        issue = _feed_issue(
            None,
            None,
            "100002",
            f"header.sellerId must be {seller.seller_id} and header.version must be '2.0'.",
        )
        return "FATAL", _listings_report(header, [issue], 0, 0)
    report = feed_header.get("report")
    if isinstance(report, dict):
        header["report"] = report
    issues: list[JsonObject] = []
    accepted = invalid = 0
    for message in document["messages"]:
        problems = _apply_listings_message(seller, feed, message)
        issues.extend(problems)
        if any(p["severity"] == "ERROR" for p in problems):
            invalid += 1
        else:
            accepted += 1
    return "DONE", _listings_report(header, issues, accepted, invalid)


def _apply_listings_message(seller: SellerState, feed: FeedRecord, message: Any) -> list[JsonObject]:
    if not isinstance(message, dict):
        return [_feed_issue(None, None, "100003", "Each message must be an object.")]
    message_id = message.get("messageId") if isinstance(message.get("messageId"), int) else None
    sku = str(message.get("sku", "")) or None
    operation = message.get("operationType")
    if message_id is None or sku is None or operation not in ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"):
        return [
            _feed_issue(
                message_id,
                sku,
                "100003",
                "messageId, sku and operationType (UPDATE, PARTIAL_UPDATE, PATCH, DELETE) are required.",
            )
        ]
    listing = seller.listings.get(sku)
    if operation == "DELETE":
        if listing is None:
            return [_feed_issue(message_id, sku, "4000001", f"SKU '{sku}' does not exist.")]
        del seller.listings[sku]
        return []
    if not message.get("productType"):
        return [_feed_issue(message_id, sku, "90220", "'productType' is required but not supplied.")]
    if operation == "PATCH":
        if listing is None:
            return [
                _feed_issue(message_id, sku, "4000001", f"SKU '{sku}' does not exist; send an UPDATE first.")
            ]
        patches = message.get("patches")
        if not isinstance(patches, list) or not patches or "attributes" in message:
            return [
                _feed_issue(message_id, sku, "100003", "PATCH messages need 'patches' and no 'attributes'.")
            ]
        attributes, problems = listings.apply_patches(
            seller, listing.get("attributes", {}), patches, feed.marketplace_ids
        )
    else:
        given = message.get("attributes")
        if not isinstance(given, dict) or not given or "patches" in message:
            return [
                _feed_issue(
                    message_id, sku, "100003", f"{operation} messages need 'attributes' and no 'patches'."
                )
            ]
        base = dict(listing.get("attributes", {})) if listing and operation == "PARTIAL_UPDATE" else {}
        attributes = {**base, **given}
        problems = listings.attribute_issues(seller, attributes)
        if listing is None and operation == "PARTIAL_UPDATE":
            problems.append(listings.issue("4000001", f"SKU '{sku}' does not exist; send an UPDATE first."))
    if problems:
        return [
            _feed_issue(
                message_id, sku, str(p["code"]), str(p["message"]), (p.get("attributeNames") or [None])[0]
            )
            for p in problems
        ]
    stored = dict(listing or {"sku": sku, "marketplaceIds": list(feed.marketplace_ids)})
    stored["productType"] = str(message["productType"])
    stored["attributes"] = attributes
    stored["marketplaceIds"] = sorted(set(stored.get("marketplaceIds", [])) | set(feed.marketplace_ids))
    stored.pop("lastUpdatedDate", None)
    seller.put_listing(stored)
    return []


def _feed_issue(
    message_id: int | None, sku: str | None, code: str, message: str, attribute: str | None = None
) -> JsonObject:
    out: JsonObject = {"code": code, "severity": "ERROR", "message": message}
    if message_id is not None:
        out["messageId"] = message_id
    if sku:
        out["sku"] = sku
    if attribute:
        out["attributeName"] = attribute
    return out


def _listings_report(header: JsonObject, issues: list[JsonObject], accepted: int, invalid: int) -> JsonObject:
    return {
        "header": header,
        "issues": issues,
        "summary": {
            "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
            "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
            "messagesProcessed": accepted + invalid,
            "messagesAccepted": accepted,
            "messagesInvalid": invalid,
        },
    }


def _fatal_text(feed: FeedRecord, reason: str) -> str:
    return f"Feed {feed.feed_id} ({feed.feed_type}) was not processed: {reason}\n"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    for child in element.iter():
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _process_order_feed(seller: SellerState, feed: FeedRecord, content: str) -> tuple[str, str, str]:
    kind = ORDER_FEEDS[feed.feed_type]
    if content.lstrip().startswith("<"):
        try:
            root = ET.fromstring(content)  # noqa: S314 - the local client's own upload
        except ET.ParseError as exc:
            return "FATAL", _xml_report(seller, feed, 0, [(0, "", f"XML parsing error: {exc}")]), "text/xml"
        messages = [m for m in root if _local(m.tag) == "Message"]
        errors: list[tuple[int, str, str]] = []
        for index, message in enumerate(messages, start=1):
            number = int(_find_text(message, "MessageID") or index)
            order_id = _find_text(message, "AmazonOrderID") or ""
            problem = _apply_order_message(seller, kind, order_id, message, None)
            if problem:
                errors.append((number, order_id, problem))
        return "DONE", _xml_report(seller, feed, len(messages), errors), "text/xml"
    rows = list(csv.DictReader(io.StringIO(content), delimiter="\t"))
    flat_errors: list[tuple[int, str, str]] = []
    for number, row in enumerate(rows, start=1):
        order_id = str(row.get("order-id", "")).strip()
        problem = _apply_order_message(seller, kind, order_id, None, row)
        if problem:
            flat_errors.append((number, order_id, problem))
    return "DONE", _flat_report(len(rows), flat_errors), "text/tab-separated-values"


def _apply_order_message(
    seller: SellerState, kind: str, order_id: str, message: ET.Element | None, row: dict[str, str] | None
) -> str | None:
    order = seller.orders.get(order_id)
    if order is None:
        return f"The order id {order_id!r} was not found for this seller."
    status = order.get("fulfillment", {}).get("fulfillmentStatus")
    record: JsonObject = {"feedKind": kind, "orderId": order_id}
    if kind == "acknowledgement":
        code = (_find_text(message, "StatusCode") if message is not None else None) or ""
        cancel_reason = (
            (row or {}).get("cancel-reason", "") if row is not None else _find_text(message, "CancelReason")
        )
        if code == "Failure" or (row is not None and cancel_reason):
            if status in ("SHIPPED", "PARTIALLY_SHIPPED"):
                return f"Order {order_id} has already shipped and cannot be cancelled."
            seller.set_order_status(order_id, "CANCELLED", reason="SellerCancelled")
            record["cancelReason"] = cancel_reason or "NoInventory"
        record["statusCode"] = code or "Success"
    elif kind == "adjustment":
        if message is not None:
            record["reasons"] = [
                (e.text or "").strip() for e in message.iter() if _local(e.tag) == "AdjustmentReason"
            ]
            record["amounts"] = [
                {"type": _find_text(c, "Type"), "amount": _find_text(c, "Amount")}
                for c in message.iter()
                if _local(c.tag) == "Component"
            ]
            # refunds (issue 8): checked against the order's charges and earlier refunds, then recorded
            problem = adjustments.apply_adjustment(seller, order, message, record)
            if problem:
                return problem
        else:
            record["row"] = dict(row or {})
    else:
        if status == "CANCELLED":
            return f"Order {order_id} is cancelled and cannot be shipped."
        record["tracking"] = (
            _find_text(message, "ShipperTrackingNumber")
            if message is not None
            else (row or {}).get("tracking-number")
        )
        for item in order["orderItems"]:
            fulfilment = item.setdefault("fulfillment", {})
            fulfilment["quantityFulfilled"] = int(item["quantityOrdered"])
            fulfilment["quantityUnfulfilled"] = 0
        seller.set_order_status(order_id, "SHIPPED", reason="ShipmentConfirmed")
    seller.feed_results.append(record)
    return None


def _xml_report(
    seller: SellerState, feed: FeedRecord, processed: int, errors: list[tuple[int, str, str]]
) -> str:
    envelope = ET.Element(
        "AmazonEnvelope",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd",
        },
    )
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller.seller_id
    ET.SubElement(envelope, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(envelope, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = feed.feed_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    failed = len({number for number, _, _ in errors})
    for name, value in (
        ("MessagesProcessed", processed),
        ("MessagesSuccessful", processed - failed),
        ("MessagesWithError", failed),
        ("MessagesWithWarning", 0),
    ):
        ET.SubElement(summary, name).text = str(value)
    for number, order_id, text in errors:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = str(number)
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = "18028"
        ET.SubElement(result, "ResultDescription").text = text
        if order_id:
            ET.SubElement(ET.SubElement(result, "AdditionalInfo"), "AmazonOrderID").text = order_id
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(envelope, encoding="unicode")


def _flat_report(processed: int, errors: list[tuple[int, str, str]]) -> str:
    lines = [
        "Feed Processing Summary:",
        f"\tNumber of records processed\t\t{processed}",
        f"\tNumber of records successful\t\t{processed - len(errors)}",
        "",
        "original-record-number\torder-id\terror-code\terror-type\terror-message",
    ]
    lines.extend(f"{number}\t{order_id}\t18028\tError\t{text}" for number, order_id, text in errors)
    return "\n".join(lines) + "\n"


def _process_invoice_feed(seller: SellerState, feed: FeedRecord, document: Any) -> tuple[str, str, str]:
    status, problem, fatal = invoices.process_invoice_feed(seller, feed, document)
    if status == "FATAL":
        return status, _fatal_text(feed, fatal), "text/plain"
    order_id = str({k.lower(): v for k, v in feed.feed_options.items()}.get("metadata:orderid", ""))
    return status, _xml_report(seller, feed, 1, [(1, order_id, problem)] if problem else []), "text/xml"


def _process_generic(seller: SellerState, feed: FeedRecord, content: str) -> tuple[str, str, str]:
    if content.lstrip().startswith("<"):
        try:
            root = ET.fromstring(content)  # noqa: S314 - the local client's own upload
        except ET.ParseError as exc:
            return "FATAL", _xml_report(seller, feed, 0, [(0, "", f"XML parsing error: {exc}")]), "text/xml"
        count = sum(1 for m in root if _local(m.tag) == "Message")
        return "DONE", _xml_report(seller, feed, count, []), "text/xml"
    count = max(0, len([line for line in content.splitlines() if line.strip()]) - 1)
    return "DONE", _flat_report(count, []), "text/tab-separated-values"


ROUTES = [
    Route("getFeeds", "GET", "/feeds/2021-06-30/feeds", MODEL, get_feeds),
    Route("createFeed", "POST", "/feeds/2021-06-30/feeds", MODEL, create_feed),
    Route("getFeed", "GET", "/feeds/2021-06-30/feeds/{feedId}", MODEL, get_feed),
    Route("cancelFeed", "DELETE", "/feeds/2021-06-30/feeds/{feedId}", MODEL, cancel_feed),
    Route("createFeedDocument", "POST", "/feeds/2021-06-30/documents", MODEL, create_feed_document),
    Route("getFeedDocument", "GET", "/feeds/2021-06-30/documents/{feedDocumentId}", MODEL, get_feed_document),
]
