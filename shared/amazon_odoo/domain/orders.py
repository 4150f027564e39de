"""An Amazon order as Orders API v2026-01-01 returns it (``Order`` of ``orders_2026-01-01.json``).

Frozen pydantic models with Amazon's names as aliases (``orderId``; snake_case works too), unknown fields
ignored, money as :class:`~decimal.Decimal` (``Money.amount`` is a string decimal on the wire) and every
timestamp timezone-aware UTC. Only what the connector uses is modelled; ``payment`` (card data) is ignored.

Personal data (buyer name and e-mail, addresses, tax registration, gift message) is hidden from ``repr`` so
an accidentally logged model does not leak it; it may only ever go to Odoo (see ``mapping.orders``).

Money arithmetic lives here too: :meth:`OrderItem.charges` and :meth:`OrderItem.tax` split an item's
proceeds by kind, :meth:`Order.order_level_charges` finds amounts the order reports beyond its items, and
:func:`amazon_order_total` adds them up the way Amazon's ``grandTotal`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from amazon_odoo.domain.errors import PermanentError

ZERO = Decimal("0")


# --------------------------------------------------------------------------------------------- errors


class OrderDataError(PermanentError):
    """An Amazon order the connector cannot use as it is (a malformed or inconsistent payload)."""


class UnknownSkuError(PermanentError):
    """An order line's seller SKU has no Odoo product; the order waits until the SKU is mapped."""

    def __init__(self, order_id: str, skus: Sequence[str], *, marketplace_id: str = "") -> None:
        self.order_id = order_id
        self.skus = tuple(skus)
        self.marketplace_id = marketplace_id
        names = ", ".join(self.skus)
        plural = "s" if len(self.skus) > 1 else ""
        super().__init__(
            f"SKU{plural} {names} of Amazon order {order_id} match{'' if plural else 'es'} no Odoo product",
            record=f"order {order_id}",
            code="unknown_sku",
            resolution=(
                f"give an Odoo product the internal reference {names} (or link the SKU{plural} to a product), "
                "or switch on orders.create_missing_products for this seller; then run "
                f"`amazon-odoo orders retry` (or `amazon-odoo orders import {order_id}`)"
            ),
        )


# ------------------------------------------------------------------------------------- value helpers


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a money amount is a decimal string, not a boolean")
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a decimal number") from None
    return value


