"""Listings out (issue 5): stock and prices of every bound SKU to every marketplace, changes only.

For each marketplace of the seller, :func:`export_stock` / :func:`export_prices`

1. take the marketplace's bindings (SKU → Odoo internal reference, product type). A marketplace without
   any gets them on its first run from Odoo: every saleable product with an internal reference is bound
   to the SKU of the same name (``auto``); an automatic binding whose SKU Amazon answers it does not list
   (issue code 4000001) is switched off, so it is not sent again;
2. read the bound products from Odoo in batches of 1,000 references: the quantity on hand or forecast in
   the marketplace's warehouse (then the SKU's fixed or percentage cap: whole, never negative, never more
   than available), or the price of the marketplace's pricelist exactly as Odoo computes it;
3. keep back, with a log book entry naming the SKU and the cause, the SKUs that cannot be sent (product
   missing, archived, ambiguous or not storable; no positive price; a pricelist in another currency than
   the marketplace's); a negative or fractional quantity goes out as the safe whole number (0, or rounded
   down) with a warning naming the SKU;
4. compare each value with the last one Amazon *accepted* (kept per SKU in the state store) and send only
   the changed ones that no unfinished feed is carrying: up to :data:`PATCH_LIMIT` one by one through
   ``patchListingsItem``, more through one ``JSON_LISTINGS_FEED`` per 25,000 SKUs, tracked by the feed
   tracker.

The last accepted value is written when Amazon accepts it: at once for a patch, by
:func:`accepted_values_listener` when a feed's results come in. A SKU Amazon refused, or whose feed
failed, keeps its old last accepted value and so is sent again by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from amazon_odoo.config import MarketplaceConfig, SellerConfig, StockField
from amazon_odoo.domain.errors import (
    ConnectorError,
    Disposition,
    PermanentError,
    ThrottledError,
)
from amazon_odoo.domain.feeds import (
    JSON_LISTINGS_FEED,
    SKU,
    FeedRecord,
    FeedResults,
    ItemOutcome,
    ListingsMessage,
    SubmissionUncertainError,
    build_listings_feed,
    resolution_for,
)
from amazon_odoo.domain.listings import (
    EXPORT_PRICES,
    EXPORT_STOCK,
    LISTINGS_JOBS,
    MAX_SKU_ENTRIES,
    NO_SUCH_LISTING,
    PATCH_LIMIT,
    BindingsImport,
    BindingSource,
    ListingBinding,
    Problem,
    SendingMode,
    Wanted,
    feed_batches,
    parse_bindings_csv,
    plan_changes,
    sending_mode,
)
from amazon_odoo.domain.state import LogLevel, utcnow
from amazon_odoo.mapping.listings import PricelistPrices, wanted_prices, wanted_stock
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.feeds import FeedListener, FeedTracker
from amazon_odoo.services.jobs import JobContext

__all__ = [
    "EXPORT_PRICES",
    "EXPORT_STOCK",
    "accepted_values_listener",
    "bind_sku",
    "export_prices",
    "export_stock",
    "import_bindings",
]

Outcome = tuple[list[Wanted], list[Problem]] | ConnectorError
Reader = Callable[[Mapping[str, list[ListingBinding]]], dict[str, Outcome]]


# -- the jobs ----------------------------------------------------------------------------------------------


def export_stock(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    *,
    clock: Callable[[], datetime] = utcnow,
    patch_limit: int = PATCH_LIMIT,
) -> None:
    """Each bound SKU's quantity (the marketplace's warehouse and stock field, its cap) where it changed.
    Marketplaces sharing a warehouse share one read of it."""
    seller = ctx.seller

    def read(bound: Mapping[str, list[ListingBinding]]) -> dict[str, Outcome]:
        out: dict[str, Outcome] = {}
        groups: dict[int, list[MarketplaceConfig]] = {}
        for marketplace_id in bound:
            mp = seller.marketplace(marketplace_id)
            try:
                warehouse_id = odoo.warehouse_id(seller.odoo.company, mp.warehouse)
            except ConnectorError as error:
                if error.disposition is not Disposition.PERMANENT:
                    raise
                out[mp.id] = error
                continue
            groups.setdefault(warehouse_id, []).append(mp)
        for marketplaces in groups.values():
            references = [b.odoo_ref for mp in marketplaces for b in bound[mp.id]]
            try:
                found = odoo.stock_by_reference(
                    seller.odoo.company, references, warehouse=marketplaces[0].warehouse
                )
            except ConnectorError as error:
                if error.disposition is not Disposition.PERMANENT:
                    raise
                out.update((mp.id, error) for mp in marketplaces)
                continue
            for mp in marketplaces:
                forecast = mp.stock_field is StockField.FORECAST
                out[mp.id] = wanted_stock(bound[mp.id], found, mp.stock_caps, forecast=forecast)
        return out

    _export(ctx, odoo, amazon, tracker, read, clock=clock, patch_limit=patch_limit)


def export_prices(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    *,
    clock: Callable[[], datetime] = utcnow,
    patch_limit: int = PATCH_LIMIT,
) -> None:
    """Each bound SKU's price in the marketplace's pricelist (as Odoo computes it) where it changed. The
    products are read once for every marketplace's pricelist."""
    seller = ctx.seller

    def read(bound: Mapping[str, list[ListingBinding]]) -> dict[str, Outcome]:
        out: dict[str, Outcome] = {}
        by_pricelist: dict[str, list[MarketplaceConfig]] = {}
        for marketplace_id in bound:
            mp = seller.marketplace(marketplace_id)
            if mp.pricelist:
                by_pricelist.setdefault(mp.pricelist, []).append(mp)
            else:
                out[mp.id] = PermanentError(
                    f"marketplace {mp.id} ({mp.country}) has no pricelist: its prices are not sent",
                    record=f"seller {seller.id}: marketplaces[{mp.id}].pricelist",
                    resolution=f"set marketplaces[].pricelist to an Odoo pricelist in {mp.currency} and load "
                    "the sellers file again",
                )
        while by_pricelist:
            references = [b.odoo_ref for mps in by_pricelist.values() for mp in mps for b in bound[mp.id]]
            try:
                prices = odoo.pricelist_prices(seller.odoo.company, list(by_pricelist), references)
            except ConnectorError as error:
                if error.disposition is not Disposition.PERMANENT:
                    raise
                named = [name for name in by_pricelist if error.record == f"pricelist {name}"]
                for name in named or list(by_pricelist):  # that pricelist's marketplaces; the others retry
                    out.update((mp.id, error) for mp in by_pricelist.pop(name))
                continue
            for name, marketplaces in by_pricelist.items():
                for mp in marketplaces:
                    out[mp.id] = _priced(mp, bound[mp.id], prices[name])
            break
        return out

    _export(ctx, odoo, amazon, tracker, read, clock=clock, patch_limit=patch_limit)


