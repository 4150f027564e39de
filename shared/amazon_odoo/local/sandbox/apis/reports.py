"""Reports API 2021-06-30: createReport, getReports, getReport, cancelReport, getReportDocument.

Settlement reports cannot be requested (Amazon generates them): scenarios seed them, tests add them with
``SellerState.add_report``. Requested listings reports are generated from the listings in the state;
other requested types end FATAL (the sandbox does not know how to build them).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from amazon_odoo.local.sandbox.apis.listings import quantity_of, statuses
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
from amazon_odoo.local.sandbox.state import ReportRecord, SandboxState, SellerState

MODEL = "reports-api-model/reports_2021-06-30.json"
TERMINAL = ("DONE", "FATAL", "CANCELLED")
NOT_REQUESTABLE = frozenset(
    {
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
        "GET_V2_SETTLEMENT_REPORT_DATA_XML",
    }
)
LISTINGS_REPORTS = frozenset(
    {
        "GET_MERCHANT_LISTINGS_ALL_DATA",
        "GET_MERCHANT_LISTINGS_DATA",
        "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
        "GET_MERCHANT_LISTINGS_INACTIVE_DATA",
    }
)
LISTINGS_COLUMNS = (
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
)


def create_report(ctx: Context) -> Reply:
    seller, body = ctx.seller, ctx.request.body_object()
    report_type = str(body["reportType"])
    if report_type in NOT_REQUESTABLE:
        raise invalid_input(
            f"Report type {report_type} cannot be requested.",
            "Amazon generates settlement reports; list them with getReports.",
        )
    unknown = [m for m in body["marketplaceIds"] if m not in seller.marketplace_ids]
    if unknown:
        raise invalid_input("Invalid marketplaceIds.", f"The seller does not sell in {', '.join(unknown)}.")
    report = ReportRecord(
        report_id=numeric_id(11),
        report_type=report_type,
        marketplace_ids=list(body["marketplaceIds"]),
        created_time=utc_now(),
        created_clock=ctx.clock(),
        data_start=parse_time(str(body["dataStartTime"])) if body.get("dataStartTime") else None,
        data_end=parse_time(str(body["dataEndTime"])) if body.get("dataEndTime") else None,
        report_options=dict(body.get("reportOptions", {})),
    )
    seller.reports[report.report_id] = report
    return Reply(202, {"reportId": report.report_id})


def _time(values: list[str] | None, name: str) -> datetime | None:
    if not values:
        return None
    try:
        return parse_time(values[-1])
    except ValueError as exc:
        raise invalid_input(f"Invalid {name}: {values[-1]!r}.") from exc


def get_reports(ctx: Context) -> Reply:
    request, seller = ctx.request, ctx.seller
    token = request.param("nextToken")
    if token:
        try:
            data = json.loads(base64.urlsafe_b64decode(token))
            offset, params = int(data["o"]), {str(k): list(v) for k, v in data["p"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise invalid_input("Invalid nextToken.") from exc
    else:
        offset, params = 0, dict(request.query)
    split = {
        k: [p for v in params.get(k, []) for p in v.split(",") if p]
        for k in ("reportTypes", "processingStatuses", "marketplaceIds")
    }
    if not token and not split["reportTypes"]:
        raise invalid_input("reportTypes is required when nextToken is not given.")
    since = _time(params.get("createdSince"), "createdSince") or utc_now() - timedelta(days=90)
    until = _time(params.get("createdUntil"), "createdUntil") or utc_now()
    page_size = int((params.get("pageSize") or ["10"])[-1])
    rows = []
    for report in seller.reports.values():
        advance(ctx.state, seller, report)
        if split["reportTypes"] and report.report_type not in split["reportTypes"]:
            continue
        if split["processingStatuses"] and report.status not in split["processingStatuses"]:
            continue
        if split["marketplaceIds"] and not set(split["marketplaceIds"]) & set(report.marketplace_ids):
            continue
        if not since <= report.created_time <= until:
            continue
        rows.append(report)
    rows.sort(key=lambda r: (r.created_time, r.report_id), reverse=True)
    body: JsonObject = {"reports": [r.to_api() for r in rows[offset : offset + page_size]]}
    if offset + page_size < len(rows):
        body["nextToken"] = base64.urlsafe_b64encode(
            json.dumps({"o": offset + page_size, "p": params}).encode()
        ).decode()
    return Reply(200, body)


def _report(ctx: Context) -> ReportRecord:
    report_id = ctx.request.path_param("reportId")
    report = ctx.seller.reports.get(report_id)
    if report is None:
        raise ApiError(404, f"Report {report_id} not found.", code="NotFound")
    return report


def get_report(ctx: Context) -> Reply:
    report = _report(ctx)
    advance(ctx.state, ctx.seller, report)
    return Reply(200, report.to_api())


def cancel_report(ctx: Context) -> Reply:
    report = _report(ctx)
    if report.status != "IN_QUEUE":
        raise invalid_input(
            f"Report {report.report_id} cannot be cancelled: its processingStatus is {report.status}."
        )
    report.status = "CANCELLED"
    report.processing_end = utc_now()
    _notify(ctx.state, ctx.seller, report)
    return Reply(200, None)


def get_report_document(ctx: Context) -> Reply:
    document_id = ctx.request.path_param("reportDocumentId")
    document = ctx.state.documents.get(document_id)
    owned = any(r.document_id == document_id for r in ctx.seller.reports.values())
    if document is None or not owned:
        raise ApiError(404, f"Report document {document_id} not found.", code="NotFound")
    body: JsonObject = {"reportDocumentId": document_id, "url": ctx.state.document_url(document_id)}
    if document.compression:
        body["compressionAlgorithm"] = document.compression
    return Reply(200, body)


def advance(
    state: SandboxState, seller: SellerState, report: ReportRecord, *, force: bool = False, poll: bool = True
) -> None:
    """One step per getReport call; all at once when forced or the configured delay has passed."""
    if report.status in TERMINAL:
        return
    delay = state.processing.delay_seconds
    if delay is not None and state.clock() - report.created_clock >= delay:
        force = True
    if not force and not poll:
        return
    report.polls += 1
    if force or report.polls >= state.processing.polls_to_done:
        _finish(state, seller, report)
    elif report.status == "IN_QUEUE":
        report.status = "IN_PROGRESS"
        report.processing_start = utc_now()


def _finish(state: SandboxState, seller: SellerState, report: ReportRecord) -> None:
    report.processing_start = report.processing_start or utc_now()
    if report.report_type in LISTINGS_REPORTS:
        content = listings_report(seller, report.report_type, report.marketplace_ids)
        document = state.add_document(
            "text/tab-separated-values; charset=UTF-8", content.encode("utf-8"), prefix="amzn1.spdoc"
        )
        report.status, report.document_id = "DONE", document.document_id
    else:
        report.status = "FATAL"
    report.processing_end = utc_now()
    _notify(state, seller, report)


def listings_report(seller: SellerState, report_type: str, marketplace_ids: list[str]) -> str:
    """GET_MERCHANT_LISTINGS_ALL_DATA-style TSV of the seller's listings."""
    rows = ["\t".join(LISTINGS_COLUMNS)]
    for listing in sorted(seller.listings.values(), key=lambda item: str(item["sku"])):
        if marketplace_ids and not set(marketplace_ids) & set(listing.get("marketplaceIds", [])):
            continue
        active = "BUYABLE" in statuses(listing)
        if report_type == "GET_MERCHANT_LISTINGS_INACTIVE_DATA" and active:
            continue
        if report_type in ("GET_MERCHANT_LISTINGS_DATA", "GET_FLAT_FILE_OPEN_LISTINGS_DATA") and not active:
            continue
        price = seller.listing_price(str(listing["sku"]), marketplace_ids[0] if marketplace_ids else None)
        quantity = quantity_of(listing)
        values = dict.fromkeys(LISTINGS_COLUMNS, "")
        values.update(
            {
                "item-name": str(listing.get("itemName", "")),
                "listing-id": str(listing.get("listingId", "")),
                "seller-sku": str(listing["sku"]),
                "price": f"{price}" if price is not None else "",
                "quantity": "" if quantity is None else str(quantity),
                "open-date": str(listing.get("createdDate", "")).replace("T", " ").replace("Z", " UTC"),
                "item-is-marketplace": "y",
                "product-id-type": "1" if listing.get("asin") else "",
                "item-condition": "11",
                "asin1": str(listing.get("asin", "")),
                "product-id": str(listing.get("asin", "")),
                "fulfillment-channel": _channel(listing),
                "merchant-shipping-group": "Migrated Template",
                "status": "Active" if active else "Inactive",
            }
        )
        rows.append("\t".join(values[column] for column in LISTINGS_COLUMNS))
    return "\n".join(rows) + "\n"


