"""Invoices and credit notes to buyers (issue 8 item 3): what is sent, how, and what became of it. Pure.

**Channel.** Amazon's documented channel for a seller's own buyer invoices is the Feeds API feed
``UPLOAD_VAT_INVOICE`` (role Tax Invoicing): the feed document is the PDF itself and its metadata goes in
``feedOptions`` — ``metadata:orderid``, ``metadata:invoicenumber``, ``metadata:documenttype``
(``Invoice`` | ``CreditNote``), ``metadata:totalamount``, ``metadata:totalvatamount`` — one feed per
document. Uploaded documents appear in Seller Central (Orders > Manage Invoices) and the buyer gets them
from their order page. Amazon documents it as "(Option 3) Upload invoices through SP-API or Seller
Central" for sellers who are *not* having Amazon issue their invoices, in the EU/UK marketplaces listed in
:data:`INVOICE_UPLOAD_MARKETPLACES` (developer-docs.amazon.com/sp-api/docs/invoice-feeds-attributes and
.../option-3-upload-invoices-through-sp-api-or-seller-central). The Messaging API's ``sendInvoice`` was
not chosen: it e-mails an attachment to the buyer through buyer-seller messaging, is refused for many
orders (``getMessagingActionsForOrder``), and does not put the document into Manage Invoices.

**Where Amazon issues the invoices itself** (VAT Calculation Service with Amazon-generated invoices,
Amazon as deemed supplier), a marketplace is configured ``amazon_issues_invoices: true`` and nothing is
uploaded there; marketplaces outside :data:`INVOICE_UPLOAD_MARKETPLACES` have no upload channel at all.
Both are skipped with a log book entry.

**Sent once.** Each Odoo move has one :class:`BuyerDocument` record per seller. It is claimed
(``SUBMITTING``, with the feed's submission id chosen beforehand) with a conditional put before Amazon is
called, so a crash after createFeed leaves a record that names the feed record to follow, and a second
worker loses the put. Nothing is uploaded again unless the feed certainly never reached Amazon or Amazon
refused it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.feeds import VAT_INVOICE, FeedContent, FeedItem

UPLOAD_VAT_INVOICE = VAT_INVOICE
PDF_CONTENT_TYPE = "application/pdf"
MAX_PDF_BYTES = 10 * 1024 * 1024  # Amazon's limit for an uploaded invoice file (Seller Central: 10 MB)

#: Marketplaces where Amazon takes seller invoices through ``UPLOAD_VAT_INVOICE`` (Amazon's list: ES, UK,
#: FR, DE, IT, NL, PL, SE; BE takes part in the VAT invoicing programme as well).
INVOICE_UPLOAD_MARKETPLACES: frozenset[str] = frozenset(
    {
        "A1RKKUPIHCS9HS",  # ES
        "A1F83G8C2ARO7P",  # UK
        "A13V1IB3VIYZZH",  # FR
        "A1PA6795UKMFR9",  # DE
        "APJ6JRA9NG5V4",  # IT
        "A1805IZSGTT6HS",  # NL
        "A1C3SOZRARQ6R3",  # PL
        "A2NODRKZP88ZB9",  # SE
        "AMEN7PMS3EDWL",  # BE
    }
)

INVOICE_MOVE, CREDIT_NOTE_MOVE = "out_invoice", "out_refund"
# What may be an Amazon order id (``123-1234567-1234567``; tests and sandboxes use other shapes): one word
# of letters, digits and dashes. Whether it IS one of the seller's orders, the order's external id says.
AMAZON_ORDER_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{2,39}$")


class DocumentType(StrEnum):
    """``metadata:documenttype`` of the upload, by Odoo move type."""

    INVOICE = "Invoice"
    CREDIT_NOTE = "CreditNote"

    @classmethod
    def of(cls, move_type: str) -> DocumentType:
        if move_type == INVOICE_MOVE:
            return cls.INVOICE
        if move_type == CREDIT_NOTE_MOVE:
            return cls.CREDIT_NOTE
        raise ValueError(f"{move_type!r} is not a customer invoice or credit note")

    @property
    def label(self) -> str:
        return "invoice" if self is DocumentType.INVOICE else "credit note"


class OdooDocument(BaseModel):
    """A posted customer invoice or credit note of an Amazon order, as read from Odoo (no personal data)."""

    model_config = ConfigDict(frozen=True)

    move_id: int
    name: str  # the document number (Odoo's sequence), sent as metadata:invoicenumber
    move_type: str
    order_id: str  # the Amazon order id
    marketplace_id: str
    amount_total: Decimal
    amount_tax: Decimal
    currency: str = ""
    invoice_date: date | None = None

    @property
    def document_type(self) -> DocumentType:
        return DocumentType.of(self.move_type)

    @property
    def label(self) -> str:
        return f"{self.document_type.label} {self.name} (order {self.order_id})"


def amazon_order_id(*candidates: object) -> str | None:
    """The first value that may be an Amazon order id (one word; "Reversal of: …" is not)."""
    for value in candidates:
        text = str(value or "").strip()
        if AMAZON_ORDER_ID.match(text):
            return text
    return None


def _amount(value: Decimal) -> str:
    return f"{abs(value).quantize(Decimal('0.01'))}"


def feed_options(document: OdooDocument) -> dict[str, str]:
    """The ``feedOptions`` of the document's ``UPLOAD_VAT_INVOICE`` feed (amounts positive, 2 decimals)."""
    return {
        "metadata:orderid": document.order_id,
        "metadata:invoicenumber": document.name,
        "metadata:documenttype": document.document_type.value,
        "metadata:totalamount": _amount(document.amount_total),
        "metadata:totalvatamount": _amount(document.amount_tax),
    }


