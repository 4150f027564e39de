"""Orders that did not get in by themselves: parked orders retried, and imports by hand (issue 3, items 4-5).

**Parked orders.** An order whose seller SKUs match no Odoo product is parked by the work consumer
(services/work.py): a record with ids and the missing SKUs, never the order. :func:`retry_parked_orders`
asks Odoo once, for every missing SKU of the seller's parked orders together, which are mapped now; only
the orders whose SKUs are all there are read again from Amazon (``getOrder``) and handed on; the others
stay parked with their attempts and last sighting updated. So the retry that ends every scheduled
``import_orders`` run costs one DynamoDB query when nothing is parked, and no Amazon call unless a SKU was
mapped. A person can name orders (``amazon-odoo orders retry ID ...``): those are read again whatever the
SKU check says.

**By hand.** ``amazon-odoo orders import ID`` and ``amazon-odoo run import-orders --from --to`` ingest in
this process (:class:`InlineIngest`, a WorkQueue that ingests at once) so the person sees every outcome.

Nothing here imports the order mapping: the scheduled function's cold start stays small; the consumer
that ingests is handed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, PermanentError
from amazon_odoo.domain.state import LogLevel, ParkedOrder
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore, WorkQueue
from amazon_odoo.services.import_orders import INCLUDED_DATA, ORDER_MESSAGE, order_message
from amazon_odoo.services.jobs import JobContext

if TYPE_CHECKING:
    from amazon_odoo.services.work import Handled

#: parked orders read again per scheduled run at most (getOrder: 0.5/s after a burst of 30); the rest wait
#: for the next run
SCHEDULED_RETRY_LIMIT = 25
QUEUED = "queued"

Deliver = Callable[[dict[str, Any]], str]  # an order's JSON -> what became of it
Progress = Callable[[int, int], None]  # (orders done, orders known so far)


class OrderConsumer(Protocol):
    """What ingests one order here (``services.work.WorkConsumer``)."""

    def handle(self, body: str | Mapping[str, Any]) -> Handled: ...
    def ingest(self, seller_id: str, order: object) -> Handled: ...


@dataclass
class RetryReport:
    """What one retry did for one seller."""

    seller_id: str
    checked: int = 0  # parked orders looked at
    waiting: list[ParkedOrder] = field(default_factory=list)  # SKUs still missing (records refreshed)
    held: list[ParkedOrder] = field(default_factory=list)  # waiting for a person: left alone (not by hand)
    outcomes: dict[str, str] = field(default_factory=dict)  # order id -> what re-reading it gave
    errors: dict[str, str] = field(default_factory=dict)  # order id -> why it could not be read again
    deferred: list[str] = field(default_factory=list)  # ready, left for the next retry (limit, throttling)
    already_queued: list[str] = field(default_factory=list)  # ready, but this run's poll queued them already

    @property
    def retried(self) -> list[str]:
        return list(self.outcomes)


def retry_parked_orders(
    seller: SellerConfig,
    state: StateStore,
    odoo: Callable[[], OdooGateway | None],
    amazon: AmazonGateway,
    deliver: Deliver,
    *,
    order_ids: Sequence[str] = (),
    by_hand: bool = False,
    skip: Collection[str] = (),
    limit: int | None = None,
    now: datetime | None = None,
) -> RetryReport:
    """Read again (and ``deliver``) the seller's parked orders that can get in now.

    Without ``order_ids``: one Odoo lookup of every missing SKU selects the orders whose SKUs are all
    mapped; ``by_hand`` adds the orders held for another reason (no SKU missing: a person fixed something).
    With ``order_ids``: exactly those orders, parked or not, without the SKU check. ``skip``: orders
    already on their way (this run's poll queued them). ``limit``: at most that many ``getOrder`` calls;
    the rest are ``deferred``, as are all the remaining ones when Amazon or Odoo asks to wait (a
    RetryableError stops the loop; what was not read stays parked for the next retry). A permanent
    failure reading one order is noted in ``errors`` (a parked one is then held: no missing SKU, that
    reason, retried by hand only) and the loop goes on."""
    report = RetryReport(seller_id=seller.id)
    parked = {p.order_id: p for p in state.list_parked_orders(seller.id)}
    if order_ids:
        ready = list(dict.fromkeys(order_ids))
        report.checked = sum(1 for order_id in ready if order_id in parked)
    else:
        report.checked = len(parked)
        ready = _select(seller, state, odoo, list(parked.values()), report, by_hand=by_hand, now=now)
    for order_id in ready:
        if order_id in skip:
            report.already_queued.append(order_id)
    ready = [order_id for order_id in ready if order_id not in skip]
    if limit is not None and len(ready) > limit:
        ready, report.deferred = ready[:limit], ready[limit:]
    for n, order_id in enumerate(ready):
        try:
            response = amazon.get_order(order_id, included_data=INCLUDED_DATA)
            order = response.get("order")
            if not isinstance(order, dict):
                raise PermanentError("getOrder answered without an order", record=f"order {order_id}")
            report.outcomes[order_id] = deliver(order)
        except ConnectorError as error:
            if error.retryable:
                report.errors[order_id] = error.message
                report.deferred[:0] = ready[n:]
                break
            report.errors[order_id] = error.message
            if order_id in parked:  # no automatic re-read again: it now waits for a person
                state.park_order(
                    seller.id,
                    order_id,
                    missing_skus=(),
                    marketplace_id=parked[order_id].marketplace_id,
                    reason=f"could not be read again from Amazon: {error.message}",
                    now=now,
                )
    return report


def _select(
    seller: SellerConfig,
    state: StateStore,
    odoo_of: Callable[[], OdooGateway | None],
    parked: list[ParkedOrder],
    report: RetryReport,
    *,
    by_hand: bool,
    now: datetime | None,
) -> list[str]:
    """The parked orders whose SKUs are all mapped now (one Odoo lookup); refresh the others."""
    blocked = [p for p in parked if p.missing_skus]
    report.held = [p for p in parked if not p.missing_skus]
    ready = [p.order_id for p in report.held] if by_hand else []
    if not blocked:
        return ready
    odoo = odoo_of()
    if odoo is None:
        raise PermanentError(
            "Odoo is not configured: parked orders cannot be checked",
            record="environment",
            resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD_SECRET",
        )
    skus = list(dict.fromkeys(sku for p in blocked for sku in p.missing_skus))
    found = odoo.products_by_sku(odoo.company_id(seller.odoo.company), skus)
    for p in blocked:
        still = tuple(sku for sku in p.missing_skus if sku not in found)
        if not still:
            ready.append(p.order_id)
            continue
        reason = p.reason if still == p.missing_skus else _still_missing(p.order_id, still)
        report.waiting.append(
            state.park_order(
                seller.id,
                p.order_id,
                missing_skus=still,
                marketplace_id=p.marketplace_id,
                reason=reason,
                now=now,
            )
        )
    first_seen = {p.order_id: p.first_seen for p in parked}
    return sorted(ready, key=lambda order_id: (first_seen[order_id], order_id))


def _still_missing(order_id: str, skus: Sequence[str]) -> str:
    plural = len(skus) > 1
    return (
        f"SKU{'s' if plural else ''} {', '.join(skus)} of Amazon order {order_id} "
        f"match{'' if plural else 'es'} no Odoo product"
    )


# ------------------------------------------------------------------------------------ delivery


def queue_delivery(queue: WorkQueue, seller_id: str) -> Deliver:
    """Hand each order read again to the work queue (the scheduled retry: the consumer ingests it)."""

    def deliver(order: dict[str, Any]) -> str:
        queue.send(order_message(seller_id, order, "retry"))
        return QUEUED

    return deliver


class RecordingQueue:
    """A WorkQueue that notes the Amazon order ids it passes on (so the retry after a poll does not read
    again an order the poll just queued)."""

    def __init__(self, queue: WorkQueue) -> None:
        self._queue = queue
        self.order_ids: set[str] = set()

    def _note(self, body: Mapping[str, Any]) -> None:
        order = body.get("order")
        if body.get("kind") == ORDER_MESSAGE and isinstance(order, Mapping) and order.get("orderId"):
            self.order_ids.add(str(order["orderId"]))

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None:
        self._note(body)
        self._queue.send(body, group=group, dedup_id=dedup_id)

    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int:
        for body in bodies:
            self._note(body)
        return self._queue.send_batch(bodies)


class InlineIngest:
    """A WorkQueue that ingests every order at once, in this process (recovery by hand).

    ``progress(done, known)`` is called when a page arrives (known grows) and after every order. A
    RetryableError (Odoo down) stops the run: what was done is in ``results``."""

    def __init__(self, consumer: OrderConsumer, progress: Progress | None = None) -> None:
        self._consumer = consumer
        self._progress = progress
        self.results: list[Handled] = []
        self.outcomes: Counter[str] = Counter()
        self.known = 0

    @property
    def done(self) -> int:
        return len(self.results)

    def _tick(self) -> None:
        if self._progress is not None:
            self._progress(self.done, self.known)

    def _record(self, handled: Handled) -> Handled:
        self.results.append(handled)
        self.outcomes[handled.outcome] += 1
        self._tick()
        return handled

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None:
        self.send_batch([body])

    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int:
        self.known += len(bodies)
        self._tick()
        for body in bodies:
            self._record(self._consumer.handle(body))
        return len(bodies)

    def ingest(self, seller_id: str, order: dict[str, Any]) -> Handled:
        self.known += 1
        return self._record(self._consumer.ingest(seller_id, order))

    def delivery(self, seller_id: str) -> Deliver:
        """For :func:`retry_parked_orders`: ingest here, answer the outcome."""
        return lambda order: self.ingest(seller_id, order).outcome


def import_order(seller: SellerConfig, amazon: AmazonGateway, sink: InlineIngest, order_id: str) -> Handled:
    """``amazon-odoo orders import``: read one order with ``getOrder`` and ingest it here."""
    response = amazon.get_order(order_id, included_data=INCLUDED_DATA)
    order = response.get("order")
    if not isinstance(order, dict):
        raise PermanentError(
            "getOrder answered without an order",
            record=f"order {order_id}",
            resolution="check the order id and the seller (--seller)",
        )
    return sink.ingest(seller.id, order)


def summary(outcomes: Mapping[str, int]) -> str:
    """``3 created, 1 parked`` (most frequent first), or ``no orders``."""
    parts = [f"{n} {name}" for name, n in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])) if n]
    return ", ".join(parts) or "no orders"


# ------------------------------------------------------------------------ the scheduled retry


def retry_after_poll(
    ctx: JobContext,
    state: StateStore,
    odoo: Callable[[], OdooGateway | None],
    amazon: AmazonGateway,
    queue: WorkQueue,
    *,
    already_queued: Collection[str] = (),
    limit: int = SCHEDULED_RETRY_LIMIT,
) -> RetryReport | None:
    """The end of every scheduled ``import_orders`` run: parked orders whose SKUs are mapped now go to the
    work queue again. A failure here never fails the poll (it is done): it is written to the log book and
    the next run tries again."""
    try:
        report = retry_parked_orders(
            ctx.seller,
            state,
            odoo,
            amazon,
            queue_delivery(queue, ctx.seller.id),
            skip=already_queued,
            limit=limit,
        )
    except ConnectorError as error:
        ctx.log_error(error)
        return None
    counts = {
        "parked_waiting": len(report.waiting) + len(report.held),
        "parked_requeued": len(report.outcomes),
        "parked_deferred": len(report.deferred),
    }
    for name, value in counts.items():
        if value:
            ctx.counts[name] += value
    if report.outcomes:
        ctx.log(
            f"{len(report.outcomes)} parked order(s) have every SKU mapped now; read again and queued: "
            f"{', '.join(report.outcomes)}",
            record="parked orders",
        )
    for order_id, message in report.errors.items():
        ctx.log(
            f"parked order {order_id} could not be read again: {message}",
            level=LogLevel.WARNING,
            record=f"order {order_id}",
            resolution="the next scheduled import tries again; or run 'amazon-odoo orders retry "
            f"{order_id} --seller {ctx.seller.id}'",
        )
    return report
