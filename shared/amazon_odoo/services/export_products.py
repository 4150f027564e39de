"""Products out (issue 7): an Odoo product becomes an offer on an existing Amazon catalogue item, bound
products get their content updated, and the issues Amazon reports for a SKU are kept in the log book.

:func:`export_offers` (``amazon-odoo products export ODOO_REF...``), for each internal reference:

1. reads the Odoo product (name, sales description, barcode) — missing, archived or ambiguous: refused
   with a log book entry naming the reference;
2. finds the catalogue item by ASIN (``--asin``) or by the product's barcode as EAN (13 digits) or UPC
   (12 digits) with ``searchCatalogItems``; none or several: refused naming the barcode;
3. builds the offer-only attributes (mapping/products.py): the ASIN, the seller's condition
   (``orders.product_condition``), title and description (default: the Odoo product's), and the quantity
   and price exactly as issue 5's export_stock / export_prices would send them (when they can be read);
4. asks Amazon first with ``putListingsItem`` in ``VALIDATION_PREVIEW`` mode: INVALID is refused with
   Amazon's issues in the log book, nothing is created;
5. puts the offer (``requirements=LISTING_OFFER_ONLY``) and, once ACCEPTED, binds the SKU to the product
   (with the ASIN and the catalogue item's product type) and keeps the quantity and price sent as the last
   accepted values, so export_stock / export_prices carry on from there and send only later changes.

:func:`update_content` patches title, description, bullet points, search terms and images of bound SKUs
(``patchListingsItem``, ``replace`` ops). Amazon's issues of a SKU — from these answers, from
``getListingsItem`` (:func:`refresh_issues`) and from ``LISTINGS_ITEM_ISSUES_CHANGE`` notifications
(:func:`issues_change_handler`) — are kept in the log book under job ``listing_issues`` and record
``sku <SKU>``; the newest entry per SKU and marketplace is its current state (:func:`current_issues`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from amazon_odoo.config import MarketplaceConfig, SellerConfig, StockField
from amazon_odoo.domain.errors import (
    ConnectorError,
    Disposition,
    PermanentError,
    SkipError,
)
from amazon_odoo.domain.listings import (
    DEFAULT_PRODUCT_TYPE,
    EXPORT_PRICES,
    EXPORT_STOCK,
    BindingSource,
    ListingBinding,
    ListingsIssue,
    ListingsSubmission,
    Problem,
    Wanted,
)
from amazon_odoo.domain.notifications import Notification, get_ci
from amazon_odoo.domain.products import (
    LISTING_ISSUES_JOB,
    CatalogItem,
    IdentifierType,
    identifier_type,
    issues_details,
)
from amazon_odoo.domain.state import LogEntry, LogLevel, utcnow
from amazon_odoo.mapping.listings import wanted_prices, wanted_stock
from amazon_odoo.mapping.products import (
    LISTING_OFFER_ONLY,
    ContentChange,
    ContentError,
    OdooProductContent,
    OfferTerms,
    content_patches,
    offer_attributes,
)
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.jobs import JobContext
from amazon_odoo.services.notifications import NotificationHandler

EXPORT_PRODUCTS = "export_products"
UPDATE_PRODUCTS = "update_products"
PRODUCT_FIELDS = ("default_code", "name", "description_sale", "barcode", "active")
FIX_LISTING = (
    "fix what Amazon names ('amazon-odoo products update SKU ...' for content, the Odoo product for stock "
    "and price) or in Seller Central; 'amazon-odoo products issues --refresh' reads them again"
)


@dataclass(frozen=True)
class OfferOutcome:
    """What happened to one internal reference: ``status`` created / refused / failed."""

    odoo_ref: str
    sku: str
    status: str
    asin: str = ""
    product_type: str = ""
    message: str = ""
    issues: tuple[ListingsIssue, ...] = field(default=())


# -- reading Odoo ------------------------------------------------------------------------------------------


def read_products(
    odoo: OdooGateway, company: str, references: Sequence[str]
) -> dict[str, list[OdooProductContent]]:
    """The company's (or shared) products with these internal references, archived ones too (one read)."""
    company_id = odoo.company_id(company)
    rows = odoo.search_read(
        "product.product",
        [
            ("default_code", "in", list(references)),
            ("company_id", "in", [company_id, False]),
            ("active", "in", [True, False]),
        ],
        list(PRODUCT_FIELDS),
        order="id",
    )
    found: dict[str, list[OdooProductContent]] = {}
    for row in rows:
        reference = str(row.get("default_code") or "")
        found.setdefault(reference, []).append(
            OdooProductContent(
                product_id=int(row["id"]),
                reference=reference,
                name=str(row.get("name") or ""),
                description=str(row.get("description_sale") or ""),
                barcode=str(row.get("barcode") or ""),
                active=bool(row.get("active", True)),
            )
        )
    return found


