"""Route SP-API notifications to the service that owns their type.

Issue-by-issue the connector registers handlers here (ORDER_CHANGE → order ingestion,
FEED_PROCESSING_FINISHED → feed tracking, REPORT_PROCESSING_FINISHED → settlements and listings reports).
A type nobody handles is written to the log book and acknowledged; a notification for a merchant the
sellers file does not know is kept in the log book with what to do (the scheduled import catches up once
the seller is loaded). Deduplication on the notification id happens around :meth:`NotificationRouter.handle`
(Powertools idempotency in the function), so a handler sees each notification once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, Disposition, PermanentError
from amazon_odoo.domain.notifications import Notification, parse_notification
from amazon_odoo.domain.state import LogEntry, LogLevel
from amazon_odoo.observability import MetricUnit, get_metrics
from amazon_odoo.ports import StateStore

NotificationHandler = Callable[[Notification, SellerConfig], str]
Handle = Callable[[Notification], str]
Once = Callable[[Handle], Handle]  # deduplication on the notification id (Powertools idempotency in AWS)


class Outcome(StrEnum):
    HANDLED = "handled"
    IGNORED_TYPE = "ignored-type"
    UNKNOWN_SELLER = "unknown-seller"
    FAILED = "failed"
    REJECTED = "rejected"


class NotificationRouter:
    def __init__(
        self, state: StateStore, handlers: Mapping[str, NotificationHandler], *, once: Once | None = None
    ) -> None:
        self._state = state
        self._handle_once = once(self.handle) if once else self.handle
        self._handlers = {key.upper(): value for key, value in handlers.items()}
        self._sellers: dict[str, SellerConfig] | None = None

    @property
    def types(self) -> list[str]:
        return sorted(self._handlers)

    def _seller_for(self, merchant_id: str) -> SellerConfig | None:
        if self._sellers is None:
            self._sellers = {s.merchant_id: s for s in self._state.list_sellers()}
        return self._sellers.get(merchant_id)

    def _log(
        self,
        notification: Notification,
        level: LogLevel,
        message: str,
        resolution: str = "",
        seller_id: str = "",
    ) -> None:
        self._state.add_log(
            LogEntry(
                level=level,
                seller_id=seller_id,
                job="amazon_events",
                record_ref=f"notification {notification.notification_id}",
                message=message,
                resolution=resolution,
                details={"type": notification.notification_type, "merchant_id": notification.merchant_id},
            )
        )

    def handle_message(self, body: str | bytes | Mapping[str, Any], message_id: str = "") -> str:
        """One SQS message: parse it, then handle it once. A body that is no notification is logged (under
        its notification id when it has one, else under ``message_id``, the SQS message id) and acknowledged.
        """
        get_metrics().add_metric(name="NotificationsReceived", unit=MetricUnit.Count, value=1)
        try:
            notification = parse_notification(body)
        except PermanentError as error:
            text = body if isinstance(body, str) else repr(body)
            details = {"body_start": text[:300]}
            if message_id:
                details["sqs_message_id"] = message_id
            self._state.add_log(
                LogEntry(
                    level=LogLevel.ERROR,
                    job="amazon_events",
                    record_ref=error.record
                    or (f"SQS message {message_id}" if message_id else "message body"),
                    message=error.message,
                    resolution=error.resolution,
                    details=details,
                )
            )
            return Outcome.REJECTED.value
        return self._handle_once(notification)

    def handle(self, notification: Notification) -> str:
        """Hand one notification to its service. Raises only retryable errors (the message is redelivered)."""
        handler = self._handlers.get(notification.notification_type)
        if handler is None:
            self._log(
                notification,
                LogLevel.INFO,
                f"{notification.notification_type} is not handled by this connector; acknowledged",
                "unsubscribe from this notification type if it keeps coming (amazon-odoo notifications status)",
            )
            return Outcome.IGNORED_TYPE.value
        seller = self._seller_for(notification.merchant_id)
        if seller is None:
            self._log(
                notification,
                LogLevel.WARNING,
                f"no seller in the sellers file has merchant id {notification.merchant_id or '(none)'}",
                "add the seller to the sellers file and run 'amazon-odoo sellers load'; the scheduled "
                "import then catches up on what this notification announced",
            )
            return Outcome.UNKNOWN_SELLER.value
        try:
            return handler(notification, seller)
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            self._log(
                notification,
                LogLevel.ERROR if error.disposition is Disposition.PERMANENT else LogLevel.INFO,
                error.message,
                error.resolution,
                seller_id=seller.id,
            )
            return (
                Outcome.FAILED.value if error.disposition is Disposition.PERMANENT else Outcome.HANDLED.value
            )
