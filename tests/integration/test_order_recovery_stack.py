"""Orders by hand on the local stack (moto, SP-API sandbox, Odoo double), through the CLI in-process:
an unknown SKU parks its order, mapping the SKU and `orders retry` imports it; `orders import ID`;
`run import-orders --from --to` (in-process, and with --queue)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.local.demo import load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.sandbox.state import SellerState
from amazon_odoo.local.stack import LocalStack, drain_queue
from amazon_odoo.services.import_orders import JOB

SELLER = "mugs-us"


def unpark_all() -> None:
    state = compose().state
    for parked in state.list_parked_orders(SELLER):
        state.unpark_order(SELLER, parked.order_id)


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> Iterator[LocalStack]:
    load_demo_sellers(stack, lambda line: None)
    seed_demo_odoo(lambda line: None)
    # moto keeps its data for the whole test process: start from no parked order and empty queues
    unpark_all()
    for url in (stack.settings.work_queue_url, stack.settings.events_queue_url):
        stack.sqs().purge_queue(QueueUrl=url)
    yield stack
    unpark_all()  # and leave none to the modules after this one


def amazon_seller(stack: LocalStack) -> SellerState:
    return stack.sandbox.state.seller("A3MUGSUS8ACCPT")


def sale_orders(order_id: str) -> list[dict[str, Any]]:
    odoo = compose().odoo
    assert odoo is not None
    return odoo.search_read("sale.order", [("client_order_ref", "=", order_id)], ["name", "state"])


def poll_and_ingest(stack: LocalStack) -> dict[str, int]:
    """One scheduled import_orders run (poll + parked retry), then the work queue drained as Lambda would."""
    compose().run_job(JobRequest(job=JOB, seller_id=SELLER))
    return drain_queue(stack, stack.settings.work_queue_url or "", "ingest_order")


def test_unknown_sku_is_parked_then_retried_once_mapped(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order = amazon_seller(loaded).build_order(
        [("MUG-GREEN-12", 2, "14.50"), ("COASTER-SET-4", 1, "9.99")],
        created=datetime.now(UTC) - timedelta(hours=1),
        buyer_name="Robin Parker",
    )
    order_id = str(order["orderId"])
    totals = poll_and_ingest(loaded)
    assert totals["failed"] == 0 and sale_orders(order_id) == []
    state = compose().state
    parked = state.get_parked_order(SELLER, order_id)
    assert parked is not None and parked.missing_skus == ("MUG-GREEN-12",)
    assert parked.marketplace_id == "ATVPDKIKX0DER" and parked.attempts == 1
    assert "Robin" not in parked.model_dump_json() and "98101" not in parked.model_dump_json()

    assert main(["orders", "parked", "--seller", SELLER]) == 0
    out = capsys.readouterr().out
    assert order_id in out and "MUG-GREEN-12" in out and "ATVPDKIKX0DER" in out and "attempts" in out

    # the next scheduled run checks the SKU with Odoo and, still missing, does not ask Amazon
    reads = len(loaded.sandbox.calls("getOrder"))
    poll_and_ingest(loaded)
    assert len(loaded.sandbox.calls("getOrder")) == reads
    again = state.get_parked_order(SELLER, order_id)
    assert again is not None and again.attempts >= 2 and again.first_seen == parked.first_seen

    odoo = compose().odoo
    assert odoo is not None
    odoo.create("product.product", [{"name": "Stoneware Mug 12 oz, Green", "default_code": "MUG-GREEN-12"}])
    assert main(["orders", "retry", "--seller", SELLER]) == 0
    out = capsys.readouterr().out
    (created,) = sale_orders(order_id)
    assert f"{order_id}: created {created['name']}" in out and "Odoo call" in out
    assert "1 parked order(s) checked; read again: 1 created; still parked: 0" in out
    assert created["state"] == "sale"
    assert len(loaded.sandbox.calls("getOrder")) == reads + 1  # one read, of the order now importable
    assert state.get_parked_order(SELLER, order_id) is None
    assert main(["orders", "parked"]) == 0 and "no parked orders" in capsys.readouterr().out
    assert loaded.sandbox.violations == []


def test_orders_import_reads_one_order_and_imports_it_here(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    order = amazon_seller(loaded).build_order(
        [("TEAPOT-WHITE", 1, "39.00")], created=datetime.now(UTC) - timedelta(minutes=30)
    )
    order_id = str(order["orderId"])
    assert main(["orders", "import", order_id, "--seller", SELLER]) == 0
    (created,) = sale_orders(order_id)
    out = capsys.readouterr().out
    assert f"{order_id}: created {created['name']} (" in out and "Odoo calls)" in out
    assert main(["orders", "import", order_id]) == 0  # one seller loaded: --seller may be left out
    assert f"{order_id}: unchanged {created['name']}" in capsys.readouterr().out
    assert len(sale_orders(order_id)) == 1

    assert main(["orders", "import", "114-0000000-0000404", "--seller", SELLER]) == 2
    assert capsys.readouterr().err.startswith("error: [order 114-0000000-0000404]")


def test_run_import_orders_over_a_window_by_hand(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    seller = amazon_seller(loaded)
    now = datetime.now(UTC).replace(microsecond=0)
    inside = [
        seller.build_order([("MUG-RED-12", 1, "12.00")], created=now - timedelta(days=10, hours=n))
        for n in range(2)
    ]
    unknown = seller.build_order([("SAUCER-9", 1, "5.00")], created=now - timedelta(days=9, hours=12))
    outside = seller.build_order([("MUG-RED-12", 1, "12.00")], created=now - timedelta(days=20))
    state = compose().state
    cursor = state.get_checkpoint(SELLER, JOB)
    since, until = (
        (now - timedelta(days=11)).isoformat(),
        (now - timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
    )

    code = main(["run", "import-orders", "--seller", SELLER, "--from", since, "--to", until])
    out = capsys.readouterr().out
    assert code == 1  # one order did not get in: said, and the exit code tells a script
    for order in inside:
        assert len(sale_orders(str(order["orderId"]))) == 1
    assert sale_orders(str(outside["orderId"])) == []
    assert f"{unknown['orderId']}: parked: SKU SAUCER-9" in out and "what to do:" in out
    assert "3 read: 2 created, 1 parked" in out and "mugs-us import_orders: succeeded" in out
    assert state.get_checkpoint(SELLER, JOB) == cursor  # a window by hand leaves the cursor alone
    assert state.get_parked_order(SELLER, str(unknown["orderId"])) is not None

    # --queue: the same window handed to the work queue instead
    assert main(["run", "import-orders", "--seller", SELLER, "--from", since, "--to", until, "--queue"]) == 0
    assert "orders_queued=3" in capsys.readouterr().out
    sqs, url = loaded.sqs(), loaded.settings.work_queue_url
    bodies: list[dict[str, Any]] = []
    while received := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in received]
        for m in received:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    window_ids = {str(o["orderId"]) for o in [*inside, unknown]}
    assert {b["order"]["orderId"] for b in bodies} == window_ids
    assert {b["source"] for b in bodies} == {"manual"} and len(bodies) == 3
    assert state.get_checkpoint(SELLER, JOB) == cursor
    assert loaded.sandbox.violations == []