def _priced(mp: MarketplaceConfig, bindings: list[ListingBinding], prices: PricelistPrices) -> Outcome:
    if prices.currency != mp.currency:
        sample = ", ".join(b.sku for b in bindings[:5]) + (", ..." if len(bindings) > 5 else "")
        return PermanentError(
            f"pricelist {prices.pricelist!r} is in {prices.currency}, marketplace {mp.id} ({mp.country}) sells "
            f"in {mp.currency}: no price is sent for its {len(bindings)} SKU(s) ({sample})",
            record=f"marketplace {mp.id}: pricelist {prices.pricelist}",
            resolution=f"set marketplaces[].pricelist to a pricelist in {mp.currency}",
        )
    return wanted_prices(bindings, prices, mp.id)


def _export(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    read: Reader,
    *,
    clock: Callable[[], datetime],
    patch_limit: int,
) -> None:
    bound: dict[str, list[ListingBinding]] = {}
    for mp in ctx.seller.marketplaces:
        try:
            bindings = _bindings(ctx, odoo, mp, clock())
        except ConnectorError as error:
            if error.disposition is not Disposition.PERMANENT:
                raise  # Odoo or the state store is unavailable: the whole run is retried
            ctx.log_error(error)
            ctx.counts["marketplaces_failed"] += 1
            continue
        if bindings:
            bound[mp.id] = bindings
            ctx.counts["skus_bound"] += len(bindings)
        else:
            ctx.counts["marketplaces_without_skus"] += 1
    outcomes = read(bound) if bound else {}
    for mp in ctx.seller.marketplaces:
        outcome = outcomes.get(mp.id)
        if outcome is None:
            continue
        if isinstance(outcome, ConnectorError):
            ctx.log_error(outcome)  # this marketplace's settings: the others go on
            ctx.counts["marketplaces_failed"] += 1
            continue
        wanted, problems = outcome
        _log_problems(ctx, mp, problems)
        _send(ctx, amazon, tracker, mp, wanted, clock=clock, patch_limit=patch_limit)


