"""The internal work queue's consumer: one message, one unit of work.

``amazon_order`` messages (from the poll and from ORDER_CHANGE) go to :func:`ingest_order`. A retryable
failure is raised (that record alone returns to the queue; after 5 receives it lands in the dead-letter
queue, which alarms); a permanent one is written to the log book with its resolution and acknowledged,
so one bad order never blocks the others. Messages carry order data to Odoo only: what reaches the log
book names orders and SKUs, never buyers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, Disposition, PermanentError
from amazon_odoo.domain.state import LogEntry, LogLevel
from amazon_odoo.ports import OdooGateway, StateStore
from amazon_odoo.services.import_orders import ORDER_MESSAGE
from amazon_odoo.services.ingest_order import ingest_order

JOB = "ingest_order"


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
            return "rejected"
        if not isinstance(message, dict) or message.get("kind") != ORDER_MESSAGE:
            kind = message.get("kind") if isinstance(message, dict) else type(message).__name__
            self._log(
                LogLevel.ERROR,
                "",
                "work message",
                f"unknown work kind {kind!r}",
                "a newer connector version may have queued it; deploy the same version everywhere",
            )
            return "rejected"
        return self._order(message)

    def _order(self, message: dict[str, Any]) -> str:
        seller_id = str(message.get("seller_id") or "")
        order = message.get("order")
        order_id = str(order.get("orderId", "?")) if isinstance(order, dict) else "?"
        record = f"order {order_id}"
        seller = self._seller(seller_id)
        if seller is None or not isinstance(order, dict):
            self._log(
                LogLevel.ERROR,
                seller_id,
                record,
                f"seller {seller_id!r} is not in the sellers file"
                if seller is None
                else "message has no order",
                "load the sellers file; the scheduled import reads the order again within its overlap",
            )
            return "rejected"
        odoo = self._odoo()
        if odoo is None:
            raise PermanentError(
                "Odoo is not configured",
                record="environment",
                resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD_SECRET",
            )
        try:
            result = ingest_order(order, seller, odoo, self._emit(seller_id))
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            self._log(
                LogLevel.ERROR if error.disposition is Disposition.PERMANENT else LogLevel.INFO,
                seller_id,
                error.record or record,
                error.message,
                error.resolution,
            )
            return "failed" if error.disposition is Disposition.PERMANENT else "skipped"
        return str(result.outcome)

    def _emit(self, seller_id: str) -> Callable[..., None]:
        def log(
            message: str, *, level: LogLevel = LogLevel.INFO, record: str = "", resolution: str = ""
        ) -> None:
            self._log(level, seller_id, record, message, resolution)

        return log
