"""The intent-level Odoo gateway: what the services ask of Odoo, in as few round trips as it takes.

Built on any :class:`~amazon_odoo.adapters.odoo.transports.OdooTransport`; every call goes out with keyword
arguments only (DESIGN.md §5). Reads are batched and name only the fields they need. Version differences
live in :class:`OdooDialect`, and nowhere else.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from amazon_odoo.adapters.odoo.transports import OdooTransport
from amazon_odoo.domain.errors import PermanentError, RetryableError

AMAZON_MODULE = "__amazon__"
_CONCURRENT = re.compile(r"could not serialize access|concurrent update|deadlock detected", re.IGNORECASE)
_XMLID_SAFE = re.compile(r"[^a-z0-9_]+")


def xmlid_name(*parts: str) -> str:
    """``('service', 'AMZ', 'Shipping')`` -> ``service_amz_shipping`` (what ir.model.data names look like)."""
    return "_".join(_XMLID_SAFE.sub("_", part.lower()).strip("_") for part in parts if part)


@dataclass(frozen=True)
class OdooDialect:
    """Everything that differs between the Odoo versions the connector supports (16-19+)."""

    major: int

    @property
    def user_groups_field(self) -> str:
        """res.users field listing the user's groups, implied ones included."""
        return "all_group_ids" if self.major >= 19 else "groups_id"

    @property
    def has_group_on_records(self) -> bool:
        """``res.users.has_group`` is ``@api.model`` in 17 and a record method (``ensure_one``) from 18."""
        return self.major >= 18

    def product_type_vals(self, kind: str) -> dict[str, str]:
        """Product type as ``load``/``create`` values. ``kind``: service | consumable | storable."""
        if self.major >= 18:
            vals = {"service": {"type": "service"}, "consumable": {"type": "consu"}}
            vals["storable"] = {"type": "consu", "is_storable": "1"}
        else:
            vals = {
                "service": {"detailed_type": "service"},
                "consumable": {"detailed_type": "consu"},
                "storable": {"detailed_type": "product"},
            }
        if kind not in vals:
            raise PermanentError(f"unknown product kind {kind!r}", source="odoo", code="odoo.bug")
        return vals[kind]

    def product_type_fields(self) -> list[str]:
        return ["type", "is_storable"] if self.major >= 18 else ["detailed_type", "type"]


def _as_ids(value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, list):
        return [int(v) for v in value]
    return []