def _one_product(reference: str, rows: Sequence[OdooProductContent]) -> OdooProductContent:
    record = f"odoo_ref {reference}"
    active = [r for r in rows if r.active]
    if not rows:
        raise PermanentError(
            f"no Odoo product has internal reference {reference!r}",
            record=record,
            resolution="check the internal reference (Odoo > Inventory > Products > Internal Reference)",
        )
    if not active:
        raise PermanentError(
            f"the Odoo product {reference!r} is archived", record=record, resolution="unarchive it in Odoo"
        )
    if len(active) > 1:
        ids = ", ".join(str(r.product_id) for r in active)
        raise PermanentError(
            f"{len(active)} Odoo products (ids {ids}) have internal reference {reference!r}",
            record=record,
            resolution="give each product its own internal reference",
        )
    return active[0]


# -- the catalogue item ------------------------------------------------------------------------------------


def find_catalog_item(
    amazon: AmazonGateway, marketplace_id: str, product: OdooProductContent, asin: str | None = None
) -> CatalogItem:
    """The catalogue item the offer is on: by ``asin`` when given, else by the product's barcode (EAN or
    UPC). None or several: PermanentError naming the identifier."""
    record = f"odoo_ref {product.reference}"
    value = (asin or product.barcode).strip()
    if not value:
        raise PermanentError(
            f"the Odoo product {product.reference!r} has no barcode to find its Amazon catalogue item by",
            record=f"{record}: barcode",
            resolution="set the product's Barcode to its EAN or UPC in Odoo, or give --asin",
        )
    try:
        kind = IdentifierType.ASIN if asin else identifier_type(value)
    except ValueError as exc:
        raise PermanentError(
            f"barcode {value!r} of {product.reference!r}: {exc}",
            record=f"{record}: barcode",
            resolution="set the Barcode to the product's EAN (13 digits) or UPC (12 digits), or give --asin",
        ) from None
    items = amazon.search_catalog_items(marketplace_id, [value], kind.value)
    if not items:
        raise PermanentError(
            f"no Amazon catalogue item of marketplace {marketplace_id} has {kind.value} {value}",
            record=f"{record}: {kind.value.lower()}",
            resolution="check the identifier; a product new to Amazon needs a full listing (Seller Central)",
        )
    if len(items) > 1:
        asins = ", ".join(i.asin for i in items)
        raise PermanentError(
            f"{kind.value} {value} matches {len(items)} catalogue items ({asins})",
            record=f"{record}: {kind.value.lower()}",
            resolution="give the one meant with --asin",
        )
    return items[0]


# -- issue 5's values for the offer ------------------------------------------------------------------------


def _offer_values(
    ctx: JobContext, odoo: OdooGateway, mp: MarketplaceConfig, binding: ListingBinding
) -> tuple[Wanted | None, Wanted | None]:
    """The quantity and price export_stock / export_prices would send for the binding (None, logged, when
    they cannot be read: the offer goes out without them and the export jobs send them later)."""
    seller = ctx.seller
    stock: Wanted | None = None
    price: Wanted | None = None

    def warn(problems: Sequence[Problem]) -> None:  # the offer goes out without what they concern
        for problem in problems:
            record = f"sku {problem.sku}"
            ctx.log(problem.message, level=LogLevel.WARNING, record=record, resolution=problem.resolution)

    try:
        found = odoo.stock_by_reference(seller.odoo.company, [binding.odoo_ref], warehouse=mp.warehouse)
        items, problems = wanted_stock(
            [binding], found, mp.stock_caps, forecast=mp.stock_field is StockField.FORECAST
        )
        stock = items[0] if items else None
        warn(problems)
        if mp.pricelist:
            prices = odoo.pricelist_prices(seller.odoo.company, [mp.pricelist], [binding.odoo_ref])[
                mp.pricelist
            ]
            if prices.currency == mp.currency:
                offers, problems = wanted_prices([binding], prices, mp.id)
                price = offers[0] if offers else None
                warn(problems)
    except ConnectorError as error:
        if error.disposition is not Disposition.PERMANENT:
            raise
        ctx.log_error(error)
    return stock, price


