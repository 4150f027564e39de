"""Listings out (issue 5): Odoo's stock levels and pricelist prices of bound products → what each SKU should
show at Amazon (:class:`~amazon_odoo.domain.listings.Wanted`) or why it cannot (:class:`Problem`). Pure.

:class:`PricelistEngine` is Odoo 17's pricelist computation (``product.pricelist._compute_price_rule`` and
``product.pricelist.item._compute_price`` / ``_compute_base_price``, for one unit in the product's unit of
measure, now) over records read beforehand: Odoo refuses its private methods over RPC and its public one
(``get_contextual_price``) prices one product per call (ODOO.md §7), so the gateway reads the rules, the
products, the categories and the conversion rates in a few batched reads and prices here. Floats on
purpose: the same operations in the same order as Odoo, so the same result to the last bit; the contract
suite checks it against ``get_contextual_price`` on a real Odoo 17 (fixed, discount and formula rules).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from functools import partial
from typing import TypeVar

from amazon_odoo.config import StockCap
from amazon_odoo.domain.listings import (
    ListingBinding,
    Problem,
    ProblemKind,
    Wanted,
    currency_amount,
    odoo_round,
    price_patch,
    price_value,
    quantity_patch,
    quantity_value,
)

# -- Odoo's records, as read -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricelistRule:
    """One ``product.pricelist.item`` (dates as Odoo writes datetimes: ``YYYY-MM-DD HH:MM:SS`` UTC)."""

    id: int
    applied_on: str = "3_global"  # 3_global | 2_product_category | 1_product | 0_product_variant
    min_quantity: float = 0.0
    categ_id: int | None = None
    product_tmpl_id: int | None = None
    product_id: int | None = None
    date_start: str | None = None
    date_end: str | None = None
    compute_price: str = "fixed"  # fixed | percentage | formula
    fixed_price: float = 0.0
    percent_price: float = 0.0
    base: str = "list_price"  # list_price | standard_price | pricelist
    base_pricelist_id: int | None = None
    price_discount: float = 0.0
    price_round: float = 0.0
    price_surcharge: float = 0.0
    price_min_margin: float = 0.0
    price_max_margin: float = 0.0


@dataclass(frozen=True)
class Pricelist:
    id: int
    name: str
    currency_id: int
    rules: tuple[PricelistRule, ...] = ()


@dataclass(frozen=True)
class PricedProduct:
    """What pricing reads of a ``product.product``: sales price (+ variant extra), cost, and currencies."""

    id: int
    list_price: float
    price_extra: float = 0.0
    standard_price: float = 0.0
    categ_id: int | None = None
    product_tmpl_id: int | None = None
    currency_id: int = 0  # the product's (its company's) currency: list_price is in it
    cost_currency_id: int = 0  # standard_price is in it


@dataclass(frozen=True)
class Category:
    id: int
    parent_path: str  # "1/5/9/"
    complete_name: str  # "All / Saleable / Mugs": rules on categories are ordered by it, descending


_Ranked = list[tuple[int, PricelistRule]]
_RuleIndex = tuple[dict[int, _Ranked], dict[int, _Ranked], _Ranked]


@dataclass
class PricelistEngine:
    """Odoo 17's price of one unit of a product in a pricelist, at ``now``.

    ``rates[(from, to)]`` is Odoo's conversion factor between two currencies (``res.currency`` field
    ``inverse_rate`` of ``from`` read with ``to_currency`` and ``date`` in the context): needed for every
    pair :meth:`currency_pairs` names."""

    pricelists: Mapping[int, Pricelist]
    categories: Mapping[int, Category] = field(default_factory=dict)
    rates: Mapping[tuple[int, int], float] = field(default_factory=dict)
    now: str = ""  # Odoo datetime text; rules outside their dates do not apply
    _ordered: dict[int, _RuleIndex] = field(default_factory=dict, init=False, repr=False)

    # -- what to read before pricing ----------------------------------------------------------------------

    @staticmethod
    def base_pricelists(pricelist: Pricelist) -> set[int]:
        """The other pricelists ``pricelist``'s rules are based on (read them too, recursively)."""
        return {r.base_pricelist_id for r in pricelist.rules if r.base == "pricelist" and r.base_pricelist_id}

    def currency_pairs(self, pricelist_id: int, products: Sequence[PricedProduct]) -> set[tuple[int, int]]:
        """The (from, to) currency pairs pricing these products in this pricelist may convert between."""
        pairs: set[tuple[int, int]] = set()
        todo, seen = [pricelist_id], set()
        while todo:
            current = self.pricelists[todo.pop()]
            if current.id in seen:
                continue
            seen.add(current.id)
            for product in products:
                pairs.add((product.currency_id, current.currency_id))
                pairs.add((product.cost_currency_id, current.currency_id))
            for base in self.base_pricelists(current):
                pairs.add((self.pricelists[base].currency_id, current.currency_id))
                todo.append(base)
        return {(a, b) for a, b in pairs if a != b and a and b}

    # -- pricing -------------------------------------------------------------------------------------------

    def price(self, pricelist_id: int, product: PricedProduct, quantity: float = 1.0) -> float:
        """``pricelist._get_product_price(product, quantity)``: the price in the pricelist's currency."""
        pricelist = self.pricelists[pricelist_id]
        rule = self.rule_for(pricelist, product, quantity)
        return self._compute_price(rule, product, pricelist.currency_id)

    def rule_for(
        self, pricelist: Pricelist, product: PricedProduct, quantity: float = 1.0
    ) -> PricelistRule | None:
        """The first applicable rule in Odoo's order (applied_on, min_quantity desc, category desc, id desc)."""
        by_product, by_template, others = self._index(pricelist)
        own = by_product.get(product.id, [])
        if product.product_tmpl_id in by_template:
            own = own + by_template[product.product_tmpl_id]
        ranked = sorted([*own, *others], key=lambda pair: pair[0]) if own else others
        for _, rule in ranked:
            if self._matches(rule, product) and self._applicable(rule, product, quantity):
                return rule
        return None

    def _index(self, pricelist: Pricelist) -> _RuleIndex:
        """The pricelist's rules in Odoo's order, those on one variant or template apart (looked up, not
        scanned: a pricelist may hold a rule per product)."""
        if pricelist.id not in self._ordered:
            rules = sorted(pricelist.rules, key=lambda r: r.id, reverse=True)
            rules.sort(key=lambda r: self._category_name(r.categ_id), reverse=True)
            rules.sort(key=lambda r: r.min_quantity, reverse=True)
            rules.sort(key=lambda r: r.applied_on)
            by_product: dict[int, list[tuple[int, PricelistRule]]] = {}
            by_template: dict[int, list[tuple[int, PricelistRule]]] = {}
            others: list[tuple[int, PricelistRule]] = []
            for position, rule in enumerate(rules):
                if rule.product_id:
                    by_product.setdefault(rule.product_id, []).append((position, rule))
                elif rule.product_tmpl_id and rule.applied_on == "1_product":
                    by_template.setdefault(rule.product_tmpl_id, []).append((position, rule))
                else:
                    others.append((position, rule))
            self._ordered[pricelist.id] = (by_product, by_template, others)
        return self._ordered[pricelist.id]

    def _category_name(self, categ_id: int | None) -> str:
        category = self.categories.get(categ_id) if categ_id else None
        return category.complete_name if category else ""

    def _matches(self, rule: PricelistRule, product: PricedProduct) -> bool:
        """``_get_applicable_rules_domain`` for this product: category is an ancestor, template, variant,
        dates."""
        if rule.categ_id and not self._in_category(product.categ_id, rule.categ_id):
            return False
        templated = rule.product_tmpl_id and rule.applied_on == "1_product"
        if templated and rule.product_tmpl_id != product.product_tmpl_id:
            return False
        if rule.product_id and rule.product_id != product.id:
            return False
        if rule.date_start and self.now and rule.date_start > self.now:
            return False
        return not (rule.date_end and self.now and rule.date_end < self.now)

    def _in_category(self, categ_id: int | None, ancestor: int) -> bool:
        if not categ_id:
            return False
        if categ_id == ancestor:
            return True
        own, other = self.categories.get(categ_id), self.categories.get(ancestor)
        return bool(own and other and own.parent_path.startswith(other.parent_path))

    def _applicable(self, rule: PricelistRule, product: PricedProduct, quantity: float) -> bool:
        """``product.pricelist.item._is_applicable_for``."""
        if rule.min_quantity and quantity < rule.min_quantity:
            return False
        if rule.applied_on == "2_product_category":
            return self._in_category(product.categ_id, rule.categ_id or 0)
        if rule.applied_on == "1_product":
            return product.product_tmpl_id == rule.product_tmpl_id
        if rule.applied_on == "0_product_variant":
            return product.id == rule.product_id
        return True

    def _compute_price(self, rule: PricelistRule | None, product: PricedProduct, currency: int) -> float:
        """``product.pricelist.item._compute_price`` (same unit of measure: no conversion)."""
        if rule is None:
            return self._base_price(None, product, currency)
        if rule.compute_price == "fixed":
            return rule.fixed_price
        if rule.compute_price == "percentage":
            base = self._base_price(rule, product, currency)
            return (base - (base * (rule.percent_price / 100))) or 0.0
        if rule.compute_price == "formula":
            base = self._base_price(rule, product, currency)
            limit = base
            price = (base - (base * (rule.price_discount / 100))) or 0.0
            if rule.price_round:
                price = odoo_round(price, rule.price_round)
            if rule.price_surcharge:
                price += rule.price_surcharge
            if rule.price_min_margin:
                price = max(price, limit + rule.price_min_margin)
            if rule.price_max_margin:
                price = min(price, limit + rule.price_max_margin)
            return price
        return self._base_price(rule, product, currency)

    def _base_price(self, rule: PricelistRule | None, product: PricedProduct, currency: int) -> float:
        """``_compute_base_price``: the rule's base in ``currency`` (converted without rounding)."""
        base = rule.base if rule is not None else "list_price"
        if rule is not None and base == "pricelist" and rule.base_pricelist_id:
            other = self.pricelists[rule.base_pricelist_id]
            price = self.price(other.id, product)
            source = other.currency_id
        elif base == "standard_price":
            price, source = product.standard_price or 0.0, product.cost_currency_id
        else:
            price = (product.list_price or 0.0) + product.price_extra
            source = product.currency_id
        if source != currency and source and currency:
            if not price:
                return 0.0
            price = price * self.rates[(source, currency)]
        return price