def _bindings(
    ctx: JobContext, odoo: OdooGateway, mp: MarketplaceConfig, now: datetime
) -> list[ListingBinding]:
    """The marketplace's active bindings; on its first run, every saleable Odoo product by internal
    reference (SKU = internal reference)."""
    seller = ctx.seller
    bindings = ctx.state.list_bindings(seller.id, mp.id)
    if not bindings:
        references = odoo.product_references(seller.odoo.company)
        bindings = [
            ListingBinding(
                seller_id=seller.id,
                marketplace_id=mp.id,
                sku=ref,
                odoo_ref=ref,
                source=BindingSource.AUTO,
                updated_at=now,
            )
            for ref in references
            if len(ref) <= 40
        ]
        if bindings:
            ctx.state.save_bindings(bindings)
            ctx.counts["skus_bound_automatically"] += len(bindings)
            ctx.log(
                f"marketplace {mp.id} ({mp.country}) had no SKU bound: {len(bindings)} SKU(s) bound to the Odoo "
                "products with the same internal reference",
                record=f"marketplace {mp.id}",
                resolution="nothing to do; 'amazon-odoo products bind' or 'products import' change a binding, "
                "and SKUs Amazon does not list are switched off after its first answer",
            )
    return [b for b in bindings if b.active]


def _log_problems(ctx: JobContext, mp: MarketplaceConfig, problems: Sequence[Problem]) -> None:
    ctx.counts["skus_problems"] += len(problems)
    for problem in problems[:MAX_SKU_ENTRIES]:
        ctx.log(
            problem.message,
            level=LogLevel.ERROR,
            record=f"sku {problem.sku}",
            resolution=problem.resolution,
            details={"marketplace_id": mp.id, "cause": problem.kind.value},
        )
    if len(problems) > MAX_SKU_ENTRIES:
        more = problems[MAX_SKU_ENTRIES:]
        kinds = sorted({p.kind.value for p in more})
        ctx.log(
            f"{len(more)} more SKU(s) of marketplace {mp.id} were not sent ({', '.join(kinds)}): "
            + ", ".join(p.sku for p in more[:20])
            + (", ..." if len(more) > 20 else ""),
            level=LogLevel.ERROR,
            record=f"marketplace {mp.id}",
            resolution="fix the Odoo products or the bindings named in the entries above; the same causes apply",
        )


# -- sending -----------------------------------------------------------------------------------------------


