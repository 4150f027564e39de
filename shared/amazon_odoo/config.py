"""Seller, marketplace, workflow and schedule settings: every option of FEATURES.md §1, with its default.

The sellers file (``infrastructure/sellers.example.yaml``) is validated whole by :func:`parse_sellers_file`;
an invalid file is refused with one line per problem naming the seller, the field and the reason.
Secrets are references (``secret:NAME`` or ``env:NAME``), never values.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from amazon_odoo.domain.errors import ConfigError

# Amazon marketplaces: id -> (region, country, domain suffix used in journal codes, currency, default language)
MARKETPLACES: dict[str, tuple[str, str, str, str, str]] = {
    "ATVPDKIKX0DER": ("NA", "US", "com", "USD", "en_US"),
    "A2EUQ1WTGCTBG2": ("NA", "CA", "ca", "CAD", "en_CA"),
    "A1AM78C64UM0Y8": ("NA", "MX", "mx", "MXN", "es_MX"),
    "A2Q3Y263D00KWC": ("NA", "BR", "br", "BRL", "pt_BR"),
    "A1PA6795UKMFR9": ("EU", "DE", "de", "EUR", "de_DE"),
    "A1F83G8C2ARO7P": ("EU", "GB", "uk", "GBP", "en_GB"),
    "A13V1IB3VIYZZH": ("EU", "FR", "fr", "EUR", "fr_FR"),
    "APJ6JRA9NG5V4": ("EU", "IT", "it", "EUR", "it_IT"),
    "A1RKKUPIHCS9HS": ("EU", "ES", "es", "EUR", "es_ES"),
    "A1805IZSGTT6HS": ("EU", "NL", "nl", "EUR", "nl_NL"),
    "A2NODRKZP88ZB9": ("EU", "SE", "se", "SEK", "sv_SE"),
    "A1C3SOZRARQ6R3": ("EU", "PL", "pl", "PLN", "pl_PL"),
    "AMEN7PMS3EDWL": ("EU", "BE", "be", "EUR", "fr_BE"),
    "A33AVAJ2PDY3EV": ("EU", "TR", "tr", "TRY", "tr_TR"),
    "A2VIGQ35RCS4UG": ("EU", "AE", "ae", "AED", "ar_001"),
    "A17E79C6D8DWNP": ("EU", "SA", "sa", "SAR", "ar_001"),
    "ARBP9OOSHTCHU": ("EU", "EG", "eg", "EGP", "ar_001"),
    "A21TJRUUN4KGV": ("EU", "IN", "in", "INR", "en_IN"),
    "AE08WJ6YKNBMC": ("EU", "ZA", "za", "ZAR", "en_US"),
    "A1VC38T7YXB528": ("FE", "JP", "jp", "JPY", "ja_JP"),
    "A39IBJ37TRP1C6": ("FE", "AU", "au", "AUD", "en_AU"),
    "A19VAU5U5O7RUS": ("FE", "SG", "sg", "SGD", "en_US"),
}

SECRET_REF = re.compile(r"^(secret|env):[A-Za-z0-9/_+=.@-]+$")
SELLER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")


class Region(StrEnum):
    NA = "NA"
    EU = "EU"
    FE = "FE"


class Job(StrEnum):
    """Every scheduled job a seller can switch on (FEATURES.md §1 Schedules)."""

    IMPORT_ORDERS = "import_orders"
    EXPORT_SHIPMENTS = "export_shipments"
    CANCEL_ORDERS = "cancel_orders"  # orders cancelled in Odoo, cancelled at Amazon (shipments switch too)
    PROCESS_SETTLEMENTS = "process_settlements"
    EXPORT_STOCK = "export_stock"
    EXPORT_PRICES = "export_prices"
    SYNC_PRODUCTS = "sync_products"  # listings report -> bindings (issue 7)
    SEND_INVOICES = "send_invoices"
    SEND_CREDIT_NOTES = "send_credit_notes"
    EXPORT_REFUNDS = "export_refunds"  # Odoo credit notes of Amazon orders refunded at Amazon (issue 8)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _secret_ref(value: str) -> str:
    if not SECRET_REF.match(value):
        raise ValueError("must reference a secret as 'secret:NAME' or 'env:NAME', never the value itself")
    return value


SecretRef = Annotated[str, Field(min_length=5)]


class Credentials(_Strict):
    lwa_client_id: SecretRef
    lwa_client_secret: SecretRef
    refresh_token: SecretRef
    # the day the seller authorised the app (Amazon ends a public app's authorisation after 365 days);
    # when not given, the doctor takes the refresh token secret's last change in Secrets Manager
    authorized_on: date | None = None

    def references(self) -> dict[str, str]:
        """The three secret references by field name (not the authorisation date)."""
        return {
            "lwa_client_id": self.lwa_client_id,
            "lwa_client_secret": self.lwa_client_secret,
            "refresh_token": self.refresh_token,
        }

    @field_validator("lwa_client_id", "lwa_client_secret", "refresh_token")
    @classmethod
    def _is_reference(cls, value: str) -> str:
        return _secret_ref(value)


class OdooTarget(_Strict):
    company: str = Field(min_length=1)


class OrderNaming(StrEnum):
    ODOO_SEQUENCE = "odoo_sequence"
    AMAZON_ID = "amazon_id"


class ProductCondition(StrEnum):
    NEW = "new"
    USED_LIKE_NEW = "used_like_new"
    USED_VERY_GOOD = "used_very_good"
    USED_GOOD = "used_good"
    USED_ACCEPTABLE = "used_acceptable"
    REFURBISHED = "refurbished"
    COLLECTIBLE_LIKE_NEW = "collectible_like_new"
    COLLECTIBLE_VERY_GOOD = "collectible_very_good"
    COLLECTIBLE_GOOD = "collectible_good"
    COLLECTIBLE_ACCEPTABLE = "collectible_acceptable"
    CLUB = "club"


class OrderOptions(_Strict):
    auto_import: bool = True
    import_shipped: bool = False
    shipped_since: date | None = None
    first_import_days: int = Field(default=30, ge=1, le=365)
    overlap_days: int = Field(default=3, ge=0, le=30)
    create_missing_products: bool = False
    name: OrderNaming = OrderNaming.ODOO_SEQUENCE
    prefix: str = Field(default="", max_length=20)
    payment_term: str = "Immediate Payment"
    product_condition: ProductCondition = ProductCondition.NEW
    # Amazon's CancelReason sent when an order cancelled in Odoo is cancelled at Amazon (cancel_orders)
    cancel_reason: str = Field(default="NoInventory", min_length=1, max_length=40)

    @model_validator(mode="after")
    def _shipped_needs_start(self) -> OrderOptions:
        if self.import_shipped and self.shipped_since is None:
            raise ValueError("shipped_since is required when import_shipped is on")
        return self


class ServiceProducts(_Strict):
    shipping: str = "Amazon Shipping"
    shipping_discount: str = "Amazon Shipping Discount"
    promotion_discount: str = "Amazon Promotion Discount"
    gift_wrap: str = "Amazon Gift Wrap"
    # the tax Amazon collects and remits itself (US marketplace facilitator): its own line, its own account
    marketplace_tax: str = "Marketplace Facilitator Tax"
    other_charges: str = "Amazon Other Charges"  # COD fee, delivery tip and other order-level charges
    rounding: str = "Amazon Rounding Adjustment"  # cents Odoo's price precision or tax rounding cannot carry


class ShippingPolicy(StrEnum):
    DIRECT = "direct"
    ONE = "one"


class InvoicePolicy(StrEnum):
    PRODUCT = "product"
    ORDER = "order"
    DELIVERY = "delivery"


class Workflow(_Strict):
    confirm_order: bool = True
    create_invoice: bool = False
    post_invoice: bool = False
    register_payment: bool = False
    payment_journal: str | None = None
    force_invoice_date: bool = True
    shipping_policy: ShippingPolicy = ShippingPolicy.DIRECT
    sales_journal: str = "Customer Invoices"
    invoice_policy: InvoicePolicy = InvoicePolicy.PRODUCT

    @model_validator(mode="after")
    def _consistent(self) -> Workflow:
        if self.create_invoice and not self.confirm_order:
            raise ValueError("create_invoice needs confirm_order")
        if self.post_invoice and not self.create_invoice:
            raise ValueError("post_invoice needs create_invoice")
        if self.register_payment and not self.post_invoice:
            raise ValueError("register_payment needs post_invoice")
        if self.register_payment and not self.payment_journal:
            raise ValueError("payment_journal is required when register_payment is on")
        return self


class ShipmentOptions(_Strict):
    auto_update_status: bool = True
    # Odoo carrier name -> Amazon carrier code, for carriers the built-in table does not know (else "Other")
    carrier_codes: dict[str, str] = Field(default_factory=dict)


class ReturnOptions(_Strict):
    create_return_picking: bool = False
    create_credit_note: bool = False
    # refunds at Amazon (issue 8): posted Odoo credit notes of Amazon orders are refunded at Amazon (job
    # export_refunds) with this AdjustmentReason unless the refund is asked by hand with another one
    send_refunds: bool = False
    default_reason: str = "CustomerReturn"


class FeeMatch(_Strict):
    transaction_type: str | None = None
    amount_type: str | None = None
    amount_description: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> FeeMatch:
        if not (self.transaction_type or self.amount_type or self.amount_description):
            raise ValueError("match needs at least one of transaction_type, amount_type, amount_description")
        return self


class FeeAccount(_Strict):
    match: FeeMatch
    account: str = Field(min_length=1)


class SettlementOptions(_Strict):
    download_and_process: bool = False
    fee_accounts: tuple[FeeAccount, ...] = ()


class DocumentOptions(_Strict):
    send_invoices: bool = False
    send_credit_notes: bool = False


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


_EVERY = re.compile(r"^\s*(\d+)\s+(minute|minutes|hour|hours|day|days|week|weeks|month|months)\s*$")


class Schedule(_Strict):
    enabled: bool = False
    interval: int = Field(default=1, ge=1, le=1000)
    unit: Unit = Unit.HOURS
    next_run: AwareDatetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _parse_every(cls, data: Any) -> Any:
        if isinstance(data, dict) and "every" in data:
            data = dict(data)
            every = str(data.pop("every"))
            match = _EVERY.match(every)
            if not match:
                raise ValueError(f"every: {every!r} is not '<number> <minutes|hours|days|weeks|months>'")
            data["interval"] = int(match.group(1))
            unit = match.group(2)
            data["unit"] = unit if unit.endswith("s") else unit + "s"
        return data

    @model_validator(mode="after")
    def _not_too_often(self) -> Schedule:
        if self.unit is Unit.MINUTES and self.interval < 5:
            raise ValueError("every: at least 5 minutes (Amazon's rate limits; notifications cover the rest)")
        return self

    @property
    def every(self) -> str:
        return f"{self.interval} {self.unit.value}"

    def period(self) -> timedelta:
        """Approximate period (a month counts as 30 days) for 'next run' arithmetic."""
        factor = {
            Unit.MINUTES: 60,
            Unit.HOURS: 3600,
            Unit.DAYS: 86400,
            Unit.WEEKS: 604800,
            Unit.MONTHS: 2592000,
        }
        return timedelta(seconds=self.interval * factor[self.unit])

    def next_after(self, last: datetime | None, now: datetime) -> datetime:
        if self.next_run and (last is None or self.next_run > last):
            base = self.next_run
        elif last is not None:
            base = last + self.period()
        else:
            return now
        while base < now - self.period():
            base += self.period()
        return base

    def rate_expression(self) -> str:
        """EventBridge ``rate()`` expression (months become 30 days)."""
        if self.unit is Unit.MONTHS:
            return f"rate({self.interval * 30} days)"
        unit = self.unit.value if self.interval != 1 else self.unit.value.rstrip("s")
        return f"rate({self.interval} {unit})"


_DEFAULT_SCHEDULES: dict[Job, Schedule] = {
    Job.IMPORT_ORDERS: Schedule(enabled=True, interval=15, unit=Unit.MINUTES),
    Job.EXPORT_SHIPMENTS: Schedule(enabled=True, interval=30, unit=Unit.MINUTES),
    Job.CANCEL_ORDERS: Schedule(enabled=True, interval=30, unit=Unit.MINUTES),
    Job.PROCESS_SETTLEMENTS: Schedule(enabled=False, interval=1, unit=Unit.DAYS),
    Job.EXPORT_STOCK: Schedule(enabled=False, interval=1, unit=Unit.HOURS),
    Job.EXPORT_PRICES: Schedule(enabled=False, interval=1, unit=Unit.DAYS),
    Job.SYNC_PRODUCTS: Schedule(enabled=False, interval=1, unit=Unit.DAYS),
    Job.SEND_INVOICES: Schedule(enabled=False, interval=1, unit=Unit.HOURS),
    Job.SEND_CREDIT_NOTES: Schedule(enabled=False, interval=1, unit=Unit.HOURS),
    Job.EXPORT_REFUNDS: Schedule(enabled=False, interval=1, unit=Unit.HOURS),
}


class Schedules(_Strict):
    import_orders: Schedule = _DEFAULT_SCHEDULES[Job.IMPORT_ORDERS]
    export_shipments: Schedule = _DEFAULT_SCHEDULES[Job.EXPORT_SHIPMENTS]
    cancel_orders: Schedule = _DEFAULT_SCHEDULES[Job.CANCEL_ORDERS]
    process_settlements: Schedule = _DEFAULT_SCHEDULES[Job.PROCESS_SETTLEMENTS]
    export_stock: Schedule = _DEFAULT_SCHEDULES[Job.EXPORT_STOCK]
    export_prices: Schedule = _DEFAULT_SCHEDULES[Job.EXPORT_PRICES]
    sync_products: Schedule = _DEFAULT_SCHEDULES[Job.SYNC_PRODUCTS]
    send_invoices: Schedule = _DEFAULT_SCHEDULES[Job.SEND_INVOICES]
    send_credit_notes: Schedule = _DEFAULT_SCHEDULES[Job.SEND_CREDIT_NOTES]
    export_refunds: Schedule = _DEFAULT_SCHEDULES[Job.EXPORT_REFUNDS]  # issue 8

    @model_validator(mode="before")
    @classmethod
    def _cancel_like_shipments(cls, data: Any) -> Any:
        """Without its own entry, cancel_orders runs as often as export_shipments (same switch too)."""
        if isinstance(data, dict) and "cancel_orders" not in data and "export_shipments" in data:
            data = {**data, "cancel_orders": data["export_shipments"]}
        return data

    def for_job(self, job: Job | str) -> Schedule:
        schedule: Schedule = getattr(self, Job(job).value)
        return schedule

    def items(self) -> list[tuple[Job, Schedule]]:
        return [(job, self.for_job(job)) for job in Job]


class TaxMode(StrEnum):
    """How the seller's own Odoo sales taxes treat prices on this marketplace (not facilitator items)."""

    PRICE_INCLUDED = "price_included"  # EU, UK, JP, AU...: Amazon prices include VAT/GST
    PRICE_EXCLUDED = "price_excluded"  # NA: tax on top of the price


