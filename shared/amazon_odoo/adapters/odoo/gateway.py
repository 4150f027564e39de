"""The intent-level Odoo gateway: what the services ask of Odoo, in as few round trips as it takes.

Built on any :class:`~amazon_odoo.adapters.odoo.transports.OdooTransport`; every call goes out with keyword
arguments only (DESIGN.md §5). Reads are batched and name only the fields they need. Version differences
live in :class:`OdooDialect`, and nowhere else.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from amazon_odoo.adapters.odoo.transports import OdooTransport
from amazon_odoo.domain.errors import PermanentError, RetryableError
from amazon_odoo.ports import InvoiceStatus, OrderRefs, OrderRefsQuery, SaleOrderStatus

AMAZON_MODULE = "__amazon__"
PRODUCT_CACHE_SECONDS = 300.0  # SKU -> product id answers are reused this long (static references: always)
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

    def __init__(self, transport: OdooTransport, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.transport = transport
        self._version: tuple[int, str] | None = None
        self._lock = threading.Lock()
        self._clock = clock
        # per-process caches of references that rarely change (ids of companies, taxes, countries...)
        self._refs: dict[tuple[Any, ...], Any] = {}
        self._products: dict[tuple[int, str], tuple[int, float]] = {}

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

    def _load_products(self, fields: Sequence[str], rows: Sequence[Sequence[str]], what: str) -> list[int]:
        """``product.product`` load of one product per row; Odoo must answer one id per row."""
        ids = self.load("product.product", fields, rows)
        if len(ids) != len(rows):
            raise PermanentError(
                f"{what}: Odoo returned {len(ids)} ids for {len(rows)} products", record=what, source="odoo"
            )
        return ids

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
        ids = self._load_products(fields, rows, "service products")
        return dict(zip(roles, ids, strict=True))

    # ------------------------------------------------------------------------------ orders in (issue 3)

    def _cached(self, key: tuple[Any, ...], fetch: Callable[[], Any]) -> Any:
        if key in self._refs:
            return self._refs[key]
        value = fetch()
        self._refs[key] = value
        return value

    def _named(self, model: str, name: str, company_id: int, what: str, domain: Sequence[Any] = ()) -> int:
        """The id of the record called ``name`` in the company (or shared by all companies); cached."""

        def fetch() -> int:
            rows = self.search_read(
                model,
                [*domain, ("name", "=", name), ("company_id", "in", [company_id, False])],
                ["id"],
                order="company_id, id",
                context={"lang": "en_US"},
            )
            if not rows:
                raise PermanentError(
                    f"{what} {name!r} does not exist in Odoo for this company",
                    record=f"{what} {name}",
                    source="odoo",
                    code="odoo.missing_reference",
                    resolution=f"create the {what} in Odoo or change it in the sellers file, then retry",
                )
            return int(rows[0]["id"])

        return int(self._cached((model, name, company_id, tuple(map(tuple, domain))), fetch))

    def _company_settings(self, name: str) -> tuple[int, str, int, str]:
        """(company id, currency code, currency digits, tax rounding method)."""

        def fetch() -> tuple[int, str, int, str]:
            company_id = self.company_id(name)
            row = self.read("res.company", [company_id], ["currency_id", "tax_calculation_rounding_method"])[
                0
            ]
            code, digits = self._currency(int(row["currency_id"][0]))
            return (
                company_id,
                code,
                digits,
                str(row.get("tax_calculation_rounding_method") or "round_per_line"),
            )

        result: tuple[int, str, int, str] = self._cached(("company", name), fetch)
        return result

    def _currency(self, currency_id: int) -> tuple[str, int]:
        def fetch() -> tuple[str, int]:
            row = self.read("res.currency", [currency_id], ["name", "decimal_places"])[0]
            return str(row["name"]), int(row.get("decimal_places") or 0)

        result: tuple[str, int] = self._cached(("currency", currency_id), fetch)
        return result

    def order_refs(self, query: OrderRefsQuery) -> OrderRefs:
        """Everything static an order needs, each kind of record read once per process (then cached).

        A cold process makes about ten small reads; a warm one none unless a new country or state comes.
        Names that do not exist raise PermanentError naming the setting."""
        company_id, currency, currency_digits, rounding = self._company_settings(query.company)
        pricelist_id = None
        if query.pricelist:
            pricelist_id = self._named("product.pricelist", query.pricelist, company_id, "pricelist")
            pricelist_currency = self._cached(
                ("pricelist currency", pricelist_id),
                lambda: int(
                    self.read("product.pricelist", [pricelist_id], ["currency_id"])[0]["currency_id"][0]
                ),
            )
            currency, currency_digits = self._currency(int(pricelist_currency))
        warehouse_id = None
        if query.warehouse:
            code = query.warehouse
            warehouse_id = int(
                self._cached(
                    ("stock.warehouse", code, company_id),
                    lambda: self._one_id(
                        "stock.warehouse",
                        [("code", "=", code), ("company_id", "=", company_id)],
                        f"warehouse {code}",
                        "set marketplaces[].warehouse to the code of a warehouse of the seller's company",
                    ),
                )
            )
        team_id = (
            self._named("crm.team", query.sales_team, company_id, "sales team") if query.sales_team else None
        )
        term_id = (
            self._named("account.payment.term", query.payment_term, company_id, "payment term")
            if query.payment_term
            else None
        )
        fiscal_id = (
            self._named("account.fiscal.position", query.fiscal_position, company_id, "fiscal position")
            if query.fiscal_position
            else None
        )
        return OrderRefs(
            company_id=company_id,
            currency=currency,
            currency_digits=currency_digits,
            price_digits=int(self._cached(("price digits",), self._price_digits)),
            tax_rounding=rounding,
            service_products=self._service_products(company_id, query.service_prefix, query.service_products),
            taxes=self._taxes(company_id, query.price_include),
            delivery_lines=bool(self._cached(("is_delivery",), self._has_delivery_lines)),
            pricelist_id=pricelist_id,
            warehouse_id=warehouse_id,
            team_id=team_id,
            payment_term_id=term_id,
            fiscal_position_id=fiscal_id,
            language=self._language(query.language) if query.language else None,
            countries=self._countries(query.countries),
            states=self._states(query.states),
        )

    def _one_id(self, model: str, domain: Sequence[Any], what: str, resolution: str) -> int:
        rows = self.search_read(model, domain, ["id"], limit=1, order="id")
        if not rows:
            raise PermanentError(
                f"{what} does not exist in Odoo",
                record=what,
                source="odoo",
                code="odoo.missing_reference",
                resolution=resolution,
            )
        return int(rows[0]["id"])

    def _price_digits(self) -> int:
        rows = self.search_read("decimal.precision", [("name", "=", "Product Price")], ["digits"], limit=1)
        return int(rows[0]["digits"]) if rows else 2

    def _has_delivery_lines(self) -> bool:
        fields = self.call("sale.order.line", "fields_get", allfields=["is_delivery"], attributes=["type"])
        return isinstance(fields, Mapping) and "is_delivery" in fields

    def _service_products(self, company_id: int, prefix: str, names: Mapping[str, str]) -> dict[str, int]:
        key = ("services", company_id, prefix, tuple(sorted(names.items())))
        result: dict[str, int] = self._cached(
            key, lambda: self.ensure_service_products(company_id, prefix, names)
        )
        return result

    def _taxes(self, company_id: int, price_include: bool) -> dict[Decimal, int]:
        """Sale percent taxes by rate, included in the price or not. ``price_include`` is read, not searched:
        Odoo 18 computes it (from ``price_include_override`` and the company's default) and cannot search it."""

        def fetch() -> dict[Decimal, int]:
            rows = self.search_read(
                "account.tax",
                [
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("company_id", "=", company_id),
                ],
                ["amount", "price_include"],
                order="sequence, id",
            )
            out: dict[Decimal, int] = {}
            for row in rows:
                if bool(row.get("price_include")) == price_include:
                    out.setdefault(Decimal(str(row["amount"])).normalize(), int(row["id"]))
            return out

        result: dict[Decimal, int] = self._cached(("taxes", company_id, price_include), fetch)
        return result

    def _language(self, code: str) -> str | None:
        def fetch() -> str | None:
            rows = self.search_read("res.lang", [("code", "=", code)], ["code"], limit=1)
            return code if rows else None

        result: str | None = self._cached(("lang", code), fetch)
        return result

    def _countries(self, codes: Sequence[str]) -> dict[str, int]:
        wanted = sorted({c.upper() for c in codes if c})
        missing = [c for c in wanted if ("country", c) not in self._refs]
        if missing:
            rows = self.search_read("res.country", [("code", "in", missing)], ["code"])
            found = {str(r["code"]).upper(): int(r["id"]) for r in rows}
            for code in missing:
                self._refs[("country", code)] = found.get(code)
        return {c: self._refs[("country", c)] for c in wanted if self._refs[("country", c)] is not None}

    def _states(self, states: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        wanted = sorted({(c.upper(), s) for c, s in states if c and s})
        missing = [k for k in wanted if ("state", *k) not in self._refs]
        if missing:
            countries = self._countries([c for c, _ in missing])
            names = sorted({s for _, s in missing})
            rows = self.search_read(
                "res.country.state",
                [
                    ("country_id", "in", sorted(set(countries.values()))),
                    "|",
                    ("code", "in", names),
                    ("name", "in", names),
                ],
                ["code", "name", "country_id"],
                context={"lang": "en_US"},
            )
            for country, state in missing:
                hits = [
                    int(r["id"])
                    for r in rows
                    if r["country_id"]
                    and int(r["country_id"][0]) == countries.get(country)
                    and state.casefold() in (str(r["code"]).casefold(), str(r["name"]).casefold())
                ]
                self._refs[("state", country, state)] = hits[0] if hits else None
        return {k: self._refs[("state", *k)] for k in wanted if self._refs[("state", *k)] is not None}

    def products_by_sku(self, company_id: int, skus: Sequence[str]) -> dict[str, int]:
        """SKU -> product.product id (internal reference = SKU) for the company or shared products; one
        search_read for the SKUs not cached. Answers are cached for PRODUCT_CACHE_SECONDS.

        ``default_code`` is not unique in Odoo: two active products with one SKU raise PermanentError."""
        now = self._clock()
        out: dict[str, int] = {}
        todo: list[str] = []
        for sku in dict.fromkeys(skus):
            hit = self._products.get((company_id, sku))
            if hit is not None and now - hit[1] < PRODUCT_CACHE_SECONDS:
                out[sku] = hit[0]
            else:
                todo.append(sku)
        if not todo:
            return out
        rows = self.search_read(
            "product.product",
            [("default_code", "in", todo), ("company_id", "in", [company_id, False])],
            ["default_code"],
            order="id",
        )
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(str(row["default_code"]), []).append(int(row["id"]))
        duplicates = sorted(sku for sku, ids in found.items() if len(ids) > 1)
        if duplicates:
            raise PermanentError(
                f"more than one Odoo product has the internal reference {', '.join(duplicates)}",
                record=f"SKU {', '.join(duplicates)}",
                source="odoo",
                code="odoo.duplicate_sku",
                resolution="give the internal reference (the seller SKU) to one product only "
                "(archive or rename the others), then retry the order",
            )
        for sku, ids in found.items():
            if sku in todo:
                out[sku] = ids[0]
                self._products[(company_id, sku)] = (ids[0], now)
        return out

    def forget_products(self, company_id: int) -> None:
        """Drop the cached SKU answers of a company (after Odoo refused a product)."""
        for key in [k for k in self._products if k[0] == company_id]:
            del self._products[key]

    def create_products(self, company_id: int, products: Mapping[str, str]) -> dict[str, int]:
        """Storable products for unknown SKUs (``products``: SKU -> name) in one ``load``; external ids
        ``__amazon__.sku_<SKU>`` make a concurrent or repeated creation update the same product."""
        if not products:
            return {}
        type_vals = self.dialect.product_type_vals("storable")
        type_fields = list(type_vals)
        fields = ["id", "name", "default_code", *type_fields, "sale_ok", "invoice_policy", "company_id/.id"]
        skus = list(products)
        rows = [
            [
                f"{AMAZON_MODULE}.{xmlid_name('sku', sku)}",
                products[sku],
                sku,
                *(type_vals[f] for f in type_fields),
                "1",
                "order",
                str(company_id),
            ]
            for sku in skus
        ]
        ids = self._load_products(fields, rows, "products")
        now = self._clock()
        for sku, product_id in zip(skus, ids, strict=True):
            self._products[(company_id, sku)] = (product_id, now)
        return dict(zip(skus, ids, strict=True))

    def load_partner(
        self,
        external_id: str,
        vals: Mapping[str, Any],
        children: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> int:
        """Create or update a partner and its addresses (``children``: (external id, vals)) in one ``load``.

        Values are ``res.partner`` fields; many2one values are database ids. Same external id, same partner:
        concurrent loads never duplicate it (ODOO.md §3)."""
        keys = [k for k in vals if k != "child_ids"]
        child_keys: list[str] = []
        for _, child in children:
            child_keys += [k for k in child if k not in child_keys and k != "child_ids"]

        def column(key: str, prefix: str = "") -> str:
            return f"{prefix}{key}/.id" if key.endswith("_id") else f"{prefix}{key}"

        fields = [
            "id",
            *(column(k) for k in keys),
            "child_ids/id",
            *(column(k, "child_ids/") for k in child_keys),
        ]
        head = [external_id, *(_cell(vals[k]) for k in keys)]
        blank = [""] * len(head)
        rows: list[list[str]] = []
        for index, (child_id, child) in enumerate(children):
            cells = [child_id, *(_cell(child.get(k)) for k in child_keys)]
            rows.append((head if index == 0 else blank) + cells)
        if not rows:
            rows.append(head + [""] * (1 + len(child_keys)))
        ids = self.load("res.partner", fields, rows)
        return ids[0]

    def sale_order_status(
        self, order_id: int, *, deliveries: bool = False, invoices: bool = False
    ) -> SaleOrderStatus:
        """State of a sale order in 1 read (with whether a delivery is done, from ``delivery_status``).
        ``deliveries`` adds the ids of its open outgoing deliveries, ``invoices`` its invoices: one more
        read each, and only when there is something to read."""
        rows = self.read("sale.order", [order_id], ["name", "state", "delivery_status", "invoice_ids"])
        if not rows:
            raise PermanentError(f"sale order {order_id} does not exist", record=f"sale.order {order_id}")
        row = rows[0]
        delivery = row.get("delivery_status") or ""
        open_pickings: tuple[int, ...] = ()
        if deliveries and delivery in ("pending", "partial", "started"):
            pickings = self.search_read(
                "stock.picking",
                [
                    ("sale_id", "=", order_id),
                    ("picking_type_code", "=", "outgoing"),
                    ("state", "not in", ["done", "cancel"]),
                ],
                ["id"],
            )
            open_pickings = tuple(int(p["id"]) for p in pickings)
        found: tuple[InvoiceStatus, ...] = ()
        if invoices and row.get("invoice_ids"):
            moves = self.read("account.move", row["invoice_ids"], ["state", "payment_state", "move_type"])
            found = tuple(
                InvoiceStatus(
                    id=int(m["id"]),
                    state=str(m["state"]),
                    payment_state=str(m.get("payment_state") or "not_paid"),
                    move_type=str(m.get("move_type") or "out_invoice"),
                )
                for m in moves
            )
        return SaleOrderStatus(
            id=order_id,
            name=str(row["name"]),
            state=str(row["state"]),
            delivered=delivery in ("partial", "full"),
            invoiced=any(m.state == "posted" for m in found),
            open_pickings=open_pickings,
            invoices=tuple(m for m in found if m.move_type == "out_invoice"),
        )

    def confirm_orders(self, order_ids: Sequence[int]) -> None:
        """``action_confirm`` on draft orders (any number in one call)."""
        if order_ids:
            self.call("sale.order", "action_confirm", list(order_ids))

    def cancel_orders(self, order_ids: Sequence[int]) -> None:
        """Cancel in one call without the "send a cancellation e-mail" wizard (ODOO.md §6). Odoo does not
        check deliveries or posted invoices: callers look at :meth:`sale_order_status` first."""
        if order_ids:
            self.call(
                "sale.order", "action_cancel", list(order_ids), context={"disable_cancel_warning": True}
            )

    # ------------------------------------------------------------------ order workflow (issue 3, ODOO.md §4, §5)

    def journal_id(self, company_id: int, name: str, types: Sequence[str]) -> int:
        """The journal called ``name`` of one of ``types`` (sale, bank, cash…) in the company; cached."""
        return self._named(
            "account.journal", name, company_id, f"{'/'.join(types)} journal", [("type", "in", tuple(types))]
        )

    def create_invoices(self, order_ids: Sequence[int]) -> dict[int, list[int]]:
        """Regular invoices of confirmed orders, one per order (``consolidated_billing`` off), what each
        order has to invoice by its products' invoicing policy. 3 round trips for any number of orders.

        Answers each order's draft invoices created now; an order with nothing to invoice yet (delivery
        policy, not delivered) answers ``[]`` — Odoo refuses the whole call then, so such orders are
        invoiced one by one. For a single order Odoo's answer carries None, which XML-RPC cannot send:
        the transport reads that fault as success (ODOO.md §4) and the invoices are read back."""
        ids = list(order_ids)
        if not ids:
            return {}
        before = {int(r["id"]): set(r["invoice_ids"]) for r in self.read("sale.order", ids, ["invoice_ids"])}
        try:
            [wizard] = self.create(
                "sale.advance.payment.inv",
                [
                    {
                        "advance_payment_method": "delivered",
                        "consolidated_billing": False,
                        "sale_order_ids": [(6, 0, ids)],
                    }
                ],
            )
            self.call("sale.advance.payment.inv", "create_invoices", [wizard])
        except PermanentError as error:
            if not _nothing_to_invoice(error):
                raise
            if len(ids) == 1:
                return {ids[0]: []}
            out: dict[int, list[int]] = {}
            for order_id in ids:
                out.update(self.create_invoices([order_id]))
            return out
        after = self.read("sale.order", ids, ["invoice_ids"])
        return {int(r["id"]): sorted(set(r["invoice_ids"]) - before.get(int(r["id"]), set())) for r in after}

    def prepare_invoices(self, invoice_ids: Sequence[int], vals: Mapping[str, Any]) -> None:
        """Write draft invoices before posting (invoice date, reference, journal): posting sets today's
        date on an invoice without one."""
        if invoice_ids and vals:
            self.write("account.move", invoice_ids, vals)

    def post_invoices(self, invoice_ids: Sequence[int]) -> None:
        """``action_post`` on any number of draft invoices in one call."""
        if invoice_ids:
            self.call("account.move", "action_post", list(invoice_ids))

    def register_payment(self, invoice_ids: Sequence[int], journal_id: int, when: date, memo: str) -> None:
        """The "Register payment" wizard on posted invoices (2 round trips): they end paid (Community 17)
        or in payment (Enterprise, 18) until the settlement's bank line is matched."""
        if not invoice_ids:
            return
        context = {"active_model": "account.move", "active_ids": list(invoice_ids)}
        [wizard] = self.create(
            "account.payment.register",
            [{"journal_id": journal_id, "payment_date": when.isoformat(), "communication": memo}],
            context=context,
        )
        self.call("account.payment.register", "action_create_payments", [wizard], context=context)

    def validate_deliveries(self, picking_ids: Sequence[int]) -> None:
        """Validate outgoing deliveries in full, whatever is reserved (goods Amazon says have left): moves
        short of their demand are set to it first (stock may go negative), no backorder, no SMS wizard.
        2 round trips, plus one write per short move."""
        ids = list(picking_ids)
        if not ids:
            return
        moves = self.search_read(
            "stock.move",
            [("picking_id", "in", ids), ("state", "not in", ["done", "cancel"])],
            ["product_uom_qty", "quantity"],
        )
        for move in moves:
            if float(move.get("quantity") or 0) < float(move["product_uom_qty"]):
                self.write(
                    "stock.move", [int(move["id"])], {"quantity": move["product_uom_qty"], "picked": True}
                )
        self.call(
            "stock.picking",
            "button_validate",
            ids,
            context={"skip_sms": True, "skip_backorder": True, "picking_ids_not_to_backorder": ids},
        )


def _nothing_to_invoice(error: PermanentError) -> bool:
    """Odoo's "Cannot create an invoice. No items are available to invoice." (sale, 17)."""
    text = str(error.message).lower()
    return "no items are available to invoice" in text or "cannot create an invoice" in text


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