# -- what each SKU should show -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OdooStock:
    """One product found by internal reference, with its quantities in the asked warehouse."""

    product_id: int
    reference: str
    active: bool
    storable: bool
    on_hand: Decimal
    forecast: Decimal

    def quantity(self, forecast: bool) -> Decimal:
        return self.forecast if forecast else self.on_hand


@dataclass(frozen=True)
class OdooPrice:
    """One product found by internal reference, with its pricelist price (unrounded, as Odoo computes it)."""

    product_id: int
    reference: str
    active: bool
    price: float


@dataclass(frozen=True)
class PricelistPrices:
    """A pricelist's prices of products by internal reference, and its currency."""

    pricelist_id: int
    pricelist: str
    currency: str
    rounding: float  # the currency's rounding (0.01)
    digits: int  # and decimal places (2)
    products: Mapping[str, Sequence[OdooPrice]]


_Row = TypeVar("_Row", OdooStock, OdooPrice)


def stock_quantity(available: Decimal, cap: StockCap | None) -> tuple[int, str]:
    """The whole, non-negative quantity to show for ``available`` units after the SKU's cap (never more
    than available: fix 5 with 10 → 5, fix 5 with 4 → 4), and why it is not Odoo's number when Odoo's is
    negative or fractional (empty otherwise)."""
    whole = int(max(Decimal(0), available).to_integral_value(rounding=ROUND_FLOOR))
    quantity = whole if cap is None else max(0, min(cap.apply(available), whole))
    if available < 0:
        return quantity, f"Odoo has {_text(available)} (negative): {quantity} is sent"
    if available != available.to_integral_value():
        return quantity, f"Odoo has {_text(available)} (not a whole number): {quantity} is sent"
    return quantity, ""