def _send(
    ctx: JobContext,
    amazon: AmazonGateway,
    tracker: FeedTracker,
    mp: MarketplaceConfig,
    wanted: Sequence[Wanted],
    *,
    clock: Callable[[], datetime],
    patch_limit: int,
) -> None:
    seller, job = ctx.seller, ctx.job
    last = ctx.state.listing_values(seller.id, job, mp.id)
    in_flight = tracker.items_in_flight(seller.id, job, mp.id)
    failed = tracker.failed_items(seller.id, job, mp.id)
    plan = plan_changes(wanted, last, in_flight=in_flight.keys(), failed=failed.keys())
    if plan.settled:
        ctx.state.clear_failed_items(seller.id, job, mp.id, plan.settled)
    ctx.counts["skus_unchanged"] += plan.unchanged
    ctx.counts["skus_in_flight"] += len(plan.in_flight)
    ctx.counts["skus_changed"] += len(plan.send)
    noted = [w for w in plan.send if w.note]
    for item in noted[:MAX_SKU_ENTRIES]:
        ctx.log(
            f"SKU {item.sku} in marketplace {mp.id}: {item.note}",
            level=LogLevel.WARNING,
            record=f"sku {item.sku}",
            resolution="correct the product's stock in Odoo (a stock quantity is a whole number of 0 or more)",
            details={"marketplace_id": mp.id},
        )
    mode = sending_mode(len(plan.send), patch_limit)
    if mode is SendingMode.PATCH:
        _patch(ctx, amazon, mp, plan.send, clock)
    elif mode is SendingMode.FEED:
        _feed(ctx, tracker, mp, plan.send)


def _patch(
    ctx: JobContext,
    amazon: AmazonGateway,
    mp: MarketplaceConfig,
    items: Sequence[Wanted],
    clock: Callable[[], datetime],
) -> None:
    """Few changes: ``patchListingsItem`` one by one; an accepted value is the new last accepted one."""
    seller, job = ctx.seller, ctx.job
    accepted: dict[str, str] = {}
    unlisted: list[str] = []
    try:
        for done, item in enumerate(items):
            try:
                answer = amazon.patch_listings_item(
                    seller.merchant_id, item.sku, mp.id, item.product_type, [item.patch]
                )
            except ThrottledError:
                ctx.counts["skus_deferred"] += len(items) - done  # the next run sends them
                return
            except PermanentError as error:
                ctx.counts["skus_failed"] += 1
                ctx.log_error(error)
                continue
            if answer.accepted:
                accepted[item.sku] = item.value
                ctx.counts["skus_sent"] += 1
                for warning in answer.warnings:
                    ctx.log(
                        f"Amazon accepted SKU {item.sku} ({item.value}) in marketplace {mp.id} with a "
                        f"warning: {warning.text}",
                        level=LogLevel.WARNING,
                        record=f"sku {item.sku}",
                        resolution="nothing blocks the update; complete the listing in Seller Central",
                    )
                continue
            ctx.counts["skus_failed"] += 1
            if answer.code == NO_SUCH_LISTING:
                unlisted.append(item.sku)
            ctx.log(
                f"Amazon refused SKU {item.sku} ({item.value}) in marketplace {mp.id} (patchListingsItem "
                f"{answer.status}): {answer.text}",
                level=LogLevel.ERROR,
                record=f"sku {item.sku}",
                resolution=resolution_for(answer.code, SKU, job),
                details={"marketplace_id": mp.id, "code": answer.code},
            )
    finally:
        if accepted:
            ctx.state.save_listing_values(seller.id, job, mp.id, accepted)
        ctx.counts["listings_patched"] += len(accepted)
        if unlisted:
            _retire(ctx.state, seller.id, mp.id, unlisted, clock())


def _feed(ctx: JobContext, tracker: FeedTracker, mp: MarketplaceConfig, items: Sequence[Wanted]) -> None:
    """Many changes: one ``JSON_LISTINGS_FEED`` per 25,000; the tracker brings Amazon's per-SKU results."""
    seller = ctx.seller
    batches = feed_batches(items)
    for number, batch in enumerate(batches):
        content = build_listings_feed(
            seller.merchant_id,
            [
                ListingsMessage(
                    sku=w.sku, product_type=w.product_type, patches=(dict(w.patch),), value=w.value
                )
                for w in batch
            ],
        )
        try:
            tracker.submit(
                seller,
                feed_type=JSON_LISTINGS_FEED,
                marketplace_ids=[mp.id],
                content=content,
                job=ctx.job,
            )
        except SubmissionUncertainError as error:
            ctx.counts["feeds_uncertain"] += 1  # track_feeds finds out; its SKUs wait until then
            ctx.log_error(error)
            continue
        except ThrottledError:
            ctx.counts["skus_deferred"] += sum(len(b) for b in batches[number:])  # 5 feeds / 5 min a region
            return
        except PermanentError as error:
            ctx.counts["skus_failed"] += len(batch)
            ctx.log_error(error)
            continue
        ctx.counts["feeds_submitted"] += 1
        ctx.counts["skus_sent"] += len(batch)


