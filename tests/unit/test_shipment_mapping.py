"""The pure part of shipments out (issue 4): a done Odoo delivery -> confirmShipment requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.domain.shipments import PackageConfirmation, ShipmentRecord, ShipmentStatus, ShippedItem
from amazon_odoo.mapping.orders import LineKind, line_external_id, order_external_id
from amazon_odoo.mapping.shipments import (
    OTHER,
    OdooCarrier,
    OdooDelivery,
    OdooMove,
    OdooMoveLine,
    OdooSaleLine,
    ProblemKind,
    carrier_code,
    describe_packages,
    kit_quantities,
    plan_shipment,
    split_tracking,
)

ORDER = "114-5820417-3390021"
MARKET = "ATVPDKIKX0DER"
DONE = datetime(2026, 11, 20, 14, 5, 9, tzinfo=UTC)
UPS = OdooCarrier(id=7, name="UPS Ground", delivery_type="fixed")


def line(
    line_id: int, product: int, item: str | None, *, ordered: float = 1, delivered: float = 0
) -> OdooSaleLine:
    xmlid = line_external_id(ORDER, item, LineKind.PRODUCT) if item else None
    return OdooSaleLine(
        id=line_id, product_id=product, external_id=xmlid, qty_ordered=ordered, qty_delivered=delivered
    )


def delivery(
    moves: list[OdooMove],
    move_lines: list[OdooMoveLine] | None = None,
    *,
    picking: int = 42,
    carrier: OdooCarrier | None = UPS,
    tracking: str = "1Z999AA10123456784",
    done: datetime | None = DONE,
    **extra: Any,
) -> OdooDelivery:
    values: dict[str, Any] = {
        "id": picking,
        "name": f"WH/OUT/{picking:05d}",
        "date_done": done,
        "carrier": carrier,
        "tracking_ref": tracking,
        "sale_order_id": 9,
        "client_order_ref": ORDER,
        "order_external_id": order_external_id(MARKET, ORDER),
        "moves": tuple(moves),
        "move_lines": tuple(move_lines or ()),
    }
    return OdooDelivery(**{**values, **extra})


def items(package: Any) -> list[tuple[str, int]]:
    return [(i.order_item_id, i.quantity) for i in package.items]


# ------------------------------------------------------------------------------------------ carriers


@pytest.mark.parametrize(
    ("name", "provider", "expected"),
    [
        ("UPS Ground", "fixed", ("UPS", "")),
        ("FedEx International Priority", "fedex", ("FedEx", "")),
        ("My FedEx account", "fixed", ("FedEx", "")),
        ("DHL Express Worldwide", "fixed", ("DHL Express", "")),
        ("DHL Paket", "base_on_rule", ("DHL-Paket", "")),
        ("dhl", "fixed", ("DHL", "")),
        ("Royal Mail 24", "fixed", ("Royal Mail", "")),
        ("Colissimo Expert", "fixed", ("Colissimo", "")),
        ("Any name", "usps", ("USPS", "")),
        ("Yamato Transport", "fixed", ("YamatoTransport", "")),
        ("yamato", "fixed", ("YAMATO", "")),  # an Amazon code as it is
        ("Hermes Logistik Gruppe", "fixed", ("Hermes Logistik Gruppe", "")),
        ("Our own van", "fixed", (OTHER, "Our own van")),
        ("Standard delivery", "fixed", (OTHER, "Standard delivery")),
        ("Groupsend", "fixed", (OTHER, "Groupsend")),  # "ups" inside a word is not UPS
    ],
)
def test_carrier_codes_from_odoo_carriers(name: str, provider: str, expected: tuple[str, str]) -> None:
    assert carrier_code(name, provider) == expected


def test_carrier_overrides_win_and_may_say_other() -> None:
    assert carrier_code("Standard delivery", "fixed", {"standard DELIVERY": "GLS"}) == ("GLS", "")
    assert carrier_code("UPS via broker", "ups", {"UPS via broker": OTHER}) == (OTHER, "UPS via broker")


def test_tracking_references_split_on_commas_not_spaces() -> None:
    assert split_tracking("1ZA, 1ZB;1ZC\n1ZD") == ["1ZA", "1ZB", "1ZC", "1ZD"]
    assert split_tracking("AB 1234 5678 9GB") == ["AB 1234 5678 9GB"]  # Royal Mail numbers have spaces
    assert split_tracking("") == []


# --------------------------------------------------------------------------------------------- plans


def test_a_full_delivery_is_one_package_with_every_item() -> None:
    plan = plan_shipment(
        delivery(
            [
                OdooMove(id=1, product_id=11, quantity=1, sale_line=line(101, 11, "60217734910021")),
                OdooMove(id=2, product_id=12, quantity=2, sale_line=line(102, 12, "60217734910039")),
            ]
        )
    )
    assert plan.ok and (plan.order_id, plan.marketplace_id) == (ORDER, MARKET)
    [package] = plan.packages
    assert package.body(MARKET) == {
        "marketplaceId": MARKET,
        "packageDetail": {
            "packageReferenceId": "4201",
            "carrierCode": "UPS",
            "shippingMethod": "UPS Ground",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": "2026-11-20T14:05:09Z",
            "orderItems": [
                {"orderItemId": "60217734910021", "quantity": 1},
                {"orderItemId": "60217734910039", "quantity": 2},
            ],
        },
    }
    assert plan.shipped == (
        ShippedItem(order_item_id="60217734910021", quantity=1),
        ShippedItem(order_item_id="60217734910039", quantity=2),
    )


def test_a_partial_delivery_confirms_what_shipped_and_ignores_cancelled_moves() -> None:
    plan = plan_shipment(
        delivery(
            [
                OdooMove(id=1, product_id=11, quantity=2, sale_line=line(101, 11, "A1", ordered=5)),
                OdooMove(id=2, product_id=12, quantity=0, sale_line=line(102, 12, "A2")),
                OdooMove(id=3, product_id=13, quantity=3, state="cancel", sale_line=line(103, 13, "A3")),
            ]
        )
    )
    assert [items(p) for p in plan.packages] == [[("A1", 2)]]


def test_one_package_per_odoo_package_tracking_in_package_order_unpacked_last() -> None:
    moves = [
        OdooMove(id=1, product_id=11, quantity=3, sale_line=line(101, 11, "A1")),
        OdooMove(id=2, product_id=12, quantity=1, sale_line=line(102, 12, "A2")),
    ]
    move_lines = [
        OdooMoveLine(id=1, move_id=1, quantity=2, package_id=8, package_name="PACK0000002"),
        OdooMoveLine(id=2, move_id=1, quantity=1, package_id=5, package_name="PACK0000001"),
        OdooMoveLine(id=3, move_id=2, quantity=1),
    ]
    plan = plan_shipment(delivery(moves, move_lines, tracking="T1, T2,T3"))
    assert [(p.reference, p.package_name, p.tracking_number, items(p)) for p in plan.packages] == [
        ("4201", "PACK0000001", "T1", [("A1", 1)]),
        ("4202", "PACK0000002", "T2", [("A1", 2)]),
        ("4203", "", "T3", [("A2", 1)]),
    ]
    one_for_all = plan_shipment(delivery(moves, move_lines, tracking="MASTER1"))
    assert {p.tracking_number for p in one_for_all.packages} == {"MASTER1"}
    assert "FedEx" not in describe_packages(
        plan.packages
    ) and "T2 [PACK0000002] (2 x A1)" in describe_packages(plan.packages)


def test_other_carriers_carry_their_name_and_may_go_without_tracking() -> None:
    van = OdooCarrier(id=3, name="Our own van", delivery_type="fixed")
    plan = plan_shipment(
        delivery(
            [OdooMove(id=1, product_id=11, quantity=1, sale_line=line(101, 11, "A1"))],
            carrier=van,
            tracking="",
        )
    )
    detail = plan.packages[0].body(MARKET)["packageDetail"]
    assert (detail["carrierCode"], detail["carrierName"], detail["trackingNumber"]) == (
        OTHER,
        "Our own van",
        "",
    )


@pytest.mark.parametrize(
    ("kwargs", "kind", "fix"),
    [
        ({"carrier": None}, ProblemKind.NO_CARRIER, "set the carrier"),
        ({"tracking": ""}, ProblemKind.NO_TRACKING, "enter the tracking reference"),
        ({"tracking": "T1,T2,T3"}, ProblemKind.TRACKING_COUNT, "one tracking number for all packages"),
        ({"done": None}, ProblemKind.NO_DATE, "validate"),
    ],
)
def test_bad_input_sends_nothing_and_says_what_to_fix(
    kwargs: dict[str, Any], kind: ProblemKind, fix: str
) -> None:
    moves = [
        OdooMove(id=1, product_id=11, quantity=1, sale_line=line(101, 11, "A1")),
        OdooMove(id=2, product_id=12, quantity=1, sale_line=line(102, 12, "A2")),
    ]
    move_lines = [
        OdooMoveLine(id=1, move_id=1, quantity=1, package_id=1, package_name="P1"),
        OdooMoveLine(id=2, move_id=2, quantity=1, package_id=2, package_name="P2"),
    ]
    plan = plan_shipment(delivery(moves, move_lines, **kwargs))
    assert not plan.ok and plan.packages == ()
    assert [p.kind for p in plan.problems] == [kind]
    message, resolution = plan.problem_text()
    assert "WH/OUT/00042" in message and fix in resolution
    assert plan.problems[0].may_be_shipped_at_amazon == (
        kind in (ProblemKind.NO_CARRIER, ProblemKind.NO_TRACKING)
    )
    assert plan.shipped  # what it shipped is known all the same


def test_a_line_without_amazon_item_id_blocks_the_whole_delivery() -> None:
    plan = plan_shipment(
        delivery(
            [
                OdooMove(id=1, product_id=11, quantity=1, sale_line=line(101, 11, "A1")),
                OdooMove(
                    id=2,
                    product_id=99,
                    product_name="[GIFT] Free gift",
                    quantity=1,
                    sale_line=line(109, 99, None),
                ),
                OdooMove(id=3, product_id=98, product_name="[BOX] Box", quantity=1),
            ]
        )
    )
    assert plan.packages == () and [p.kind for p in plan.problems] == [ProblemKind.NOT_AN_AMAZON_LINE] * 2
    assert "[GIFT] Free gift" in plan.problems[0].message and ORDER in plan.problems[0].message
    assert not plan.problems[0].may_be_shipped_at_amazon


def test_a_service_line_xmlid_is_not_an_item() -> None:
    shipping = OdooSaleLine(id=5, product_id=11, external_id=line_external_id(ORDER, "A1", LineKind.SHIPPING))
    plan = plan_shipment(delivery([OdooMove(id=1, product_id=11, quantity=1, sale_line=shipping)]))
    assert [p.kind for p in plan.problems] == [ProblemKind.NOT_AN_AMAZON_LINE]


def test_fractional_quantities_are_refused() -> None:
    plan = plan_shipment(
        delivery([OdooMove(id=1, product_id=11, quantity=1.5, sale_line=line(101, 11, "A1"))])
    )
    assert [p.kind for p in plan.problems] == [ProblemKind.NOT_WHOLE]


def test_fingerprint_changes_when_the_delivery_is_fixed() -> None:
    moves = [OdooMove(id=1, product_id=11, quantity=1, sale_line=line(101, 11, "A1"))]
    broken, fixed = (
        plan_shipment(delivery(moves, tracking="")),
        plan_shipment(delivery(moves, tracking="1Z1")),
    )
    again = plan_shipment(delivery(moves, tracking=""))
    assert broken.fingerprint == again.fingerprint != fixed.fingerprint
    assert fixed.fingerprint != plan_shipment(delivery(moves, tracking="1Z2")).fingerprint


def test_orders_not_from_amazon_are_recognised() -> None:
    plain = delivery([], order_external_id=None)
    assert plain.amazon_order() is None
    other_ref = OdooDelivery(
        id=1,
        name="X",
        sale_order_id=1,
        client_order_ref="PO-1",
        order_external_id=order_external_id(MARKET, ORDER),
    )
    assert other_ref.amazon_order() is None
    with pytest.raises(ValueError, match="not a delivery of an Amazon order"):
        plan_shipment(plain)


# ---------------------------------------------------------------------------------------------- kits

KIT, CORK, BOX = 30, 31, 32


def kit_delivery(
    picking: int, cork: float, box: float, delivered: float, *, when: datetime = DONE
) -> OdooDelivery:
    kit_line = line(103, KIT, "K1", ordered=2, delivered=delivered)
    moves = [OdooMove(id=picking * 10 + 1, product_id=11, quantity=1, sale_line=line(101, 11, "A1"))]
    if cork:
        moves.append(OdooMove(id=picking * 10 + 2, product_id=CORK, quantity=cork, sale_line=kit_line))
    if box:
        moves.append(OdooMove(id=picking * 10 + 3, product_id=BOX, quantity=box, sale_line=kit_line))
    return delivery(moves, picking=picking, done=when)


def test_a_kit_is_confirmed_once_its_components_have_all_shipped() -> None:
    # 2 kits of 4 corks + 1 box: the first delivery has every cork but no box -> no kit yet
    first = kit_delivery(1, cork=8, box=0, delivered=0)
    kits = kit_quantities([first], {})
    assert kits == {}
    assert [items(p) for p in plan_shipment(first, kits=kits.get(1)).packages] == [[("A1", 1)]]
    # the backorder brings both boxes: Odoo says 2 kits delivered, none confirmed yet
    second = kit_delivery(2, cork=0, box=2, delivered=2, when=DONE + timedelta(hours=1))
    kits = kit_quantities([second], {ORDER: {"A1": 1}})
    assert kits == {2: {103: 2}}
    assert [items(p) for p in plan_shipment(second, kits=kits[2]).packages] == [[("A1", 1), ("K1", 2)]]


def test_kits_go_with_the_latest_delivery_and_never_twice() -> None:
    first = kit_delivery(1, cork=4, box=1, delivered=1)
    second = kit_delivery(2, cork=4, box=1, delivered=2, when=DONE + timedelta(minutes=5))
    both = [first.model_copy(update={"moves": first.moves}), second]
    # both read in one run: Odoo's qty_delivered (2) is the order's, the latest delivery carries the kits
    assert kit_quantities(both, {}) == {2: {103: 2}}
    # one kit confirmed already by an earlier run: one left
    assert kit_quantities([second], {ORDER: {"K1": 1}}) == {2: {103: 1}}
    assert kit_quantities([second], {ORDER: {"K1": 2}}) == {}


def test_a_kit_goes_in_the_last_package_holding_its_components() -> None:
    kit_line = line(103, KIT, "K1", ordered=1, delivered=1)
    moves = [
        OdooMove(id=2, product_id=CORK, quantity=4, sale_line=kit_line),
        OdooMove(id=3, product_id=BOX, quantity=1, sale_line=kit_line),
    ]
    move_lines = [
        OdooMoveLine(id=1, move_id=2, quantity=4, package_id=1, package_name="P1"),
        OdooMoveLine(id=2, move_id=3, quantity=1, package_id=2, package_name="P2"),
    ]
    plan = plan_shipment(delivery(moves, move_lines, tracking="T1,T2"), kits={103: 1})
    assert [(p.tracking_number, items(p)) for p in plan.packages] == [("T2", [("K1", 1)])]


def test_nothing_to_confirm_needs_no_carrier() -> None:
    kit_line = line(103, KIT, "K1", ordered=1, delivered=0)
    plan = plan_shipment(
        delivery([OdooMove(id=2, product_id=CORK, quantity=4, sale_line=kit_line)], carrier=None, tracking="")
    )
    assert plan.ok and plan.packages == ()


# ------------------------------------------------------------------------------------------- records


def test_record_counts_what_amazon_has_or_may_have() -> None:
    def package(ref: str, status: ShipmentStatus, qty: int) -> PackageConfirmation:
        return PackageConfirmation(
            reference=ref,
            items=(ShippedItem(order_item_id="K1", quantity=qty),),
            carrier_code="UPS",
            status=status,
        )

    record = ShipmentRecord(
        seller_id="s",
        order_id=ORDER,
        picking_id=1,
        created_at=DONE,
        updated_at=DONE,
        packages=(
            package("101", ShipmentStatus.DONE, 1),
            package("102", ShipmentStatus.SENDING, 2),
            package("103", ShipmentStatus.REFUSED, 4),
        ),
    )
    assert record.confirmed_quantities() == {"K1": 3}
    assert record.is_open and "picking 1" in record.label
