"""Issue 3's invariants (DESIGN.md §4), proven through the real Lambda handlers.

Everything runs as on AWS, in-process: ``functions/*/handler.py`` invoked with the SQS events Lambda's event
source mapping builds from messages received on the moto server's queues (what a handler reports as
failed is left on the queue, the rest deleted), DynamoDB in moto, Amazon as the SP-API sandbox (its
ORDER_CHANGE notifications delivered to the events queue, as a subscription's SQS destination does), and
Odoo as the Odoo double, reached over XML-RPC through :class:`OdooWire`, a hop that can drop connections,
lose answers and hold calls at a barrier. Concurrent "Lambda containers" are separate copies of a handler
module run in threads; a redelivery after the visibility timeout is made visible at once instead of
waiting.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import re
import threading
import time
import uuid
import xmlrpc.client
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from amazon_odoo.adapters.aws.queues import SqsWorkQueue
from amazon_odoo.bootstrap import compose
from amazon_odoo.domain.state import LogEntry, LogLevel
from amazon_odoo.local.demo import load_demo_sellers, seed_demo_odoo
from amazon_odoo.local.invoke import LocalLambdaContext, load_handler_module, project_root
from amazon_odoo.local.odoo_double import OdooDouble, serialization_failure
from amazon_odoo.local.sandbox import SellerState, SpApiSandbox
from amazon_odoo.local.stack import LocalStack, scheduled_event, sqs_event
from amazon_odoo.observability import get_logger
from amazon_odoo.settings import apply_environment
from tests.integration.odoo_wire import OdooWire

# ingest_order publishes no metrics of its own yet; Powertools warns about the empty flush
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

SELLER = "mugs-us"
MERCHANT = "A3MUGSUS8ACCPT"
SALE_ORDER_LOAD = ("sale.order", "load")
Handler = Callable[[dict[str, Any]], Any]


# ---------------------------------------------------------------------------------------------- world


class LogLines(logging.Handler):
    """Every log record, formatted as it would reach CloudWatch."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Queue:
    """One SQS queue as Lambda's event source mapping sees it."""

    def __init__(self, stack: LocalStack, url: str) -> None:
        self.sqs = stack.sqs()
        self.url = url
        self.region = stack.settings.aws_region
        self.arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def receive(self, max_messages: int = 10) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=0,
            VisibilityTimeout=120,
            AttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def event(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return sqs_event(list(messages), self.arn, self.region)

    def release(self, messages: Sequence[dict[str, Any]]) -> None:
        """Their visibility timeout runs out now: SQS delivers them again."""
        for message in messages:
            self.sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )

    def settle(self, messages: Sequence[dict[str, Any]], result: Any, *, ack: bool = True) -> set[str]:
        """What Lambda does after the invocation: delete what succeeded, the failed come back. ``ack=False``:
        the invocation died, nothing is deleted. Returns the ids reported as failed."""
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed] if ack else []
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        self.release([m for m in messages if m not in done])
        return failed

    def deliver(self, handler: Handler, max_messages: int = 10) -> Delivery | None:
        messages = self.receive(max_messages)
        if not messages:
            return None
        result = handler(self.event(messages))
        return Delivery(messages, self.settle(messages, result))

    def drain(self, handler: Handler, rounds: int = 20) -> Deliveries:
        done = Deliveries()
        for _ in range(rounds):
            delivery = self.deliver(handler)
            if delivery is None:
                return done
            done.append(delivery)
        raise AssertionError(f"{self.url} still not empty after {rounds} deliveries: {done}")

    def send(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.url, MessageBody=body)


@dataclass
class Delivery:
    messages: list[dict[str, Any]]
    failed: set[str]

    @property
    def ids(self) -> set[str]:
        return {m["MessageId"] for m in self.messages}


class Deliveries(list[Delivery]):
    @property
    def delivered(self) -> int:
        return sum(len(d.messages) - len(d.failed) for d in self)

    @property
    def failed(self) -> int:
        return sum(len(d.failed) for d in self)