def _utc(value: datetime) -> datetime:
    """Amazon sends ISO 8601 UTC; a timestamp without offset is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Amount = Annotated[Decimal, BeforeValidator(_decimal)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class AmazonModel(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="ignore",
        alias_generator=to_camel,
        hide_input_in_errors=True,
    )


# ---------------------------------------------------------------------------------------- vocabulary


class OrderStatus(StrEnum):
    """``FulfillmentStatus`` of the 2026-01-01 model (the order's status)."""

    PENDING_AVAILABILITY = "PENDING_AVAILABILITY"
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    UNFULFILLABLE = "UNFULFILLABLE"


class ProceedsType(StrEnum):
    """``type`` of a proceeds breakdown (and ``subtype`` of a detailed breakdown)."""

    ITEM = "ITEM"
    SHIPPING = "SHIPPING"
    GIFT_WRAP = "GIFT_WRAP"
    COD_FEE = "COD_FEE"
    OTHER = "OTHER"
    TAX = "TAX"
    DISCOUNT = "DISCOUNT"
    DELIVERY_TIP = "DELIVERY_TIP"


class ChargeKind(StrEnum):
    """What a part of the money is for; each kind becomes its own kind of Odoo line."""

    ITEM = "item"
    SHIPPING = "shipping"
    SHIPPING_DISCOUNT = "shipping_discount"
    PROMOTION_DISCOUNT = "promotion_discount"
    GIFT_WRAP = "gift_wrap"
    COD_FEE = "cod_fee"
    OTHER = "other"
    DELIVERY_TIP = "delivery_tip"


_KIND_OF_TYPE: dict[str, ChargeKind] = {
    ProceedsType.ITEM: ChargeKind.ITEM,
    ProceedsType.SHIPPING: ChargeKind.SHIPPING,
    ProceedsType.GIFT_WRAP: ChargeKind.GIFT_WRAP,
    ProceedsType.COD_FEE: ChargeKind.COD_FEE,
    ProceedsType.OTHER: ChargeKind.OTHER,
    ProceedsType.DELIVERY_TIP: ChargeKind.DELIVERY_TIP,
}

MARKETPLACE_FACILITATOR = "MARKETPLACE_FACILITATOR"
AMAZON_BUSINESS = "AMAZON_BUSINESS"


# -------------------------------------------------------------------------------------------- models


class Money(AmazonModel):
    amount: Amount
    currency_code: str


class Alias(AmazonModel):
    alias_id: str
    alias_type: str


class AssociatedOrder(AmazonModel):
    order_id: str | None = None
    association_type: str | None = None


class SalesChannel(AmazonModel):
    channel_name: str
    marketplace_id: str | None = None
    marketplace_name: str | None = None


class Buyer(AmazonModel):
    buyer_name: str | None = Field(default=None, repr=False)
    buyer_email: str | None = Field(default=None, repr=False)
    buyer_company_name: str | None = Field(default=None, repr=False)
    buyer_purchase_order_number: str | None = None


class AddressExtendedFields(AmazonModel):
    street_name: str | None = Field(default=None, repr=False)
    street_number: str | None = Field(default=None, repr=False)
    complement: str | None = Field(default=None, repr=False)
    neighborhood: str | None = Field(default=None, repr=False)


class CustomerAddress(AmazonModel):
    name: str | None = Field(default=None, repr=False)
    company_name: str | None = Field(default=None, repr=False)
    address_line1: str | None = Field(default=None, repr=False)
    address_line2: str | None = Field(default=None, repr=False)
    address_line3: str | None = Field(default=None, repr=False)
    city: str | None = Field(default=None, repr=False)
    district_or_county: str | None = Field(default=None, repr=False)
    state_or_region: str | None = None
    municipality: str | None = Field(default=None, repr=False)
    postal_code: str | None = Field(default=None, repr=False)
    country_code: str | None = None
    phone: str | None = Field(default=None, repr=False)
    extended_fields: AddressExtendedFields | None = Field(default=None, repr=False)
    address_type: str | None = None


class Recipient(AmazonModel):
    delivery_address: CustomerAddress | None = None


class OrderProceedsBreakdown(AmazonModel):
    type: str
    status: str | None = None
    subtotal: Money


class OrderProceeds(AmazonModel):
    grand_total: Money | None = None
    breakdowns: tuple[OrderProceedsBreakdown, ...] = ()


class DateTimeRange(AmazonModel):
    earliest_date_time: UtcDatetime | None = None
    latest_date_time: UtcDatetime | None = None


class OrderFulfillment(AmazonModel):
    fulfillment_status: str
    fulfilled_by: str | None = None
    fulfillment_service_level: str | None = None
    ship_by_window: DateTimeRange | None = None
    deliver_by_window: DateTimeRange | None = None
    label_printing_window: DateTimeRange | None = None


class ItemCondition(AmazonModel):
    condition_type: str | None = None
    condition_subtype: str | None = None
    condition_note: str | None = None


class ItemPrice(AmazonModel):
    unit_price: Money | None = None
    price_designation: str | None = None


class ItemProduct(AmazonModel):
    asin: str | None = None
    title: str | None = None
    seller_sku: str | None = None
    condition: ItemCondition | None = None
    price: ItemPrice | None = None
    serial_numbers: tuple[str, ...] = ()


class ItemProceedsDetailedBreakdown(AmazonModel):
    subtype: str | None = None
    value: Money | None = None


class ItemProceedsBreakdown(AmazonModel):
    type: str
    subtotal: Money
    detailed_breakdowns: tuple[ItemProceedsDetailedBreakdown, ...] = ()

    def details(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for detail in self.detailed_breakdowns:
            if detail.value is not None:
                key = detail.subtype or ProceedsType.OTHER
                out[key] = out.get(key, ZERO) + detail.value.amount
        return out


class ItemProceeds(AmazonModel):
    proceeds_total: Money | None = None
    breakdowns: tuple[ItemProceedsBreakdown, ...] = ()


class PointsGranted(AmazonModel):
    points_number: int | None = None
    points_monetary_value: Money | None = None


class ItemPointsCost(AmazonModel):
    points_granted: PointsGranted | None = None


class ItemExpense(AmazonModel):
    points_cost: ItemPointsCost | None = None


class ItemPromotionBreakdown(AmazonModel):
    promotion_id: str | None = None


class ItemPromotion(AmazonModel):
    breakdowns: tuple[ItemPromotionBreakdown, ...] = ()


class ItemCancellationRequest(AmazonModel):
    requester: str | None = None
    cancel_reason: str | None = None


class ItemCancellationExecution(AmazonModel):
    cancelled_by: str | None = None
    cancel_reason: str | None = None


class ItemCancellation(AmazonModel):
    cancellation_request: ItemCancellationRequest | None = None
    cancellation_execution: ItemCancellationExecution | None = None


class GiftOption(AmazonModel):
    gift_message: str | None = Field(default=None, repr=False)
    gift_wrap_level: str | None = None


class ItemPacking(AmazonModel):
    gift_option: GiftOption | None = None


class ItemFulfillment(AmazonModel):
    quantity_fulfilled: int | None = None
    quantity_unfulfilled: int | None = None
    packing: ItemPacking | None = None


class ItemTaxCalculationBreakdown(AmazonModel):
    reporting_scheme: str | None = None


class ItemTaxCollection(AmazonModel):
    model: str | None = None
    responsible_party: str | None = None


class ItemTax(AmazonModel):
    tax_calculation_breakdowns: tuple[ItemTaxCalculationBreakdown, ...] = ()
    tax_collections: tuple[ItemTaxCollection, ...] = ()


@dataclass(frozen=True)
class ItemQuantities:
    ordered: int
    fulfilled: int
    unfulfilled: int
    cancelled: bool


class OrderItem(AmazonModel):
    order_item_id: str
    quantity_ordered: int = Field(ge=0)
    programs: tuple[str, ...] = ()
    product: ItemProduct
    proceeds: ItemProceeds | None = None
    expense: ItemExpense | None = None
    promotion: ItemPromotion | None = None
    cancellation: ItemCancellation | None = None
    fulfillment: ItemFulfillment | None = None
    tax: ItemTax | None = None

    @property
    def seller_sku(self) -> str | None:
        return self.product.seller_sku

    @property
    def quantity_fulfilled(self) -> int:
        return (self.fulfillment.quantity_fulfilled if self.fulfillment else None) or 0

    @property
    def quantity_unfulfilled(self) -> int:
        given = self.fulfillment.quantity_unfulfilled if self.fulfillment else None
        return given if given is not None else max(0, self.quantity_ordered - self.quantity_fulfilled)

    @property
    def is_cancelled(self) -> bool:
        return self.cancellation is not None and self.cancellation.cancellation_execution is not None

    @property
    def is_marketplace_facilitator(self) -> bool:
        """Amazon collects and remits this item's tax (US marketplace facilitator states, …)."""
        collections = self.tax.tax_collections if self.tax else ()
        return any(c.model == MARKETPLACE_FACILITATOR for c in collections)

    @property
    def promotion_ids(self) -> tuple[str, ...]:
        if not self.promotion:
            return ()
        return tuple(p.promotion_id for p in self.promotion.breakdowns if p.promotion_id)

    @property
    def gift_wrap_level(self) -> str | None:
        f = self.fulfillment
        if f and f.packing and f.packing.gift_option:
            return f.packing.gift_option.gift_wrap_level
        return None

    def quantities(self) -> ItemQuantities:
        return ItemQuantities(
            ordered=self.quantity_ordered,
            fulfilled=self.quantity_fulfilled,
            unfulfilled=self.quantity_unfulfilled,
            cancelled=self.is_cancelled,
        )

    def _breakdowns(self) -> tuple[ItemProceedsBreakdown, ...]:
        return self.proceeds.breakdowns if self.proceeds else ()

    def charges(self) -> dict[ChargeKind, Decimal]:
        """The item's money before tax, by kind (discounts negative). ``ITEM`` is always present.

        From the proceeds breakdowns; a ``DISCOUNT`` is split by its detailed breakdowns into a shipping
        discount (subtype ``SHIPPING``) and a promotion discount (everything else). Without breakdowns the
        item is its ``proceedsTotal``, and without proceeds its unit price times the quantity."""
        out: dict[ChargeKind, Decimal] = {ChargeKind.ITEM: ZERO}

        def add(kind: ChargeKind, amount: Decimal) -> None:
            out[kind] = out.get(kind, ZERO) + amount

        breakdowns = self._breakdowns()
        if breakdowns:
            for part in breakdowns:
                amount = part.subtotal.amount
                if part.type == ProceedsType.TAX:
                    continue
                if part.type == ProceedsType.DISCOUNT:
                    details = part.details()
                    shipping = details.get(ProceedsType.SHIPPING, ZERO)
                    if shipping:
                        add(ChargeKind.SHIPPING_DISCOUNT, shipping)
                    if amount - shipping:
                        add(ChargeKind.PROMOTION_DISCOUNT, amount - shipping)
                    continue
                add(_KIND_OF_TYPE.get(part.type, ChargeKind.OTHER), amount)
        elif self.proceeds and self.proceeds.proceeds_total is not None:
            add(ChargeKind.ITEM, self.proceeds.proceeds_total.amount)
        elif self.product.price and self.product.price.unit_price:
            add(ChargeKind.ITEM, self.product.price.unit_price.amount * self.quantity_ordered)
        return out

    def tax_amount(self) -> Decimal:
        """The item's tax (all ``TAX`` breakdowns)."""
        return sum((p.subtotal.amount for p in self._breakdowns() if p.type == ProceedsType.TAX), ZERO)

    def tax_details(self) -> dict[str, Decimal]:
        """The item's tax by what it is on (``ITEM``, ``SHIPPING``, ``GIFT_WRAP``, ``DISCOUNT``…), when
        Amazon details it; tax it does not detail is under ``""``."""
        out: dict[str, Decimal] = {}
        for part in self._breakdowns():
            if part.type != ProceedsType.TAX:
                continue
            details = part.details()
            for key, value in details.items():
                out[key] = out.get(key, ZERO) + value
            rest = part.subtotal.amount - sum(details.values(), ZERO)
            if rest:
                out[""] = out.get("", ZERO) + rest
        return out

    def total(self) -> Decimal:
        """What the buyer pays for this item, tax included (Amazon's ``proceedsTotal``, from its parts)."""
        return sum(self.charges().values(), ZERO) + self.tax_amount()


class PackageStatus(AmazonModel):
    status: str
    detailed_status: str | None = None


class PackageItem(AmazonModel):
    order_item_id: str
    quantity: int
    transparency_codes: tuple[str, ...] = ()


class OrderPackage(AmazonModel):
    package_reference_id: str
    created_time: UtcDatetime | None = None
    package_status: PackageStatus | None = None
    carrier: str | None = None
    ship_time: UtcDatetime | None = None
    shipping_service: str | None = None
    tracking_number: str | None = None
    package_items: tuple[PackageItem, ...] = ()


class TaxRegistrationAttribute(AmazonModel):
    key: str | None = None
    value: str | None = None


class OrderTaxRegistration(AmazonModel):
    entity_type: str | None = None
    legal_name: str | None = Field(default=None, repr=False)
    tax_registration_type: str | None = None
    tax_registration_number: str | None = Field(default=None, repr=False)
    tax_registration_address: CustomerAddress | None = Field(default=None, repr=False)
    tax_registration_attributes: tuple[TaxRegistrationAttribute, ...] = Field(default=(), repr=False)


class OrderTaxInvoicing(AmazonModel):
    buyer_invoice_preference: str | None = None
    invoice_status: str | None = None


class OrderTax(AmazonModel):
    tax_registrations: tuple[OrderTaxRegistration, ...] = ()
    tax_invoicing: OrderTaxInvoicing | None = None


class Order(AmazonModel):
    order_id: str = Field(min_length=1)
    order_aliases: tuple[Alias, ...] = ()
    created_time: UtcDatetime
    last_updated_time: UtcDatetime
    programs: tuple[str, ...] = ()
    associated_orders: tuple[AssociatedOrder, ...] = ()
    sales_channel: SalesChannel
    buyer: Buyer | None = None
    recipient: Recipient | None = None
    proceeds: OrderProceeds | None = None
    tax: OrderTax | None = None
    fulfillment: OrderFulfillment | None = None
    order_items: tuple[OrderItem, ...]
    packages: tuple[OrderPackage, ...] = ()

    # -- status and identity

    @property
    def status(self) -> str:
        """The order's status (``OrderStatus`` values; ``PENDING`` when Amazon sent no fulfillment)."""
        return self.fulfillment.fulfillment_status if self.fulfillment else OrderStatus.PENDING

    @property
    def is_cancelled(self) -> bool:
        return self.status == OrderStatus.CANCELLED

    @property
    def is_shipped(self) -> bool:
        return self.status == OrderStatus.SHIPPED

    @property
    def is_merchant_fulfilled(self) -> bool:
        return self.fulfillment is None or self.fulfillment.fulfilled_by in (None, "MERCHANT")

    @property
    def is_business(self) -> bool:
        return AMAZON_BUSINESS in self.programs

    @property
    def marketplace_id(self) -> str:
        if not self.sales_channel.marketplace_id:
            raise OrderDataError(
                "the order has no salesChannel.marketplaceId",
                record=f"order {self.order_id}",
                code="no_marketplace",
                resolution="import it by hand with --seller and the marketplace, or ignore it (non-Amazon channel)",
            )
        return self.sales_channel.marketplace_id

    @property
    def currency(self) -> str | None:
        """The order's currency: from its grand total, else from the first amount found."""
        if self.proceeds and self.proceeds.grand_total:
            return self.proceeds.grand_total.currency_code
        for item in self.order_items:
            for money in _item_money(item):
                return money.currency_code
        return None

    @property
    def buyer_tax_registration(self) -> OrderTaxRegistration | None:
        if not self.tax:
            return None
        for registration in self.tax.tax_registrations:
            if registration.entity_type in (None, "BUYER") and registration.tax_registration_number:
                return registration
        return None

    @property
    def delivery_address(self) -> CustomerAddress | None:
        return self.recipient.delivery_address if self.recipient else None

    def item(self, order_item_id: str) -> OrderItem:
        for item in self.order_items:
            if item.order_item_id == order_item_id:
                return item
        raise KeyError(order_item_id)

    def quantities(self) -> dict[str, ItemQuantities]:
        """Per order item id: quantity ordered, fulfilled, still to fulfil, and whether it was cancelled."""
        return {item.order_item_id: item.quantities() for item in self.order_items}

    def seller_skus(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.order_items:
            if item.seller_sku:
                seen.setdefault(item.seller_sku, None)
        return tuple(seen)

    # -- money

    @property
    def grand_total(self) -> Decimal | None:
        """Amazon's own total (``proceeds.grandTotal``), when it sent one."""
        if self.proceeds and self.proceeds.grand_total:
            return self.proceeds.grand_total.amount
        return None

    def order_level_charges(self) -> tuple[dict[ChargeKind, Decimal], Decimal]:
        """Money the order reports beyond the sum of its items: (charges by kind, tax).

        Order-level breakdowns aggregate the items' ones, except ``DELIVERY_TIP`` (order only); some
        senders also put shipping on the order alone. Whatever an order-level category holds more than its
        items is returned here, so no amount is lost."""
        if not self.proceeds or not self.proceeds.breakdowns:
            return {}, ZERO
        item_charges: dict[ChargeKind, Decimal] = {}
        item_tax = ZERO
        for item in self.order_items:
            for kind, amount in item.charges().items():
                item_charges[kind] = item_charges.get(kind, ZERO) + amount
            item_tax += item.tax_amount()
        order_charges: dict[ChargeKind, Decimal] = {}
        order_tax = ZERO
        for part in self.proceeds.breakdowns:
            amount = part.subtotal.amount
            if part.type == ProceedsType.TAX:
                order_tax += amount
            elif part.type == ProceedsType.DISCOUNT:
                order_charges[ChargeKind.PROMOTION_DISCOUNT] = (
                    order_charges.get(ChargeKind.PROMOTION_DISCOUNT, ZERO) + amount
                )
            else:
                kind = _KIND_OF_TYPE.get(part.type, ChargeKind.OTHER)
                order_charges[kind] = order_charges.get(kind, ZERO) + amount
        # item-level discounts may be split into shipping and promotion discounts: compare them as one
        item_discount = item_charges.pop(ChargeKind.SHIPPING_DISCOUNT, ZERO) + item_charges.get(
            ChargeKind.PROMOTION_DISCOUNT, ZERO
        )
        item_charges[ChargeKind.PROMOTION_DISCOUNT] = item_discount
        extra: dict[ChargeKind, Decimal] = {}
        for kind, amount in order_charges.items():
            rest = amount - item_charges.get(kind, ZERO)
            if rest:
                extra[kind] = rest
        has_tax = any(p.type == ProceedsType.TAX for p in self.proceeds.breakdowns)
        tax_rest = order_tax - item_tax if has_tax else ZERO
        return extra, tax_rest


def _item_money(item: OrderItem) -> list[Money]:
    found: list[Money] = []
    if item.proceeds:
        if item.proceeds.proceeds_total:
            found.append(item.proceeds.proceeds_total)
        found.extend(part.subtotal for part in item.proceeds.breakdowns)
    if item.product.price and item.product.price.unit_price:
        found.append(item.product.price.unit_price)
    return found


def amazon_order_total(order: Order) -> Decimal:
    """Amazon's order total from its parts: every item's charges and tax, plus order-level extras.

    Equals ``proceeds.grandTotal`` for a consistent order (a test checks it on every sandbox order)."""
    extra, extra_tax = order.order_level_charges()
    items = sum((item.total() for item in order.order_items), ZERO)
    return items + sum(extra.values(), ZERO) + extra_tax


def parse_order(data: Mapping[str, Any]) -> Order:
    """Validate an ``Order`` payload; a bad one raises :class:`OrderDataError` naming the fields.

    The message carries field paths and reasons only, never the values (they may be personal data)."""
    try:
        return Order.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or '(order)'}: {err['msg']}" for err in exc.errors()
        )
        order_id = data.get("orderId") if isinstance(data, Mapping) else None
        raise OrderDataError(
            f"the Amazon order is malformed: {problems}",
            record=f"order {order_id}" if isinstance(order_id, str) else "order",
            code="malformed_order",
            resolution="check the Orders API response for this order; import it by hand once Amazon fixes it",
        ) from None
