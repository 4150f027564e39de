"""``UPLOAD_VAT_INVOICE`` in the sandbox: a seller's own invoice or credit note, as PDF, for one order.

Checked as Amazon documents the feed (developer-docs.amazon.com/sp-api/docs/invoice-feeds-attributes and
"(Option 3) Upload invoices through SP-API"): the feed document is a PDF (``%PDF-`` header), ``feedOptions``
carry ``metadata:orderid``, ``metadata:invoicenumber``, ``metadata:documenttype`` (``Invoice`` |
``CreditNote``), ``metadata:totalamount`` and ``metadata:totalvatamount``; the order must exist for the
seller and belong to the feed's marketplace, which must be one that takes invoice uploads. An accepted
document is recorded in the seller's ``feed_results`` (``feedKind`` ``invoice``), so a test can assert
that it reached Amazon once; the same document number uploaded again for the same order is refused.

Amazon publishes no schema of its own for this feed's processing report; the sandbox answers Amazon's
XML ``ProcessingReport`` (the common shape of its order feeds), one message, with an error ``Result``
when the document is refused. A feed that is not a PDF at all ends FATAL with a plain-text reason.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from amazon_odoo.local.sandbox.core import JsonObject
from amazon_odoo.local.sandbox.state import Document, FeedRecord, SellerState

FEED_TYPE = "UPLOAD_VAT_INVOICE"
DOCUMENT_TYPES = ("Invoice", "CreditNote")
REQUIRED = (
    "metadata:orderid",
    "metadata:invoicenumber",
    "metadata:documenttype",
    "metadata:totalamount",
    "metadata:totalvatamount",
)
UPLOAD_MARKETPLACES = frozenset(
    {
        "A1RKKUPIHCS9HS",
        "A1F83G8C2ARO7P",
        "A13V1IB3VIYZZH",
        "A1PA6795UKMFR9",
        "APJ6JRA9NG5V4",
        "A1805IZSGTT6HS",
        "A1C3SOZRARQ6R3",
        "A2NODRKZP88ZB9",
        "AMEN7PMS3EDWL",
    }
)
KIND = "invoice"


def uploads(seller: SellerState, order_id: str | None = None) -> list[JsonObject]:
    """The invoices and credit notes the sandbox accepted (for one order when given), oldest first."""
    return [
        r
        for r in seller.feed_results
        if r.get("feedKind") == KIND and (order_id is None or r.get("orderId") == order_id)
    ]


def _problem(seller: SellerState, feed: FeedRecord, options: dict[str, str]) -> str:
    missing = [key for key in REQUIRED if not str(options.get(key) or "").strip()]
    if missing:
        return f"Missing required feedOptions: {', '.join(missing)}."
    if options["metadata:documenttype"] not in DOCUMENT_TYPES:
        return (
            f"metadata:documenttype must be Invoice or CreditNote, not {options['metadata:documenttype']!r}."
        )
    for key in ("metadata:totalamount", "metadata:totalvatamount"):
        try:
            Decimal(options[key])
        except InvalidOperation:
            return f"{key} is not a number: {options[key]!r}."
    if len(feed.marketplace_ids) != 1:
        return "An invoice is uploaded for exactly one marketplace."
    marketplace = feed.marketplace_ids[0]
    if marketplace not in UPLOAD_MARKETPLACES:
        return f"Invoice upload is not available in marketplace {marketplace}."
    order_id = options["metadata:orderid"]
    order = seller.orders.get(order_id)
    if order is None:
        return f"The order id {order_id!r} was not found for this seller."
    channel = order.get("salesChannel") or {}
    if channel.get("marketplaceId") and channel["marketplaceId"] != marketplace:
        return f"Order {order_id} belongs to marketplace {channel['marketplaceId']}, not {marketplace}."
    number, kind = options["metadata:invoicenumber"], options["metadata:documenttype"]
    if any(u["invoiceNumber"] == number and u["documentType"] == kind for u in uploads(seller, order_id)):
        return f"{kind} {number} was already uploaded for order {order_id}."
    return ""


def process_invoice_feed(
    seller: SellerState, feed: FeedRecord, document: Document | None
) -> tuple[str, str | None, str]:
    """``(status, problem or None, plain-text FATAL reason)``: DONE with or without a refusal, or FATAL."""
    content = document.content if document is not None else None
    if not content:
        return "FATAL", None, "The feed document was never uploaded."
    if not content.startswith(b"%PDF-"):
        return "FATAL", None, "The feed document is not a PDF file."
    options = {str(k).lower(): str(v) for k, v in feed.feed_options.items()}
    problem = _problem(seller, feed, options)
    if problem:
        return "DONE", problem, ""
    seller.feed_results.append(
        {
            "feedKind": KIND,
            "feedId": feed.feed_id,
            "orderId": options["metadata:orderid"],
            "marketplaceId": feed.marketplace_ids[0],
            "invoiceNumber": options["metadata:invoicenumber"],
            "documentType": options["metadata:documenttype"],
            "totalAmount": options["metadata:totalamount"],
            "totalVatAmount": options["metadata:totalvatamount"],
            "bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    )
    return "DONE", None, ""