@dataclass
class World:
    stack: LocalStack
    wire: OdooWire
    log_lines: list[LogLines] = field(default_factory=list)

    @property
    def sandbox(self) -> SpApiSandbox:
        return self.stack.sandbox

    @property
    def amazon(self) -> SellerState:
        return self.stack.sandbox.state.seller(MERCHANT)

    @property
    def double(self) -> OdooDouble:
        assert self.stack.odoo_double is not None
        return self.stack.odoo_double

    @property
    def events(self) -> Queue:
        return Queue(self.stack, self.stack.settings.events_queue_url or "")

    @property
    def work(self) -> Queue:
        return Queue(self.stack, self.stack.settings.work_queue_url or "")

    def logged(self) -> list[str]:
        return [line for collector in self.log_lines for line in collector.lines]


@pytest.fixture(scope="module")
def world(stack: LocalStack) -> Iterator[World]:
    """The demo seller loaded, Odoo seeded, Odoo behind the wire, the sandbox notifying the events queue,
    and every log record of the module collected."""
    assert stack.odoo_double is not None
    direct = stack.settings.odoo_url or ""
    wire = OdooWire(stack.odoo_double.url).start()
    apply_environment({"ODOO_URL": wire.url})
    compose.cache_clear()
    world = World(stack, wire)

    powertools = get_logger()
    collectors = [
        (logging.getLogger(powertools.name), LogLines(powertools.registered_formatter)),
        (logging.getLogger(), LogLines(logging.Formatter("%(name)s %(levelname)s %(message)s"))),
    ]
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)  # stricter than Lambda's default (WARNING for the root)
    for logger, collector in collectors:
        logger.addHandler(collector)
        world.log_lines.append(collector)

    sandbox = stack.sandbox.state
    seller = sandbox.seller(MERCHANT)
    sandbox.destinations["amazon-odoo-events"] = {
        "destinationId": "amazon-odoo-events",
        "name": "amazon-odoo-events",
        "resource": {"sqs": {"arn": world.events.arn}},
    }
    seller.subscriptions["ORDER_CHANGE"] = {
        "subscriptionId": "orders-subscription",
        "payloadVersion": "1.0",
        "destinationId": "amazon-odoo-events",
    }
    events = world.events
    sandbox.on_notification = lambda destination, message: events.send(json.dumps(message))
    try:
        if compose().state.get_seller(SELLER) is None:
            load_demo_sellers(stack, lambda line: None)
        seed_demo_odoo(lambda line: None)
        yield world
    finally:
        sandbox.on_notification = None
        seller.subscriptions.pop("ORDER_CHANGE", None)
        for logger, collector in collectors:
            logger.removeHandler(collector)
        logging.getLogger().setLevel(root_level)
        wire.stop()
        apply_environment({"ODOO_URL": direct})
        compose.cache_clear()


@pytest.fixture(autouse=True)
def settled(world: World) -> World:
    """Each test starts with Odoo reachable and both queues empty (what earlier tests left is done)."""
    world.wire.reset()
    world.sandbox.reset_rate_limits()
    world.events.drain(handler("amazon_events"))
    world.work.drain(handler("ingest_order"))
    return world


