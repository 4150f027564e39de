"""Each SP-API notification handled once: Powertools idempotency on the notification id, in DynamoDB.

Amazon delivers notifications at least once, and SQS may redeliver; the first delivery's outcome is
stored and returned to every later one. A failure deletes the record so the redelivery runs again.
Two deliveries racing each other: the second gets a retryable error and comes back after the first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from amazon_odoo.adapters.aws.clients import AwsTarget, dynamodb_client
from amazon_odoo.domain.errors import RetryableError
from amazon_odoo.domain.notifications import Notification
from amazon_odoo.services.notifications import Handle, Once

KEEP_SECONDS = 7 * 24 * 3600  # Amazon retries a notification for far less than this


def once_per_notification(table: str, target: AwsTarget, *, lambda_context: Any = None) -> Once:
    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client(target))
    config = IdempotencyConfig(
        event_key_jmespath="notification_id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEEP_SECONDS,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    def wrap(handle: Handle) -> Handle:
        def handle_keyed(key: dict[str, str], notification: Notification) -> str:
            return handle(notification)

        run: Callable[..., str] = idempotent_function(
            data_keyword_argument="key", persistence_store=store, config=config
        )(handle_keyed)

        @functools.wraps(handle)
        def handle_once(notification: Notification) -> str:
            try:
                result = run(key={"notification_id": notification.notification_id}, notification=notification)
            except IdempotencyAlreadyInProgressError:
                raise RetryableError(
                    "another delivery of this notification is being handled",
                    record=f"notification {notification.notification_id}",
                ) from None
            return result

        return handle_once

    return wrap