# -- export ------------------------------------------------------------------------------------------------


def export_offers(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    references: Sequence[str],
    marketplace_id: str,
    *,
    sku: str | None = None,
    asin: str | None = None,
    title: str | None = None,
    description: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[OfferOutcome]:
    """Each Odoo product (by internal reference) as an offer in the marketplace; the SKU is the internal
    reference (``sku``/``asin``: for a single reference only). See the module's docstring."""
    seller = ctx.seller
    mp = seller.marketplace(marketplace_id)
    if (sku or asin) and len(references) != 1:
        raise PermanentError(
            "--sku and --asin apply to one product only",
            record="option --sku/--asin",
            resolution="export the products one by one, or leave them out",
        )
    found = read_products(odoo, seller.odoo.company, references)
    existing = ctx.state.get_bindings(seller.id, mp.id, [sku or r for r in references])
    outcomes: list[OfferOutcome] = []
    for reference in references:
        the_sku = sku or reference
        try:
            outcome = _export_one(
                ctx,
                odoo,
                amazon,
                mp,
                _one_product(reference, found.get(reference, ())),
                the_sku,
                existing.get(the_sku),
                asin=asin,
                title=title,
                description=description,
                clock=clock,
            )
        except ContentError as error:
            ctx.log(
                str(error),
                level=LogLevel.ERROR,
                record=f"odoo_ref {reference}: {error.field}",
                resolution="correct the value in Odoo or give it as an option",
            )
            outcome = OfferOutcome(reference, the_sku, "refused", message=str(error))
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            ctx.log_error(error)
            outcome = OfferOutcome(reference, the_sku, "refused", message=error.message)
        ctx.counts[f"offers_{outcome.status}"] += 1
        outcomes.append(outcome)
    return outcomes


def _export_one(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    mp: MarketplaceConfig,
    product: OdooProductContent,
    sku: str,
    existing: ListingBinding | None,
    *,
    asin: str | None,
    title: str | None,
    description: str | None,
    clock: Callable[[], datetime],
) -> OfferOutcome:
    seller = ctx.seller
    if len(sku) > 40:
        raise ContentError(
            "sku", f"{sku!r} is {len(sku)} characters long; Amazon takes at most 40 (give --sku)"
        )
    item = find_catalog_item(amazon, mp.id, product, asin)
    product_type = item.product_type or (existing.product_type if existing else DEFAULT_PRODUCT_TYPE)
    now = clock()
    binding = ListingBinding(
        seller_id=seller.id,
        marketplace_id=mp.id,
        sku=sku,
        odoo_ref=product.reference,
        product_type=product_type,
        source=existing.source if existing else BindingSource.MANUAL,
        note=f"offer on {item.asin} exported from Odoo",
        updated_at=now,
        asin=item.asin,
        title=title or product.name,
    )
    stock, price = _offer_values(ctx, odoo, mp, binding)
    terms = OfferTerms(
        marketplace_id=mp.id,
        language_tag=mp.default_language,
        condition=seller.orders.product_condition.value,
        asin=item.asin,
        fulfillment_availability=stock.patch["value"] if stock else None,
        purchasable_offer=price.patch["value"] if price else None,
    )
    attributes = offer_attributes(product, terms, title=title, description=description)
    preview = amazon.put_listings_item(
        seller.merchant_id,
        sku,
        mp.id,
        product_type,
        attributes,
        requirements=LISTING_OFFER_ONLY,
        validation_preview=True,
    )
    if preview.status == "INVALID":
        _refused(ctx, mp.id, preview, "validation preview")
        return OfferOutcome(
            product.reference, sku, "refused", item.asin, product_type, preview.text, preview.issues
        )
    answer = amazon.put_listings_item(
        seller.merchant_id, sku, mp.id, product_type, attributes, requirements=LISTING_OFFER_ONLY
    )
    if not answer.accepted:
        _refused(ctx, mp.id, answer, "putListingsItem")
        return OfferOutcome(
            product.reference, sku, "refused", item.asin, product_type, answer.text, answer.issues
        )
    if existing is not None:
        binding = existing.model_copy(
            update={
                "odoo_ref": product.reference,
                "product_type": product_type,
                "asin": item.asin,
                "title": binding.title,
                "active": True,
                "note": binding.note,
                "updated_at": now,
            }
        )
    ctx.state.save_bindings([binding])
    if stock is not None:
        ctx.state.save_listing_values(seller.id, EXPORT_STOCK, mp.id, {sku: stock.value})
    if price is not None:
        ctx.state.save_listing_values(seller.id, EXPORT_PRICES, mp.id, {sku: price.value})
    record_issues(ctx.state, seller.id, sku, mp.id, answer.issues, source="putListingsItem", at=now)
    sent = ", ".join(x.value for x in (stock, price) if x is not None) or "no quantity or price yet"
    ctx.log(
        f"offer on {item.asin} ({item.item_name or product.name}) created for Odoo product "
        f"{product.reference!r} as {product_type}; {sent}",
        record=f"sku {sku}",
        details={"marketplace_id": mp.id, "asin": item.asin, "submission_id": answer.submission_id},
    )
    return OfferOutcome(
        product.reference,
        sku,
        "created",
        item.asin,
        product_type,
        answer.text if answer.issues else "",
        answer.issues,
    )


def _refused(ctx: JobContext, marketplace_id: str, answer: ListingsSubmission, step: str) -> None:
    ctx.log(
        f"Amazon refused the offer ({step}, {answer.status}): {answer.text}",
        level=LogLevel.ERROR,
        record=f"sku {answer.sku}",
        resolution=FIX_LISTING,
        details=issues_details(marketplace_id, answer.issues, step),
    )
    record_issues(ctx.state, ctx.seller.id, answer.sku, marketplace_id, answer.issues, source=step)


# -- update ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateOutcome:
    sku: str
    status: str  # updated / refused
    message: str = ""


def update_content(
    ctx: JobContext,
    amazon: AmazonGateway,
    skus: Sequence[str],
    marketplace_id: str,
    change: ContentChange,
) -> list[UpdateOutcome]:
    """Patch the content of bound SKUs (``replace`` of each attribute given). An unbound SKU is refused:
    bind it first (its product type is needed)."""
    seller = ctx.seller
    mp = seller.marketplace(marketplace_id)
    patches = content_patches(change, mp.id, mp.default_language)
    bound = ctx.state.get_bindings(seller.id, mp.id, list(skus))
    outcomes: list[UpdateOutcome] = []
    for sku in skus:
        binding = bound.get(sku)
        if binding is None:
            ctx.log(
                f"SKU {sku} is not bound in marketplace {mp.id}: its product type is unknown",
                level=LogLevel.ERROR,
                record=f"sku {sku}",
                resolution="export it ('amazon-odoo products export') or bind it ('products bind --product-type')",
            )
            outcomes.append(UpdateOutcome(sku, "refused", "not bound"))
            continue
        try:
            answer = amazon.patch_listings_item(seller.merchant_id, sku, mp.id, binding.product_type, patches)
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            ctx.log_error(error)
            outcomes.append(UpdateOutcome(sku, "refused", error.message))
            continue
        record_issues(ctx.state, seller.id, sku, mp.id, answer.issues, source="patchListingsItem")
        if not answer.accepted:
            ctx.log(
                f"Amazon refused the content update ({answer.status}): {answer.text}",
                level=LogLevel.ERROR,
                record=f"sku {sku}",
                resolution=FIX_LISTING,
                details=issues_details(mp.id, answer.issues, "patchListingsItem"),
            )
            outcomes.append(UpdateOutcome(sku, "refused", answer.text))
            ctx.counts["updates_refused"] += 1
            continue
        names = ", ".join(p["path"].removeprefix("/attributes/") for p in patches)
        ctx.log(f"content updated: {names}", record=f"sku {sku}", details={"marketplace_id": mp.id})
        if change.title and binding.title != change.title:
            ctx.state.save_bindings(
                [binding.model_copy(update={"title": change.title, "updated_at": utcnow()})]
            )
        ctx.counts["updates_accepted"] += 1
        outcomes.append(UpdateOutcome(sku, "updated", names))
    return outcomes


def product_content_change(
    odoo: OdooGateway, seller: SellerConfig, binding: ListingBinding, change: ContentChange
) -> ContentChange:
    """``--from-odoo``: the title and description of the bound Odoo product where ``change`` has none."""
    product = _one_product(
        binding.odoo_ref,
        read_products(odoo, seller.odoo.company, [binding.odoo_ref]).get(binding.odoo_ref, ()),
    )
    return ContentChange(
        title=change.title or product.name,
        description=change.description or (product.description or None),
        bullets=change.bullets,
        search_terms=change.search_terms,
        main_image=change.main_image,
        other_images=change.other_images,
    )


# -- listing issues ----------------------------------------------------------------------------------------


def record_issues(
    state: StateStore,
    seller_id: str,
    sku: str,
    marketplace_id: str,
    issues: Sequence[ListingsIssue],
    *,
    source: str,
    at: datetime | None = None,
) -> None:
    """The SKU's current issues as one log book entry (job ``listing_issues``): ERROR when Amazon reports
    an error, WARNING for warnings only, INFO when there are none (the SKU's issues are resolved)."""
    severities = {i.severity for i in issues}
    level = LogLevel.ERROR if "ERROR" in severities else LogLevel.WARNING if issues else LogLevel.INFO
    text = "; ".join(f"{i.severity} {i.text}" for i in issues) or "no issues"
    state.add_log(
        LogEntry(
            at=at or utcnow(),
            level=level,
            seller_id=seller_id,
            job=LISTING_ISSUES_JOB,
            record_ref=f"sku {sku}",
            message=f"{marketplace_id}: {text}",
            resolution=FIX_LISTING if issues else "",
            details=issues_details(marketplace_id, issues, source),
        )
    )


@dataclass(frozen=True)
class SkuIssues:
    """The newest issues entry of one SKU in one marketplace."""

    sku: str
    marketplace_id: str
    at: datetime
    source: str
    issues: tuple[dict[str, Any], ...]


def current_issues(
    state: StateStore, seller_id: str, *, sku: str | None = None, limit: int = 1000
) -> list[SkuIssues]:
    """The newest issues entry per (marketplace, SKU) of the log book, SKUs with issues first."""
    newest: dict[tuple[str, str], SkuIssues] = {}
    for entry in state.list_logs(seller_id, job=LISTING_ISSUES_JOB, limit=limit):
        the_sku = entry.record_ref.removeprefix("sku ")
        if sku and the_sku != sku:
            continue
        key = (str(entry.details.get("marketplace_id", "")), the_sku)
        if key in newest and newest[key].at >= entry.at:
            continue
        newest[key] = SkuIssues(
            sku=the_sku,
            marketplace_id=key[0],
            at=entry.at,
            source=str(entry.details.get("source", "")),
            issues=tuple(dict(i) for i in entry.details.get("issues", []) if isinstance(i, Mapping)),
        )
    return sorted(newest.values(), key=lambda s: (not s.issues, s.marketplace_id, s.sku))


def refresh_issues(
    state: StateStore, amazon: AmazonGateway, seller: SellerConfig, marketplace_id: str, skus: Sequence[str]
) -> int:
    """Read each SKU's issues from ``getListingsItem`` into the log book; the number read."""
    mp = seller.marketplace(marketplace_id)
    for sku in skus:
        view = amazon.get_listings_item(seller.merchant_id, sku, mp.id)
        record_issues(state, seller.id, sku, mp.id, view.issues, source="getListingsItem")
    return len(skus)


def issues_change_handler(
    state: StateStore, amazon_for: Callable[[SellerConfig], AmazonGateway]
) -> NotificationHandler:
    """LISTINGS_ITEM_ISSUES_CHANGE (EventBridge → events queue): the notification names only the SKU and
    the severities, so the issues themselves are read with ``getListingsItem`` (``NONE``: resolved)."""

    def handle(notification: Notification, seller: SellerConfig) -> str:
        payload: Mapping[str, Any] = notification.payload
        sku = get_ci(payload, "Sku")
        if not isinstance(sku, str) or not sku:
            raise PermanentError(
                "LISTINGS_ITEM_ISSUES_CHANGE without Payload.Sku",
                record=f"notification {notification.notification_id}",
                resolution="nothing to fix here; 'amazon-odoo products issues --refresh' reads the issues",
            )
        market = get_ci(payload, "MarketplaceId")
        marketplaces = [mp.id for mp in seller.marketplaces]
        if isinstance(market, str) and market and market not in marketplaces:
            raise SkipError(f"sku {sku}: marketplace {market} is not one the seller integrates")
        market_id = market if isinstance(market, str) and market else marketplaces[0]
        severities = [str(s).upper() for s in get_ci(payload, "Severities") or []]
        if severities in ([], ["NONE"]):
            record_issues(state, seller.id, sku, market_id, [], source="notification")
            return "issues resolved"
        view = amazon_for(seller).get_listings_item(seller.merchant_id, sku, market_id)
        record_issues(state, seller.id, sku, market_id, view.issues, source="notification")
        return f"{len(view.issues)} issue(s) recorded"

    return handle
