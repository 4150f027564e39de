"""SP-API notification envelopes, parsed case-insensitively.

ORDER_CHANGE uses PascalCase keys (``NotificationType``, ``Payload``, ``NotificationMetadata.NotificationId``);
FEED_/REPORT_PROCESSING_FINISHED use camelCase; some senders double-encode the SQS body as a JSON string;
listings notifications arrive through EventBridge with the notification in the event's ``detail``.
All of them become one :class:`Notification`; the payload keeps Amazon's own keys for the per-type services.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from amazon_odoo.domain.errors import PermanentError


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True)

    notification_id: str
    notification_type: str
    payload_version: str = ""
    event_time: AwareDatetime | None = None
    publish_time: AwareDatetime | None = None
    subscription_id: str = ""
    application_id: str = ""
    payload: dict[str, Any]
    merchant_id: str = ""  # the selling partner the notification concerns, when the payload says

    @property
    def correlation_id(self) -> str:
        return self.notification_id


def get_ci(mapping: Mapping[str, Any], *names: str) -> Any:
    """Case-insensitive lookup of the first present key among ``names``."""
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _find_seller_id(payload: Any, depth: int = 0) -> str:
    if depth > 3 or not isinstance(payload, Mapping):
        return ""
    direct = get_ci(payload, "sellerId", "merchantId", "sellingPartnerId")
    if isinstance(direct, str) and direct:
        return direct
    for value in payload.values():
        found = _find_seller_id(value, depth + 1)
        if found:
            return found
    return ""


def decode_body(body: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """JSON object from an SQS body, unwrapping a double-encoded string and an EventBridge event."""
    data: Any = body
    for _ in range(3):
        if isinstance(data, bytes | bytearray):
            data = data.decode("utf-8")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise PermanentError(
                    f"message body is not JSON ({exc.msg} at position {exc.pos})",
                    record="",  # no notification id to name: the caller names the message
                    resolution="only SP-API notifications belong on the events queue; check who sends this",
                ) from None
            continue
        break
    if not isinstance(data, Mapping):
        raise PermanentError(
            f"message body is a JSON {type(data).__name__}, not an object",
            record="",  # no notification id to name: the caller names the message
            resolution="only SP-API notifications belong on the events queue",
        )
    detail = get_ci(data, "detail")
    if isinstance(detail, Mapping) and get_ci(data, "detail-type", "source") is not None:
        return dict(detail)
    return dict(data)


def parse_notification(body: str | bytes | Mapping[str, Any]) -> Notification:
    data = decode_body(body)
    ntype = get_ci(data, "NotificationType")
    payload = get_ci(data, "Payload")
    metadata = get_ci(data, "NotificationMetadata") or {}
    if not isinstance(metadata, Mapping):
        metadata = {}
    nid = get_ci(metadata, "NotificationId")
    missing = [
        name
        for name, value in (
            ("NotificationType", ntype),
            ("Payload", payload),
            ("NotificationMetadata.NotificationId", nid),
        )
        if not value
    ]
    if missing:
        raise PermanentError(
            f"not an SP-API notification: missing {', '.join(missing)}",
            record=f"notification {nid}" if nid else "",
            resolution="only SP-API notifications belong on the events queue; check the sender",
        )
    if not isinstance(payload, Mapping):
        raise PermanentError(
            "Payload is not an object", record=f"notification {nid}", resolution="check the sender"
        )
    return Notification.model_validate(
        {
            "notification_id": str(nid),
            "notification_type": str(ntype).upper(),
            "payload_version": str(get_ci(data, "PayloadVersion") or ""),
            "event_time": get_ci(data, "EventTime"),
            "publish_time": get_ci(metadata, "PublishTime"),
            "subscription_id": str(get_ci(metadata, "SubscriptionId") or ""),
            "application_id": str(get_ci(metadata, "ApplicationId") or ""),
            "payload": dict(payload),
            "merchant_id": _find_seller_id(payload),
        }
    )
