"""Dead-letter queues on SQS: count, peek and redrive what failed for good, without losing a message.

Each DLQ is found from its source queue's ``RedrivePolicy`` (``deadLetterTargetArn``), so only the source
queue URLs are needed (``EVENTS_QUEUE_URL``, ``WORK_QUEUE_URL``).

* :meth:`SqsDeadLetters.peek` receives with a visibility timeout and makes every message visible again at
  once (``ChangeMessageVisibility`` 0): nothing is deleted.
* :meth:`SqsDeadLetters.redrive` moves messages back one by one: receive → send to the source queue →
  delete from the DLQ only after the send succeeded. A failure mid-way leaves the message in the DLQ
  (it reappears after the visibility timeout). On a FIFO source the message keeps its group, and the
  deduplication id is the DLQ message id, so a redrive repeated within 5 minutes is not sent twice.
  (SQS ``StartMessageMoveTask`` is not used: moto lacks it and it is asynchronous; this is portable.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.adapters.aws.queues import queue_name
from amazon_odoo.domain.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef, SendMessageRequestTypeDef

PEEK_VISIBILITY_SECONDS = 30
REDRIVE_VISIBILITY_SECONDS = 60
RECEIVE_BATCH = 10


@dataclass(frozen=True)
class DeadLetterQueue:
    """A DLQ and the queue its messages came from."""

    name: str
    url: str
    source_name: str
    source_url: str

    @property
    def fifo(self) -> bool:
        return self.source_name.endswith(".fifo")


@dataclass(frozen=True)
class DeadLetter:
    """One message in a DLQ, as peeked (the body is the work item; no personal data goes on the queues)."""

    queue: str
    source: str
    message_id: str
    body: str
    receive_count: int
    sent_at_ms: int
    group: str = ""

    @property
    def summary(self) -> str:
        """The job/kind and seller of the message, when its body is the connector's JSON."""
        try:
            data: Any = json.loads(self.body)
        except ValueError:
            return self.body[:80]
        if not isinstance(data, dict):
            return self.body[:80]
        parts = [
            f"{key}={data[key]}"
            for key in ("kind", "job", "type", "seller_id", "order_id", "NotificationType")
            if key in data
        ]
        order = data.get("order")
        if isinstance(order, dict) and "orderId" in order:  # a work item: the Amazon order it carries
            parts.append(f"order={order['orderId']}")
        return " ".join(parts) or self.body[:80]


@dataclass(frozen=True)
class RedriveResult:
    queue: str
    source: str
    moved: int