def check_pdf(document: OdooDocument, pdf: bytes) -> bytes:
    """The PDF Odoo rendered, refused (PermanentError naming the move) when it is not one Amazon takes."""
    record = f"move {document.move_id} ({document.name})"
    if not pdf.startswith(b"%PDF-"):
        raise PermanentError(
            f"Odoo's file for {document.label} is not a PDF (it starts {pdf[:8]!r})",
            record=record,
            resolution="check the invoice report (Settings > Technical > Reports: account.report_invoice) "
            "and that wkhtmltopdf works on the Odoo server",
        )
    if len(pdf) > MAX_PDF_BYTES:
        raise PermanentError(
            f"the PDF of {document.label} is {len(pdf)} bytes; Amazon takes at most {MAX_PDF_BYTES}",
            record=record,
            resolution="make the invoice report lighter (images, fonts) and reset the PDF in Odoo",
        )
    return pdf


def document_feed(document: OdooDocument, pdf: bytes) -> FeedContent:
    """The feed document: the PDF itself, one item keyed by the Odoo move id."""
    return FeedContent(
        content=check_pdf(document, pdf),
        content_type=PDF_CONTENT_TYPE,
        items=(
            FeedItem(
                message_id=1,
                key=str(document.move_id),
                value=f"{document.name}, order {document.order_id}",
            ),
        ),
    )


class DocumentStatus(StrEnum):
    SKIPPED = "SKIPPED"  # its marketplace takes no uploads (Amazon issues the invoices, or no channel)
    NOT_RENDERED = "NOT_RENDERED"  # Odoo could not render the PDF: nothing sent, tried again next run
    SUBMITTING = "SUBMITTING"  # claimed; its feed (submission_id) may or may not exist yet
    SUBMITTED = "SUBMITTED"  # the feed is at Amazon, not finished
    SENT = "SENT"  # Amazon accepted the document: never sent again
    FAILED = "FAILED"  # never reached Amazon, or Amazon refused it: sent again next run
    UNCERTAIN = "UNCERTAIN"  # Amazon's fate of the feed is unknown: a person checks, never sent again

    @property
    def retryable(self) -> bool:
        return self in (DocumentStatus.NOT_RENDERED, DocumentStatus.FAILED)


class BuyerDocument(BaseModel):
    """What the connector did with one Odoo move (state store; no personal data)."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    move_id: int
    name: str
    document_type: DocumentType
    order_id: str
    marketplace_id: str
    status: DocumentStatus
    submission_id: str = ""
    feed_id: str = ""
    attempts: int = 0  # feeds submitted for it
    message: str = ""
    created_at: AwareDatetime
    updated_at: AwareDatetime
    sent_at: AwareDatetime | None = None
    version: int = 0  # optimistic locking: 0 = not stored yet

    @property
    def label(self) -> str:
        return f"{self.document_type.value} {self.name} (order {self.order_id})"
