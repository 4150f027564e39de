"""``sellers marketplaces`` and ``sellers add-marketplace``: which marketplaces Amazon says the seller sells
on, and integrating the chosen ones with sensible defaults.

A marketplace gets (each only when the sellers file does not name one already, and each found before it is
created, so a second run creates nothing):

- a pricelist ``<Amazon's marketplace name> (<currency>)`` in the marketplace's currency (activated in Odoo
  when inactive), e.g. ``Amazon.de (EUR)``;
- the company's first warehouse (its code);
- the marketplace's language (``de_DE``), activated in Odoo when inactive; left unset when Odoo does not
  know it;
- a sales team ``Amazon <country>`` (``Amazon DE``);
- the settlement journal: a bank journal with code short code + domain suffix (``AMZde``; Odoo 17 keeps 5
  characters) named as the settlements name it, in the marketplace's currency.

The stored seller configuration gets the marketplace with those names; the sellers file stays the source of
truth, so the caller shows (or writes) the block to add there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from amazon_odoo.config import MARKETPLACES, MarketplaceConfig, SellerConfig
from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.domain.marketplaces import MarketplaceParticipation
from amazon_odoo.domain.onboarding import OdooRecord
from amazon_odoo.ports import AmazonGateway, OdooSetupGateway, StateStore


@dataclass(frozen=True)
class MarketplaceRow:
    """A marketplace Amazon lists for the seller, and where the connector stands with it."""

    participation: MarketplaceParticipation
    configured: bool
    supported: bool  # a marketplace id this connector knows (config.MARKETPLACES)
    same_region: bool

    @property
    def status(self) -> str:
        if self.configured:
            return "integrated"
        if not self.supported:
            return "not supported by this connector"
        if not self.same_region:
            return "other region (add it as a seller of that region)"
        if not self.participation.is_participating:
            return "not participating"
        return "available"


def seller_marketplaces(seller: SellerConfig, amazon: AmazonGateway) -> list[MarketplaceRow]:
    configured = {m.id for m in seller.marketplaces}
    rows = []
    for p in amazon.marketplace_participations():
        known = MARKETPLACES.get(p.marketplace_id)
        rows.append(
            MarketplaceRow(
                participation=p,
                configured=p.marketplace_id in configured,
                supported=known is not None,
                same_region=known is not None and known[0] == seller.region.value,
            )
        )
    return rows


@dataclass
class MarketplaceSetup:
    """One integrated marketplace: its configuration and the Odoo records behind it."""

    config: MarketplaceConfig
    records: list[OdooRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_in_config: bool = True

    @property
    def created(self) -> list[OdooRecord]:
        return [r for r in self.records if r.created]


@dataclass
class AddReport:
    seller: SellerConfig
    marketplaces: list[MarketplaceSetup] = field(default_factory=list)
    stored: bool = False


def _chosen(
    seller: SellerConfig, marketplace_ids: Sequence[str], rows: Sequence[MarketplaceRow]
) -> list[MarketplaceRow]:
    by_id = {r.participation.marketplace_id: r for r in rows}
    chosen: list[MarketplaceRow] = []
    for marketplace_id in dict.fromkeys(marketplace_ids):
        row = by_id.get(marketplace_id)
        record = f"seller {seller.id}: marketplace {marketplace_id}"
        available = (
            ", ".join(r.participation.marketplace_id for r in rows if r.status == "available") or "none"
        )
        if row is None:
            raise ConfigError(
                f"Amazon does not list marketplace {marketplace_id} for merchant {seller.merchant_id}",
                record=record,
                resolution=f"pick one of 'amazon-odoo sellers marketplaces --seller {seller.id}' ({available})",
            )
        if not row.supported or not row.same_region:
            raise ConfigError(
                f"marketplace {marketplace_id} ({row.participation.name}): {row.status}",
                record=record,
                resolution=f"marketplaces of region {seller.region.value} that can be added: {available}",
            )
        if not row.participation.is_participating:
            raise ConfigError(
                f"merchant {seller.merchant_id} does not participate in {row.participation.name}",
                record=record,
                resolution="register the marketplace in Seller Central first",
            )
        chosen.append(row)
    return chosen


def _setup(
    seller: SellerConfig,
    row: MarketplaceRow,
    existing: MarketplaceConfig | None,
    odoo: OdooSetupGateway,
    company_id: int,
) -> MarketplaceSetup:
    from amazon_odoo.services.settlements import journal_name  # the name the settlements give it

    p = row.participation
    base = existing or MarketplaceConfig(id=p.marketplace_id)
    currency = base.currency
    setup = MarketplaceSetup(config=base, new_in_config=existing is None)
    currency_record = odoo.ensure_currency(currency)
    setup.records.append(currency_record)
    pricelist = base.pricelist or f"{p.name} ({currency})"
    setup.records.append(odoo.ensure_pricelist(company_id, pricelist, currency_record.id, currency))
    team = base.sales_team or f"Amazon {base.country}"
    setup.records.append(odoo.ensure_sales_team(company_id, team))
    warehouse = base.warehouse
    if warehouse is None:
        found = odoo.default_warehouse(company_id)
        setup.records.append(found)
        warehouse = found.name
    language = base.language or p.default_language_code or base.default_language
    lang_record = odoo.ensure_language(language)
    if lang_record is None:
        setup.notes.append(f"Odoo has no language {language}: customers keep Odoo's default language")
        language_value: str | None = None
    else:
        setup.records.append(lang_record)
        language_value = language
    code = seller.journal_code(p.marketplace_id) if existing else f"{seller.short_code}{base.domain_suffix}"
    setup.records.append(odoo.ensure_bank_journal(company_id, code, journal_name(seller, base), currency))
    updates: dict[str, Any] = {"pricelist": pricelist, "sales_team": team, "warehouse": warehouse}
    if language_value is not None:
        updates["language"] = language_value
    setup.config = MarketplaceConfig.model_validate({**base.model_dump(), **updates})
    return setup


def add_marketplaces(
    seller: SellerConfig,
    marketplace_ids: Sequence[str],
    *,
    amazon: AmazonGateway,
    odoo: OdooSetupGateway | None,
    state: StateStore,
) -> AddReport:
    """Integrate the chosen marketplaces: Odoo records made where missing, the stored seller updated."""
    if not marketplace_ids:
        raise ConfigError("name at least one marketplace id", record="MARKETPLACE_ID")
    if odoo is None:
        raise ConfigError(
            "Odoo is not configured: the marketplace's pricelist, team and journal cannot be made",
            record="environment",
            resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
        )
    chosen = _chosen(seller, marketplace_ids, seller_marketplaces(seller, amazon))
    company_id = odoo.company_id(seller.odoo.company)
    existing = {m.id: m for m in seller.marketplaces}
    report = AddReport(seller=seller)
    for row in chosen:
        report.marketplaces.append(
            _setup(seller, row, existing.get(row.participation.marketplace_id), odoo, company_id)
        )
    merged = {m.id: m for m in seller.marketplaces}
    for setup in report.marketplaces:
        merged[setup.config.id] = setup.config
    updated = SellerConfig.model_validate(
        {**seller.model_dump(), "marketplaces": [m.model_dump() for m in merged.values()]}
    )
    report.seller = updated
    if updated != seller:
        sellers = [updated if s.id == seller.id else s for s in state.list_sellers()]
        if all(s.id != seller.id for s in sellers):
            sellers.append(updated)
        state.replace_sellers(sellers)
        report.stored = True
    return report