class StockField(StrEnum):
    ON_HAND = "on_hand"
    FORECAST = "forecast"


class StockCap(_Strict):
    type: Literal["fixed", "percentage"]
    value: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _range(self) -> StockCap:
        if self.type == "percentage" and self.value > 100:
            raise ValueError("a percentage cap is between 0 and 100")
        if self.type == "fixed" and self.value != self.value.to_integral_value():
            raise ValueError("a fixed cap is a whole quantity")
        return self

    def apply(self, available: Decimal) -> int:
        """Never more than what is available, never negative (fix 5 with 4 available -> 4)."""
        free = max(Decimal(0), available)
        if self.type == "fixed":
            capped = min(self.value, free)
        else:
            capped = free * self.value / Decimal(100)
        return int(capped)  # whole units, rounded down


class MarketplaceConfig(_Strict):
    id: str
    stock_field: StockField = StockField.ON_HAND
    warehouse: str | None = None  # Odoo warehouse code; default: the company's warehouse
    settlement_journal: str | None = None  # default: short code + domain suffix
    ending_balance_account: str | None = None
    ending_balance_description: str = "Transfer to Bank"
    language: str | None = None  # default: the marketplace's language
    pricelist: str | None = None  # default: created per marketplace in its currency
    sales_team: str | None = None
    fiscal_position: str | None = None
    tax_mode: TaxMode | None = None  # default: price_excluded in region NA, price_included elsewhere
    analytic_distribution: dict[str, Decimal] = Field(default_factory=dict)
    stock_caps: dict[str, StockCap] = Field(default_factory=dict)
    # Amazon issues the buyers' invoices in this marketplace (VAT Calculation Service with Amazon-generated
    # invoices, or Amazon is the deemed supplier): send_invoices / send_credit_notes skip it (issue 8)
    amazon_issues_invoices: bool = False

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MARKETPLACES:
            raise ValueError(f"{value!r} is not an Amazon marketplace id this connector knows")
        return value

    @field_validator("analytic_distribution")
    @classmethod
    def _percentages(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        if value and sum(value.values()) > 100:
            raise ValueError("analytic distribution adds up to more than 100 %")
        return value

    @property
    def region(self) -> str:
        return MARKETPLACES[self.id][0]

    @property
    def country(self) -> str:
        return MARKETPLACES[self.id][1]

    @property
    def domain_suffix(self) -> str:
        return MARKETPLACES[self.id][2]

    @property
    def currency(self) -> str:
        return MARKETPLACES[self.id][3]

    @property
    def effective_tax_mode(self) -> TaxMode:
        if self.tax_mode is not None:
            return self.tax_mode
        return TaxMode.PRICE_EXCLUDED if self.region == "NA" else TaxMode.PRICE_INCLUDED

    @property
    def default_language(self) -> str:
        return self.language or MARKETPLACES[self.id][4]


class SellerConfig(_Strict):
    id: str
    name: str = Field(min_length=1)
    merchant_id: str = Field(min_length=5, max_length=20, pattern=r"^[A-Z0-9]+$")
    region: Region
    credentials: Credentials
    odoo: OdooTarget
    short_code: str = Field(default="AMZ", min_length=1, max_length=5, pattern=r"^[A-Za-z0-9]+$")
    fee_account: str | None = None
    orders: OrderOptions = OrderOptions()
    service_products: ServiceProducts = ServiceProducts()
    workflow: Workflow = Workflow()
    shipments: ShipmentOptions = ShipmentOptions()
    returns: ReturnOptions = ReturnOptions()
    settlements: SettlementOptions = SettlementOptions()
    documents: DocumentOptions = DocumentOptions()
    schedules: Schedules = Schedules()
    marketplaces: tuple[MarketplaceConfig, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not SELLER_ID.match(value):
            raise ValueError("letters, digits and '-' only, at most 40 characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SellerConfig:
        seen: set[str] = set()
        for mp in self.marketplaces:
            if mp.id in seen:
                raise ValueError(f"marketplace {mp.id} is listed twice")
            seen.add(mp.id)
            if mp.region != self.region.value:
                raise ValueError(
                    f"marketplace {mp.id} ({mp.country}) is in region {mp.region}, not {self.region.value}"
                )
        if (
            self.settlements.download_and_process
            and not self.fee_account
            and not self.settlements.fee_accounts
        ):
            raise ValueError("settlements need fee_account (or settlements.fee_accounts) to book Amazon fees")
        if self.documents.send_invoices and not self.workflow.post_invoice:
            raise ValueError("documents.send_invoices needs workflow.post_invoice")
        return self

    def marketplace(self, marketplace_id: str) -> MarketplaceConfig:
        for mp in self.marketplaces:
            if mp.id == marketplace_id:
                return mp
        raise ConfigError(
            f"marketplace {marketplace_id} is not configured",
            record=f"seller {self.id}",
            resolution="add it under marketplaces in the sellers file and load it again",
        )

    def journal_code(self, marketplace_id: str) -> str:
        mp = self.marketplace(marketplace_id)
        return mp.settlement_journal or f"{self.short_code}{mp.domain_suffix}"

    def secret_refs(self) -> dict[str, str]:
        return self.credentials.references()


class SellersFile(_Strict):
    sellers: tuple[SellerConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SellersFile:
        ids = [s.id for s in self.sellers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"seller ids must be unique: {', '.join(dupes)} appear more than once")
        return self


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic location into 'seller mugs-us: marketplaces[0].stock_field'."""
    if len(loc) >= 2 and loc[0] == "sellers" and isinstance(loc[1], int):
        seller = f"seller #{loc[1] + 1}"
        try:
            sid = raw["sellers"][loc[1]].get("id")
            if sid:
                seller = f"seller {sid}"
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        rest = loc[2:]
    else:
        seller, rest = "file", loc
    field = ""
    for part in rest:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += ("." if field else "") + str(part)
    return f"{seller}: {field or '(whole entry)'}"


def parse_sellers_file(raw: Any) -> SellersFile:
    """Validate a loaded sellers file; raise ConfigError listing every problem (seller, field, reason)."""
    if not isinstance(raw, dict):
        raise ConfigError("the sellers file must be a mapping with a 'sellers' list", record="file")
    try:
        return SellersFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        locs = [tuple(err["loc"]) for err in errors]
        lines = []
        for err in errors:
            loc = tuple(err["loc"])
            # a list that lost an invalid item also reports itself as too short: keep only the real cause
            if err["type"] == "too_short" and any(o[: len(loc)] == loc and len(o) > len(loc) for o in locs):
                continue
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"{_where(raw, loc)}: {msg}")
        raise ConfigError(
            "the sellers file is invalid; nothing was stored:\n  " + "\n  ".join(lines),
            record="sellers file",
            resolution="fix the fields above and load the file again",
        ) from None
