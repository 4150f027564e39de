"""Listings out (issue 5): stock and prices of bound SKUs, sent to Amazon only when they changed. Pure.

A :class:`ListingBinding` says which Odoo product (by internal reference) a seller SKU of one marketplace
is, and with which Amazon product type. Each export job (``export_stock``, ``export_prices``) turns the
bound products' Odoo values into a short text per SKU (``quantity 5``, ``price 12.99 USD``) and a patch
document (SPAPI.md); the text is what a feed item carries and what is kept, per (seller, job,
marketplace, SKU), as the *last accepted value* once Amazon accepted it. :func:`plan_changes` picks the
SKUs whose value differs from that one and that no unfinished feed is carrying; few go out through
``patchListingsItem``, many through one ``JSON_LISTINGS_FEED`` per 25,000 (:func:`sending_mode`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from amazon_odoo.domain.feeds import MAX_LISTINGS_MESSAGES

EXPORT_STOCK = "export_stock"
EXPORT_PRICES = "export_prices"
LISTINGS_JOBS = (EXPORT_STOCK, EXPORT_PRICES)

#: The product type of a binding that does not name one: Amazon's type for offer-only data (quantity,
#: price) on a listing whose own product type the connector does not know yet (issue 7 fills it in).
DEFAULT_PRODUCT_TYPE = "PRODUCT"
#: At most this many changed SKUs of one marketplace go out one by one through ``patchListingsItem``
#: (5/s, burst 5: about 4 s); more go out in a ``JSON_LISTINGS_FEED`` (at most 5 per 5 minutes a region).
PATCH_LIMIT = 20
#: Amazon's issue code for "no listing with this SKU" (patch answers and processing reports).
NO_SUCH_LISTING = "4000001"
#: Per marketplace and run, at most this many log book entries name a SKU; the rest are summed up.
MAX_SKU_ENTRIES = 50


# -- bindings ----------------------------------------------------------------------------------------------


class BindingSource(StrEnum):
    MANUAL = "manual"  # amazon-odoo products bind
    CSV = "csv"  # amazon-odoo products import
    AUTO = "auto"  # bound on a marketplace's first run: Odoo internal reference = SKU
    AMAZON = "amazon"  # from Amazon's listings (issue 7)


class ListingBinding(BaseModel):
    """SKU ``sku`` of ``marketplace_id`` is the Odoo product whose internal reference is ``odoo_ref``.

    ``active`` False: kept but not exported (an automatic binding whose SKU Amazon does not list)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    seller_id: str = Field(min_length=1)
    marketplace_id: str = Field(min_length=1)
    sku: str = Field(min_length=1, max_length=40)
    odoo_ref: str = Field(min_length=1)
    product_type: str = Field(default=DEFAULT_PRODUCT_TYPE, min_length=1, pattern=r"^[A-Z0-9_]+$")
    source: BindingSource = BindingSource.MANUAL
    active: bool = True
    note: str = ""
    updated_at: AwareDatetime
    # what Amazon's listings report said of the SKU (issue 7, services/sync_products.py); empty / None until
    # a sync saw it. ``fulfillment_channel`` DEFAULT is the merchant's own (FBM); AMAZON_NA, AMAZON_EU ...
    # are Amazon's (FBA: bound but not active, Amazon holds the stock). ``listing_status``: Amazon's
    # (Active, Inactive, Incomplete ...); ``synced_at``: when a listings report last named the SKU.
    asin: str = ""
    title: str = ""
    price: Decimal | None = None
    quantity: int | None = None
    fulfillment_channel: str = ""
    listing_status: str = ""
    synced_at: AwareDatetime | None = None


@dataclass(frozen=True)
class BindingsImport:
    """What a bindings CSV holds: the bindings, and one line per row that could not be read."""

    bindings: tuple[ListingBinding, ...]
    problems: tuple[str, ...]


def parse_bindings_csv(
    text: str,
    *,
    seller_id: str,
    marketplace_ids: Collection[str],
    default_marketplace: str | None,
    now: datetime,
) -> BindingsImport:
    """Bindings from CSV text with a header: ``sku`` (required), ``odoo_ref`` (the Odoo internal reference;
    empty: the SKU itself), ``marketplace`` (a marketplace id of the seller; empty: ``default_marketplace``,
    or every marketplace of the seller when that is None), ``product_type`` (default ``PRODUCT``).

    Rows that cannot be read are reported by line and column, never half-imported; a later row for the same
    (marketplace, SKU) wins. Read as a products CSV (:mod:`amazon_odoo.domain.product_csv`)."""
    from amazon_odoo.domain.product_csv import parse_bindings  # it builds on this module's bindings

    bindings, problems = parse_bindings(
        text,
        seller_id=seller_id,
        marketplace_ids=marketplace_ids,
        default_marketplace=default_marketplace,
        now=now,
    )
    return BindingsImport(bindings, problems)


# -- what is sent ------------------------------------------------------------------------------------------


def quantity_value(quantity: int) -> str:
    """The text kept for a quantity (feed item value, last accepted value)."""
    return f"quantity {quantity}"


def price_value(amount: Decimal, currency: str) -> str:
    return f"price {amount} {currency}"


def quantity_patch(quantity: int) -> dict[str, Any]:
    """Quantity for the merchant's own fulfilment (SPAPI.md): ``merge`` keeps the other fields of
    ``fulfillment_availability`` (lead time, restock date) as they are."""
    return {
        "op": "merge",
        "path": "/attributes/fulfillment_availability",
        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
    }