def _channel(listing: JsonObject) -> str:
    """DEFAULT (the merchant ships), or the first of Amazon's channels (AMAZON_NA ...) the listing's
    ``fulfillment_availability`` names when it has no DEFAULT entry (an FBA listing)."""
    entries = listing.get("attributes", {}).get("fulfillment_availability") or []
    codes = [str(e.get("fulfillment_channel_code", "")) for e in entries if isinstance(e, dict)]
    return "DEFAULT" if not codes or "DEFAULT" in codes else codes[0]


def _notify(state: SandboxState, seller: SellerState, report: ReportRecord) -> None:
    payload: JsonObject = {
        "reportProcessingFinishedNotification": {
            "sellerId": seller.seller_id,
            "accountId": seller.seller_id,
            "reportId": report.report_id,
            "reportType": report.report_type,
            "processingStatus": report.status,
        }
    }
    if report.document_id:
        payload["reportProcessingFinishedNotification"]["reportDocumentId"] = report.document_id
    state.send("REPORT_PROCESSING_FINISHED", seller, payload)


ROUTES = [
    Route("getReports", "GET", "/reports/2021-06-30/reports", MODEL, get_reports),
    Route("createReport", "POST", "/reports/2021-06-30/reports", MODEL, create_report),
    Route("getReport", "GET", "/reports/2021-06-30/reports/{reportId}", MODEL, get_report),
    Route("cancelReport", "DELETE", "/reports/2021-06-30/reports/{reportId}", MODEL, cancel_report),
    Route(
        "getReportDocument",
        "GET",
        "/reports/2021-06-30/documents/{reportDocumentId}",
        MODEL,
        get_report_document,
    ),
]
