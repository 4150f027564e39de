"""What happens to an imported Amazon order after it is loaded, per the seller's workflow (FEATURES §1/§2).

Steps, each taken only when the seller's options ask for it and the order is not past it already, so a
retry after a crash, a redelivered notification or a later ORDER_CHANGE resumes where the last run stopped
and never does a step twice:

1. a shipped Amazon order (imported shipped, or shipped from Seller Central) gets its open Odoo deliveries
   validated in full — the goods have left (ODOO.md §5);
2. ``create_invoice``: one invoice per order from Odoo's "Create invoice" wizard, by each product's invoicing
   policy; with the seller's ``invoice_policy: delivery`` (or products invoiced on delivery) the invoice
   waits until the delivery is done, and the ORDER_CHANGE Amazon sends when the order ships brings the
   order back here to make it;
3. the new invoice gets the Amazon order id as reference and payment reference, the seller's sales journal
   and — with ``force_invoice_date`` — the Amazon purchase date (UTC) as invoice date, before posting;
4. ``post_invoice``: posted;
5. ``register_payment``: paid from the seller's payment journal on the purchase date (Amazon collected the
   money; the settlement's bank line is matched later, issue 6).

Odoo round trips: validation 2 (+1 per move short of stock), invoice 4, prepare 1, post 1, payment 2
(+1 the first time a journal is looked up in a process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from amazon_odoo.config import InvoicePolicy, SellerConfig
from amazon_odoo.domain.orders import Order
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.ports import OdooGateway, SaleOrderStatus

Log = Callable[..., None]


@dataclass
class WorkflowSteps:
    """What the workflow did to one order now (not what was done before)."""

    delivery_validated: bool = False
    invoices_created: list[int] = field(default_factory=list)
    invoices_posted: list[int] = field(default_factory=list)
    invoices_paid: list[int] = field(default_factory=list)
    waiting: str = ""  # why a step was left for later

    @property
    def done(self) -> list[str]:
        steps = [
            ("delivery validated", self.delivery_validated),
            ("invoiced", bool(self.invoices_created)),
            ("invoice posted", bool(self.invoices_posted)),
            ("paid", bool(self.invoices_paid)),
        ]
        return [name for name, flag in steps if flag]


def status_needs(order: Order, seller: SellerConfig) -> tuple[bool, bool]:
    """Which parts of an order's Odoo status the workflow needs: (deliveries, invoices). Neither means
    a confirmed order has nothing left to do and costs no more reads."""
    return order.is_shipped, seller.workflow.create_invoice


def advance_order(
    order: Order,
    status: SaleOrderStatus,
    seller: SellerConfig,
    company_id: int,
    odoo: OdooGateway,
    log: Log | None = None,
) -> WorkflowSteps:
    """Take the workflow steps still open for a confirmed order. ``status`` must have been read with the
    parts :func:`status_needs` names. Raises what the gateway raises (Retryable/PermanentError)."""
    steps = WorkflowSteps()
    if status.state != "sale":
        return steps
    flow = seller.workflow
    delivered = status.delivered
    if order.is_shipped and status.open_pickings:
        odoo.validate_deliveries(status.open_pickings)
        steps.delivery_validated = delivered = True
        _emit(
            log,
            f"{status.name}: delivery validated, Amazon reports order {order.order_id} shipped",
            record=f"order {order.order_id}",
        )
    if not flow.create_invoice:
        return steps

    invoices = list(status.invoices)
    drafts = [inv.id for inv in invoices if inv.state == "draft"]
    if not status.invoice_ids:
        if flow.invoice_policy is InvoicePolicy.DELIVERY and not delivered:
            steps.waiting = "invoice after delivery"
            return steps
        created = odoo.create_invoices([status.id]).get(status.id, [])
        if not created:
            steps.waiting = "invoice after delivery (products are invoiced on delivered quantities)"
            return steps
        steps.invoices_created = drafts = created
    if drafts and (steps.invoices_created or flow.post_invoice):
        # before posting, which would date the invoice today; again on a resumed run (idempotent)
        odoo.prepare_invoices(drafts, _invoice_vals(order, seller, company_id, odoo))
    if flow.post_invoice and drafts:
        odoo.post_invoices(drafts)
        steps.invoices_posted = drafts
    if flow.register_payment and flow.payment_journal:
        posted = set(steps.invoices_posted) | {inv.id for inv in invoices if inv.state == "posted"}
        unpaid = sorted(posted - {inv.id for inv in invoices if inv.settled})
        if unpaid:
            journal = odoo.journal_id(company_id, flow.payment_journal, ("bank", "cash"))
            odoo.register_payment(unpaid, journal, order.created_time.date(), order.order_id)
            steps.invoices_paid = unpaid
    return steps


def _invoice_vals(
    order: Order, seller: SellerConfig, company_id: int, odoo: OdooGateway
) -> dict[str, object]:
    vals: dict[str, object] = {
        "ref": order.order_id,
        "payment_reference": order.order_id,
        "journal_id": odoo.journal_id(company_id, seller.workflow.sales_journal, ("sale",)),
    }
    if seller.workflow.force_invoice_date:
        vals["invoice_date"] = order.created_time.date().isoformat()
    return vals


def _emit(log: Log | None, message: str, *, level: LogLevel = LogLevel.INFO, record: str = "") -> None:
    if log is not None:
        log(message, level=level, record=record)
