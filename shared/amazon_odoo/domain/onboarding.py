"""Onboarding and health: what a marketplace needs in Odoo, and the doctor's verdicts.

Pure data; the services (``services/onboarding.py``, ``services/doctor.py``) fill them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class OdooRecord:
    """An Odoo record onboarding found or made: ``created`` when this run created (or activated) it."""

    model: str
    id: int
    name: str
    created: bool = False
    note: str = ""

    def describe(self) -> str:
        verb = self.note or ("created" if self.created else "exists")
        return f"{self.model} {self.name!r} (id {self.id}): {verb}"


class Verdict(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """One doctor check: what was checked, the verdict, what was seen, and how to fix it when not OK."""

    area: str
    name: str
    verdict: Verdict
    detail: str = ""
    fix: str = ""


# The Odoo access each scheduled job needs: (model, operation) pairs checked with check_access_rights.
JOB_ACCESS: dict[str, tuple[tuple[str, str], ...]] = {
    "import_orders": (
        ("sale.order", "create"),
        ("sale.order", "write"),
        ("res.partner", "create"),
        ("product.product", "read"),
        ("product.pricelist", "read"),
        ("crm.team", "read"),
        ("stock.warehouse", "read"),
    ),
    "export_shipments": (("stock.picking", "read"), ("stock.picking", "write"), ("sale.order", "read")),
    "process_settlements": (
        ("account.journal", "read"),
        ("account.bank.statement", "create"),
        ("account.bank.statement.line", "create"),
        ("account.move.line", "write"),
    ),
    "export_stock": (("product.product", "read"), ("stock.quant", "read"), ("stock.warehouse", "read")),
    "export_prices": (("product.product", "read"), ("product.pricelist", "read")),
    "send_invoices": (("account.move", "read"), ("ir.attachment", "read")),
    "send_credit_notes": (("account.move", "read"), ("ir.attachment", "read")),
}
# Workflow steps switched on in the sellers file add their own needs.
WORKFLOW_ACCESS: dict[str, tuple[tuple[str, str], ...]] = {
    "create_invoice": (("account.move", "create"),),
    "post_invoice": (("account.move", "write"),),
    "register_payment": (("account.payment", "create"),),
}
