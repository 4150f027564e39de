"""Sync active products (issue 7): a marketplace's listings report + the Odoo products found by internal
reference + the bindings kept so far → the bindings to write and the SKUs nobody can bind. Pure.

- A SKU already bound is refreshed: its Odoo reference, source and product type stay; what Amazon says of
  it (ASIN, title, price, quantity, fulfilment channel, status) is brought up to date.
- A SKU not bound yet is bound (source ``amazon``) to the one active Odoo product whose internal reference
  equals it; none, only archived ones, or several: the SKU is *unmatched* (nothing is created).
- A merchant-fulfilled listing (channel DEFAULT) is an ``active`` binding (its stock and price are
  exported, whatever Amazon's status: an out-of-stock listing is Inactive until stock comes back). A
  listing fulfilled by Amazon (AMAZON_NA ...) is bound but not active: Amazon holds its stock, the
  connector sends neither stock nor price for it; its note says so.
- A binding whose SKU the report no longer names is never deleted: a binding the connector made itself
  (sources ``amazon``, ``auto``) is switched off with a note; one a person made (``manual``, ``csv``) is
  left as it is (the listing may not exist at Amazon yet) and only counted.

Only bindings that change are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from amazon_odoo.domain.listings import BindingSource, ListingBinding
from amazon_odoo.domain.listings_report import ListingRow

#: Sources of bindings the connector made itself: switched off when their SKU leaves the listings report.
MACHINE_SOURCES = frozenset({BindingSource.AMAZON, BindingSource.AUTO})
NOT_LISTED_NOTE = "not in Amazon's listings report of {day}: not exported"


def fba_note(channel: str) -> str:
    return f"fulfilled by Amazon ({channel}): Amazon holds the stock; neither stock nor price is exported"


@dataclass(frozen=True)
class OdooProduct:
    """A product.product with an internal reference (archived ones too, so "archived" is told apart)."""

    id: int
    reference: str
    active: bool = True


class UnmatchedKind(StrEnum):
    MISSING = "missing"  # no Odoo product has the SKU as internal reference
    ARCHIVED = "archived"  # only archived ones have it
    AMBIGUOUS = "ambiguous"  # several active products have it


@dataclass(frozen=True)
class Unmatched:
    """A SKU of the report that no binding covers and no single Odoo product matches."""

    sku: str
    kind: UnmatchedKind
    message: str
    resolution: str


@dataclass
class SyncPlan:
    """What one marketplace's report changes."""

    write: list[ListingBinding] = field(default_factory=list)  # new, refreshed or switched off
    bound: int = 0  # new bindings
    refreshed: int = 0  # existing bindings whose Amazon data changed
    unchanged: int = 0
    fba: int = 0  # listings fulfilled by Amazon (bound, not active)
    unmatched: list[Unmatched] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # SKUs no longer listed, switched off now
    unlisted_kept: list[str] = field(default_factory=list)  # manual/CSV bindings the report does not name


def unbound_skus(rows: Iterable[ListingRow], bound: Mapping[str, ListingBinding]) -> list[str]:
    """The SKUs of the report that need an Odoo lookup (no binding yet), in report order."""
    return [row.sku for row in rows if row.sku not in bound]


def plan_sync(
    rows: Sequence[ListingRow],
    bound: Mapping[str, ListingBinding],
    products: Mapping[str, Sequence[OdooProduct]],
    *,
    seller_id: str,
    marketplace_id: str,
    now: datetime,
) -> SyncPlan:
    """The bindings to write for ``rows`` (one marketplace's report) given the marketplace's bindings
    (``bound``, by SKU) and the Odoo products of the unbound SKUs (``products``, by internal reference)."""
    plan = SyncPlan()
    listed: set[str] = set()
    for row in rows:
        listed.add(row.sku)
        if not row.merchant_fulfilled:
            plan.fba += 1
        existing = bound.get(row.sku)
        if existing is not None:
            fresh = _refreshed(existing, row, now)
            if _same(fresh, existing):
                plan.unchanged += 1
            else:
                plan.write.append(fresh)
                plan.refreshed += 1
            continue
        found = products.get(row.sku, ())
        active = [p for p in found if p.active]
        if len(active) == 1:
            plan.write.append(
                _refreshed(
                    ListingBinding(
                        seller_id=seller_id,
                        marketplace_id=marketplace_id,
                        sku=row.sku,
                        odoo_ref=active[0].reference,
                        source=BindingSource.AMAZON,
                        updated_at=now,
                    ),
                    row,
                    now,
                )
            )
            plan.bound += 1
        else:
            plan.unmatched.append(_unmatched(row, found, marketplace_id))
    day = now.date().isoformat()
    for sku, binding in bound.items():
        if sku in listed:
            continue
        if binding.source in MACHINE_SOURCES:
            if binding.active or binding.listing_status != "":
                plan.write.append(
                    binding.model_copy(
                        update={
                            "active": False,
                            "listing_status": "",
                            "note": NOT_LISTED_NOTE.format(day=day),
                            "updated_at": now,
                        }
                    )
                )
                plan.retired.append(sku)
        else:
            plan.unlisted_kept.append(sku)
    return plan


def _refreshed(binding: ListingBinding, row: ListingRow, now: datetime) -> ListingBinding:
    merchant = row.merchant_fulfilled
    return binding.model_copy(
        update={
            "asin": row.asin,
            "title": row.title,
            "price": row.price,
            "quantity": row.quantity,
            "fulfillment_channel": row.fulfillment_channel,
            "listing_status": row.status,
            "active": merchant,
            "note": "" if merchant else fba_note(row.fulfillment_channel),
            "updated_at": now,
        }
    )


def _same(a: ListingBinding, b: ListingBinding) -> bool:
    return a.model_copy(update={"updated_at": b.updated_at}) == b


def _unmatched(row: ListingRow, found: Sequence[OdooProduct], marketplace_id: str) -> Unmatched:
    sku = row.sku
    create = f"create a product with internal reference {sku} in Odoo, or `amazon-odoo products import`"
    if not found:
        return Unmatched(
            sku,
            UnmatchedKind.MISSING,
            f"SKU {sku} ({row.title or 'no title'}) of marketplace {marketplace_id} matches no Odoo product "
            f"(internal reference {sku}): not bound",
            create,
        )
    if not any(p.active for p in found):
        ids = ", ".join(str(p.id) for p in found)
        return Unmatched(
            sku,
            UnmatchedKind.ARCHIVED,
            f"SKU {sku} of marketplace {marketplace_id}: only archived Odoo products have internal reference "
            f"{sku} (id {ids}): not bound",
            f"unarchive product {found[0].id} in Odoo, or {create}",
        )
    ids = ", ".join(str(p.id) for p in found if p.active)
    return Unmatched(
        sku,
        UnmatchedKind.AMBIGUOUS,
        f"SKU {sku} of marketplace {marketplace_id}: several Odoo products have internal reference {sku} "
        f"(ids {ids}): not bound",
        f"give internal reference {sku} to one product only, or bind the SKU by hand "
        f"(`amazon-odoo products bind`)",
    )