def _text(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _resolve(binding: ListingBinding, rows: Sequence[_Row]) -> _Row | Problem:
    """The one active product with the bound reference, or why there is none."""
    if len(rows) == 1 and rows[0].active:
        return rows[0]
    active = [row for row in rows if row.active]
    if len(active) == 1:
        return active[0]
    ref, sku = binding.odoo_ref, binding.sku
    rebind = (
        f"bind the SKU to an existing product (amazon-odoo products bind {sku} ODOO_REF) or give a "
        f"product the internal reference {ref!r}"
    )
    if len(active) > 1:
        ids = ", ".join(str(row.product_id) for row in active)
        return Problem(
            sku,
            ProblemKind.AMBIGUOUS,
            f"SKU {sku} is bound to internal reference {ref!r}, which {len(active)} Odoo products have "
            f"(ids {ids}): nothing is sent for it",
            "give the internal reference to one product only (archive or rename the others)",
        )
    if rows:
        return Problem(
            sku,
            ProblemKind.ARCHIVED,
            f"SKU {sku} is bound to Odoo product {ref!r}, which is archived: nothing is sent for it",
            f"restore the product in Odoo, or {rebind}",
        )
    return Problem(
        sku,
        ProblemKind.MISSING,
        f"SKU {sku} is bound to Odoo internal reference {ref!r}, which no Odoo product of the company has: "
        "nothing is sent for it",
        rebind[0].upper() + rebind[1:],
    )


def wanted_stock(
    bindings: Sequence[ListingBinding],
    found: Mapping[str, Sequence[OdooStock]],
    caps: Mapping[str, StockCap],
    *,
    forecast: bool = False,
) -> tuple[list[Wanted], list[Problem]]:
    """Each bound SKU's quantity on hand or forecast (capped, whole, never negative), or the problem
    that keeps it back."""
    wanted: list[Wanted] = []
    problems: list[Problem] = []
    for binding in bindings:
        row = _resolve(binding, found.get(binding.odoo_ref, ()))
        if isinstance(row, Problem):
            problems.append(row)
            continue
        if not row.storable:
            problems.append(
                Problem(
                    binding.sku,
                    ProblemKind.NOT_STORABLE,
                    f"SKU {binding.sku} is bound to Odoo product {binding.odoo_ref!r}, which is not a storable "
                    "product: Odoo keeps no stock for it, nothing is sent",
                    "make the product storable (Inventory: track inventory) or bind the SKU to another product",
                )
            )
            continue
        quantity, note = stock_quantity(row.quantity(forecast), caps.get(binding.sku))
        patch = partial(quantity_patch, quantity)
        wanted.append(Wanted(binding.sku, binding.product_type, quantity_value(quantity), patch, note))
    return wanted, problems


def wanted_prices(
    bindings: Sequence[ListingBinding], prices: PricelistPrices, marketplace_id: str
) -> tuple[list[Wanted], list[Problem]]:
    """Each bound SKU's price in the pricelist's currency, rounded as Odoo rounds in it, or the problem."""
    wanted: list[Wanted] = []
    problems: list[Problem] = []
    for binding in bindings:
        row = _resolve(binding, prices.products.get(binding.odoo_ref, ()))
        if isinstance(row, Problem):
            problems.append(row)
            continue
        amount = currency_amount(row.price, prices.rounding, prices.digits)
        if amount <= 0:
            problems.append(
                Problem(
                    binding.sku,
                    ProblemKind.NO_PRICE,
                    f"pricelist {prices.pricelist!r} gives SKU {binding.sku} (Odoo product "
                    f"{binding.odoo_ref!r}) a price of {amount} {prices.currency}: Amazon needs a positive "
                    "price, nothing is sent",
                    "give the product a sales price or a pricelist rule with a positive result",
                )
            )
            continue
        wanted.append(
            Wanted(
                binding.sku,
                binding.product_type,
                price_value(amount, prices.currency),
                partial(price_patch, marketplace_id, prices.currency, amount),
            )
        )
    return wanted, problems