# -- when a feed's results come in -------------------------------------------------------------------------


def accepted_values_listener(state: StateStore, *, clock: Callable[[], datetime] = utcnow) -> FeedListener:
    """The feed listener of both export jobs: the values Amazon accepted become the last accepted ones;
    automatic bindings of SKUs Amazon does not list are switched off. Idempotent."""

    def listen(record: FeedRecord, results: FeedResults) -> None:
        if record.job not in LISTINGS_JOBS or not record.scope or "," in record.scope:
            return
        values = {item.key: item.value for item in results.items if item.outcome.applied and item.value}
        if values:
            state.save_listing_values(record.seller_id, record.job, record.scope, values)
        unlisted = [
            item.key
            for item in results.items
            if item.outcome is ItemOutcome.ERROR and item.code == NO_SUCH_LISTING
        ]
        if unlisted:
            _retire(state, record.seller_id, record.scope, unlisted, clock())

    return listen


def _retire(
    state: StateStore, seller_id: str, marketplace_id: str, skus: Sequence[str], now: datetime
) -> None:
    """Switch off the automatic bindings of SKUs Amazon says it does not list (set by hand: kept on)."""
    found = state.get_bindings(seller_id, marketplace_id, skus)
    retired = [
        b.model_copy(
            update={
                "active": False,
                "note": "Amazon lists no such SKU in this marketplace (4000001): not exported",
                "updated_at": now,
            }
        )
        for b in found.values()
        if b.source is BindingSource.AUTO and b.active
    ]
    if retired:
        state.save_bindings(retired)


# -- bindings by hand --------------------------------------------------------------------------------------


def bind_sku(
    state: StateStore,
    seller: SellerConfig,
    marketplace_id: str,
    sku: str,
    odoo_ref: str,
    *,
    product_type: str | None = None,
    now: datetime | None = None,
) -> ListingBinding:
    """Bind one SKU of one marketplace to the Odoo product with internal reference ``odoo_ref``."""
    mp = seller.marketplace(marketplace_id)
    existing = state.get_bindings(seller.id, mp.id, [sku]).get(sku)
    binding = ListingBinding(
        seller_id=seller.id,
        marketplace_id=mp.id,
        sku=sku,
        odoo_ref=odoo_ref,
        product_type=(product_type or (existing.product_type if existing else "PRODUCT")).upper(),
        source=BindingSource.MANUAL,
        updated_at=now or utcnow(),
    )
    state.save_bindings([binding])
    return binding


def import_bindings(
    state: StateStore,
    seller: SellerConfig,
    text: str,
    *,
    marketplace_id: str | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> BindingsImport:
    """Bindings from a CSV file (``sku``, ``odoo_ref``, ``marketplace``, ``product_type``); nothing is stored
    when a row cannot be read."""
    if marketplace_id is not None:
        seller.marketplace(marketplace_id)  # an unknown marketplace is a ConfigError naming it
    found = parse_bindings_csv(
        text,
        seller_id=seller.id,
        marketplace_ids=[mp.id for mp in seller.marketplaces],
        default_marketplace=marketplace_id,
        now=now or utcnow(),
    )
    if not found.problems and not dry_run:
        state.save_bindings(found.bindings)
    return found


def last_values(state: StateStore, seller_id: str, marketplace_id: str) -> Mapping[str, tuple[str, str]]:
    """Per SKU, the last quantity and price Amazon accepted (empty text when none)."""
    stock = state.listing_values(seller_id, EXPORT_STOCK, marketplace_id)
    prices = state.listing_values(seller_id, EXPORT_PRICES, marketplace_id)
    return {sku: (stock.get(sku, ""), prices.get(sku, "")) for sku in {*stock, *prices}}
