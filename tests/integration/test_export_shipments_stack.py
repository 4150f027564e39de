"""Shipments out (issue 4) on the local stack (moto, SP-API sandbox, Odoo double): the Lambda handler on its
schedule's event, `amazon-odoo run export-shipments`, `amazon-odoo shipments`, and the seller's switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.local.demo import load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.stack import LocalStack, scheduled_event

SELLER = "mugs-us"
JOB = "export_shipments"


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> Iterator[LocalStack]:
    load_demo_sellers(stack, lambda line: None)
    seed_demo_odoo(lambda line: None)
    yield stack


def shipped_order(stack: LocalStack, tracking: str) -> tuple[str, int]:
    """An Amazon order imported with `orders import`, its delivery shipped with UPS in Odoo."""
    order = stack.sandbox.state.seller("A3MUGSUS8ACCPT").build_order(
        [("TEAPOT-WHITE", 1, "39.00")], created=datetime.now(UTC) - timedelta(minutes=30)
    )
    order_id = str(order["orderId"])
    assert main(["orders", "import", order_id, "--seller", SELLER]) == 0
    odoo = compose().odoo
    assert odoo is not None
    [so] = odoo.search_read("sale.order", [("client_order_ref", "=", order_id)], ["id"])
    [picking] = odoo.search_read("stock.picking", [("sale_id", "=", so["id"])], ["id"])
    [carrier] = odoo.create("delivery.carrier", [{"name": "UPS Ground"}])
    odoo.write("stock.picking", [picking["id"]], {"carrier_id": carrier, "carrier_tracking_ref": tracking})
    odoo.call("stock.picking", "button_validate", [picking["id"]], context={"skip_backorder": True})
    return order_id, int(picking["id"])


def test_the_handler_and_the_cli_confirm_a_delivery_once(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order_id, _picking = shipped_order(loaded, "1ZSTACK1")
    result = invoke(JOB, scheduled_event(JOB))
    [run] = result["runs"]
    assert run["seller_id"] == SELLER and run["status"] == "succeeded"
    assert run["counts"]["deliveries_confirmed"] == 1
    [call] = loaded.sandbox.calls("confirmShipment")
    assert call.body["packageDetail"]["trackingNumber"] == "1ZSTACK1" and loaded.sandbox.violations == []

    capsys.readouterr()
    assert main(["run", "export-shipments", "--seller", SELLER]) == 0  # by hand: nothing left to send
    assert "mugs-us export_shipments: succeeded" in capsys.readouterr().out
    assert len(loaded.sandbox.calls("confirmShipment")) == 1

    assert main(["shipments", "--order", order_id]) == 0
    out = capsys.readouterr().out
    assert order_id in out and "done" in out and "confirmed" in out and "1ZSTACK1" in out
    assert main(["shipments"]) == 0
    assert "no shipment confirmation is waiting" in capsys.readouterr().out


def test_the_seller_switch_keeps_the_schedule_away(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    app = compose()
    seller = app.seller(SELLER)
    off = seller.model_copy(
        update={"shipments": seller.shipments.model_copy(update={"auto_update_status": False})}
    )
    app.state.replace_sellers([off])
    try:
        _order_id, _picking = shipped_order(loaded, "1ZSTACK2")
        before = len(loaded.sandbox.calls("confirmShipment"))
        assert app.run_job(JobRequest(job=JOB)) == []  # the schedule: sellers with the switch on only
        assert len(loaded.sandbox.calls("confirmShipment")) == before
        [run] = app.run_job(JobRequest(job=JOB, seller_id=SELLER, trigger="manual"))  # by hand: it runs
        assert run.counts["deliveries_confirmed"] == 1
    finally:
        app.state.replace_sellers([seller])

    assert main(["shipments", "--seller", "nobody"]) == 2
    assert "no seller 'nobody'" in capsys.readouterr().err
