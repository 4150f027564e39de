"""Shipments out (issue 4) end to end: Amazon is the SP-API sandbox (it validates every request against
ordersV0.json and records the packages), Odoo the Odoo double over XML-RPC, the state DynamoDB on moto.

Orders reach Odoo the way production brings them (getOrder, then ``ingest_order``); deliveries are shipped
in Odoo as a person would (quantities, packages, carrier, tracking, validate); then the job runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.aws.clients import AwsTarget, dynamodb_client
from amazon_odoo.adapters.aws.state import DynamoStateStore
from amazon_odoo.adapters.odoo import OdooGateway, make_transport
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.shipments import Outcome, ShipmentRecord, ShipmentStatus
from amazon_odoo.domain.state import JobRun, LogLevel
from amazon_odoo.local.aws import create_state_table, start_moto_server
from amazon_odoo.local.demo import DEMO_SKUS
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.services.export_shipments import JOB, export_shipments
from amazon_odoo.services.import_orders import INCLUDED_DATA
from amazon_odoo.services.ingest_order import ingest_order
from amazon_odoo.services.jobs import run_job
from amazon_odoo.settings import OdooProtocol
from tests.integration.shipment_fixtures import SELLER, seller_gateway

MUG, RED, COASTERS, TEAPOT = "MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE"


class World:
    """The sandbox, Odoo, the state store and the seller, with what a test does to them."""

    def __init__(
        self, sandbox: SpApiSandbox, amazon: SpApiGateway, odoo: OdooGateway, state: Any, seller: SellerConfig
    ) -> None:
        self.sandbox, self.amazon, self.odoo, self.state, self.seller = sandbox, amazon, odoo, state, seller
        self.now = datetime.now(UTC)
        self._carriers: dict[str, int] = {}

    # -- Amazon and Odoo
    def order(self, items: list[tuple[str, int]], *, status: str = "UNSHIPPED") -> tuple[str, int]:
        """A new Amazon order, imported into Odoo: (Amazon order id, sale order id)."""
        built = self.sandbox.state.seller().build_order(
            [(sku, qty, "12.50") for sku, qty in items], status=status
        )
        answer = self.amazon.get_order(str(built["orderId"]), INCLUDED_DATA)
        result = ingest_order(answer["order"], self.seller, self.odoo)
        assert result.sale_order_id is not None, result
        return str(built["orderId"]), result.sale_order_id

    def open_picking(self, so: int) -> int:
        [picking] = self.odoo.search_read(
            "stock.picking", [("sale_id", "=", so), ("state", "not in", ["done", "cancel"])], ["id"]
        )
        return int(picking["id"])

    def carrier(self, name: str) -> int:
        if name not in self._carriers:
            self._carriers[name] = self.odoo.create("delivery.carrier", [{"name": name}])[0]
        return self._carriers[name]

    def ship(
        self,
        picking: int,
        quantities: Mapping[str, float],
        *,
        tracking: str = "",
        carrier: str | None = "UPS Ground",
        packages: Mapping[str, list[str]] | None = None,
    ) -> None:
        """Ship ``quantities`` (SKU -> quantity; a product left out ships nothing), ``packages`` (package name
        -> SKUs in it), then validate (backorder for the rest)."""
        moves = self.odoo.search_read("stock.move", [("picking_id", "=", picking)], ["product_id"])
        skus = {
            int(p["id"]): str(p["default_code"])
            for p in self.odoo.read("product.product", [m["product_id"][0] for m in moves], ["default_code"])
        }
        by_sku: dict[str, int] = {}
        for move in moves:
            sku = skus[move["product_id"][0]]
            by_sku[sku] = move["id"]
            self.odoo.write("stock.move", [move["id"]], {"quantity": quantities.get(sku, 0), "picked": True})
        for name, in_it in (packages or {}).items():
            [package] = self.odoo.create("stock.quant.package", [{"name": name}])
            lines = self.odoo.search_read(
                "stock.move.line", [("move_id", "in", [by_sku[s] for s in in_it])], ["id"]
            )
            self.odoo.write("stock.move.line", [line["id"] for line in lines], {"result_package_id": package})
        vals: dict[str, Any] = {"carrier_tracking_ref": tracking or False}
        if carrier:
            vals["carrier_id"] = self.carrier(carrier)
        self.odoo.write("stock.picking", [picking], vals)
        self.odoo.call("stock.picking", "button_validate", [picking], context={"skip_backorder": True})

    # -- the job
    def run(self, *, later: timedelta = timedelta(0)) -> JobRun:
        now = self.now + later
        return run_job(
            self.state,
            self.seller,
            JOB,
            lambda ctx: export_shipments(ctx, self.odoo, self.amazon, self.state, now),
        )

    def confirmations(self) -> list[dict[str, Any]]:
        return [call.body for call in self.sandbox.calls("confirmShipment")]

    def packages_at_amazon(self, order_id: str) -> list[dict[str, Any]]:
        return list(self.sandbox.state.seller().orders[order_id].get("packages", []))

    def record(self, order_id: str, picking: int) -> ShipmentRecord:
        return self.state.get_shipments(SELLER, [(order_id, picking)])[picking]

    def notes(self, picking: int) -> list[str]:
        rows = self.odoo.search_read(
            "mail.message", [("model", "=", "stock.picking"), ("res_id", "=", picking)], ["body"]
        )
        return [str(r["body"]) for r in rows]

    def logs(self, level: LogLevel | None = None) -> list[str]:
        return [e.message for e in self.state.list_logs(SELLER, job=JOB, level=level)]

    def items(self, body: Mapping[str, Any]) -> list[tuple[str, int]]:
        return [(i["orderItemId"], i["quantity"]) for i in body["packageDetail"]["orderItems"]]

    def item_id(self, order_id: str, sku: str) -> str:
        order = self.sandbox.state.seller().orders[order_id]
        return next(str(i["orderItemId"]) for i in order["orderItems"] if i["product"]["sellerSku"] == sku)


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsTarget]:
    handle = start_moto_server()
    try:
        yield handle.target()
    finally:
        handle.stop()


@pytest.fixture
def odoo_double() -> Iterator[OdooDouble]:
    double = OdooDouble(db="amazon", users={"admin": "admin"}, company="Blue Mug Co.").start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def odoo(odoo_double: OdooDouble) -> OdooGateway:
    gateway = OdooGateway(
        make_transport(OdooProtocol.XMLRPC, odoo_double.url, "amazon", "admin", "admin", timeout=30)
    )
    gateway.create(
        "product.product", [{"name": name, "default_code": sku} for sku, name in DEMO_SKUS.items()]
    )
    usd = gateway.search_read("res.currency", [("name", "=", "USD")], ["id"])[0]["id"]
    gateway.create("product.pricelist", [{"name": "Amazon.com (USD)", "currency_id": usd}])
    gateway.create("crm.team", [{"name": "Amazon US"}])
    return gateway


@pytest.fixture
def amazon_gateway(sandbox: SpApiSandbox) -> SpApiGateway:
    return seller_gateway(sandbox)


@pytest.fixture
def world(
    sandbox: SpApiSandbox,
    amazon_gateway: SpApiGateway,
    odoo: OdooGateway,
    aws: AwsTarget,
    seller: SellerConfig,
) -> World:
    table = f"state-{uuid.uuid4().hex[:10]}"
    create_state_table(dynamodb_client(aws), table)
    state = DynamoStateStore(table, dynamodb_client(aws))
    state.replace_sellers([seller])
    lean = seller.model_copy(
        update={"workflow": seller.workflow.model_copy(update={"create_invoice": False})}
    )
    return World(sandbox, amazon_gateway, odoo, state, lean)


def test_a_full_delivery_is_confirmed_once_with_note_and_log(world: World) -> None:
    order_id, so = world.order([(MUG, 1), (COASTERS, 2)])
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 1, COASTERS: 2}, tracking="1Z999AA10123456784")
    odoo_calls = world.odoo.calls

    run = world.run()
    assert run.counts["deliveries_confirmed"] == 1 and run.counts["packages_confirmed"] == 1, run.counts
    [body] = world.confirmations()
    detail = body["packageDetail"]
    assert body["marketplaceId"] == "ATVPDKIKX0DER"
    assert (detail["carrierCode"], detail["shippingMethod"], detail["trackingNumber"]) == (
        "UPS",
        "UPS Ground",
        "1Z999AA10123456784",
    )
    assert detail["packageReferenceId"] == str(picking * 100 + 1)
    assert sorted(world.items(body)) == sorted(
        [(world.item_id(order_id, MUG), 1), (world.item_id(order_id, COASTERS), 2)]
    )
    assert world.sandbox.state.seller().orders[order_id]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert world.sandbox.violations == [] and not world.sandbox.calls("getOrder")[1:]  # ingest's only
    assert (
        world.odoo.calls - odoo_calls <= 2 + 3 + 1 + 1
    )  # deliveries, ids; cold company (3), note (+subtype)
    record = world.record(order_id, picking)
    assert (
        record.status is ShipmentStatus.DONE and record.outcome is Outcome.CONFIRMED and record.attempts == 1
    )
    assert any(
        "Shipment confirmed at Amazon" in n and "1Z999AA10123456784" in n for n in world.notes(picking)
    )
    assert any(order_id in m and "confirmed" in m for m in world.logs(LogLevel.INFO))

    again = world.run(later=timedelta(minutes=15))  # re-running sends nothing
    assert len(world.confirmations()) == 1 and again.counts["done_before"] == 1
    assert again.counts.get("deliveries_confirmed", 0) == 0


def test_a_partial_delivery_then_its_backorder(world: World) -> None:
    order_id, so = world.order([(MUG, 3), (COASTERS, 1)])
    first = world.open_picking(so)
    world.ship(first, {MUG: 2, COASTERS: 1}, tracking="1ZPART1")
    world.run()
    assert [sorted(world.items(b)) for b in world.confirmations()] == [
        sorted([(world.item_id(order_id, MUG), 2), (world.item_id(order_id, COASTERS), 1)])
    ]
    assert (
        world.sandbox.state.seller().orders[order_id]["fulfillment"]["fulfillmentStatus"]
        == "PARTIALLY_SHIPPED"
    )

    backorder = world.open_picking(so)
    world.ship(backorder, {MUG: 1}, tracking="1ZPART2")
    run = world.run(later=timedelta(minutes=15))
    assert run.counts["deliveries_confirmed"] == 1 and run.counts["done_before"] == 1
    last = world.confirmations()[-1]
    assert world.items(last) == [(world.item_id(order_id, MUG), 1)]
    assert last["packageDetail"]["trackingNumber"] == "1ZPART2"
    assert world.sandbox.state.seller().orders[order_id]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert world.sandbox.violations == []


def test_two_packages_two_confirmations_with_their_tracking(world: World) -> None:
    order_id, so = world.order([(MUG, 1), (TEAPOT, 1)])
    picking = world.open_picking(so)
    world.ship(
        picking,
        {MUG: 1, TEAPOT: 1},
        tracking="1ZBOX1,1ZBOX2",
        carrier="FedEx Ground",
        packages={"PACK-A": [MUG], "PACK-B": [TEAPOT]},
    )
    run = world.run()
    assert run.counts["packages_confirmed"] == 2 and run.counts["deliveries_confirmed"] == 1
    sent = [(b["packageDetail"]["trackingNumber"], world.items(b)) for b in world.confirmations()]
    assert sent == [
        ("1ZBOX1", [(world.item_id(order_id, MUG), 1)]),
        ("1ZBOX2", [(world.item_id(order_id, TEAPOT), 1)]),
    ]
    assert {b["packageDetail"]["carrierCode"] for b in world.confirmations()} == {"FedEx"}
    assert [p["trackingNumber"] for p in world.packages_at_amazon(order_id)] == ["1ZBOX1", "1ZBOX2"]
    [note] = [n for n in world.notes(picking) if "Shipment confirmed" in n]
    assert "[PACK-A]" in note and "[PACK-B]" in note


class CrashAfterCall:
    """A state store whose save after a successful confirmShipment dies (the Lambda is killed)."""

    def __init__(self, state: Any) -> None:
        self._state = state
        self.crashed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    def save_shipment(self, record: ShipmentRecord) -> ShipmentRecord:
        if not self.crashed and any(p.status is ShipmentStatus.DONE for p in record.packages):
            self.crashed = True
            raise SystemExit("Lambda killed between the call and the record")  # not an Exception
        result: ShipmentRecord = self._state.save_shipment(record)
        return result

    def release_lease(self, key: str, owner: str) -> None:
        if not self.crashed:  # a killed Lambda runs no ``finally``: its lease stays until it expires
            self._state.release_lease(key, owner)


def test_a_crash_between_call_and_record_never_sends_twice(world: World) -> None:
    order_id, so = world.order([(MUG, 2)])
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 2}, tracking="1ZCRASH")
    healthy = world.state
    world.state = CrashAfterCall(healthy)
    with pytest.raises(SystemExit):
        world.run()
    world.state = healthy
    assert len(world.confirmations()) == 1 and len(world.packages_at_amazon(order_id)) == 1
    assert world.record(order_id, picking).status is ShipmentStatus.SENDING

    busy = world.run(later=timedelta(minutes=5))  # the dead run's lease still holds
    assert busy.counts == {"busy": 1} and len(world.confirmations()) == 1

    orders_before = len(world.sandbox.calls("getOrder"))
    run = world.run(later=timedelta(minutes=20))  # lease expired: look at Amazon, do not send
    assert len(world.confirmations()) == 1, "confirmed twice"
    assert len(world.sandbox.calls("getOrder")) == orders_before + 1
    assert run.counts["resolved"] == 1 and run.counts["deliveries_confirmed"] == 1
    assert world.record(order_id, picking).status is ShipmentStatus.DONE
    assert world.sandbox.violations == []


class DiesBeforeCall:
    """An Amazon gateway whose first confirmShipment never leaves (the Lambda dies after the record)."""

    def __init__(self, amazon: SpApiGateway) -> None:
        self._amazon = amazon
        self.died = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._amazon, name)

    def confirm_shipment(self, *args: Any) -> None:
        if not self.died:
            self.died = True
            raise SystemExit("Lambda killed before the call")
        self._amazon.confirm_shipment(*args)


def test_a_crash_before_the_call_or_a_lost_answer_sends_once_after_looking(world: World) -> None:
    order_id, so = world.order([(MUG, 1)])
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 1}, tracking="1ZDIED")
    real = world.amazon
    world.amazon = DiesBeforeCall(real)  # type: ignore[assignment]
    with pytest.raises(SystemExit):
        world.run()
    world.amazon = real
    assert world.record(order_id, picking).status is ShipmentStatus.SENDING and not world.confirmations()
    run = world.run(later=timedelta(minutes=20))
    assert run.counts["resolved"] == 1 and len(world.confirmations()) == 1
    assert world.record(order_id, picking).status is ShipmentStatus.DONE

    # Amazon's answer lost (a 503): uncertain, nothing resent until the order is looked at
    other, so2 = world.order([(TEAPOT, 1)])
    picking2 = world.open_picking(so2)
    world.ship(picking2, {TEAPOT: 1}, tracking="1ZLOST")
    world.sandbox.inject("confirmShipment", 503)
    lost = world.run(later=timedelta(minutes=40))
    assert lost.counts["uncertain"] == 1 and world.record(other, picking2).status is ShipmentStatus.SENDING
    assert len(world.sandbox.calls("confirmShipment")) == 2  # no blind retry
    world.run(later=timedelta(minutes=55))
    assert world.record(other, picking2).status is ShipmentStatus.DONE
    assert [p["trackingNumber"] for p in world.packages_at_amazon(other)] == ["1ZLOST"]


def test_a_refusal_is_logged_noted_and_retried_once_fixed(world: World) -> None:
    order_id, so = world.order([(MUG, 1)], status="PENDING")
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 1}, tracking="1ZREF")
    run = world.run()
    assert run.counts["refused"] == 1 and run.status.value == "partial"
    record = world.record(order_id, picking)
    assert record.status is ShipmentStatus.REFUSED and "pending and cannot be shipped" in record.message
    [error] = world.logs(LogLevel.ERROR)
    assert "pending and cannot be shipped" in error
    assert any("Amazon refused" in n for n in world.notes(picking))

    world.run(later=timedelta(hours=1))  # unchanged: not sent again so soon
    assert len(world.confirmations()) == 1
    world.sandbox.state.seller().set_order_status(order_id, "UNSHIPPED")  # Amazon's side is ready now
    retried = world.run(later=timedelta(hours=7))
    assert retried.counts["deliveries_confirmed"] == 1 and len(world.confirmations()) == 2
    assert world.record(order_id, picking).status is ShipmentStatus.DONE


def test_bad_input_sends_nothing_says_what_to_fix_and_goes_once_fixed(world: World) -> None:
    _order_id, so = world.order([(MUG, 1)])
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 1}, tracking="")  # UPS without tracking
    orders_before = len(world.sandbox.calls("getOrder"))
    run = world.run()
    assert run.counts["invalid"] == 1 and not world.confirmations()
    assert len(world.sandbox.calls("getOrder")) == orders_before + 1  # is it shipped at Amazon? no
    [warning] = world.logs(LogLevel.WARNING)
    assert "no tracking reference" in warning
    assert "enter the tracking reference" in world.state.list_logs(SELLER, job=JOB)[0].resolution

    quiet = world.run(later=timedelta(minutes=15))  # unchanged: no call, no new log line
    assert quiet.counts["waiting_for_fix"] == 1 and len(world.sandbox.calls("getOrder")) == orders_before + 1
    assert len(world.logs(LogLevel.WARNING)) == 1

    world.odoo.write("stock.picking", [picking], {"carrier_tracking_ref": "1ZFIXED"})
    fixed = world.run(later=timedelta(minutes=30))
    assert fixed.counts["deliveries_confirmed"] == 1
    assert world.confirmations()[0]["packageDetail"]["trackingNumber"] == "1ZFIXED"


def test_orders_imported_shipped_are_not_confirmed_again(world: World) -> None:
    order_id, so = world.order([(RED, 1)], status="SHIPPED")  # ingest validates the delivery itself
    [done] = world.odoo.search_read("stock.picking", [("sale_id", "=", so)], ["state", "carrier_id"])
    assert done["state"] == "done" and not done["carrier_id"]
    run = world.run()
    assert run.counts["shipped_at_amazon"] == 1 and not world.confirmations()
    assert world.record(order_id, done["id"]).outcome is Outcome.SHIPPED_AT_AMAZON
    assert world.run(later=timedelta(minutes=15)).counts["done_before"] == 1


def test_amazon_saying_already_shipped_counts_as_done(world: World) -> None:
    order_id, so = world.order([(MUG, 1)])
    picking = world.open_picking(so)
    world.ship(picking, {MUG: 1}, tracking="1ZSC")
    seller = world.sandbox.state.seller()  # the seller confirmed it in Seller Central meanwhile
    item = seller.orders[order_id]["orderItems"][0]
    item.setdefault("fulfillment", {})["quantityFulfilled"] = 1
    run = world.run()
    assert run.counts["already_shipped"] == 1 and run.counts["packages_already_shipped"] == 1
    record = world.record(order_id, picking)
    assert record.status is ShipmentStatus.DONE and record.outcome is Outcome.ALREADY_SHIPPED
    assert not world.logs(LogLevel.ERROR)


def test_a_kit_is_confirmed_when_all_its_components_have_shipped(world: World) -> None:
    """COASTER-SET-4 is a kit (phantom BoM): 4 cork coasters and a box per set."""
    cork, box = world.odoo.create(
        "product.product",
        [{"name": "Cork coaster", "default_code": "CORK"}, {"name": "Gift box", "default_code": "BOX"}],
    )
    [kit] = world.odoo.search_read("product.product", [("default_code", "=", COASTERS)], ["id"])
    world.odoo.create(
        "mrp.bom",
        [
            {
                "product_id": kit["id"],
                "type": "phantom",
                "bom_line_ids": [
                    (0, 0, {"product_id": cork, "product_qty": 4}),
                    (0, 0, {"product_id": box, "product_qty": 1}),
                ],
            }
        ],
    )
    order_id, so = world.order([(MUG, 1), (COASTERS, 2)])
    first = world.open_picking(so)
    world.ship(first, {MUG: 1, "CORK": 8, "BOX": 1}, tracking="1ZKIT1")  # one box short: one set complete
    world.run()
    assert sorted(world.items(world.confirmations()[0])) == sorted(
        [(world.item_id(order_id, MUG), 1), (world.item_id(order_id, COASTERS), 1)]
    )
    second = world.open_picking(so)
    world.ship(second, {"BOX": 1}, tracking="1ZKIT2")
    world.run(later=timedelta(minutes=15))
    assert world.items(world.confirmations()[1]) == [(world.item_id(order_id, COASTERS), 1)]
    assert world.sandbox.state.seller().orders[order_id]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert world.sandbox.violations == []


def test_many_deliveries_cost_a_constant_number_of_odoo_calls(world: World) -> None:
    pickings = []
    for n in range(6):
        _order, so = world.order([(MUG, 1)])
        picking = world.open_picking(so)
        world.ship(picking, {MUG: 1}, tracking=f"1ZMANY{n}")
        pickings.append(picking)
    world.run()  # warms the process caches (company, note subtype)
    for n in range(6):
        _order, so = world.order([(TEAPOT, 1)])
        world.ship(world.open_picking(so), {TEAPOT: 1}, tracking=f"1ZMORE{n}")
    calls = world.odoo.calls
    run = world.run(later=timedelta(minutes=15))
    assert run.counts["deliveries_confirmed"] == 6 and run.counts["done_before"] == 6
    assert world.odoo.calls - calls == 3  # deliveries + their Amazon ids + the notes
