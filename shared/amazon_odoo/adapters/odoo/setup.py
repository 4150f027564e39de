"""What onboarding and the doctor ask of Odoo, on top of :class:`OdooGateway`: find or create a marketplace's
pricelist, sales team and settlement journal, activate its currency and language, and check the API
user's access rights. Every call keyword-only (DESIGN.md §5); each ``ensure_*`` is idempotent (found by
name or code first, archived records included, so a second run creates nothing).

Verified on Odoo 17 (tests/contract/test_odoo_setup.py with ``ODOO_URL``): currencies and languages other
than the company's are inactive records, activated with ``write(active=True)`` (a language activated so
is selectable on partners; its translations load with Settings > Languages, which is not needed here);
``check_access_rights(operation, raise_exception=False)`` is public (``@api.model``) up to 17; 18 and later
have the record method ``has_access(operation)``, called here with no ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amazon_odoo.adapters.odoo.gateway import OdooGateway
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.domain.onboarding import OdooRecord

_ALL = {"active_test": False}


class OdooSetup:
    """:class:`amazon_odoo.ports.OdooSetupGateway` on an :class:`OdooGateway`."""

    def __init__(self, odoo: OdooGateway) -> None:
        self.odoo = odoo

    def server_version(self) -> tuple[int, str]:
        return self.odoo.server_version()

    def company_id(self, name: str) -> int:
        return self.odoo.company_id(name)

    def ensure_currency(self, code: str) -> OdooRecord:
        rows = self.odoo.search_read("res.currency", [("name", "=", code)], ["name", "active"], context=_ALL)
        if not rows:
            raise PermanentError(
                f"Odoo has no currency {code}",
                record=f"currency {code}",
                source="odoo",
                code="odoo.currency",
                resolution=f"create the currency {code} in Odoo (Accounting > Configuration > Currencies)",
            )
        row = rows[0]
        if row["active"]:
            return OdooRecord("res.currency", int(row["id"]), code)
        self.odoo.write("res.currency", [int(row["id"])], {"active": True})
        return OdooRecord("res.currency", int(row["id"]), code, created=True, note="activated")

    def ensure_language(self, code: str) -> OdooRecord | None:
        """The language, activated when inactive; None when Odoo does not know the code."""
        rows = self.odoo.search_read("res.lang", [("code", "=", code)], ["code", "active"], context=_ALL)
        if not rows:
            return None
        row = rows[0]
        if row["active"]:
            return OdooRecord("res.lang", int(row["id"]), code)
        self.odoo.write("res.lang", [int(row["id"])], {"active": True})
        return OdooRecord("res.lang", int(row["id"]), code, created=True, note="activated")

    def _find(self, model: str, domain: Sequence[Any], fields: Sequence[str]) -> dict[str, Any] | None:
        rows = self.odoo.search_read(model, domain, ["active", *fields], order="id", context=_ALL)
        rows.sort(key=lambda row: not row.get("active", True))  # an active one first
        return rows[0] if rows else None

    def ensure_pricelist(self, company_id: int, name: str, currency_id: int, currency: str) -> OdooRecord:
        found = self._find(
            "product.pricelist",
            [("name", "=", name), ("company_id", "in", [company_id, False])],
            ["currency_id"],
        )
        if found is None:
            [new_id] = self.odoo.create(
                "product.pricelist", [{"name": name, "currency_id": currency_id, "company_id": company_id}]
            )
            return OdooRecord("product.pricelist", new_id, name, created=True)
        if int(found["currency_id"][0]) != currency_id:
            raise PermanentError(
                f"pricelist {name!r} exists in {found['currency_id'][1]}, not {currency}",
                record=f"pricelist {name}",
                source="odoo",
                code="odoo.pricelist_currency",
                resolution=f"rename that pricelist in Odoo, or name a pricelist in {currency} with --pricelist",
            )
        return self._unarchived("product.pricelist", found, name)

    def _unarchived(self, model: str, found: dict[str, Any], name: str) -> OdooRecord:
        if found.get("active", True):
            return OdooRecord(model, int(found["id"]), name)
        self.odoo.write(model, [int(found["id"])], {"active": True})
        return OdooRecord(model, int(found["id"]), name, created=True, note="unarchived")

    def ensure_sales_team(self, company_id: int, name: str) -> OdooRecord:
        found = self._find("crm.team", [("name", "=", name), ("company_id", "in", [company_id, False])], [])
        if found is None:
            [new_id] = self.odoo.create("crm.team", [{"name": name, "company_id": company_id}])
            return OdooRecord("crm.team", new_id, name, created=True)
        return self._unarchived("crm.team", found, name)

    def default_warehouse(self, company_id: int) -> OdooRecord:
        rows = self.odoo.search_read(
            "stock.warehouse", [("company_id", "=", company_id)], ["code"], limit=1, order="id"
        )
        if not rows:
            raise PermanentError(
                "the seller's company has no warehouse",
                record="warehouse",
                source="odoo",
                code="odoo.missing_reference",
                resolution="create a warehouse for the company in Odoo (Inventory > Configuration > Warehouses)",
            )
        return OdooRecord("stock.warehouse", int(rows[0]["id"]), str(rows[0]["code"]))

    def ensure_bank_journal(self, company_id: int, code: str, name: str, currency: str) -> OdooRecord:
        """The settlement journal: found by its code (Odoo 17 keeps 5 characters of it), else created through
        :meth:`OdooGateway.settlement_journal`, the very call the settlements use."""
        found = self.odoo.search_read(
            "account.journal",
            [
                ("company_id", "=", company_id),
                ("type", "=", "bank"),
                ("code", "in", sorted({code, code[:5]})),
            ],
            ["code"],
            limit=1,
            context=_ALL,
        )
        journal = self.odoo.settlement_journal(company_id, code, name, currency)
        return OdooRecord("account.journal", journal.id, journal.code, created=not found)

    def access_rights(self, checks: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """(model, operation) -> allowed for the API user; one call per pair. A model that does not exist
        (its module is not installed) counts as not allowed."""
        modern = self.odoo.server_version()[0] >= 18
        result: dict[tuple[str, str], bool] = {}
        for model, operation in dict.fromkeys(checks):
            try:
                if modern:
                    allowed = self.odoo.call(model, "has_access", [], operation=operation)
                else:
                    allowed = self.odoo.call(
                        model, "check_access_rights", operation=operation, raise_exception=False
                    )
            except PermanentError:
                allowed = False
            result[(model, operation)] = bool(allowed)
        return result
