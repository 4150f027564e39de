"""The intent-level Odoo gateway: what the services ask of Odoo, in as few round trips as it takes.

Built on any :class:`~amazon_odoo.adapters.odoo.transports.OdooTransport`; every call goes out with keyword
arguments only (DESIGN.md §5). Reads are batched and name only the fields they need. Version differences
live in :class:`OdooDialect`, and nowhere else.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from amazon_odoo.adapters.odoo.transports import OdooTransport
from amazon_odoo.domain.documents import OdooDocument, amazon_order_id  # buyer documents (issue 8)
from amazon_odoo.domain.errors import PermanentError, RetryableError
from amazon_odoo.domain.refunds import CreditLine  # refunds at Amazon (issue 8)
from amazon_odoo.mapping.listings import (  # listings out (issue 5)
    Category,
    OdooPrice,
    OdooStock,
    PricedProduct,
    Pricelist,
    PricelistEngine,
    PricelistPrices,
    PricelistRule,
)
from amazon_odoo.mapping.product_sync import OdooProduct  # sync products (issue 7)
from amazon_odoo.mapping.settlements import (  # settlements (issue 6)
    LineMatch,
    OdooStatement,
    OpenItem,
    OpenStatementLine,
    SettlementJournal,
)
from amazon_odoo.mapping.shipments import (  # shipments out (issue 4)
    OdooCarrier,
    OdooDelivery,
    OdooMove,
    OdooMoveLine,
    OdooSaleLine,
)
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
        # the keyword ``write`` takes per model: ``vals`` in most, ``values`` where Odoo or a module names it so
        self._write_arg: dict[str, str] = {}

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
        """``write`` with keyword arguments. Odoo's own ``write`` names its argument ``vals``, but some overrides
        call it ``values`` (``product.pricelist``, ``account.bank.statement``, ``product.product`` once ``mrp`` is
        installed): Python refuses the call before anything runs, so it is sent again with the other name and
        the name is remembered for the model (1 more round trip per model and process)."""
        extra: dict[str, Any] = {"context": dict(context)} if context else {}
        name = self._write_arg.get(model, "vals")
        try:
            return bool(self.call(model, "write", list(ids), **{name: dict(vals)}, **extra))
        except PermanentError as error:
            if f"unexpected keyword argument '{name}'" not in error.message:
                raise
            other = "values" if name == "vals" else "vals"
            result = bool(self.call(model, "write", list(ids), **{other: dict(vals)}, **extra))
            self._write_arg[model] = other
            return result

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
            if model in PERSONAL_MODELS:
                text = _redact(text, rows)
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

    def cancel_deliveries(self, picking_ids: Sequence[int]) -> None:
        """Cancel open deliveries (one call): an order Amazon cancelled must not be shipped."""
        if picking_ids:
            self.call("stock.picking", "action_cancel", list(picking_ids))

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

    # ------------------------------------------------------------------ shipments out (issue 4, ODOO.md §5)

    def done_deliveries(
        self, company: str, since: datetime, picking_ids: Sequence[int] = (), limit: int = 500
    ) -> list[OdooDelivery]:
        """Done outgoing deliveries of the company's sale orders that have a customer reference, done since
        ``since`` or among ``picking_ids`` (deliveries still waiting to be confirmed), oldest first.

        2 round trips for any number of deliveries on Odoo 17+: ``web_search_read`` with the carrier, the
        sale order, the moves (with their sale order lines) and the move lines (with their packages)
        nested, then the ``__amazon__`` external ids of those orders and lines (ODOO.md §5). Odoo 16 has
        no nested specification: 5 reads instead. The company is looked up once per process."""
        company_id = self._company_settings(company)[0]
        domain: list[Any] = [
            ("state", "=", "done"),
            ("picking_type_code", "=", "outgoing"),
            ("company_id", "=", company_id),
            ("sale_id.client_order_ref", "!=", False),
            "|",
            ("date_done", ">=", _odoo_datetime(since)),
            ("id", "in", sorted(set(picking_ids))),
        ]
        if self.dialect.major >= 17:
            answer = self.call(
                "stock.picking",
                "web_search_read",
                domain=_plain(domain),
                specification=_DELIVERY_SPEC,
                limit=limit,
                order="date_done, id",
            )
            records = list(answer.get("records") or []) if isinstance(answer, Mapping) else []
        else:
            records = self._deliveries_by_reads(domain, limit)
        if not records:
            return []
        orders = sorted({int(r["sale_id"]["id"]) for r in records if r.get("sale_id")})
        lines = sorted(
            {
                int(m["sale_line_id"]["id"])
                for r in records
                for m in r.get("move_ids") or []
                if m.get("sale_line_id")
            }
        )
        rows = self.search_read(
            "ir.model.data",
            [
                ("module", "=", AMAZON_MODULE),
                "|",
                "&",
                ("model", "=", "sale.order"),
                ("res_id", "in", orders),
                "&",
                ("model", "=", "sale.order.line"),
                ("res_id", "in", lines),
            ],
            ["name", "model", "res_id"],
        )
        xmlids = {(str(r["model"]), int(r["res_id"])): f"{AMAZON_MODULE}.{r['name']}" for r in rows}
        return [_delivery_from(record, xmlids) for record in records]

    def _deliveries_by_reads(self, domain: Sequence[Any], limit: int) -> list[dict[str, Any]]:
        """Odoo 16: the records ``web_search_read`` would answer on 17, from plain reads (5 round trips)."""
        pickings = self.search_read(
            "stock.picking",
            domain,
            [
                "name",
                "date_done",
                "carrier_tracking_ref",
                "carrier_id",
                "sale_id",
                "move_ids",
                "move_line_ids",
            ],
            limit=limit,
            order="date_done, id",
        )
        if not pickings:
            return []
        moves = {
            int(m["id"]): m
            for m in self.read(
                "stock.move",
                [i for p in pickings for i in p["move_ids"]],
                ["product_id", "quantity", "state", "sale_line_id"],
            )
        }
        move_lines = {
            int(ml["id"]): ml
            for ml in self.read(
                "stock.move.line",
                [i for p in pickings for i in p["move_line_ids"]],
                ["move_id", "quantity", "result_package_id"],
            )
        }
        sale_lines = {
            int(sl["id"]): sl
            for sl in self.read(
                "sale.order.line",
                sorted({int(m["sale_line_id"][0]) for m in moves.values() if m.get("sale_line_id")}),
                ["product_id", "product_uom_qty", "qty_delivered"],
            )
        }
        orders = {
            int(so["id"]): so
            for so in self.read(
                "sale.order",
                sorted({int(p["sale_id"][0]) for p in pickings if p.get("sale_id")}),
                ["name", "client_order_ref"],
            )
        }

        def m2o(value: Any, **fields: Any) -> Any:
            return {"id": int(value[0]), "name": value[1], **fields} if value else False

        out: list[dict[str, Any]] = []
        for picking in pickings:
            record = {k: picking[k] for k in ("id", "name", "date_done", "carrier_tracking_ref")}
            record["carrier_id"] = m2o(picking["carrier_id"], delivery_type="")
            sale = picking.get("sale_id")
            record["sale_id"] = orders.get(int(sale[0]), False) if sale else False
            record["move_ids"] = []
            for move_id in picking["move_ids"]:
                move = moves[int(move_id)]
                line = move.get("sale_line_id")
                sale_line = sale_lines.get(int(line[0])) if line else None
                record["move_ids"].append(
                    {
                        "id": move["id"],
                        "product_id": m2o(move["product_id"], display_name=move["product_id"][1]),
                        "quantity": move["quantity"],
                        "state": move["state"],
                        "sale_line_id": {**sale_line, "product_id": sale_line["product_id"][0]}
                        if sale_line
                        else False,
                    }
                )
            record["move_line_ids"] = [
                {
                    "id": ml["id"],
                    "move_id": ml["move_id"][0] if ml.get("move_id") else False,
                    "quantity": ml["quantity"],
                    "result_package_id": m2o(ml.get("result_package_id")),
                }
                for ml in (move_lines[int(i)] for i in picking["move_line_ids"])
            ]
            out.append(record)
        return out

    def post_notes(self, notes: Sequence[tuple[str, int, str]]) -> list[int]:
        """Internal notes ``(model, record id, text)`` on many records in ONE round trip (``mail.message``
        ``create``, ODOO.md §10: no followers notified), +1 the first time to find the Note subtype. The text
        is escaped and kept as one paragraph per line."""
        if not notes:
            return []
        subtype = int(self._cached(("mail.mt_note",), self._note_subtype))
        return self.create(
            "mail.message",
            [
                {
                    "model": model,
                    "res_id": res_id,
                    "body": "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line),
                    "message_type": "comment",
                    "subtype_id": subtype,
                }
                for model, res_id, text in notes
            ],
        )

    # ---------------------------------------------------------------- buyer documents (issue 8)
    def buyer_documents(
        self, company_id: int, move_type: str, since: date, marketplace_ids: Sequence[str]
    ) -> list[OdooDocument]:
        """Posted customer invoices / credit notes of this seller's Amazon orders (see ports.OdooGateway):
        one ``search_read`` of the moves, one ``read`` of the invoices credit notes reverse, one
        ``ir.model.data`` read to keep the orders imported by the connector (and learn their marketplace)."""
        from amazon_odoo.mapping.orders import order_external_id

        moves = self.search_read(
            "account.move",
            [
                ("company_id", "=", company_id),
                ("move_type", "=", move_type),
                ("state", "=", "posted"),
                ("invoice_date", ">=", since.isoformat()),
                "|",
                "|",
                ("ref", "!=", False),
                ("payment_reference", "!=", False),
                ("reversed_entry_id", "!=", False),
            ],
            [
                "name",
                "move_type",
                "ref",
                "payment_reference",
                "reversed_entry_id",
                "amount_total",
                "amount_tax",
                "currency_id",
                "invoice_date",
            ],
            order="id",
        )
        reversed_ids = sorted({_id_of(m["reversed_entry_id"]) for m in moves if m.get("reversed_entry_id")})
        reversed_refs = (
            {int(r["id"]): r.get("ref") for r in self.read("account.move", reversed_ids, ["ref"])}
            if reversed_ids
            else {}
        )
        candidates: dict[
            int, list[str]
        ] = {}  # a credit note's own reference may be a refund's, not the order's
        for move in moves:
            values = (
                move.get("ref"),
                move.get("payment_reference"),
                reversed_refs.get(_id_of(move.get("reversed_entry_id"))),
            )
            found_ids = [oid for oid in (amazon_order_id(v) for v in values) if oid]
            if found_ids:
                candidates[int(move["id"])] = list(dict.fromkeys(found_ids))
        names = {
            order_external_id(mp, order_id).split(".", 1)[1]: (mp, order_id)
            for order_ids in candidates.values()
            for order_id in order_ids
            for mp in marketplace_ids
        }
        found = self.xmlid_map(list(names)) if names else {}
        marketplace_of = {names[name][1]: names[name][0] for name in found}
        documents = []
        for move in moves:
            order_id = next((o for o in candidates.get(int(move["id"]), []) if o in marketplace_of), "")
            if not order_id:
                continue
            currency = move.get("currency_id")
            documents.append(
                OdooDocument(
                    move_id=int(move["id"]),
                    name=str(move.get("name") or ""),
                    move_type=str(move.get("move_type") or move_type),
                    order_id=order_id,
                    marketplace_id=marketplace_of[order_id],
                    amount_total=_money(move.get("amount_total")),
                    amount_tax=_money(move.get("amount_tax")),
                    currency=str(currency[1]) if isinstance(currency, list | tuple) and currency else "",
                    invoice_date=date.fromisoformat(str(move["invoice_date"]))
                    if move.get("invoice_date")
                    else None,
                )
            )
        return documents

    def document_pdf(self, move_id: int, name: str = "") -> bytes:
        """The move's PDF as Odoo renders it (ODOO.md §11): the frozen ``invoice_pdf_report_id`` when there
        is one (1 call + 1 to fetch), else the Send & Print wizard without e-mail first (+2). The wizard
        marks the move sent and freezes the PDF, so a second call gives the same bytes. Odoo 18 renamed the
        wizard ``account.move.send.wizard``. PermanentError (``odoo.user_error``, naming the move) when Odoo
        cannot render it, e.g. "Unable to find Wkhtmltopdf on this system"."""
        import base64
        import binascii

        record = f"move {move_id}" + (f" ({name})" if name else "")
        attachment = self._pdf_attachment(move_id)
        if not attachment:
            context = {"active_model": "account.move", "active_ids": [move_id]}
            wizard_model = "account.move.send.wizard" if self.dialect.major >= 18 else "account.move.send"
            vals: dict[str, Any] = (
                {} if self.dialect.major >= 18 else {"checkbox_send_mail": False, "checkbox_download": True}
            )
            try:
                [wizard] = self.create(wizard_model, [vals], context=context)
                self.call(wizard_model, "action_send_and_print", [wizard], context=context)
            except PermanentError as error:
                raise PermanentError(
                    f"Odoo cannot render the PDF of {record}: {error.message}",
                    record=record,
                    resolution="make the invoice printable in Odoo (Print > Invoice must work; the server "
                    "needs wkhtmltopdf, and report.url must reach it); the next run tries again",
                    source=error.source,
                    code=error.code,
                ) from error
            attachment = self._pdf_attachment(move_id)
            if not attachment:
                raise PermanentError(
                    f"Odoo rendered no PDF for {record} (invoice_pdf_report_id is empty after Send & Print)",
                    record=record,
                    resolution="print the invoice once in Odoo to see why; the next run tries again",
                    code="odoo.no_pdf",
                )
        rows = self.read("ir.attachment", [attachment], ["datas"])
        try:
            return base64.b64decode(str(rows[0].get("datas") or "") if rows else "", validate=True)
        except (binascii.Error, ValueError) as error:
            raise PermanentError(
                f"the PDF attachment {attachment} of {record} is not base64 ({error})",
                record=record,
                resolution="reset the invoice's PDF in Odoo (delete the attachment) and run again",
                code="odoo.no_pdf",
            ) from error

    def _pdf_attachment(self, move_id: int) -> int:
        rows = self.read("account.move", [move_id], ["invoice_pdf_report_id"])
        if not rows:
            raise PermanentError(f"Odoo has no move {move_id}", record=f"move {move_id}", code="odoo.missing")
        return _id_of(rows[0].get("invoice_pdf_report_id"))

    def _note_subtype(self) -> int:
        found = self.xmlid_map(["mt_note"], module="mail")
        if "mt_note" not in found:
            raise PermanentError(
                "Odoo has no mail.mt_note subtype", record="mail.mt_note", source="odoo", code="odoo.bug"
            )
        return found["mt_note"]

    # ------------------------------------------------------------- listings out (issue 5, ODOO.md §7-8)
    # Products are found by internal reference, 1,000 per read, archived ones included (``active_test``
    # off) so the caller can tell a missing product from an archived one. Stock comes from the same read
    # (``qty_available`` / ``virtual_available`` with the warehouse in the context); prices from the
    # pricelist's rules, products, categories and conversion rates read in a few calls and priced by
    # ``mapping.listings.PricelistEngine`` exactly as Odoo 17 does (its public ``get_contextual_price``
    # prices one product per call; its private helpers are refused over RPC).

    def warehouse_id(self, company: str, code: str | None) -> int:
        """The id of the company's warehouse with this code (None: its first warehouse); cached."""
        return self._listings_warehouse(self._company_settings(company)[0], code)

    def _listings_warehouse(self, company_id: int, code: str | None) -> int:
        """The warehouse of that code in the company, or the company's first one; cached."""
        domain: list[Any] = [("company_id", "=", company_id)]
        if code:
            domain.append(("code", "=", code))
        what = f"warehouse {code}" if code else "a warehouse of the seller's company"
        return int(
            self._cached(
                ("listings warehouse", company_id, code),
                lambda: self._one_id(
                    "stock.warehouse",
                    domain,
                    what,
                    "set marketplaces[].warehouse to the code of a warehouse of the seller's company",
                ),
            )
        )

    def stock_by_reference(
        self, company: str, references: Sequence[str], *, warehouse: str | None
    ) -> dict[str, list[OdooStock]]:
        """Products with these internal references (the company's or shared) and their quantities on hand
        and forecast in ``warehouse`` (a code; None: the company's first warehouse). One read per
        :data:`LISTINGS_BATCH` references, +1 per batch of references no active product has (archived
        ones), +2 the first time (company, warehouse)."""
        company_id = self._company_settings(company)[0]
        warehouse_id = self._listings_warehouse(company_id, warehouse)
        dialect = self.dialect
        kind = "is_storable" if dialect.major >= 18 else "type"
        context = {"warehouse": warehouse_id, "allowed_company_ids": [company_id]}
        found: dict[str, list[OdooStock]] = {}
        for chunk in _batches(references):
            rows = self._product_rows(
                chunk, company_id, ["default_code", "qty_available", "virtual_available", kind], context
            )
            for row in rows:
                storable = bool(row.get(kind)) if dialect.major >= 18 else row.get(kind) == "product"
                found.setdefault(str(row["default_code"]), []).append(
                    OdooStock(
                        product_id=int(row["id"]),
                        reference=str(row["default_code"]),
                        active=True,
                        storable=storable,
                        on_hand=Decimal(repr(float(row.get("qty_available") or 0.0))),
                        forecast=Decimal(repr(float(row.get("virtual_available") or 0.0))),
                    )
                )
        nothing = Decimal(0)
        for product_id, reference in self._archived(company_id, [r for r in references if r not in found]):
            found.setdefault(reference, []).append(
                OdooStock(product_id, reference, False, False, nothing, nothing)
            )
        return found

    def _product_rows(
        self, references: Sequence[str], company_id: int, fields: Sequence[str], context: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Active products with these references; many2one values as bare ids (``load=""``: no names to
        look up, half the answer to parse)."""
        rows = self.call(
            "product.product",
            "search_read",
            domain=_plain(
                [("default_code", "in", list(references)), ("company_id", "in", [company_id, False])]
            ),
            fields=list(fields),
            order="id",
            load="",
            context=dict(context),
        )
        return list(rows or [])

    def _archived(self, company_id: int, references: Sequence[str]) -> list[tuple[int, str]]:
        """(id, internal reference) of archived products with these references (usually none asked)."""
        out: list[tuple[int, str]] = []
        for chunk in _batches(references):
            rows = self.search_read(
                "product.product",
                [
                    ("default_code", "in", chunk),
                    ("active", "=", False),
                    ("company_id", "in", [company_id, False]),
                ],
                ["default_code"],
                order="id",
            )
            out += [(int(row["id"]), str(row["default_code"])) for row in rows]
        return out

    def product_references(self, company: str) -> list[str]:
        """The internal references of the company's (and shared) active saleable products, in one read."""
        company_id = self._company_settings(company)[0]
        rows = self.search_read(
            "product.product",
            [
                ("default_code", "!=", False),
                ("sale_ok", "=", True),
                ("company_id", "in", [company_id, False]),
            ],
            ["default_code"],
            order="id",
        )
        return list(dict.fromkeys(str(row["default_code"]) for row in rows))

    def products_by_reference(self, company: str, references: Sequence[str]) -> dict[str, list[OdooProduct]]:
        """Sync products (issue 7): the company's (and shared) products with these internal references,
        archived ones too (``active`` says which), by reference. One search_read per
        :data:`LISTINGS_BATCH` references (+2 the first time for the company)."""
        company_id = self._company_settings(company)[0]
        found: dict[str, list[OdooProduct]] = {}
        for chunk in _batches(references):
            rows = self._product_rows(
                chunk,
                company_id,
                ["default_code", "active"],
                {"active_test": False, "allowed_company_ids": [company_id]},
            )
            for row in rows:
                reference = str(row["default_code"])
                found.setdefault(reference, []).append(
                    OdooProduct(id=int(row["id"]), reference=reference, active=bool(row.get("active")))
                )
        return found

    def pricelist_prices(
        self, company: str, pricelists: Sequence[str], references: Sequence[str]
    ) -> dict[str, PricelistPrices]:
        """The price Odoo gives one unit of each product with these internal references in each of these
        pricelists (by name), now, in the pricelist's currency (unrounded, as ``get_contextual_price``).
        The products are read once for all the pricelists. A name that matches no pricelist raises
        PermanentError whose ``record`` is ``pricelist <name>``.

        Calls: the pricelists and their rules (2, and 2 per level of other pricelists rules are based on),
        one per :data:`LISTINGS_BATCH` products (+1 per batch of references no active product has), the
        categories when a rule names one (1), one per currency pair to convert (usually none), +1 per
        pricelist and +2 the first time (company, its currency)."""
        company_id = self._company_settings(company)[0]
        wanted = list(dict.fromkeys(pricelists))
        ids = {name: self._named("product.pricelist", name, company_id, "pricelist") for name in wanted}
        now = datetime.now(UTC)
        heads = self._pricelists(sorted(set(ids.values())))
        rules = [rule for pl in heads.values() for rule in pl.rules]
        company_currency = self._company_currency_id(company_id)
        optional = {
            "product_tmpl_id": any(rule.applied_on == "1_product" for rule in rules),
            "categ_id": any(rule.categ_id for rule in rules),
            "standard_price": any(rule.base == "standard_price" for rule in rules),
        }
        fields = ["default_code", "list_price", "price_extra", "currency_id"]
        fields += [name for name, needed in optional.items() if needed]
        context = {"allowed_company_ids": [company_id]}
        products: list[tuple[str, PricedProduct]] = []
        for chunk in _batches(references):
            rows = self._product_rows(chunk, company_id, fields, context)
            for row in rows:  # the cost is in the company's currency (cost_currency_id)
                products.append((str(row["default_code"]), _priced(row, company_currency)))
        found = {reference for reference, _ in products}
        archived = self._archived(company_id, [r for r in references if r not in found])
        categories: dict[int, Category] = {}
        if optional["categ_id"]:
            categories = {
                int(row["id"]): Category(
                    int(row["id"]), str(row["parent_path"] or ""), str(row["complete_name"])
                )
                for row in self.search_read("product.category", [], ["parent_path", "complete_name"])
            }
        engine = PricelistEngine(heads, categories, now=_odoo_datetime(now))
        priced = [product for _, product in products]
        pairs = {pair for pl_id in set(ids.values()) for pair in engine.currency_pairs(pl_id, priced)}
        engine.rates = {pair: self._conversion(pair, company_id, now.date()) for pair in sorted(pairs)}
        out: dict[str, PricelistPrices] = {}
        for name, pricelist_id in ids.items():
            currency_id = heads[pricelist_id].currency_id
            code, digits = self._currency(currency_id)
            rounding = self._currency_rounding(currency_id)
            prices: dict[str, list[OdooPrice]] = {}
            for reference, product in products:
                prices.setdefault(reference, []).append(
                    OdooPrice(product.id, reference, True, engine.price(pricelist_id, product))
                )
            for product_id, reference in archived:
                prices.setdefault(reference, []).append(OdooPrice(product_id, reference, False, 0.0))
            out[name] = PricelistPrices(pricelist_id, name, code, rounding, digits, prices)
        return out

    def _pricelists(self, pricelist_ids: Sequence[int]) -> dict[int, Pricelist]:
        """The pricelists and every pricelist their rules are based on, with their rules (2 reads a level)."""
        found: dict[int, Pricelist] = {}
        todo = list(pricelist_ids)
        while todo:
            ids = sorted(set(todo) - set(found))
            todo = []
            if not ids:
                break
            heads = self.read("product.pricelist", ids, ["name", "currency_id"])
            items = self.search_read(
                "product.pricelist.item",
                [("pricelist_id", "in", ids)],
                list(_RULE_FIELDS),
                order="id",
                context={"active_test": False},
            )
            for head in heads:
                rules = tuple(
                    _rule(item) for item in items if _id_of(item["pricelist_id"]) == int(head["id"])
                )
                pricelist = Pricelist(int(head["id"]), str(head["name"]), _id_of(head["currency_id"]), rules)
                found[pricelist.id] = pricelist
                todo += PricelistEngine.base_pricelists(pricelist)
        return found

    def _conversion(self, pair: tuple[int, int], company_id: int, day: date) -> float:
        """Odoo's factor from one currency to another on ``day`` for the company (``inverse_rate`` of the
        source read with ``to_currency``: what ``res.currency._convert`` multiplies by)."""
        source, target = pair
        rows = self.read(
            "res.currency",
            [source],
            ["inverse_rate"],
            context={"to_currency": target, "date": day.isoformat(), "allowed_company_ids": [company_id]},
        )
        return float(rows[0]["inverse_rate"])

    def _currency_rounding(self, currency_id: int) -> float:
        def fetch() -> float:
            return float(self.read("res.currency", [currency_id], ["rounding"])[0]["rounding"])

        return float(self._cached(("currency rounding", currency_id), fetch))

    def _company_currency_id(self, company_id: int) -> int:
        return int(
            self._cached(
                ("company currency", company_id),
                lambda: _id_of(self.read("res.company", [company_id], ["currency_id"])[0]["currency_id"]),
            )
        )

    # ------------------------------------------------------------------ settlements (issue 6, ODOO.md §9)

    def settlement_journal(self, company_id: int, code: str, name: str, currency: str) -> SettlementJournal:
        """The bank journal ``code`` of the company, created when missing (Odoo makes its bank account and
        takes the company's suspense account); in ``currency`` when that is not the company's. Odoo 17 keeps
        5 characters of a code (``AMZcom`` is stored ``AMZco``): the journal is found by either. Cached."""

        def fetch() -> SettlementJournal:
            company_currency = self._currency(
                int(self.read("res.company", [company_id], ["currency_id"])[0]["currency_id"][0])
            )[0]
            fields = ["code", "name", "default_account_id", "suspense_account_id", "currency_id"]
            domain = [
                ("company_id", "=", company_id),
                ("type", "=", "bank"),
                ("code", "in", sorted({code, code[:5]})),
            ]
            rows = self.search_read("account.journal", domain, fields, order="id")
            rows.sort(key=lambda r: r["code"] != code)
            if not rows:
                vals: dict[str, Any] = {"name": name, "code": code, "type": "bank", "company_id": company_id}
                if currency != company_currency:
                    vals["currency_id"] = self._currency_id(currency)
                [journal_id] = self.create("account.journal", [vals])
                rows = self.read("account.journal", [journal_id], fields)
            row = rows[0]
            default_account = _maybe_id(row.get("default_account_id"))
            suspense_account = _maybe_id(row.get("suspense_account_id"))
            if default_account is None or suspense_account is None:
                raise PermanentError(
                    f"journal {row['code']} has no bank account or no suspense account",
                    record=f"journal {row['code']}",
                    source="odoo",
                    code="odoo.journal",
                    resolution="set the journal's bank account and suspense account in Odoo (Accounting > "
                    "Configuration > Journals), or name another journal in marketplaces[].settlement_journal",
                )
            currency_id = _maybe_id(row.get("currency_id"))
            journal_currency = self._currency(currency_id)[0] if currency_id else company_currency
            return SettlementJournal(
                id=int(row["id"]),
                code=str(row["code"]),
                name=str(row["name"]),
                default_account_id=default_account,
                suspense_account_id=suspense_account,
                currency=journal_currency,
                company_currency=company_currency,
                currency_id=currency_id if journal_currency != company_currency else None,
                company_id=company_id,
            )

        result: SettlementJournal = self._cached(("settlement journal", company_id, code), fetch)
        return result

    def _currency_id(self, code: str) -> int:
        rows = self.search_read("res.currency", [("name", "=", code)], ["id"], limit=1)
        if not rows:
            raise PermanentError(
                f"currency {code} is not active in Odoo",
                record=f"currency {code}",
                source="odoo",
                code="odoo.currency",
                resolution=f"activate {code} in Odoo (Accounting > Configuration > Currencies), then retry",
            )
        return int(rows[0]["id"])

    def account_ids(self, company_id: int, codes: Sequence[str]) -> dict[str, int]:
        """Account codes -> ids in the company (codes that match nothing are left out); one read for the codes
        not cached."""
        wanted = sorted({c for c in codes if c})
        missing = [c for c in wanted if ("account", company_id, c) not in self._refs]
        if missing:
            company = (
                ("company_ids", "in", [company_id])
                if self.dialect.major >= 18
                else ("company_id", "=", company_id)
            )
            rows = self.search_read("account.account", [("code", "in", missing), company], ["code"])
            found = {str(r["code"]): int(r["id"]) for r in rows}
            for code in missing:
                if code in found:
                    self._refs[("account", company_id, code)] = found[code]
        return {
            c: int(self._refs[("account", company_id, c)])
            for c in wanted
            if ("account", company_id, c) in self._refs
        }

    def currency_rates(
        self, company_id: int, currency_id: int, since: date, until: date
    ) -> dict[date, Decimal]:
        """Odoo's rates of a currency (units per company currency unit) from the last one before ``since`` to
        ``until``: what it converts journal items with (2 reads)."""
        base = [("currency_id", "=", currency_id), ("company_id", "in", [company_id, False])]
        rows = self.search_read(
            "res.currency.rate",
            [*base, ("name", "<", since.isoformat())],
            ["name", "rate"],
            limit=1,
            order="name desc",
        )
        rows += self.search_read(
            "res.currency.rate",
            [*base, ("name", ">=", since.isoformat()), ("name", "<=", until.isoformat())],
            ["name", "rate"],
            order="name",
        )
        return {
            date.fromisoformat(str(r["name"])[:10]): Decimal(str(r["rate"])) for r in rows if r.get("rate")
        }

    def find_statement(self, journal_id: int, reference: str) -> OdooStatement | None:
        """The journal's statement with this reference (a settlement id) and what its lines are: 2 reads."""
        rows = self.search_read(
            "account.bank.statement",
            [("journal_id", "=", journal_id), ("reference", "=", reference)],
            ["id"],
            order="id",
            limit=1,
        )
        return self._statement(int(rows[0]["id"])) if rows else None

    def _statement(self, statement_id: int) -> OdooStatement:
        [row] = self.read(
            "account.bank.statement",
            [statement_id],
            ["name", "balance_start", "balance_end", "balance_end_real"],
        )
        lines = self.search_read(
            "account.bank.statement.line",
            [("statement_id", "=", statement_id)],
            ["payment_ref", "is_reconciled"],
        )
        return OdooStatement(
            id=statement_id,
            name=str(row.get("name") or ""),
            labels=frozenset(str(line.get("payment_ref") or "") for line in lines),
            line_count=len(lines),
            open_lines=sum(1 for line in lines if not line.get("is_reconciled")),
            balance_start=_money(row.get("balance_start")),
            balance_end=_money(row.get("balance_end")),
            balance_end_real=_money(row.get("balance_end_real")),
        )

    def open_items(
        self, company_id: int, order_ids: Sequence[str], journal: SettlementJournal
    ) -> dict[str, list[OpenItem]]:
        """Open journal items of Amazon orders on reconcilable accounts, by Amazon order id: their invoices'
        and credit notes' receivables (reference or payment reference = the order id; a credit note made by
        reversing the invoice through its ``reversed_entry_id``) and the outstanding receipts of payments
        made with the order id as memo. One call on Odoo 17+ (``web_search_read``), 3 reads on 16."""
        wanted = sorted({o for o in order_ids if o})
        if not wanted:
            return {}
        domain: list[Any] = [
            ("company_id", "=", company_id),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("account_id.reconcile", "=", True),
            ("statement_line_id", "=", False),
            "|",
            "|",
            ("move_id.ref", "in", wanted),
            ("move_id.payment_reference", "in", wanted),
            ("move_id.reversed_entry_id.ref", "in", wanted),
        ]
        if self.dialect.major >= 17:
            answer = self.call(
                "account.move.line",
                "web_search_read",
                domain=_plain(domain),
                specification=_OPEN_ITEM_SPEC,
                order="id",
            )
            records = list(answer.get("records") or []) if isinstance(answer, Mapping) else []
        else:
            records = self._open_items_by_reads(domain)
        found: dict[str, list[OpenItem]] = {}
        wanted_set = set(wanted)
        for record in records:
            move = record.get("move_id") or {}
            reversed_move = move.get("reversed_entry_id") or {}
            order_id = next(
                (
                    str(v)
                    for v in (move.get("ref"), move.get("payment_reference"), reversed_move.get("ref"))
                    if v and str(v) in wanted_set
                ),
                None,
            )
            if order_id is None:
                continue
            line_currency = _id_of(record.get("currency_id"))
            if journal.foreign:
                if line_currency != journal.currency_id:
                    continue  # another currency than the settlement's: not matched automatically
                residual = _money(record.get("amount_residual_currency"))
            else:
                residual = _money(record.get("amount_residual"))
            move_type = str(move.get("move_type") or "entry")
            kind = {"out_invoice": "invoice", "out_refund": "credit_note"}.get(move_type)
            if kind is None:
                kind = "payment" if record.get("payment_id") else "entry"
            found.setdefault(order_id, []).append(
                OpenItem(
                    id=int(record["id"]),
                    order_id=order_id,
                    account_id=_id_of(record.get("account_id")),
                    residual=residual,
                    move_id=int(move.get("id") or 0),
                    move_name=str(move.get("name") or ""),
                    partner_id=_maybe_id(record.get("partner_id")),
                    kind=kind,
                )
            )
        return found

    def _open_items_by_reads(self, domain: Sequence[Any]) -> list[dict[str, Any]]:
        """Odoo 16: the records ``web_search_read`` answers on 17, from plain reads."""
        lines = self.search_read(
            "account.move.line",
            domain,
            [
                "move_id",
                "account_id",
                "partner_id",
                "amount_residual",
                "amount_residual_currency",
                "currency_id",
                "payment_id",
            ],
            order="id",
        )
        moves = {
            int(m["id"]): m
            for m in self.read(
                "account.move",
                sorted({_id_of(line["move_id"]) for line in lines}),
                ["name", "ref", "payment_reference", "move_type", "reversed_entry_id"],
            )
        }
        reversed_ids = sorted(
            {_id_of(m["reversed_entry_id"]) for m in moves.values() if m.get("reversed_entry_id")}
        )
        reversed_refs = {int(m["id"]): m.get("ref") for m in self.read("account.move", reversed_ids, ["ref"])}
        out = []
        for line in lines:
            move = dict(moves[_id_of(line["move_id"])])
            reversed_id = _id_of(move.get("reversed_entry_id"))
            move["reversed_entry_id"] = (
                {"id": reversed_id, "ref": reversed_refs.get(reversed_id)} if reversed_id else False
            )
            out.append({**line, "move_id": move})
        return out

    def write_statement_lines(
        self,
        journal: SettlementJournal,
        statement_id: int | None,
        header: Mapping[str, Any],
        lines: Sequence[Mapping[str, Any]],
        markers: Mapping[int, str],
    ) -> int:
        """One batch of statement lines: the open items they settle get their matching number first (one
        ``load``), then the lines are created — with the statement (``header``) when there is none yet —
        and Odoo reconciles the marked items when it posts them. 2 round trips (1 without markers)."""
        if markers:
            self.load(
                "account.move.line", [".id", "matching_number"], [[str(i), m] for i, m in markers.items()]
            )
        values = [{**line, "journal_id": journal.id} for line in lines]
        if statement_id is None:
            [statement_id] = self.create(
                "account.bank.statement", [{**header, "line_ids": [(0, 0, v) for v in values]}]
            )
        elif values:
            self.create("account.bank.statement.line", [{**v, "statement_id": statement_id} for v in values])
        return statement_id

    def close_statement(self, statement_id: int, lines_total: Decimal) -> OdooStatement:
        """Set the statement's ending balance to its starting balance plus ``lines_total`` (complete once
        every line is in) and answer it as it stands: 2-3 round trips."""
        statement = self._statement(statement_id)
        target = statement.balance_start + lines_total
        if statement.balance_end_real != target:
            # a ``load`` by database id: Odoo 17's ``account.bank.statement.write`` names its argument
            # ``values``, not ``vals``, so the keyword call every transport makes fails there
            self.load(
                "account.bank.statement", [".id", "balance_end_real"], [[str(statement_id), str(target)]]
            )
            statement = replace(statement, balance_end_real=target)
        return statement

    def open_statement_lines(self, statement_id: int, journal: SettlementJournal) -> list[OpenStatementLine]:
        """The statement's items still on the suspense account, with their line's label, order id (its
        reference) and transaction type: 2 reads (1 when every line is matched)."""
        lines = self.search_read(
            "account.bank.statement.line",
            [("statement_id", "=", statement_id), ("is_reconciled", "=", False)],
            ["payment_ref", "ref", "transaction_type", "date"],
            order="id",
        )
        if not lines:
            return []
        by_id = {int(line["id"]): line for line in lines}
        items = self.search_read(
            "account.move.line",
            [("statement_line_id", "in", sorted(by_id)), ("account_id", "=", journal.suspense_account_id)],
            ["statement_line_id", "name", "balance", "amount_currency"],
            order="id",
        )
        out = []
        for item in items:
            line = by_id[_id_of(item["statement_line_id"])]
            out.append(
                OpenStatementLine(
                    statement_line_id=int(line["id"]),
                    item_id=int(item["id"]),
                    label=str(line.get("payment_ref") or ""),
                    order_id=str(line.get("ref") or ""),
                    transaction_type=str(line.get("transaction_type") or ""),
                    item_name=str(item.get("name") or ""),
                    amount=_money(item.get("amount_currency") if journal.foreign else item.get("balance")),
                    date=date.fromisoformat(str(line["date"])[:10]) if line.get("date") else None,
                )
            )
        return out

    def match_open_lines(self, matches: Sequence[LineMatch]) -> None:
        """Move suspense items to their open items' account (one ``load``), then reconcile each with its items
        (one call per match; Odoo answers None, which XML-RPC reports as a fault after committing)."""
        if not matches:
            return
        self.load(
            "account.move.line",
            [".id", "account_id/.id", "partner_id/.id"],
            [[str(m.item_id), str(m.account_id), str(m.partner_id or "")] for m in matches],
        )
        for match in matches:
            self.call("account.move.line", "reconcile", [match.item_id, *match.matched])

    # ------------------------------------------------------------------ refunds at Amazon (issue 8)

    def refund_invoice(
        self, invoice_id: int, *, reason: str, ref: str, lines: Mapping[int, CreditLine] | None = None
    ) -> int:
        """The posted credit note of a posted customer invoice, from the ``account.move.reversal`` wizard
        (``refund_moves``), with reference ``ref``; a credit note with that reference reversing the invoice is
        reused (posted if draft), so a retry makes no second one. ``lines`` (by sale order line id) makes it
        partial: the credit note keeps only the product lines of those sale lines, with their quantity and
        unit price when given. 5-7 round trips."""
        found = self.search_read(
            "account.move",
            [("move_type", "=", "out_refund"), ("reversed_entry_id", "=", invoice_id), ("ref", "=", ref)],
            ["state"],
            limit=1,
        )
        if found:
            credit_note = int(found[0]["id"])
            if found[0]["state"] == "draft":
                self.call("account.move", "action_post", [credit_note])
            return credit_note
        [invoice] = self.read("account.move", [invoice_id], ["journal_id", "state"]) or [{}]
        if invoice.get("state") != "posted":
            raise PermanentError(
                f"invoice {invoice_id} is not posted: Odoo makes credit notes of posted invoices only",
                record=f"account.move {invoice_id}",
                resolution="post the invoice (or refund it by hand in Odoo), then run the refund again",
            )
        context = {"active_model": "account.move", "active_ids": [invoice_id]}
        [wizard] = self.create(
            "account.move.reversal",
            [
                {
                    "move_ids": [(6, 0, [invoice_id])],
                    "reason": reason,
                    "journal_id": _id_of(invoice["journal_id"]),
                }
            ],
            context=context,
        )
        action = self.call("account.move.reversal", "refund_moves", [wizard], context=context)
        credit_note = _id_of(action.get("res_id")) if isinstance(action, Mapping) else 0
        if not credit_note:
            rows = self.read("account.move.reversal", [wizard], ["new_move_ids"])
            credit_note = int(rows[0]["new_move_ids"][0])
        vals: dict[str, Any] = {"ref": ref}
        if lines is not None:
            invoice_lines = self.search_read(
                "account.move.line",
                [("move_id", "=", credit_note), ("display_type", "=", "product")],
                ["sale_line_ids"],
            )
            commands: list[Any] = []
            for line in invoice_lines:
                keep = next((lines[s] for s in line.get("sale_line_ids") or [] if s in lines), None)
                if keep is None:
                    commands.append((2, int(line["id"])))
                    continue
                change: dict[str, float] = {}
                if keep.quantity is not None:
                    change["quantity"] = float(keep.quantity)
                if keep.price_unit is not None:
                    change["price_unit"] = float(keep.price_unit)
                if change:
                    commands.append((1, int(line["id"]), change))
            vals["invoice_line_ids"] = commands
        self.write("account.move", [credit_note], vals)
        self.call("account.move", "action_post", [credit_note])
        return credit_note

    def return_deliveries(
        self, sale_order_id: int, quantities: Mapping[int, Decimal], *, origin: str
    ) -> list[int]:
        """Return pickings (validated) taking ``quantities`` (product id -> units) back from the order's done
        deliveries, oldest delivery first, through the ``stock.return.picking`` wizard; each return gets
        ``origin``, and returns with that origin already there are answered instead (a retry makes none).
        4 round trips per delivery returned from, plus the validation."""
        existing = self.search_read(
            "stock.picking", [("origin", "=", origin), ("picking_type_code", "=", "incoming")], ["id"]
        )
        if existing:
            return [int(p["id"]) for p in existing]
        left = {product: qty for product, qty in quantities.items() if qty > 0}
        deliveries = self.search_read(
            "stock.picking",
            [("sale_id", "=", sale_order_id), ("picking_type_code", "=", "outgoing"), ("state", "=", "done")],
            ["id"],
            order="date_done, id",
        )
        returns: list[int] = []
        for delivery in deliveries:
            if not left:
                break
            context = {
                "active_model": "stock.picking",
                "active_id": int(delivery["id"]),
                "active_ids": [int(delivery["id"])],
            }
            [wizard] = self.create(
                "stock.return.picking", [{"picking_id": int(delivery["id"])}], context=context
            )
            wizard_lines = self.search_read(
                "stock.return.picking.line", [("wizard_id", "=", wizard)], ["product_id", "quantity"]
            )
            commands: list[Any] = []
            taken = False
            for line in wizard_lines:
                product = _id_of(line["product_id"])
                qty = min(left.get(product, Decimal(0)), Decimal(str(line.get("quantity") or 0)))
                commands.append((1, int(line["id"]), {"quantity": float(qty)}))
                if qty > 0:
                    taken = True
                    left[product] -= qty
                    if left[product] <= 0:
                        del left[product]
            if not taken:
                continue
            self.write("stock.return.picking", [wizard], {"product_return_moves": commands}, context=context)
            action = self.call("stock.return.picking", "create_returns", [wizard], context=context)
            picking = _id_of(action.get("res_id")) if isinstance(action, Mapping) else 0
            if not picking:
                raise PermanentError(
                    f"Odoo made no return of delivery {delivery['id']}",
                    record=f"stock.picking {delivery['id']}",
                    resolution="create the return by hand in Odoo",
                )
            self.write("stock.picking", [picking], {"origin": origin})
            returns.append(picking)
        self.validate_deliveries(returns)
        if left:
            raise PermanentError(
                f"the deliveries of sale order {sale_order_id} have not delivered enough to return "
                + ", ".join(f"product {p}: {q}" for p, q in left.items()),
                record=f"sale.order {sale_order_id}",
                resolution="return the rest by hand in Odoo (returns made: "
                f"{', '.join(map(str, returns)) or 'none'})",
            )
        return returns


#: models whose loaded values are personal data: Odoo's import messages may quote them, and the message
#: goes to the log book, which must not hold buyers' names or addresses
PERSONAL_MODELS = frozenset({"res.partner"})


def _redact(text: str, rows: Sequence[Sequence[str]]) -> str:
    """Odoo's message with every loaded value (but external ids and numbers) replaced by ``<value>``."""
    values = {
        str(cell)
        for row in rows
        for cell in row
        if len(str(cell)) > 2 and not str(cell).startswith(f"{AMAZON_MODULE}.") and not str(cell).isdigit()
    }
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "<value>")
    return text