def handler(name: str, *, container: str | None = None) -> Handler:
    """The function's handler as Lambda runs it. ``container``: a separate copy of the module (its own
    batch processor), as a second concurrent Lambda execution environment has."""
    if container is None:
        module = load_handler_module(name)
    else:
        path = project_root() / "functions" / name / "handler.py"
        spec = importlib.util.spec_from_file_location(f"functions.{name}.handler_{container}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

    def run(event: dict[str, Any]) -> Any:
        return module.lambda_handler(event, LocalLambdaContext(function_name=f"amazon-odoo-{name}"))

    return run


def poll(world: World) -> dict[str, Any]:
    result: dict[str, Any] = handler("import_orders")(scheduled_event("import_orders", SELLER))
    return result


# ---------------------------------------------------------------------------------------------- Amazon


def new_order(
    world: World,
    items: Sequence[tuple[str, int, str]] = (("MUG-BLUE-12", 2, "12.99"), ("COASTER-SET-4", 1, "8.50")),
    *,
    shipping: str | None = "4.99",
    buyer: str = "Jane Doe",
    hours_ago: float = 2,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """A new unshipped FBM order at Amazon, inside the poll's window; Amazon sends its ORDER_CHANGE."""
    order = world.amazon.build_order(
        items,
        created=datetime.now(UTC) - timedelta(hours=hours_ago),
        shipping=shipping,
        buyer_name=buyer,
        add=False,
    )
    if edit is not None:
        edit(order)
    stored: dict[str, Any] = world.amazon.add_order(order)
    return stored


def notify_again(world: World, order: dict[str, Any]) -> None:
    """Amazon delivers at least once: the same change again, under a new notification id."""
    world.sandbox.state.emit_order_change(world.amazon, order, "NewOrder")


def last_notification(world: World) -> dict[str, Any]:
    payload: dict[str, Any] = world.sandbox.notifications[-1]["payload"]
    return copy.deepcopy(payload)


# ---------------------------------------------------------------------------------------------- Odoo


def odoo(world: World, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Read Odoo directly (not through the wire), over its XML-RPC API."""
    proxy = xmlrpc.client.ServerProxy(f"{world.double.url}/xmlrpc/2/object", allow_none=True)
    return proxy.execute_kw(
        world.double.db.name, world.double.uid_for("admin"), "admin", model, method, list(args), kwargs
    )


def sale_orders(world: World, order_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = odoo(
        world,
        "sale.order",
        "search_read",
        [("client_order_ref", "=", order_id)],
        fields=["name", "state", "amount_total", "order_line"],
    )
    return found


def assert_imported_once(world: World, order: dict[str, Any]) -> dict[str, Any]:
    """Exactly one confirmed sale order for the Amazon order, bound to one external id, each line once,
    for Amazon's total."""
    order_id = order["orderId"]
    found = sale_orders(world, order_id)
    assert len(found) == 1, f"{order_id}: {len(found)} sale orders in Odoo"
    so = found[0]
    assert so["state"] == "sale", f"{order_id}: {so['state']}"
    bindings = odoo(
        world, "ir.model.data", "search_count", [("model", "=", "sale.order"), ("res_id", "=", so["id"])]
    )
    assert bindings == 1
    lines = odoo(
        world,
        "sale.order.line",
        "search_read",
        [("order_id", "=", so["id"])],
        fields=["product_id", "product_uom_qty"],
    )
    assert len(lines) == len(so["order_line"])
    skus = {
        p["id"]: p["default_code"]
        for p in odoo(
            world,
            "product.product",
            "search_read",
            [("id", "in", [line["product_id"][0] for line in lines])],
            fields=["default_code"],
        )
    }
    by_sku: dict[str, list[float]] = {}
    for line in lines:
        by_sku.setdefault(str(skus[line["product_id"][0]]), []).append(line["product_uom_qty"])
    for item in order["orderItems"]:
        sku = item["product"]["sellerSku"]
        assert by_sku.pop(sku, None) == [item["quantityOrdered"]], f"{order_id}: lines of {sku}"
    breakdowns = {b["type"] for b in order["proceeds"].get("breakdowns", [])}
    assert len(by_sku) == (1 if "SHIPPING" in breakdowns else 0), f"{order_id}: other lines {by_sku}"
    grand_total = Decimal(order["proceeds"]["grandTotal"]["amount"])
    assert Decimal(str(so["amount_total"])).quantize(Decimal("0.01")) == grand_total
    return so


# ---------------------------------------------------------------------------------------------- log book


def log_book() -> list[LogEntry]:
    return compose().state.list_logs(limit=1000)


def entries_since(before: Sequence[LogEntry]) -> list[LogEntry]:
    seen = {e.entry_id for e in before}
    return [e for e in log_book() if e.entry_id not in seen]


def about(entries: Sequence[LogEntry], text: str) -> list[LogEntry]:
    return [e for e in entries if text in f"{e.record_ref} {e.message} {json.dumps(e.details)}"]


# ================================================================================ 1. never doubled


def test_the_same_order_notified_three_times_is_one_sale_order(world: World) -> None:
    order = new_order(world)
    notify_again(world, order)
    notify_again(world, order)
    notes = world.sandbox.notifications[-3:]
    ids = {n["payload"]["NotificationMetadata"]["NotificationId"] for n in notes}
    assert len(ids) == 3 and {
        n["payload"]["Payload"]["OrderChangeNotification"]["AmazonOrderId"] for n in notes
    } == {order["orderId"]}

    events = world.events.drain(handler("amazon_events"))
    assert (events.delivered, events.failed) == (3, 0)
    work = world.work.drain(handler("ingest_order"))
    assert (work.delivered, work.failed) == (3, 0)  # three hand-offs, all acknowledged
    assert_imported_once(world, order)
    assert world.sandbox.violations == []


def test_notification_and_poll_at_the_same_moment(world: World) -> None:
    """amazon_events, import_orders and two ingest_order containers run at once, in threads."""
    orders = [new_order(world), new_order(world)]
    for order in orders:
        notify_again(world, order)
    searches = len(world.sandbox.calls("searchOrders"))

    events_fn = handler("amazon_events", container="events")
    poll_fn = handler("import_orders", container="poll")
    workers = [handler("ingest_order", container=f"worker-{n}") for n in range(2)]
    start = threading.Barrier(4, timeout=30)
    producers_left = [2]
    producers_done = threading.Event()
    lock = threading.Lock()
    errors: list[BaseException] = []
    runs: list[dict[str, Any]] = []
    handled: list[Deliveries] = [Deliveries(), Deliveries()]

    def producer(body: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait()
                body()
            except BaseException as exc:  # reported below: a thread must not swallow a failure
                errors.append(exc)
            finally:
                with lock:
                    producers_left[0] -= 1
                    if producers_left[0] == 0:
                        producers_done.set()

        return run

    def worker(n: int) -> Callable[[], None]:
        queue = world.work

        def run() -> None:
            try:
                start.wait()
                deadline = time.monotonic() + 40
                while time.monotonic() < deadline:
                    delivery = queue.deliver(workers[n], max_messages=1)
                    if delivery is not None:
                        handled[n].append(delivery)
                    elif producers_done.is_set():
                        # empty after both doors are done: whatever another worker still holds, it
                        # finishes (and retries) itself
                        return
                raise AssertionError("worker did not finish")
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [
        threading.Thread(target=producer(lambda: world.events.drain(events_fn).delivered)),
        threading.Thread(
            target=producer(lambda: runs.append(poll_fn(scheduled_event("import_orders", SELLER))))
        ),
        threading.Thread(target=worker(0)),
        threading.Thread(target=worker(1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and errors == []
    assert runs[0]["runs"][0]["status"] == "succeeded" and runs[0]["runs"][0]["counts"]["orders_queued"] >= 2
    assert len(world.sandbox.calls("searchOrders")) == searches + 1
    # every order came in three times (two notifications and the poll), whoever took it
    items = {m["MessageId"]: json.loads(m["Body"]) for d in handled[0] + handled[1] for m in d.messages}
    for order in orders:
        sources = sorted(b["source"] for b in items.values() if b["order"]["orderId"] == order["orderId"])
        assert sources == ["notification", "notification", "poll"]
    assert world.work.receive() == []
    for order in orders:
        assert_imported_once(world, order)


def test_two_workers_loading_the_same_order_at_once(world: World) -> None:
    """The poll's and the notification's work items of one order, in two containers, both past their
    existence probe before either writes (held at the wire). Odoo lets one ``load`` create the order and
    refuses the other with a serialization failure (what PostgreSQL does, ODOO.md §3; the double serialises
    calls, so it is injected): that item is retried and finds the order."""
    order = new_order(world)
    world.events.drain(handler("amazon_events"))
    poll(world)
    ours: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    while batch := world.work.receive():
        for m in batch:
            (ours if json.loads(m["Body"])["order"]["orderId"] == order["orderId"] else others).append(m)
    world.work.release(others)
    assert sorted(json.loads(m["Body"])["source"] for m in ours) == ["notification", "poll"]

    before = log_book()
    loads = world.wire.forwarded[SALE_ORDER_LOAD]
    world.wire.hold(*SALE_ORDER_LOAD, parties=2)
    world.double.inject(*SALE_ORDER_LOAD, serialization_failure())
    containers = [handler("ingest_order", container=f"race-{n}") for n in range(2)]
    results: list[Any] = [None, None]

    def run(n: int) -> None:
        results[n] = containers[n](world.work.event([ours[n]]))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not world.wire.barrier_broken  # both loads were on the wire together
    assert world.wire.forwarded[SALE_ORDER_LOAD] == loads + 2
    failed = [world.work.settle([m], r) for m, r in zip(ours, results, strict=True)]
    assert sorted(len(f) for f in failed) == [0, 1]  # the refused one is back on the queue, not lost

    again = world.work.drain(handler("ingest_order"))
    assert again.failed == 0
    assert_imported_once(world, order)
    assert about(entries_since(before), order["orderId"]) == []  # a retry is not a problem to report


def test_crash_after_the_sale_order_before_the_message_is_deleted(world: World) -> None:
    """ingest_order created and confirmed the sale order, then the Lambda died before SQS deleted the
    message: SQS delivers it again after the visibility timeout, and the second run writes nothing."""
    order = new_order(world)
    world.events.drain(handler("amazon_events"))
    messages = world.work.receive()
    assert [json.loads(m["Body"])["order"]["orderId"] for m in messages] == [order["orderId"]]
    result = handler("ingest_order")(world.work.event(messages))
    assert result == {"batchItemFailures": []}
    assert_imported_once(world, order)
    world.work.settle(messages, result, ack=False)  # died: nothing deleted

    loads = world.wire.forwarded[SALE_ORDER_LOAD]
    again = world.work.drain(handler("ingest_order"))
    assert (again.delivered, again.failed) == (1, 0)
    assert world.wire.forwarded[SALE_ORDER_LOAD] == loads  # found confirmed: not written again
    assert_imported_once(world, order)


def test_odoo_wrote_the_order_but_its_answer_was_lost(world: World) -> None:
    """The sale order ``load`` committed in Odoo, the connection dropped before the answer: the work item
    is retried, and the retry updates the order it finds instead of creating another."""
    order = new_order(world)
    world.events.drain(handler("amazon_events"))
    # sent once: xmlrpc.client alone would send it again on the dropped connection (a second invoice or
    # payment for the workflow's calls); the transport leaves that to the retry, which reads first
    world.wire.drop_responses(*SALE_ORDER_LOAD, times=2)
    first = world.work.deliver(handler("ingest_order"))
    assert first is not None and first.failed == first.ids  # retryable: back on the queue
    assert world.wire.dropped[SALE_ORDER_LOAD] == 1  # one attempt, not two
    world.wire.reset()
    (written,) = sale_orders(world, order["orderId"])  # Odoo has it, unconfirmed
    assert written["state"] == "draft"

    again = world.work.drain(handler("ingest_order"))
    assert (again.delivered, again.failed) == (1, 0)
    so = assert_imported_once(world, order)
    assert so["id"] == written["id"]


class LambdaDied(BaseException):
    """The execution environment vanished (timeout, out of memory): no ``except Exception`` runs."""


def expire_in_progress_records(world: World) -> int:
    """Move every in-progress idempotency record past its expiry (the dead invocation's Lambda timeout)."""
    table = world.stack.settings.idempotency_table
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=world.stack.settings.aws_endpoint_url,
        region_name=world.stack.settings.aws_region,
    )
    past = str(int((datetime.now(UTC) - timedelta(seconds=1)).timestamp() * 1000))
    moved = 0
    for item in dynamodb.scan(TableName=table)["Items"]:
        if item.get("status", {}).get("S") == "INPROGRESS":
            dynamodb.update_item(
                TableName=table,
                Key={"id": item["id"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": past}},
            )
            moved += 1
    return moved


def test_crash_after_the_hand_off_before_the_notification_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """amazon_events queued the order for ingest_order and died before recording the notification as done
    (and before SQS deleted it): the redelivery waits for the dead run's in-progress record to expire, then
    hands the order on again, and the second work item finds the sale order."""
    order = new_order(world)
    send = SqsWorkQueue.send

    def send_then_die(self: SqsWorkQueue, body: Any, **kwargs: Any) -> None:
        send(self, body, **kwargs)
        raise LambdaDied

    monkeypatch.setattr(SqsWorkQueue, "send", send_then_die)
    messages = world.events.receive()
    with pytest.raises(LambdaDied):
        handler("amazon_events")(world.events.event(messages))
    monkeypatch.undo()
    world.events.settle(messages, None, ack=False)

    # delivered again within the dead run's time: another delivery seems to be in progress -> retried later
    early = world.events.deliver(handler("amazon_events"))
    assert early is not None and early.failed == early.ids
    assert expire_in_progress_records(world) == 1
    late = world.events.drain(handler("amazon_events"))
    assert (late.delivered, late.failed) == (1, 0)

    work = world.work.drain(handler("ingest_order"))
    assert (work.delivered, work.failed) == (2, 0)
    assert_imported_once(world, order)


# ================================================================================ 2. Odoo down


def test_odoo_down_acknowledges_nothing_and_everything_comes_in_once_it_is_back(world: World) -> None:
    orders = [new_order(world), new_order(world, (("TEAPOT-WHITE", 1, "34.00"),)), new_order(world)]
    events = world.events.drain(handler("amazon_events"))  # the events door does not need Odoo
    assert (events.delivered, events.failed) == (3, 0)
    before = log_book()

    world.wire.down = True
    for _ in range(2):  # delivered, failed, delivered again after the visibility timeout, failed again
        delivery = world.work.deliver(handler("ingest_order"))
        assert delivery is not None and len(delivery.messages) == 3
        assert delivery.failed == delivery.ids  # every record reported as a batch item failure
    assert world.wire.refused > 0
    assert all(sale_orders(world, o["orderId"]) == [] for o in orders)
    during = entries_since(before)
    claims = [
        e
        for e in during
        if e.level is LogLevel.INFO or re.search(r"\b(created|imported|confirmed)\b", e.message)
    ]
    assert claims == []

    world.wire.down = False
    work = world.work.drain(handler("ingest_order"))
    assert (work.delivered, work.failed) == (3, 0)
    for order in orders:
        assert_imported_once(world, order)
    assert [e for e in entries_since(before) if e.level is LogLevel.ERROR] == []


# ================================================================================ 3. malformed input


def test_a_malformed_notification_is_logged_and_the_rest_of_its_batch_processed(world: World) -> None:
    good = new_order(world)  # its notification is the first message on the queue
    template = last_notification(world)

    def variant(edit: Callable[[dict[str, Any]], None]) -> tuple[str, str]:
        body = copy.deepcopy(template)
        nid = f"malformed-{uuid.uuid4()}"
        body["NotificationMetadata"]["NotificationId"] = nid
        edit(body)
        return nid, json.dumps(body)

    change = "OrderChangeNotification"
    no_order_id = variant(lambda b: b["Payload"][change].pop("AmazonOrderId"))
    number_order_id = variant(lambda b: b["Payload"][change].update(AmazonOrderId=11412345678))
    list_marketplace = variant(
        lambda b: b["Payload"][change]["Summary"].update(MarketplaceId=["ATVPDKIKX0DER"])
    )
    payload_text = variant(lambda b: b.update(Payload="OrderChangeNotification"))
    no_notification_id = variant(lambda b: b["NotificationMetadata"].pop("NotificationId"))
    not_json = "{'NotificationType': 'ORDER_CHANGE'"
    for _, body in (no_order_id, number_order_id, list_marketplace, payload_text, no_notification_id):
        world.events.send(body)
    world.events.send(not_json)
    before = log_book()

    messages = world.events.receive()
    assert len(messages) == 7  # one batch
    message_id = {m["Body"]: m["MessageId"] for m in messages}
    result = handler("amazon_events")(world.events.event(messages))
    assert result == {"batchItemFailures": []}  # the bad ones are acknowledged after logging, not retried
    world.events.settle(messages, result)
    assert world.events.receive() == []

    logged = [e for e in entries_since(before) if e.job == "amazon_events"]
    expected = [  # (what names the record, the field the entry must name)
        (f"notification {no_order_id[0]}", "AmazonOrderId"),
        (f"notification {number_order_id[0]}", "AmazonOrderId"),
        (f"notification {list_marketplace[0]}", "MarketplaceId"),
        (f"notification {payload_text[0]}", "Payload"),
        (message_id[no_notification_id[1]], "NotificationId"),
        (message_id[not_json], "not JSON"),
    ]
    for record, field_name in expected:
        entries = about(logged, record)
        assert len(entries) == 1, f"{record}: {logged}"
        (entry,) = entries
        assert entry.level is LogLevel.ERROR and field_name in entry.message and entry.resolution, entry
    assert len(logged) == len(expected)

    work = world.work.drain(handler("ingest_order"))
    assert (work.delivered, work.failed) == (1, 0)
    assert_imported_once(world, good)


# ================================================================================ 4. personal data


NOT_PERSONAL = {"countrycode", "stateorregion", "postalcode", "addresstype", "buyerpurchaseordernumber"}


def personal_strings(order: dict[str, Any]) -> set[str]:
    """Buyer and recipient values of an Amazon order: names, e-mail, company, address lines, city, phone
    (its digits too). Postal, state and country codes are left out: too short to tell apart from ids."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key.lower() not in NOT_PERSONAL and len(value) >= 4:
            found.add(value)
            if key.lower() == "phone":
                found.add(re.sub(r"\D", "", value))

    walk(order.get("buyer", {}))
    walk(order.get("recipient", {}))
    return found


def every_dynamodb_item(world: World) -> list[tuple[str, dict[str, Any]]]:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=world.stack.settings.aws_endpoint_url,
        region_name=world.stack.settings.aws_region,
    )
    items: list[tuple[str, dict[str, Any]]] = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        for table in page["TableNames"]:
            for scanned in dynamodb.get_paginator("scan").paginate(TableName=table):
                items += [(table, item) for item in scanned["Items"]]
    return items


def test_buyer_data_reaches_odoo_and_nothing_else(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    def personal(order: dict[str, Any]) -> None:
        order["buyer"]["buyerEmail"] = "philippa.quenby.7731@marketplace.amazon.com"
        order["recipient"]["deliveryAddress"].update(
            addressLine1="17 Wistful Vista",
            addressLine2="Flat 9 Rear Annex",
            city="Snohomish",
            phone="+1 425-555-0187",
        )

    def business(order: dict[str, Any]) -> None:
        order["buyer"].update(buyerCompanyName="Brennagh Ceramics LLC", buyerPurchaseOrderNumber="PO-5521")
        order["recipient"]["deliveryAddress"].update(
            name="Octavia Brennagh",
            companyName="Brennagh Ceramics LLC",
            addressLine1="5 Kilnworks Parkway",
            city="Wenatchee",
            phone="(509) 555-0143",
            addressType="COMMERCIAL",
        )

    orders = [
        new_order(world, buyer="Philippa Quenby-Hartwell", edit=personal),
        new_order(world, buyer="Octavia Brennagh", edit=business),
        new_order(world, buyer="Ignatius Wolstenholme", shipping=None, hours_ago=5),
    ]
    unknown_sku = new_order(world, (("GHOST-SKU-77", 1, "9.99"),), buyer="Thaddeus Mirrlees")
    scenario_order = world.amazon.orders["114-5820417-3390021"]  # unshipped: the poll brings it

    world.events.drain(handler("amazon_events"))
    assert poll(world)["runs"][0]["status"] == "succeeded"
    world.work.drain(handler("ingest_order"))
    for order in [*orders, scenario_order]:
        assert_imported_once(world, order)
    # the log book names what to do about the unknown SKU, without the buyer
    assert any("GHOST-SKU-77" in e.message for e in about(log_book(), unknown_sku["orderId"]))

    secrets = set().union(*(personal_strings(o) for o in [*orders, unknown_sku, scenario_order]))
    assert {
        "Philippa Quenby-Hartwell",
        "17 Wistful Vista",
        "+1 425-555-0187",
        "Brennagh Ceramics LLC",
    } <= secrets
    # Odoo is where they belong: the partners hold them
    partners = json.dumps(
        odoo(world, "res.partner", "search_read", [], fields=["name", "street", "email", "phone"])
    )
    assert "Philippa Quenby-Hartwell" in partners and "17 Wistful Vista" in partners

    items = every_dynamodb_item(world)
    tables = {table for table, _ in items}
    assert {world.stack.settings.state_table, world.stack.settings.idempotency_table} <= tables
    leaks = [
        (secret, table, item)
        for table, item in items
        for secret in secrets
        if secret.lower() in json.dumps(item).lower()
    ]
    assert leaks == []

    captured = capsys.readouterr()
    lines = [*world.logged(), *captured.out.splitlines(), *captured.err.splitlines()]
    assert any("job run finished" in line for line in lines)  # the functions' logs were captured
    leaked_lines = [(secret, line) for line in lines for secret in secrets if secret.lower() in line.lower()]
    assert leaked_lines == []
