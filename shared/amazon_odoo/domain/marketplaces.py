"""What the Sellers API says about a seller: the marketplaces it takes part in, and its account.

Models read Amazon's JSON directly (Amazon's names are the aliases; nested fields are flattened with
alias paths) and can also be built from their own field names. Personal data in Amazon's account answer
(contact names and addresses) is deliberately not modelled.
"""

from __future__ import annotations

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field


def _alias(first: str, *rest: str, name: str) -> AliasChoices:
    """Amazon's name (a path into nested objects when ``rest`` is given) or the field's own name."""
    return AliasChoices(AliasPath(first, *rest) if rest else first, name)


class MarketplaceParticipation(BaseModel):
    """An item of ``getMarketplaceParticipations`` (``{marketplace, participation, storeName}``), flat."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    marketplace_id: str = Field(validation_alias=_alias("marketplace", "id", name="marketplace_id"))
    name: str = Field(validation_alias=_alias("marketplace", "name", name="name"))
    country_code: str = Field(validation_alias=_alias("marketplace", "countryCode", name="country_code"))
    default_currency_code: str = Field(
        validation_alias=_alias("marketplace", "defaultCurrencyCode", name="default_currency_code")
    )
    default_language_code: str = Field(
        validation_alias=_alias("marketplace", "defaultLanguageCode", name="default_language_code")
    )
    domain_name: str = Field(validation_alias=_alias("marketplace", "domainName", name="domain_name"))
    is_participating: bool = Field(
        validation_alias=_alias("participation", "isParticipating", name="is_participating")
    )
    has_suspended_listings: bool = Field(
        validation_alias=_alias("participation", "hasSuspendedListings", name="has_suspended_listings")
    )
    store_name: str = Field(default="", validation_alias=_alias("storeName", name="store_name"))


class SellerAccount(BaseModel):
    """``getAccount`` without its personal data: business type, selling plan and participations."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    business_type: str = Field(validation_alias=_alias("businessType", name="business_type"))
    selling_plan: str = Field(validation_alias=_alias("sellingPlan", name="selling_plan"))
    participations: tuple[MarketplaceParticipation, ...] = Field(
        default=(), validation_alias=_alias("marketplaceParticipationList", name="participations")
    )