def price_patch(marketplace_id: str, currency: str, amount: Decimal) -> dict[str, Any]:
    """The offer's price in the marketplace (SPAPI.md): ``replace`` of ``purchasable_offer``."""
    number: int | float = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {
        "op": "replace",
        "path": "/attributes/purchasable_offer",
        "value": [
            {
                "marketplace_id": marketplace_id,
                "currency": currency,
                "our_price": [{"schedule": [{"value_with_tax": number}]}],
            }
        ],
    }


@dataclass(frozen=True)
class Wanted:
    """What one SKU should show at Amazon: the text compared and kept, and the patch that sets it (made
    only for the SKUs that are sent: most are not)."""

    sku: str
    product_type: str
    value: str
    make_patch: Callable[[], dict[str, Any]]
    note: str = ""  # why the value is not Odoo's number as is (negative, fractional): logged when sent

    @property
    def patch(self) -> dict[str, Any]:
        return self.make_patch()


class ProblemKind(StrEnum):
    MISSING = "missing"  # no Odoo product has the bound internal reference
    ARCHIVED = "archived"
    AMBIGUOUS = "ambiguous"  # several products have it
    NOT_STORABLE = "not_storable"
    NO_PRICE = "no_price"  # the pricelist gives zero or less


@dataclass(frozen=True)
class Problem:
    """A bound SKU whose value cannot be sent: what is wrong, and what a person does about it."""

    sku: str
    kind: ProblemKind
    message: str
    resolution: str


# -- prices ------------------------------------------------------------------------------------------------


def odoo_round(value: float, rounding: float) -> float:
    """Odoo's ``float_round(value, precision_rounding=rounding)`` (HALF-UP: an epsilon scaled to the value
    tips ties away from zero before Python rounds): what ``res.currency.round`` and the pricelist's "price
    rounding" do."""
    if rounding == 0 or value == 0:
        return 0.0
    normalized = value / rounding
    epsilon = 2 ** (math.log(abs(normalized), 2) - 52)
    normalized += math.copysign(epsilon, normalized)
    return round(normalized) * rounding


def currency_amount(value: float, rounding: float, digits: int) -> Decimal:
    """A price as Odoo rounds it in a currency (``rounding`` 0.01, ``digits`` 2 for USD), as a Decimal."""
    rounded = odoo_round(value, rounding)
    return Decimal(repr(rounded)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


# -- deltas ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangePlan:
    """Which SKUs to send this run, and why the others are not sent."""

    send: tuple[Wanted, ...]
    unchanged: int
    in_flight: tuple[str, ...]  # changed, but a feed Amazon has not finished with carries them
    settled: tuple[str, ...]  # marked failed earlier, and Amazon has their wanted value again: unmark


def plan_changes(
    wanted: Iterable[Wanted],
    last_accepted: Mapping[str, str],
    *,
    in_flight: Collection[str] = (),
    failed: Collection[str] = (),
) -> ChangePlan:
    """The SKUs whose wanted value is not the one Amazon last accepted, minus those still in flight.

    A failed SKU is sent again because its last accepted value is not the one it failed with; when the
    wanted value went back to the accepted one there is nothing to send and its failure mark is settled."""
    send: list[Wanted] = []
    waiting: list[str] = []
    settled: list[str] = []
    unchanged = 0
    for item in wanted:
        if last_accepted.get(item.sku) == item.value:
            unchanged += 1
            if item.sku in failed:
                settled.append(item.sku)
        elif item.sku in in_flight:
            waiting.append(item.sku)
        else:
            send.append(item)
    return ChangePlan(tuple(send), unchanged, tuple(waiting), tuple(settled))


class SendingMode(StrEnum):
    NONE = "none"
    PATCH = "patch"
    FEED = "feed"


def sending_mode(changed: int, patch_limit: int = PATCH_LIMIT) -> SendingMode:
    if changed == 0:
        return SendingMode.NONE
    return SendingMode.PATCH if changed <= patch_limit else SendingMode.FEED


def feed_batches(items: Sequence[Wanted], size: int = MAX_LISTINGS_MESSAGES) -> list[Sequence[Wanted]]:
    """One feed per ``size`` messages (25,000: Amazon's limit for a JSON_LISTINGS_FEED)."""
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- Amazon's answers to patchListingsItem -----------------------------------------------------------------


class ListingsIssue(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)

    code: str = ""
    message: str = ""
    severity: str = "ERROR"
    attribute_names: tuple[str, ...] = Field(default=(), alias="attributeNames")

    @property
    def text(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class ListingsSubmission(BaseModel):
    """``patchListingsItem``'s answer (ListingsItemSubmissionResponse): ACCEPTED, INVALID, or VALID in
    validation-preview mode, with Amazon's issues."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)

    sku: str
    status: str
    submission_id: str = Field(default="", alias="submissionId")
    issues: tuple[ListingsIssue, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status == "ACCEPTED"

    @property
    def errors(self) -> tuple[ListingsIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "ERROR")

    @property
    def warnings(self) -> tuple[ListingsIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "WARNING")

    @property
    def code(self) -> str:
        first = (self.errors or self.issues or (ListingsIssue(),))[0]
        return first.code

    @property
    def text(self) -> str:
        return "; ".join(i.text for i in (*self.errors, *self.warnings)) or f"Amazon answered {self.status}"