class SqsDeadLetters:
    """The DLQs behind the given source queues."""

    def __init__(self, client: SQSClient, source_queue_urls: Sequence[str]) -> None:
        self._client = client
        self._sources = [url for url in source_queue_urls if url]
        self._queues: list[DeadLetterQueue] | None = None

    def queues(self) -> list[DeadLetterQueue]:
        if self._queues is None:
            found: list[DeadLetterQueue] = []
            for source_url in self._sources:
                source = queue_name(source_url)
                with aws_errors("sqs", source):
                    attributes = self._client.get_queue_attributes(
                        QueueUrl=source_url, AttributeNames=["RedrivePolicy"]
                    )["Attributes"]
                policy = attributes.get("RedrivePolicy")
                if not policy:
                    continue
                dlq_name = str(json.loads(policy)["deadLetterTargetArn"]).rsplit(":", 1)[-1]
                with aws_errors("sqs", dlq_name):
                    dlq_url = self._client.get_queue_url(QueueName=dlq_name)["QueueUrl"]
                found.append(DeadLetterQueue(dlq_name, dlq_url, source, source_url))
            self._queues = found
        return list(self._queues)

    def _select(self, queue: str | None) -> list[DeadLetterQueue]:
        queues = self.queues()
        if queue is None:
            return queues
        chosen = [q for q in queues if queue in (q.name, q.source_name, q.url, q.source_url)]
        if not chosen:
            names = ", ".join(f"{q.name} (of {q.source_name})" for q in queues) or "none"
            raise ConfigError(
                f"no dead-letter queue named {queue}",
                record=f"queue {queue}",
                resolution=f"use a DLQ or source queue name: {names}",
            )
        return chosen

    def counts(self) -> dict[str, int]:
        """DLQ name → ApproximateNumberOfMessages (visible; messages being peeked are not counted)."""
        result: dict[str, int] = {}
        for dlq in self.queues():
            with aws_errors("sqs", dlq.name):
                attributes = self._client.get_queue_attributes(
                    QueueUrl=dlq.url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
            result[dlq.name] = int(attributes.get("ApproximateNumberOfMessages", "0"))
        return result

    def _receive(self, dlq: DeadLetterQueue, visibility: int, count: int) -> list[MessageTypeDef]:
        with aws_errors("sqs", dlq.name):
            response = self._client.receive_message(
                QueueUrl=dlq.url,
                MaxNumberOfMessages=max(1, min(RECEIVE_BATCH, count)),
                VisibilityTimeout=visibility,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        return list(response.get("Messages", []))

    def peek(self, queue: str | None = None, *, limit: int = 100) -> list[DeadLetter]:
        """Up to ``limit`` messages per DLQ; all of them are visible again when this returns."""
        letters: list[DeadLetter] = []
        for dlq in self._select(queue):
            held: list[MessageTypeDef] = []
            try:
                while len(held) < limit:
                    batch = self._receive(dlq, PEEK_VISIBILITY_SECONDS, limit - len(held))
                    if not batch:
                        break
                    held += batch
            finally:
                self._release(dlq, held)
            for message in held:
                attributes = message.get("Attributes", {})
                letters.append(
                    DeadLetter(
                        queue=dlq.name,
                        source=dlq.source_name,
                        message_id=message.get("MessageId", ""),
                        body=message.get("Body", ""),
                        receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
                        sent_at_ms=int(attributes.get("SentTimestamp", "0")),
                        group=attributes.get("MessageGroupId", ""),
                    )
                )
        return letters

    def _release(self, dlq: DeadLetterQueue, messages: list[MessageTypeDef]) -> None:
        for start in range(0, len(messages), RECEIVE_BATCH):
            chunk = messages[start : start + RECEIVE_BATCH]
            with aws_errors("sqs", dlq.name):
                self._client.change_message_visibility_batch(
                    QueueUrl=dlq.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for i, m in enumerate(chunk)
                        if "ReceiptHandle" in m
                    ],
                )

    def _move(self, dlq: DeadLetterQueue, message: MessageTypeDef) -> None:
        request: SendMessageRequestTypeDef = {"QueueUrl": dlq.source_url, "MessageBody": message["Body"]}
        attributes = message.get("MessageAttributes")
        if attributes:
            request["MessageAttributes"] = attributes
        if dlq.fifo:
            request["MessageGroupId"] = message.get("Attributes", {}).get("MessageGroupId", "default")
            request["MessageDeduplicationId"] = f"redrive-{message['MessageId']}"
        with aws_errors("sqs", dlq.source_name):
            self._client.send_message(**request)
        with aws_errors("sqs", dlq.name):
            self._client.delete_message(QueueUrl=dlq.url, ReceiptHandle=message["ReceiptHandle"])

    def redrive(self, queue: str | None = None, *, limit: int = 10_000) -> list[RedriveResult]:
        """Move up to ``limit`` messages of each selected DLQ back to its source queue."""
        results: list[RedriveResult] = []
        for dlq in self._select(queue):
            moved = 0
            while moved < limit:
                batch = self._receive(dlq, REDRIVE_VISIBILITY_SECONDS, limit - moved)
                if not batch:
                    break
                for message in batch:
                    self._move(dlq, message)
                    moved += 1
            results.append(RedriveResult(dlq.name, dlq.source_name, moved))
        return results