# ---------------------------------------------------------------------- shipments out (issue 4): helpers

#: What ``done_deliveries`` reads of each delivery (Odoo 17 ``web_search_read`` specification).
_DELIVERY_SPEC: dict[str, Any] = {
    "name": {},
    "date_done": {},
    "carrier_tracking_ref": {},
    "carrier_id": {"fields": {"name": {}, "delivery_type": {}}},
    "sale_id": {"fields": {"name": {}, "client_order_ref": {}}},
    "move_ids": {
        "fields": {
            "product_id": {"fields": {"display_name": {}}},
            "quantity": {},
            "state": {},
            "sale_line_id": {"fields": {"product_id": {}, "product_uom_qty": {}, "qty_delivered": {}}},
        }
    },
    "move_line_ids": {
        "fields": {"move_id": {}, "quantity": {}, "result_package_id": {"fields": {"name": {}}}}
    },
}


def _odoo_datetime(moment: datetime) -> str:
    """An aware datetime as Odoo writes datetimes: naive UTC ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _from_odoo_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(str(value)[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _delivery_from(record: Mapping[str, Any], xmlids: Mapping[tuple[str, int], str]) -> OdooDelivery:
    """One ``web_search_read`` record of ``_DELIVERY_SPEC`` as an :class:`OdooDelivery`."""
    sale = record.get("sale_id") or {}
    carrier = record.get("carrier_id")
    moves = []
    for move in record.get("move_ids") or []:
        product = move.get("product_id") or {}
        line = move.get("sale_line_id")
        moves.append(
            OdooMove(
                id=int(move["id"]),
                product_id=int(product.get("id") or 0) if isinstance(product, Mapping) else int(product),
                product_name=str(product.get("display_name") or "") if isinstance(product, Mapping) else "",
                quantity=float(move.get("quantity") or 0),
                state=str(move.get("state") or ""),
                sale_line=OdooSaleLine(
                    id=int(line["id"]),
                    product_id=_id_of(line.get("product_id")),
                    external_id=xmlids.get(("sale.order.line", int(line["id"]))),
                    qty_ordered=float(line.get("product_uom_qty") or 0),
                    qty_delivered=float(line.get("qty_delivered") or 0),
                )
                if line
                else None,
            )
        )
    move_lines = []
    for move_line in record.get("move_line_ids") or []:
        package = move_line.get("result_package_id") or {}
        move_lines.append(
            OdooMoveLine(
                id=int(move_line["id"]),
                move_id=_id_of(move_line.get("move_id")),
                quantity=float(move_line.get("quantity") or 0),
                package_id=int(package["id"]) if package else None,
                package_name=str(package.get("name") or "") if package else "",
            )
        )
    sale_id = int(sale.get("id") or 0) if sale else 0
    return OdooDelivery(
        id=int(record["id"]),
        name=str(record.get("name") or ""),
        date_done=_from_odoo_datetime(record.get("date_done")),
        carrier=OdooCarrier(
            id=int(carrier["id"]),
            name=str(carrier.get("name") or ""),
            delivery_type=str(carrier.get("delivery_type") or ""),
        )
        if carrier
        else None,
        tracking_ref=str(record.get("carrier_tracking_ref") or ""),
        sale_order_id=sale_id,
        client_order_ref=str(sale.get("client_order_ref") or "") if sale else "",
        order_external_id=xmlids.get(("sale.order", sale_id)),
        moves=tuple(moves),
        move_lines=tuple(move_lines),
    )


def _id_of(value: Any) -> int:
    """A many2one as ``web_read`` answers it (id, ``{"id": …}``) or as ``read`` does (``[id, name]``)."""
    if isinstance(value, Mapping):
        return int(value.get("id") or 0)
    if isinstance(value, list | tuple):
        return int(value[0]) if value else 0
    return int(value or 0)


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


# ----------------------------------------------------------------------- listings out (issue 5): helpers

#: References per product read (ODOO.md §8: a 1,000-product stock read takes ~155 ms on Odoo 17; 2,000
#: keeps a 50,000-SKU marketplace at 25 reads and each answer well under a megabyte).
LISTINGS_BATCH = 2000

_RULE_FIELDS = (
    "pricelist_id",
    "applied_on",
    "min_quantity",
    "categ_id",
    "product_tmpl_id",
    "product_id",
    "date_start",
    "date_end",
    "compute_price",
    "fixed_price",
    "percent_price",
    "base",
    "base_pricelist_id",
    "price_discount",
    "price_round",
    "price_surcharge",
    "price_min_margin",
    "price_max_margin",
)


def _batches(references: Sequence[str], size: int = LISTINGS_BATCH) -> list[list[str]]:
    unique = list(dict.fromkeys(ref for ref in references if ref))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def _optional_id(value: Any) -> int | None:
    return _id_of(value) or None


def _rule(item: Mapping[str, Any]) -> PricelistRule:
    return PricelistRule(
        id=int(item["id"]),
        applied_on=str(item.get("applied_on") or "3_global"),
        min_quantity=float(item.get("min_quantity") or 0.0),
        categ_id=_optional_id(item.get("categ_id")),
        product_tmpl_id=_optional_id(item.get("product_tmpl_id")),
        product_id=_optional_id(item.get("product_id")),
        date_start=str(item["date_start"]) if item.get("date_start") else None,
        date_end=str(item["date_end"]) if item.get("date_end") else None,
        compute_price=str(item.get("compute_price") or "fixed"),
        fixed_price=float(item.get("fixed_price") or 0.0),
        percent_price=float(item.get("percent_price") or 0.0),
        base=str(item.get("base") or "list_price"),
        base_pricelist_id=_optional_id(item.get("base_pricelist_id")),
        price_discount=float(item.get("price_discount") or 0.0),
        price_round=float(item.get("price_round") or 0.0),
        price_surcharge=float(item.get("price_surcharge") or 0.0),
        price_min_margin=float(item.get("price_min_margin") or 0.0),
        price_max_margin=float(item.get("price_max_margin") or 0.0),
    )


def _priced(row: Mapping[str, Any], cost_currency: int) -> PricedProduct:
    """One product row read with ``load=""`` (many2one values are bare ids, or False)."""
    categ, template, currency = row.get("categ_id"), row.get("product_tmpl_id"), row.get("currency_id")
    return PricedProduct(
        id=int(row["id"]),
        list_price=float(row.get("list_price") or 0.0),
        price_extra=float(row.get("price_extra") or 0.0),
        standard_price=float(row.get("standard_price") or 0.0),
        categ_id=categ if type(categ) is int else _optional_id(categ),
        product_tmpl_id=template if type(template) is int else _optional_id(template),
        currency_id=currency if type(currency) is int else _id_of(currency),
        cost_currency_id=cost_currency,
    )


# ------------------------------------------------------------------------ settlements (issue 6): helpers

#: What ``open_items`` reads of each journal item (Odoo 17 ``web_search_read`` specification).
_OPEN_ITEM_SPEC: dict[str, Any] = {
    "account_id": {},
    "partner_id": {},
    "amount_residual": {},
    "amount_residual_currency": {},
    "currency_id": {},
    "payment_id": {},
    "move_id": {
        "fields": {
            "name": {},
            "ref": {},
            "payment_reference": {},
            "move_type": {},
            "reversed_entry_id": {"fields": {"ref": {}}},
        }
    },
}


def _money(value: Any) -> Decimal:
    """An amount Odoo answered (a float) as Decimal, to the cent as Odoo rounds it."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01")) if value else Decimal("0.00")


def _maybe_id(value: Any) -> int | None:
    """A many2one as ``read`` (``[id, name]`` or False) or ``web_read`` (``{"id": …}``) answers it."""
    found = _id_of(value) if value else 0
    return found or None
