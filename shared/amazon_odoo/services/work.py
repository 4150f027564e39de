"""The internal work queue's consumer: one message, one unit of work.

``amazon_order`` messages (from the poll, from ORDER_CHANGE and from a retry) go to :func:`ingest_order`.
A retryable failure is raised (that record alone returns to the queue; after 5 receives it lands in the
dead-letter queue, which alarms); a permanent one is written to the log book with its resolution and
acknowledged, so one bad order never blocks the others. Messages carry order data to Odoo only: what
reaches the log book names orders and SKUs, never buyers.

An order whose SKUs match no Odoo product is *parked* (StateStore ``park_order``: ids and SKUs, not the
order): the log book says so once, the scheduled import retries it once the SKUs are mapped
(services/order_recovery.py), and any successful ingest of the order, whatever brought it, unparks it.
A parked order that fails for another permanent reason after its SKUs were mapped stays parked with no
missing SKU and that reason: it waits for a person (``amazon-odoo orders retry``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, Disposition, PermanentError
from amazon_odoo.domain.orders import UnknownSkuError
from amazon_odoo.domain.state import LogEntry, LogLevel
from amazon_odoo.observability import ORDERS_FAILED, ORDERS_IMPORTED, ORDERS_PARKED, count, flush_counts
from amazon_odoo.ports import OdooGateway, StateStore
from amazon_odoo.services.import_orders import ORDER_MESSAGE
from amazon_odoo.services.ingest_order import IngestResult, Outcome, ingest_order

JOB = "ingest_order"

# outcomes besides ingest_order's own (created, updated, unchanged, cancelled, cancel_refused, skipped)
PARKED = "parked"  # unknown SKU: held until the SKU is mapped
FAILED = "failed"  # permanent failure, in the log book
SKIPPED = "skipped"  # not ours (SkipError)
REJECTED = "rejected"  # not a work item this consumer can use


@dataclass(frozen=True)
class Handled:
    """What the consumer did with one work item: ``result`` when ingest_order finished, else ``message``
    (and ``resolution``) say why not. ``missing_skus`` is set when the order was parked."""

    order_id: str
    outcome: str
    result: IngestResult | None = None
    message: str = ""
    resolution: str = ""
    missing_skus: tuple[str, ...] = ()


class WorkConsumer:
    def __init__(self, state: StateStore, odoo: Callable[[], OdooGateway | None]) -> None:
        self._state = state
        self._odoo = odoo
        self._sellers: dict[str, SellerConfig | None] = {}

    def _log(self, level: LogLevel, seller_id: str, record: str, message: str, resolution: str = "") -> None:
        self._state.add_log(
            LogEntry(
                level=level,
                seller_id=seller_id,
                job=JOB,
                record_ref=record,
                message=message,
                resolution=resolution,
            )
        )

    def _seller(self, seller_id: str) -> SellerConfig | None:
        if seller_id not in self._sellers:
            self._sellers[seller_id] = self._state.get_seller(seller_id)
        return self._sellers[seller_id]

    def handle_message(self, body: str | Mapping[str, Any]) -> str:
        """The SQS record handler: the outcome's name (raises RetryableError to leave it on the queue)."""
        return self.handle(body).outcome

    def handle(self, body: str | Mapping[str, Any]) -> Handled:
        try:
            message = json.loads(body) if isinstance(body, str) else dict(body)
        except json.JSONDecodeError as exc:
            self._log(
                LogLevel.ERROR,
                "",
                "work message",
                f"work message is not JSON ({exc.msg})",
                "only the connector writes to the work queue; check who sends this",
            )
            return Handled("?", REJECTED, message="work message is not JSON")
        if not isinstance(message, dict) or message.get("kind") != ORDER_MESSAGE:
            kind = message.get("kind") if isinstance(message, dict) else type(message).__name__
            self._log(
                LogLevel.ERROR,
                "",
                "work message",
                f"unknown work kind {kind!r}",
                "a newer connector version may have queued it; deploy the same version everywhere",
            )
            return Handled("?", REJECTED, message=f"unknown work kind {kind!r}")
        seller_id = str(message.get("seller_id") or "")
        handled = self.ingest(seller_id, message.get("order"))
        metric = {FAILED: ORDERS_FAILED, REJECTED: ORDERS_FAILED, PARKED: ORDERS_PARKED}.get(
            handled.outcome, ORDERS_IMPORTED if handled.outcome == Outcome.CREATED else ""
        )
        if metric and seller_id:  # per seller (issue 9)
            count(metric, seller=seller_id)
            flush_counts()
        return handled

    def ingest(self, seller_id: str, order: object) -> Handled:
        """One Amazon order (Orders API JSON) of one seller into Odoo, with parking and the log book."""
        order_id = str(order.get("orderId", "?")) if isinstance(order, dict) else "?"
        record = f"order {order_id}"
        seller = self._seller(seller_id)
        if seller is None or not isinstance(order, dict):
            message = (
                f"seller {seller_id!r} is not in the sellers file"
                if seller is None
                else "message has no order"
            )
            resolution = (
                "load the sellers file; the scheduled import reads the order again within its overlap"
            )
            self._log(LogLevel.ERROR, seller_id, record, message, resolution)
            return Handled(order_id, REJECTED, message=message, resolution=resolution)
        odoo = self._odoo()
        if odoo is None:
            raise PermanentError(
                "Odoo is not configured",
                record="environment",
                resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD_SECRET",
            )
        try:
            result = ingest_order(order, seller, odoo, self._emit(seller_id))
        except UnknownSkuError as error:
            return self._park(seller_id, error)
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            permanent = error.disposition is Disposition.PERMANENT
            self._log(
                LogLevel.ERROR if permanent else LogLevel.INFO,
                seller_id,
                error.record or record,
                error.message,
                error.resolution,
            )
            if permanent:
                self._hold(seller_id, order_id, error)
            else:
                self._state.unpark_order(seller_id, order_id)
            return Handled(
                order_id, FAILED if permanent else SKIPPED, message=error.message, resolution=error.resolution
            )
        self._state.unpark_order(seller_id, order_id)
        return Handled(order_id, str(result.outcome), result=result, message=result.message)

    def _park(self, seller_id: str, error: UnknownSkuError) -> Handled:
        parked = self._state.park_order(
            seller_id,
            error.order_id,
            missing_skus=error.skus,
            marketplace_id=error.marketplace_id,
            reason=error.message,
        )
        if parked.attempts == 1:  # the log book says it once; later sightings only count on the record
            self._log(
                LogLevel.ERROR,
                seller_id,
                error.record or f"order {error.order_id}",
                error.message,
                error.resolution,
            )
        return Handled(
            error.order_id,
            PARKED,
            message=error.message,
            resolution=error.resolution,
            missing_skus=parked.missing_skus,
        )

    def _hold(self, seller_id: str, order_id: str, error: ConnectorError) -> None:
        """A parked order that now fails for another reason stays parked, waiting for a person."""
        parked = self._state.get_parked_order(seller_id, order_id)
        if parked is not None:
            self._state.park_order(
                seller_id,
                order_id,
                missing_skus=(),
                marketplace_id=parked.marketplace_id,
                reason=error.message,
            )

    def _emit(self, seller_id: str) -> Callable[..., None]:
        def log(
            message: str, *, level: LogLevel = LogLevel.INFO, record: str = "", resolution: str = ""
        ) -> None:
            self._log(level, seller_id, record, message, resolution)

        return log
