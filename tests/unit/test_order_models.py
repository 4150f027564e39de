"""Amazon orders (Orders API v2026-01-01) parse into frozen models with Decimal money and UTC times."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from amazon_odoo.domain.errors import Disposition, PermanentError
from amazon_odoo.domain.orders import (
    ChargeKind,
    Money,
    Order,
    OrderDataError,
    OrderStatus,
    SalesChannel,
    UnknownSkuError,
    amazon_order_total,
    parse_order,
)
from amazon_odoo.local.sandbox.state import SandboxState, load_scenario


def sandbox() -> SandboxState:
    data, base = load_scenario(None)
    return SandboxState(data, base_dir=base, clock=time.time)


def scenario_orders() -> list[dict[str, Any]]:
    state = sandbox()
    return [order for seller in state.sellers.values() for order in seller.orders.values()]


def built_orders() -> list[dict[str, Any]]:
    seller = sandbox().seller()
    return [
        seller.build_order([("MUG-BLUE-12", 1, "12.99")], add=False),
        seller.build_order(
            [("MUG-BLUE-12", 3, "12.99"), ("TEAPOT-WHITE", 1, "34.00")], shipping="4.99", add=False
        ),
        seller.build_order([("COASTER-SET-4", 2, "9.50")], status="SHIPPED", add=False),
        seller.build_order([("MUG-RED-12", 1, "16.50")], marketplace_id="A2EUQ1WTGCTBG2", add=False),
    ]


def test_the_default_scenario_has_the_orders_these_tests_rely_on() -> None:
    orders = scenario_orders()
    assert len(orders) >= 6
    parsed = [parse_order(o) for o in orders]
    assert {o.status for o in parsed} >= {"SHIPPED", "UNSHIPPED", "CANCELLED"}
    assert any(o.is_business for o in parsed)


@pytest.mark.parametrize("raw", scenario_orders() + built_orders(), ids=lambda o: str(o["orderId"]))
def test_every_sandbox_order_parses_and_its_parts_add_up_to_the_grand_total(raw: dict[str, Any]) -> None:
    order = parse_order(raw)
    assert order.order_id == raw["orderId"]
    assert order.marketplace_id == raw["salesChannel"]["marketplaceId"]
    assert order.status == raw["fulfillment"]["fulfillmentStatus"]
    assert order.created_time.tzinfo is UTC and order.last_updated_time.tzinfo is UTC
    assert len(order.order_items) == len(raw["orderItems"])
    assert order.grand_total == Decimal(raw["proceeds"]["grandTotal"]["amount"])
    assert amazon_order_total(order) == order.grand_total
    for item, raw_item in zip(order.order_items, raw["orderItems"], strict=True):
        assert item.quantity_ordered == raw_item["quantityOrdered"]
        assert item.seller_sku == raw_item["product"]["sellerSku"]
        if "proceedsTotal" in raw_item.get("proceeds", {}):
            assert item.total() == Decimal(raw_item["proceeds"]["proceedsTotal"]["amount"])


def scenario(order_id: str) -> Order:
    return parse_order(next(o for o in scenario_orders() if o["orderId"] == order_id))


def test_money_is_decimal_from_the_string_and_never_a_float() -> None:
    order = scenario("114-2208876-1153001")
    assert order.proceeds is not None and order.proceeds.grand_total is not None
    assert order.proceeds.grand_total == Money(amount=Decimal("33.07"), currency_code="USD")
    assert isinstance(order.proceeds.grand_total.amount, Decimal)
    assert Money.model_validate({"amount": 0.1, "currencyCode": "USD"}).amount == Decimal("0.1")
    assert Money.model_validate({"amount": "19.99", "currencyCode": "EUR"}).amount == Decimal("19.99")
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": "12,99", "currencyCode": "EUR"})
    with pytest.raises(ValidationError):
        Money.model_validate({"amount": True, "currencyCode": "EUR"})


def minimal(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "orderId": "028-1234567-7654321",
        "createdTime": "2026-11-02T18:40:12+02:00",
        "lastUpdatedTime": "2026-11-02T18:40:12",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1PA6795UKMFR9"},
        "orderItems": [
            {
                "orderItemId": "1",
                "quantityOrdered": 2,
                "product": {
                    "sellerSku": "SKU-1",
                    "price": {"unitPrice": {"amount": "5.25", "currencyCode": "EUR"}},
                },
            }
        ],
    }
    raw.update(overrides)
    return raw


def test_timestamps_become_utc_and_names_work_both_ways() -> None:
    order = parse_order(minimal())
    assert order.created_time == datetime(2026, 11, 2, 16, 40, 12, tzinfo=UTC)
    assert order.created_time.tzinfo is UTC
    assert order.last_updated_time == datetime(2026, 11, 2, 18, 40, 12, tzinfo=UTC)  # naive: taken as UTC
    by_name = Order(
        order_id="X-1",
        created_time=datetime(2026, 1, 1, tzinfo=UTC),
        last_updated_time=datetime(2026, 1, 1, tzinfo=UTC),
        sales_channel=SalesChannel(channel_name="AMAZON", marketplace_id="ATVPDKIKX0DER"),
        order_items=(),
    )
    assert by_name.marketplace_id == "ATVPDKIKX0DER"
    dumped = order.model_dump(by_alias=True, mode="json")
    assert dumped["orderId"] == "028-1234567-7654321" and "salesChannel" in dumped


def test_unknown_fields_are_ignored_and_the_models_are_frozen() -> None:
    order = parse_order(
        minimal(brandNewField={"x": 1}, payment={"paymentExecutions": [{"cardBrand": "VISA"}]})
    )
    assert not hasattr(order, "brandNewField") and not hasattr(order, "payment")
    with pytest.raises(ValidationError):
        order.order_id = "other"  # type: ignore[misc]


def test_an_order_without_proceeds_falls_back_to_unit_price_times_quantity() -> None:
    order = parse_order(minimal())
    assert order.status == OrderStatus.PENDING  # no fulfillment sent
    assert order.grand_total is None
    assert order.order_items[0].charges() == {ChargeKind.ITEM: Decimal("10.50")}
    assert amazon_order_total(order) == Decimal("10.50")
    assert order.currency == "EUR"


def test_status_business_marketplace_and_quantity_helpers() -> None:
    shipped = scenario("114-3941689-8772232")
    assert shipped.is_shipped and not shipped.is_cancelled and shipped.is_merchant_fulfilled
    assert shipped.quantities()["52371928364510"].fulfilled == 2
    assert shipped.quantities()["52371928364510"].unfulfilled == 0
    assert shipped.packages[0].package_items[0].quantity == 2

    unshipped = scenario("114-5820417-3390021")
    q = unshipped.quantities()
    assert (q["60217734910039"].ordered, q["60217734910039"].fulfilled, q["60217734910039"].unfulfilled) == (
        2,
        0,
        2,
    )
    assert unshipped.seller_skus() == ("MUG-BLUE-12", "COASTER-SET-4")
    assert not unshipped.is_business

    cancelled = scenario("114-9041177-6652310")
    assert cancelled.is_cancelled and cancelled.order_items[0].is_cancelled

    b2b = scenario("702-3318840-1227604")
    assert b2b.is_business and b2b.marketplace_id == "A2EUQ1WTGCTBG2" and b2b.currency == "CAD"
    registration = b2b.buyer_tax_registration
    assert registration is not None and registration.tax_registration_number == "123456789RT0001"
    assert not b2b.order_items[0].is_marketplace_facilitator
    assert shipped.order_items[0].is_marketplace_facilitator

    no_channel = parse_order(minimal(salesChannel={"channelName": "NON_AMAZON"}))
    with pytest.raises(OrderDataError, match="marketplaceId"):
        _ = no_channel.marketplace_id


def test_item_money_is_split_by_kind_with_discounts_and_tax_details() -> None:
    order = scenario("114-2208876-1153001")
    coaster = order.item("41298837120051")
    assert coaster.charges() == {
        ChargeKind.ITEM: Decimal("9.50"),
        ChargeKind.GIFT_WRAP: Decimal("3.99"),
        ChargeKind.PROMOTION_DISCOUNT: Decimal("-2.00"),
    }
    assert coaster.tax_amount() == Decimal("1.08")
    assert coaster.tax_details() == {"ITEM": Decimal("0.76"), "GIFT_WRAP": Decimal("0.32")}
    assert coaster.promotion_ids == ("PLM-20261101-TENOFF",)
    assert coaster.gift_wrap_level == "Classic"
    assert coaster.total() == Decimal("12.57")

    shipping_discount = parse_order(
        minimal(
            orderItems=[
                {
                    "orderItemId": "1",
                    "quantityOrdered": 1,
                    "product": {"sellerSku": "SKU-1"},
                    "proceeds": {
                        "breakdowns": [
                            {"type": "ITEM", "subtotal": {"amount": "20.00", "currencyCode": "EUR"}},
                            {"type": "SHIPPING", "subtotal": {"amount": "4.99", "currencyCode": "EUR"}},
                            {
                                "type": "DISCOUNT",
                                "subtotal": {"amount": "-6.99", "currencyCode": "EUR"},
                                "detailedBreakdowns": [
                                    {
                                        "subtype": "SHIPPING",
                                        "value": {"amount": "-4.99", "currencyCode": "EUR"},
                                    },
                                    {"subtype": "ITEM", "value": {"amount": "-2.00", "currencyCode": "EUR"}},
                                ],
                            },
                            {"type": "TAX", "subtotal": {"amount": "1.00", "currencyCode": "EUR"}},
                        ]
                    },
                }
            ]
        )
    )
    item = shipping_discount.order_items[0]
    assert item.charges()[ChargeKind.SHIPPING_DISCOUNT] == Decimal("-4.99")
    assert item.charges()[ChargeKind.PROMOTION_DISCOUNT] == Decimal("-2.00")
    assert item.tax_details() == {"": Decimal("1.00")}  # undetailed tax
    assert amazon_order_total(shipping_discount) == Decimal("19.00")


def test_order_level_amounts_beyond_the_items_are_kept() -> None:
    raw = sandbox().seller().build_order([("MUG-BLUE-12", 2, "12.99")], shipping="4.99", add=False)
    order = parse_order(raw)
    extra, extra_tax = order.order_level_charges()
    assert extra == {ChargeKind.SHIPPING: Decimal("4.99")} and extra_tax == 0
    assert amazon_order_total(order) == Decimal("30.97") == order.grand_total

    tip = dict(raw)
    tip["proceeds"] = {
        "grandTotal": {"amount": "35.97", "currencyCode": "USD"},
        "breakdowns": [
            *raw["proceeds"]["breakdowns"],
            {
                "type": "DELIVERY_TIP",
                "status": "FINALIZED",
                "subtotal": {"amount": "5.00", "currencyCode": "USD"},
            },
        ],
    }
    assert parse_order(tip).order_level_charges()[0][ChargeKind.DELIVERY_TIP] == Decimal("5.00")
    assert amazon_order_total(parse_order(tip)) == Decimal("35.97")


def test_personal_data_stays_out_of_repr_and_parse_errors() -> None:
    order = scenario("702-3318840-1227604")
    shown = repr(order) + str(order)
    for secret in (
        "Morgan Tremblay",
        "r2v7b4n8x1jc",
        "250 King Street",
        "M5V 1J2",
        "416-555-0117",
        "123456789RT0001",
    ):
        assert secret not in shown
    gift = scenario("114-2208876-1153001")
    assert "housewarming" not in repr(gift)

    bad = minimal(buyer={"buyerName": ["Jane Secret"]}, orderItems=[{"orderItemId": "1", "product": {}}])
    with pytest.raises(OrderDataError) as caught:
        parse_order(bad)
    message = str(caught.value)
    assert "buyer.buyerName" in message and "orderItems.0.quantityOrdered" in message
    assert "Jane Secret" not in message
    assert caught.value.record == "order 028-1234567-7654321"
    assert caught.value.disposition is Disposition.PERMANENT


def test_unknown_sku_error_names_sku_order_and_what_to_do() -> None:
    error = UnknownSkuError("114-1-2", ["MUG-GREEN"], marketplace_id="ATVPDKIKX0DER")
    assert isinstance(error, PermanentError) and not error.retryable
    assert error.skus == ("MUG-GREEN",) and error.order_id == "114-1-2" and error.code == "unknown_sku"
    text = str(error)
    assert "MUG-GREEN" in text and "114-1-2" in text
    assert "create_missing_products" in error.resolution and "amazon-odoo orders retry" in error.resolution
    several = UnknownSkuError("114-1-2", ["A", "B"])
    assert "SKUs A, B" in str(several)
