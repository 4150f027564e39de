"""Amazon order + resolved refs -> Odoo sale order values whose total is Amazon's, to the cent."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from amazon_odoo.config import OrderNaming, OrderOptions
from amazon_odoo.domain.orders import Order, OrderDataError, UnknownSkuError, parse_order
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.local.sandbox.state import SandboxState, load_scenario
from amazon_odoo.mapping.orders import (
    CurrencyMismatchError,
    LineKind,
    MissingReferenceError,
    MissingTaxError,
    PartnerRefs,
    PriceRoundingError,
    ResolvedRefs,
    SaleOrderVals,
    TaxMode,
    TaxRounding,
    line_external_id,
    order_external_id,
    order_item_id_from_external_id,
    partner_address_codes,
    partner_external_id,
    partner_identity_key,
    to_load_rows,
    to_partner_vals,
    to_sale_order_vals,
)

D = Decimal
SKUS = {"MUG-BLUE-12": 101, "MUG-RED-12": 102, "COASTER-SET-4": 103, "TEAPOT-WHITE": 104, "BOOK-1": 105}
SERVICES = {
    "shipping_product_id": 201,
    "shipping_discount_product_id": 202,
    "promotion_discount_product_id": 203,
    "gift_wrap_product_id": 204,
    "marketplace_tax_product_id": 205,
    "other_charges_product_id": 206,
    "rounding_product_id": 207,
}
OPTIONS = OrderOptions()


def refs(currency: str = "USD", **overrides: Any) -> ResolvedRefs:
    values: dict[str, Any] = {"partner_id": 7, "products": SKUS, "currency": currency, **SERVICES}
    values.update(overrides)
    return ResolvedRefs(**values)


def cents(value: Decimal, digits: int = 2) -> Decimal:
    return value.quantize(D(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def odoo_total(vals: SaleOrderVals, digits: int = 2) -> Decimal:
    """Independent check: sum of round(qty x unit price), plus excluded tax per line or per rate."""
    total = D(0)
    by_rate: dict[Decimal, Decimal] = {}
    for line in vals.order_line:
        assert line.discount == 0
        subtotal = cents(line.product_uom_qty * line.price_unit, digits)
        total += subtotal
        if line.tax_ids and not line.price_include:
            assert line.tax_rate is not None
            if vals.tax_rounding is TaxRounding.ROUND_PER_LINE:
                total += cents(subtotal * line.tax_rate / 100, digits)
            else:
                by_rate[line.tax_rate] = (
                    by_rate.get(line.tax_rate, D(0))
                    + line.product_uom_qty * line.price_unit * line.tax_rate / 100
                )
    return total + sum((cents(v, digits) for v in by_rate.values()), D(0))


# ------------------------------------------------------------------------------------- the sandbox


def sandbox_orders() -> list[Order]:
    data, base = load_scenario(None)
    state = SandboxState(data, base_dir=base, clock=time.time)
    orders = [o for seller in state.sellers.values() for o in seller.orders.values()]
    seller = state.seller()
    orders += [
        seller.build_order(
            [("MUG-BLUE-12", 3, "12.99"), ("TEAPOT-WHITE", 1, "34.00")], shipping="4.99", add=False
        ),
        seller.build_order([("COASTER-SET-4", 2, "9.50")], add=False),
    ]
    return [parse_order(o) for o in orders]


SANDBOX = sandbox_orders()
CA_TAXES = {D(13): 313, D(5): 305}


def refs_for(order: Order, **overrides: Any) -> ResolvedRefs:
    extra: dict[str, Any] = {}
    if order.marketplace_id == "A2EUQ1WTGCTBG2":  # Canada: seller-collected HST, prices without tax
        extra = {"tax_mode": TaxMode.PRICE_EXCLUDED, "taxes": CA_TAXES}
    return refs(order.currency or "USD", **{**extra, **overrides})


@pytest.mark.parametrize("order", SANDBOX, ids=lambda o: o.order_id)
def test_every_sandbox_order_totals_exactly_amazons_total(order: Order) -> None:
    vals = to_sale_order_vals(order, refs_for(order), OPTIONS)
    assert order.grand_total is not None
    assert vals.amazon_total == order.grand_total
    assert odoo_total(vals) == order.grand_total
    assert vals.expected_amount_total() == order.grand_total
    products = [line for line in vals.order_line if line.kind is LineKind.PRODUCT]
    assert [line.amazon_order_item_id for line in products] == [i.order_item_id for i in order.order_items]
    assert [line.product_uom_qty for line in products] == [i.quantity_ordered for i in order.order_items]


@pytest.mark.parametrize("order", SANDBOX, ids=lambda o: o.order_id)
def test_every_sandbox_order_loads_into_the_odoo_double_with_amazons_total(order: Order) -> None:
    double = OdooDouble()

    def x(model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return double.execute_kw("amazon", 2, "admin", model, method, list(args), kwargs)

    skus = {sku: x("product.product", "create", {"name": sku, "default_code": sku}) for sku in SKUS}
    services = {
        key: x("product.product", "create", {"name": key, "detailed_type": "service"}) for key in SERVICES
    }
    taxes = {
        rate: x(
            "account.tax", "create", {"name": f"HST {rate}", "amount": float(rate), "price_include": False}
        )
        for rate in CA_TAXES
    }
    partner = x("res.partner", "create", {"name": "Customer"})
    resolved = refs_for(order, partner_id=partner, products=skus, **services)
    if resolved.taxes:
        resolved = resolved.model_copy(update={"taxes": taxes})
    vals = to_sale_order_vals(order, resolved, OrderOptions(name=OrderNaming.AMAZON_ID, prefix="AMZ-"))
    fields, rows = to_load_rows(vals)
    result = x("sale.order", "load", fields, rows, context={"tz": "UTC"})
    assert result["messages"] == [] and len(result["ids"]) == 1
    [so] = x(
        "sale.order", "read", result["ids"], fields=["amount_total", "client_order_ref", "name", "order_line"]
    )
    assert D(str(so["amount_total"])) == order.grand_total
    assert so["client_order_ref"] == order.order_id and so["name"] == f"AMZ-{order.order_id}"
    again = x("sale.order", "load", fields, rows, context={"tz": "UTC"})  # idempotent: same order, same lines
    assert again["ids"] == result["ids"]
    [so2] = x("sale.order", "read", result["ids"], fields=["order_line"])
    assert so2["order_line"] == so["order_line"] and len(so["order_line"]) == len(vals.order_line)


def sandbox_order(order_id: str) -> Order:
    return next(o for o in SANDBOX if o.order_id == order_id)


def test_us_marketplace_facilitator_lines_have_no_tax_and_one_tax_line() -> None:
    order = sandbox_order("114-2208876-1153001")  # 2 items, shipping, gift wrap, promotion, MF tax
    vals = to_sale_order_vals(order, refs(), OPTIONS)
    kinds = [(line.kind, line.product_id, line.price_unit) for line in vals.order_line]
    assert kinds == [
        (LineKind.PRODUCT, 102, D("12.99")),
        (LineKind.SHIPPING, 201, D("5.99")),
        (LineKind.PRODUCT, 103, D("9.50")),
        (LineKind.GIFT_WRAP, 204, D("3.99")),
        (LineKind.PROMOTION_DISCOUNT, 203, D("-2.00")),
        (LineKind.MARKETPLACE_TAX, 205, D("2.60")),
    ]
    assert all(line.tax_ids == () for line in vals.order_line)
    assert "PLM-20261101-TENOFF" in vals.order_line[4].name and "Classic" in vals.order_line[3].name


def test_canada_b2b_price_excluded_tax_by_rate() -> None:
    order = sandbox_order("702-3318840-1227604")
    vals = to_sale_order_vals(order, refs_for(order), OPTIONS)
    assert [(line.kind, line.tax_ids, line.price_unit) for line in vals.order_line] == [
        (LineKind.PRODUCT, (313,), D("16.50")),
        (LineKind.SHIPPING, (313,), D("8.99")),
    ]
    assert vals.origin == "Amazon 702-3318840-1227604 / PO PO-88412"


# ------------------------------------------------------------------------------- a table of tricky cases


def money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


@dataclass
class It:
    sku: str
    qty: int
    item: str
    shipping: str = ""
    gift: str = ""
    promo: str = ""  # discount on the item (negative)
    ship_discount: str = ""  # discount on shipping (negative)
    tax: dict[str, str] = field(default_factory=dict)  # subtype -> amount
    mf: bool = False

    def raw(self, index: int, currency: str) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(self.item, currency)}]
        if self.shipping:
            parts.append({"type": "SHIPPING", "subtotal": money(self.shipping, currency)})
        if self.gift:
            parts.append({"type": "GIFT_WRAP", "subtotal": money(self.gift, currency)})
        if self.promo or self.ship_discount:
            pairs = [(sub, v) for sub, v in (("ITEM", self.promo), ("SHIPPING", self.ship_discount)) if v]
            details = [{"subtype": sub, "value": money(v, currency)} for sub, v in pairs]
            total = sum((D(v) for _, v in pairs), D(0))
            parts.append(
                {"type": "DISCOUNT", "subtotal": money(str(total), currency), "detailedBreakdowns": details}
            )
        if self.tax:
            details = [{"subtype": sub, "value": money(v, currency)} for sub, v in self.tax.items() if sub]
            total = sum((D(v) for v in self.tax.values()), D(0))
            parts.append(
                {"type": "TAX", "subtotal": money(str(total), currency), "detailedBreakdowns": details}
            )
        proceeds_total = sum((D(p["subtotal"]["amount"]) for p in parts), D(0))
        raw: dict[str, Any] = {
            "orderItemId": f"9000000000{index:02d}",
            "quantityOrdered": self.qty,
            "product": {"sellerSku": self.sku, "title": f"Title of {self.sku}"},
            "proceeds": {"proceedsTotal": money(str(proceeds_total), currency), "breakdowns": parts},
        }
        if self.mf:
            raw["tax"] = {
                "taxCollections": [{"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "Amazon"}]
            }
        return raw


def build(items: list[It], currency: str = "USD", marketplace: str = "ATVPDKIKX0DER") -> Order:
    raw_items = [it.raw(i, currency) for i, it in enumerate(items, start=1)]
    total = sum((D(i["proceeds"]["proceedsTotal"]["amount"]) for i in raw_items), D(0))
    return parse_order(
        {
            "orderId": "114-0000000-0000042",
            "createdTime": "2026-11-20T10:00:00Z",
            "lastUpdatedTime": "2026-11-20T10:05:00Z",
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace},
            "proceeds": {"grandTotal": money(str(total), currency)},
            "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"},
            "orderItems": raw_items,
        }
    )


EU = {"currency": "EUR", "marketplace": "A1PA6795UKMFR9"}
VAT = {D(19): 19, D(7): 7, D(0): 100}

CASES: list[tuple[str, list[It], dict[str, Any], dict[str, Any], str, int]] = [
    # id, items, build kwargs, refs overrides, Amazon total, rounding lines expected
    (
        "3x16.67=50.00 precision 4",
        [It("MUG-BLUE-12", 3, "50.00", mf=True)],
        {},
        {"price_digits": 4},
        "50.00",
        0,
    ),
    ("3x16.67=50.00 precision 2", [It("MUG-BLUE-12", 3, "50.00", mf=True)], {}, {}, "50.00", 1),
    (
        "promotion, shipping discount, gift wrap, MF tax",
        [
            It(
                "MUG-BLUE-12",
                2,
                "25.98",
                shipping="4.99",
                ship_discount="-4.99",
                tax={"ITEM": "2.08"},
                mf=True,
            ),
            It(
                "COASTER-SET-4",
                1,
                "9.50",
                gift="3.99",
                promo="-2.00",
                tax={"ITEM": "0.60", "GIFT_WRAP": "0.32"},
                mf=True,
            ),
        ],
        {},
        {},
        "40.47",
        0,
    ),
    (
        "multiple quantities",
        [It("TEAPOT-WHITE", 7, "139.93", tax={"ITEM": "11.19"}, mf=True)],
        {},
        {},
        "151.12",
        0,
    ),
    (
        "zero-price item",
        [It("MUG-RED-12", 2, "0.00", mf=True), It("MUG-BLUE-12", 1, "12.99", tax={"ITEM": "1.04"}, mf=True)],
        {},
        {},
        "14.03",
        0,
    ),
    (
        "EU VAT included 3x19.99 + shipping - promotion (ODOO.md)",
        [
            It(
                "MUG-BLUE-12",
                3,
                "50.39",
                shipping="4.19",
                promo="-1.68",
                tax={"ITEM": "9.58", "SHIPPING": "0.80", "DISCOUNT": "-0.32"},
            )
        ],
        EU,
        {"currency": "EUR", "taxes": VAT},
        "62.96",
        0,
    ),
    (
        "EU gross 50.00 over 3, precision 4",
        [It("MUG-BLUE-12", 3, "42.02", tax={"ITEM": "7.98"})],
        EU,
        {"currency": "EUR", "taxes": VAT, "price_digits": 4},
        "50.00",
        0,
    ),
    (
        "EU gross 50.00 over 3, precision 2",
        [It("MUG-BLUE-12", 3, "42.02", tax={"ITEM": "7.98"})],
        EU,
        {"currency": "EUR", "taxes": VAT},
        "50.00",
        1,
    ),
    (
        "EU two rates in one order",
        [It("MUG-BLUE-12", 1, "16.80", tax={"ITEM": "3.19"}), It("BOOK-1", 2, "18.67", tax={"": "1.31"})],
        EU,
        {"currency": "EUR", "taxes": VAT},
        "39.97",
        0,
    ),
    ("EU zero-rated item", [It("BOOK-1", 1, "10.00")], EU, {"currency": "EUR", "taxes": VAT}, "10.00", 0),
    (
        "CA excluded 13 %, Amazon rounds per unit",
        [It("MUG-RED-12", 6, "99.00", shipping="8.99", tax={"ITEM": "12.90", "SHIPPING": "1.17"})],
        {"currency": "CAD", "marketplace": "A2EUQ1WTGCTBG2"},
        {"currency": "CAD", "tax_mode": TaxMode.PRICE_EXCLUDED, "taxes": CA_TAXES},
        "122.06",
        1,
    ),
    (
        "CA excluded 13 %, rounded globally",
        [
            It("MUG-RED-12", 1, "0.05", tax={"ITEM": "0.01"}),
            It("MUG-BLUE-12", 1, "0.05", tax={"ITEM": "0.01"}),
        ],
        {"currency": "CAD", "marketplace": "A2EUQ1WTGCTBG2"},
        {
            "currency": "CAD",
            "tax_mode": TaxMode.PRICE_EXCLUDED,
            "taxes": CA_TAXES,
            "tax_rounding": TaxRounding.ROUND_GLOBALLY,
        },
        "0.12",
        1,
    ),
    (
        "JPY has no decimals",
        [It("MUG-BLUE-12", 3, "1000", tax={"ITEM": "100"}, mf=True)],
        {"currency": "JPY", "marketplace": "A1VC38T7YXB528"},
        {"currency": "JPY", "currency_digits": 0, "price_digits": 4},
        "1100",
        0,
    ),
]


@pytest.mark.parametrize(
    ("items", "build_kw", "overrides", "total", "rounding"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_tricky_orders_total_exactly_amazons_total(
    items: list[It], build_kw: dict[str, Any], overrides: dict[str, Any], total: str, rounding: int
) -> None:
    order = build(items, **build_kw)
    assert order.grand_total == D(total)
    resolved = refs(**overrides)
    vals = to_sale_order_vals(order, resolved, OPTIONS)
    assert odoo_total(vals, resolved.currency_digits) == D(total)
    assert vals.expected_amount_total() == D(total)
    assert sum(line.kind is LineKind.ROUNDING for line in vals.order_line) == rounding
    products = [line for line in vals.order_line if line.kind is LineKind.PRODUCT]
    assert [line.product_uom_qty for line in products] == [it.qty for it in items]  # stock needs the quantity
    for line in vals.order_line:
        assert line.price_unit == line.price_unit.quantize(D(1).scaleb(-resolved.price_digits))


def test_precision_4_writes_the_exact_unit_price_and_precision_2_an_adjustment() -> None:
    order = build([It("MUG-BLUE-12", 3, "50.00", mf=True)])
    exact = to_sale_order_vals(order, refs(price_digits=4), OPTIONS)
    assert [(line.product_uom_qty, line.price_unit) for line in exact.order_line] == [(3, D("16.6667"))]
    adjusted = to_sale_order_vals(order, refs(), OPTIONS)
    assert [(line.kind, line.product_uom_qty, line.price_unit) for line in adjusted.order_line] == [
        (LineKind.PRODUCT, 3, D("16.67")),
        (LineKind.ROUNDING, 1, D("-0.01")),
    ]
    assert adjusted.order_line[1].external_id == "__amazon__.oline_114_0000000_0000042_rounding"
    with pytest.raises(PriceRoundingError) as caught:
        to_sale_order_vals(order, refs(rounding_product_id=None), OPTIONS)
    assert "4 digits" in caught.value.resolution and caught.value.record == "order 114-0000000-0000042"


def test_an_untaxed_item_gets_the_zero_rate_tax_when_there_is_one() -> None:
    order = build([It("BOOK-1", 1, "10.00")], **EU)
    assert to_sale_order_vals(order, refs("EUR", taxes=VAT), OPTIONS).order_line[0].tax_ids == (100,)
    assert to_sale_order_vals(order, refs("EUR", taxes={D(19): 19}), OPTIONS).order_line[0].tax_ids == ()


def test_eu_lines_carry_the_gross_price_and_the_price_included_tax_of_their_rate() -> None:
    order = build(
        [
            It(
                "MUG-BLUE-12",
                3,
                "50.39",
                shipping="4.19",
                promo="-1.68",
                tax={"ITEM": "9.58", "SHIPPING": "0.80", "DISCOUNT": "-0.32"},
            ),
            It("BOOK-1", 2, "18.67", tax={"ITEM": "1.31"}),
        ],
        **EU,
    )
    vals = to_sale_order_vals(order, refs("EUR", taxes=VAT), OPTIONS)
    assert [(line.kind, line.price_unit, line.tax_ids, line.price_include) for line in vals.order_line] == [
        (LineKind.PRODUCT, D("19.99"), (19,), True),
        (LineKind.SHIPPING, D("4.99"), (19,), True),
        (LineKind.PROMOTION_DISCOUNT, D("-2.00"), (19,), True),
        (LineKind.PRODUCT, D("9.99"), (7,), True),
    ]


def test_order_level_shipping_and_delivery_tip_get_their_own_lines() -> None:
    order = sandbox_order(
        SANDBOX[-2].order_id
    )  # build_order(..., shipping="4.99"): shipping on the order only
    vals = to_sale_order_vals(order, refs(), OPTIONS)
    shipping = [line for line in vals.order_line if line.kind is LineKind.SHIPPING]
    assert [(s.amazon_order_item_id, s.price_unit, s.product_id) for s in shipping] == [
        (None, D("4.99"), 201)
    ]
    assert shipping[0].external_id == f"__amazon__.oline_{order.order_id.replace('-', '_')}_shipping"

    raw = order.model_dump(by_alias=True, mode="json")
    raw["proceeds"]["grandTotal"]["amount"] = str(order.grand_total + D("5.00"))  # type: ignore[operator]
    raw["proceeds"]["breakdowns"].append(
        {"type": "DELIVERY_TIP", "status": "FINALIZED", "subtotal": {"amount": "5.00", "currencyCode": "USD"}}
    )
    tipped = to_sale_order_vals(parse_order(raw), refs(), OPTIONS)
    [tip] = [line for line in tipped.order_line if line.kind is LineKind.DELIVERY_TIP]
    assert (tip.product_id, tip.price_unit, tip.tax_ids) == (206, D("5.00"), ())
    assert tip.external_id.endswith("_delivery_tip")
    assert tipped.expected_amount_total() == D(raw["proceeds"]["grandTotal"]["amount"])


# ------------------------------------------------------------------------------------------- failures


def test_unknown_sku_names_every_missing_sku_and_the_order() -> None:
    order = build([It("MUG-BLUE-12", 1, "1.00"), It("NOPE-1", 1, "1.00"), It("NOPE-2", 1, "1.00")])
    with pytest.raises(UnknownSkuError) as caught:
        to_sale_order_vals(order, refs(), OPTIONS)
    assert caught.value.skus == ("NOPE-1", "NOPE-2") and caught.value.order_id == "114-0000000-0000042"
    assert "NOPE-1" in str(caught.value) and "114-0000000-0000042" in str(caught.value)
    assert caught.value.marketplace_id == "ATVPDKIKX0DER"


def test_a_missing_tax_rate_service_product_or_currency_is_a_permanent_error_with_a_fix() -> None:
    eu = build([It("MUG-BLUE-12", 1, "16.80", tax={"ITEM": "3.19"})], **EU)
    with pytest.raises(MissingTaxError) as tax_error:
        to_sale_order_vals(eu, refs("EUR", taxes={D(7): 7}), OPTIONS)
    assert "18.99 %" in str(tax_error.value) and "price-included" in tax_error.value.resolution
    gift = build([It("MUG-BLUE-12", 1, "10.00", gift="2.00")])
    with pytest.raises(MissingReferenceError, match="Gift wrap"):
        to_sale_order_vals(gift, refs(gift_wrap_product_id=None), OPTIONS)
    mf = build([It("MUG-BLUE-12", 1, "10.00", tax={"ITEM": "0.80"}, mf=True)])
    with pytest.raises(MissingReferenceError, match="Marketplace facilitator tax"):
        to_sale_order_vals(mf, refs(marketplace_tax_product_id=None), OPTIONS)
    with pytest.raises(CurrencyMismatchError):
        to_sale_order_vals(eu, refs("USD", taxes=VAT), OPTIONS)


def test_an_order_whose_parts_disagree_with_its_grand_total_is_refused() -> None:
    raw = build([It("MUG-BLUE-12", 1, "10.00")]).model_dump(by_alias=True, mode="json")
    raw["proceeds"]["grandTotal"]["amount"] = "11.00"
    wrong = parse_order(raw)
    with pytest.raises(OrderDataError, match=r"10\.00 but its grand total is 11\.00"):
        to_sale_order_vals(wrong, refs(), OPTIONS)


# -------------------------------------------------------------------------------------- load() rows


def test_load_rows_follow_odoo_md_section_3() -> None:
    order = sandbox_order("114-2208876-1153001")
    vals = to_sale_order_vals(
        order,
        refs(pricelist_id=3, warehouse_id=1, team_id=5, payment_term_id=1, fiscal_position_id=2),
        OPTIONS,
    )
    fields, rows = to_load_rows(vals)
    assert fields == [
        "id",
        "partner_id/.id",
        "partner_invoice_id/.id",
        "partner_shipping_id/.id",
        "client_order_ref",
        "origin",
        "date_order",
        "pricelist_id/.id",
        "warehouse_id/.id",
        "team_id/.id",
        "payment_term_id/.id",
        "fiscal_position_id/.id",
        "order_line/id",
        "order_line/sequence",
        "order_line/product_id/.id",
        "order_line/name",
        "order_line/product_uom_qty",
        "order_line/price_unit",
        "order_line/discount",
        "order_line/tax_id/.id",
    ]
    first = dict(zip(fields, rows[0], strict=True))
    assert first["id"] == "__amazon__.order_ATVPDKIKX0DER_114_2208876_1153001"
    assert first["client_order_ref"] == "114-2208876-1153001"
    assert first["date_order"] == "2026-11-04 09:15:44"
    assert first["order_line/id"] == "__amazon__.oline_114_2208876_1153001_41298837120043"
    assert [first[f] for f in ("pricelist_id/.id", "warehouse_id/.id", "team_id/.id")] == ["3", "1", "5"]
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert all(row[fields.index("order_line/discount")] == "0" for row in rows)
    assert all(row[fields.index("order_line/tax_id/.id")] == "" for row in rows)  # explicitly no tax
    assert all(cell == "" for row in rows[1:] for cell in row[: fields.index("order_line/id")])
    assert [row[fields.index("order_line/id")] for row in rows] == [
        "__amazon__.oline_114_2208876_1153001_41298837120043",
        "__amazon__.oline_114_2208876_1153001_41298837120043_shipping",
        "__amazon__.oline_114_2208876_1153001_41298837120051",
        "__amazon__.oline_114_2208876_1153001_41298837120051_gift_wrap",
        "__amazon__.oline_114_2208876_1153001_41298837120051_promotion_discount",
        "__amazon__.oline_114_2208876_1153001_marketplace_tax",
    ]
    assert [row[fields.index("order_line/price_unit")] for row in rows] == [
        "12.99",
        "5.99",
        "9.5",
        "3.99",
        "-2",
        "2.6",
    ]


def test_order_name_follows_the_seller_option() -> None:
    order = sandbox_order("114-3941689-8772232")
    sequence = to_sale_order_vals(order, refs(), OrderOptions(name=OrderNaming.ODOO_SEQUENCE, prefix="AMZ-"))
    assert sequence.name is None and "name" not in to_load_rows(sequence)[0]
    named = to_sale_order_vals(order, refs(), OrderOptions(name=OrderNaming.AMAZON_ID, prefix="AMZ-"))
    fields, rows = to_load_rows(named)
    assert rows[0][fields.index("name")] == "AMZ-114-3941689-8772232"


def test_a_batch_loads_in_one_call_and_must_agree_on_its_columns() -> None:
    a = to_sale_order_vals(sandbox_order("114-3941689-8772232"), refs(), OPTIONS)
    b = to_sale_order_vals(sandbox_order("114-7730412-5509876"), refs(), OPTIONS)
    _fields, rows = to_load_rows([a, b])
    ids = [row[0] for row in rows if row[0]]
    assert ids == [a.external_id, b.external_id] and len(rows) == len(a.order_line) + len(b.order_line)
    c = to_sale_order_vals(sandbox_order("114-7730412-5509876"), refs(warehouse_id=4), OPTIONS)
    with pytest.raises(ValueError, match="warehouse_id"):
        to_load_rows([a, c])
    assert to_load_rows([]) == ([], [])


def test_shipping_lines_are_delivery_lines_when_odoo_has_the_delivery_module() -> None:
    vals = to_sale_order_vals(sandbox_order("114-3941689-8772232"), refs(delivery_lines=True), OPTIONS)
    fields, rows = to_load_rows(vals)
    column = fields.index("order_line/is_delivery")
    assert [row[column] for row in rows] == ["0", "1", "0"]


def test_the_amazon_order_item_id_is_kept_on_each_line_and_found_back() -> None:
    order = sandbox_order("114-5820417-3390021")
    vals = to_sale_order_vals(order, refs(), OPTIONS)
    for item in order.order_items:
        line = vals.line_for_item(item.order_item_id)
        assert line.seller_sku == item.seller_sku
        assert order_item_id_from_external_id(line.external_id, order.order_id) == item.order_item_id
    for line in vals.order_line:
        if line.kind is not LineKind.PRODUCT:
            assert order_item_id_from_external_id(line.external_id, order.order_id) is None
    assert order_item_id_from_external_id("__amazon__.oline_1_2_3_4", order.order_id) is None
    assert order_external_id("A1PA6795UKMFR9", "302-1.2/3") == "__amazon__.order_A1PA6795UKMFR9_302_1_2_3"
    assert line_external_id("302-1", "77", LineKind.GIFT_WRAP) == "__amazon__.oline_302_1_77_gift_wrap"


# ------------------------------------------------------------------------------------------ partners


def test_consumer_partner_with_delivery_child_and_no_duplicate_name() -> None:
    order = sandbox_order("114-3941689-8772232")
    billing, delivery = partner_address_codes(order)
    assert (billing.country_code, billing.state) == ("US", "WA") == (delivery.country_code, delivery.state)
    partner = to_partner_vals(order, PartnerRefs(delivery_country_id=233, delivery_state_id=48, lang="en_US"))
    vals = partner.to_create_vals()
    assert vals["name"] == "Alex Rivera" and vals["email"] == "7q2kx9m4vd1r@marketplace.amazon.com"
    assert (vals["street"], vals["street2"], vals["city"], vals["zip"]) == (
        "2145 Pine Street",
        "Apt 3B",
        "Seattle",
        "98101",
    )
    assert (vals["country_id"], vals["state_id"], vals["lang"], vals["customer_rank"]) == (
        233,
        48,
        "en_US",
        1,
    )
    assert vals["is_company"] is False and "vat" not in vals
    assert str(vals["ref"]).startswith("AMZ-")
    children = vals["child_ids"]
    assert isinstance(children, list) and len(children) == 1
    zero, zero2, child = children[0]
    assert (zero, zero2) == (0, 0)
    assert child["type"] == "delivery" and "name" not in child and child["street"] == "2145 Pine Street"
    assert child["phone"] == "+1 206-555-0142"


def test_business_partner_is_the_company_with_its_vat_and_the_receiving_contact_as_delivery() -> None:
    order = sandbox_order("702-3318840-1227604")
    partner = to_partner_vals(order, PartnerRefs(delivery_country_id=38, delivery_state_id=9, lang="en_CA"))
    vals = partner.to_create_vals()
    assert vals["name"] == "Maple Leaf Tea Room Inc." and vals["is_company"] is True
    assert vals["vat"] == "123456789RT0001" and vals["street"] == "250 King Street West"
    child = vals["child_ids"][0][2]  # type: ignore[index]
    assert child["name"] == "Receiving Dept." and child["street2"] == "Unit 4"


def test_partner_identity_key_reuses_the_same_buyer_at_the_same_address_only() -> None:
    order = sandbox_order("114-3941689-8772232")
    raw = order.model_dump(by_alias=True, mode="json")
    again = parse_order({**raw, "orderId": "114-9999999-9999999"})
    assert partner_identity_key(order) == partner_identity_key(again)
    assert partner_external_id(order) == f"__amazon__.partner_{partner_identity_key(order)}"
    moved = json.loads(json.dumps(raw))
    moved["recipient"]["deliveryAddress"]["addressLine1"] = "1 Other Road"
    assert partner_identity_key(parse_order(moved)) != partner_identity_key(order)
    spaced = json.loads(json.dumps(raw))
    spaced["recipient"]["deliveryAddress"]["addressLine1"] = "  2145  PINE street "
    assert partner_identity_key(parse_order(spaced)) == partner_identity_key(order)
    key = partner_identity_key(order)
    assert len(key) == 32 and "Alex" not in key


def test_buyer_data_goes_only_to_partner_values() -> None:
    order = sandbox_order("702-3318840-1227604")
    vals = to_sale_order_vals(order, refs_for(order), OPTIONS)
    text = json.dumps(to_load_rows(vals)) + vals.model_dump_json()
    for secret in (
        "Morgan",
        "Maple Leaf",
        "King Street",
        "M5V",
        "416-555",
        "r2v7b4n8x1jc",
        "123456789RT0001",
    ):
        assert secret not in text
    partner = to_partner_vals(order, PartnerRefs())
    assert "Maple Leaf" not in repr(partner) and "King Street" not in repr(partner)