class OdooGateway:
    """Intent-level access to one Odoo database as one user."""

    def __init__(self, transport: OdooTransport) -> None:
        self.transport = transport
        self._version: tuple[int, str] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OdooGateway({self.transport!r})"

    # ------------------------------------------------------------------------------------------ basics

    @property
    def calls(self) -> int:
        """Round trips made so far (execute_kw, version and login calls)."""
        return self.transport.calls

    @property
    def uid(self) -> int:
        return self.transport.authenticate()

    def server_version(self) -> tuple[int, str]:
        """(major, full version string), e.g. ``(17, '17.0')``; detected once."""
        with self._lock:
            if self._version is None:
                info = self.transport.version()
                raw = info.get("server_version_info") or []
                text = str(info.get("server_version") or "")
                major = _major(raw, text)
                self._version = (major, text or str(major))
            return self._version

    @property
    def dialect(self) -> OdooDialect:
        return OdooDialect(self.server_version()[0])

    def call(self, model: str, method: str, ids: Sequence[int] | None = None, /, **kwargs: Any) -> Any:
        """Any public method, keyword arguments only. Prefer the intent methods below."""
        return self.transport.call(model, method, None if ids is None else list(ids), **kwargs)

    # ------------------------------------------------------------------------------------------ reads

    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        limit: int | None = None,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"domain": _plain(domain), "fields": list(fields)}
        if limit is not None:
            kwargs["limit"] = limit
        if order:
            kwargs["order"] = order
        if context:
            kwargs["context"] = dict(context)
        rows = self.call(model, "search_read", **kwargs)
        return list(rows or [])

    def read(
        self,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        if not ids:
            return []
        kwargs: dict[str, Any] = {"fields": list(fields)}
        if context:
            kwargs["context"] = dict(context)
        return list(self.call(model, "read", list(ids), **kwargs) or [])

    def search_count(
        self, model: str, domain: Sequence[Any], context: Mapping[str, Any] | None = None
    ) -> int:
        kwargs: dict[str, Any] = {"domain": _plain(domain)}
        if context:
            kwargs["context"] = dict(context)
        return int(self.call(model, "search_count", **kwargs) or 0)

    # ------------------------------------------------------------------------------------------ writes

    def create(
        self, model: str, vals_list: Sequence[Mapping[str, Any]], context: Mapping[str, Any] | None = None
    ) -> list[int]:
        kwargs: dict[str, Any] = {"vals_list": [dict(v) for v in vals_list]}
        if context:
            kwargs["context"] = dict(context)
        return _as_ids(self.call(model, "create", **kwargs))

    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
    ) -> bool:
        kwargs: dict[str, Any] = {"vals": dict(vals)}
        if context:
            kwargs["context"] = dict(context)
        return bool(self.call(model, "write", list(ids), **kwargs))

    def load(
        self,
        model: str,
        fields: Sequence[str],
        rows: Sequence[Sequence[str]],
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        """Odoo ``load``: create-or-update by external id, atomically (ODOO.md §3).

        Errors come back as messages, not faults: any error message -> nothing was written. A concurrent
        load of the same xmlids ("could not serialize") is retryable: the retry becomes an update.
        """
        kwargs: dict[str, Any] = {"fields": list(fields), "data": [[_cell(c) for c in row] for row in rows]}
        if context:
            kwargs["context"] = dict(context)
        result = self.call(model, "load", **kwargs)
        if not isinstance(result, Mapping):
            raise PermanentError(f"unexpected load answer from Odoo: {result!r}", record=model, source="odoo")
        messages = [m for m in result.get("messages") or [] if isinstance(m, Mapping)]
        errors = [str(m.get("message", "")) for m in messages if m.get("type") == "error"]
        ids = result.get("ids")
        if errors or not ids:
            text = "; ".join(errors) or "; ".join(str(m.get("message", "")) for m in messages)
            text = text or "load returned no ids"
            if any(_CONCURRENT.search(e) for e in errors):
                raise RetryableError(
                    f"{model} load: {text}",
                    record=model,
                    source="odoo",
                    code="odoo.concurrency",
                    resolution="another worker loaded the same records at the same time; retry",
                )
            raise PermanentError(
                f"{model} load: {text}",
                record=model,
                source="odoo",
                code="odoo.load",
                resolution="fix the values Odoo names in the message",
            )
        return _as_ids(ids)

    def xmlid_map(self, names: Sequence[str], module: str = AMAZON_MODULE) -> dict[str, int]:
        """External ids (names within ``module``) that exist -> their record ids; one round trip.

        Reads ir.model.data, which Odoo lets only "Administration / Access Rights" users read.
        """
        if not names:
            return {}
        rows = self.search_read(
            "ir.model.data",
            [("module", "=", module), ("name", "in", list(names))],
            ["name", "res_id"],
        )
        return {str(r["name"]): int(r["res_id"]) for r in rows}

    def post_note(self, model: str, res_id: int, body: str) -> int:
        """An internal note in the record's chatter; returns the mail.message id."""
        result = self.call(
            model,
            "message_post",
            [res_id],
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        ids = _as_ids(result)
        return ids[0] if ids else 0

    # ------------------------------------------------------------------------------------------ intents

    def check_user(self, required_groups: Sequence[str]) -> list[str]:
        """The groups (xmlids such as ``account.group_account_user``) the API user lacks.

        ``res.users.has_group`` per group (implied groups count): one round trip each, and it works for any
        internal user (ir.model.data, where xmlids live, is readable by administrators only).
        """
        ids = [self.uid] if self.dialect.has_group_on_records else None
        return [g for g in required_groups if not self.call("res.users", "has_group", ids, group_ext_id=g)]

    def company_id(self, name: str) -> int:
        rows = self.search_read("res.company", [("name", "=", name)], ["id"], limit=1)
        if not rows:
            raise PermanentError(
                f"company {name!r} does not exist in Odoo (or the API user may not see it)",
                record=f"company {name}",
                source="odoo",
                code="odoo.company",
                resolution="set odoo.company in the sellers file to an existing company name, "
                "and allow the API user in that company",
            )
        return int(rows[0]["id"])

    def ensure_service_products(
        self, company_id: int, prefix: str, names: Mapping[str, str]
    ) -> dict[str, int]:
        """Service products (shipping, discounts ...) by role, created or updated in one ``load``.

        External ids ``__amazon__.service_<prefix>_<role>`` make it idempotent: a second run updates the same
        records. No taxes (the order lines carry Amazon's), invoiced on order.
        """
        if not names:
            return {}
        dialect = self.dialect
        type_vals = dialect.product_type_vals("service")
        type_fields = list(type_vals)
        fields = [
            "id",
            "name",
            *type_fields,
            "invoice_policy",
            "sale_ok",
            "purchase_ok",
            "taxes_id/.id",
            "company_id/.id",
        ]
        roles = list(names)
        rows = [
            [
                f"{AMAZON_MODULE}.{xmlid_name('service', prefix, role)}",
                names[role],
                *(type_vals[f] for f in type_fields),
                "order",
                "1",
                "0",
                "",
                str(company_id),
            ]
            for role in roles
        ]
        ids = self.load("product.product", fields, rows)
        if len(ids) != len(roles):
            raise PermanentError(
                f"service products: Odoo returned {len(ids)} ids for {len(roles)} products",
                record="service products",
                source="odoo",
            )
        return dict(zip(roles, ids, strict=True))


def _major(raw: Any, text: str) -> int:
    if isinstance(raw, list | tuple) and raw and isinstance(raw[0], int):
        return raw[0]
    match = re.search(r"(\d+)", text)
    if match:
        return int(match.group(1))
    raise PermanentError(f"cannot tell the Odoo version from {text!r}", record="odoo version", source="odoo")


def _plain(domain: Sequence[Any]) -> list[Any]:
    """Tuples -> lists, so a domain travels the same over XML-RPC and JSON."""
    return [list(term) if isinstance(term, tuple) else term for term in domain]


def _cell(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(value)
