"""The internal work queue on SQS: one JSON message per unit of work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.domain.errors import PermanentError, RetryableError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef, SendMessageRequestTypeDef

BATCH_SIZE = 10  # SQS: at most 10 entries per SendMessageBatch
MAX_BATCH_BYTES = 256 * 1024  # SQS: at most 256 KiB per message and per batch
DEFAULT_GROUP = "default"


def encode(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def content_dedup_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def queue_name(queue_url: str) -> str:
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


class SqsWorkQueue:
    """:class:`amazon_odoo.ports.WorkQueue` on SQS.

    On a FIFO queue (URL ending ``.fifo``) messages carry ``MessageGroupId`` (``group``, else ``default``)
    and ``MessageDeduplicationId`` (``dedup_id``, else a hash of the body); a standard queue gets neither.
    """

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url
        self._name = queue_name(queue_url)
        self.fifo = self._name.endswith(".fifo")

    def _check_size(self, text: str, index: int | None = None) -> None:
        if len(text.encode()) > MAX_BATCH_BYTES:
            where = "message" if index is None else f"message #{index}"
            raise PermanentError(
                f"{where} for queue {self._name} is {len(text.encode())} bytes; SQS takes at most 256 KiB",
                record=f"queue {self._name}",
                resolution="send a reference to the data (an id, an S3 key) instead of the data itself",
            )

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None:
        text = encode(body)
        self._check_size(text)
        request: SendMessageRequestTypeDef = {"QueueUrl": self._url, "MessageBody": text}
        if self.fifo:
            request["MessageGroupId"] = group or DEFAULT_GROUP
            request["MessageDeduplicationId"] = dedup_id or content_dedup_id(text)
        with aws_errors("sqs", self._name):
            self._client.send_message(**request)

    def _entry(self, index: int, text: str) -> SendMessageBatchRequestEntryTypeDef:
        entry: SendMessageBatchRequestEntryTypeDef = {"Id": str(index), "MessageBody": text}
        if self.fifo:
            entry["MessageGroupId"] = DEFAULT_GROUP
            entry["MessageDeduplicationId"] = content_dedup_id(text)
        return entry

    def _chunks(
        self, entries: list[SendMessageBatchRequestEntryTypeDef]
    ) -> list[list[SendMessageBatchRequestEntryTypeDef]]:
        chunks: list[list[SendMessageBatchRequestEntryTypeDef]] = []
        current: list[SendMessageBatchRequestEntryTypeDef] = []
        size = 0
        for entry in entries:
            length = len(entry["MessageBody"].encode())
            if current and (len(current) == BATCH_SIZE or size + length > MAX_BATCH_BYTES):
                chunks.append(current)
                current, size = [], 0
            current.append(entry)
            size += length
        if current:
            chunks.append(current)
        return chunks

    def _send_chunk(self, chunk: list[SendMessageBatchRequestEntryTypeDef]) -> list[str]:
        """Send one batch; the ids of entries SQS refused."""
        with aws_errors("sqs", self._name):
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=chunk)
        return [failed["Id"] for failed in response.get("Failed", [])]

    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int:
        """Send all bodies (10 per request); failed entries are retried once. Returns how many were sent.

        Raises RetryableError naming the positions (0-based) of bodies that still failed.
        """
        entries = []
        for index, body in enumerate(bodies):
            text = encode(body)
            self._check_size(text, index)
            entries.append(self._entry(index, text))
        by_id = {entry["Id"]: entry for entry in entries}
        failed: list[str] = []
        for chunk in self._chunks(entries):
            failed += self._send_chunk(chunk)
        if failed:
            retry = [by_id[i] for i in failed]
            failed = []
            for chunk in self._chunks(retry):
                failed += self._send_chunk(chunk)
        if failed:
            raise RetryableError(
                f"{len(failed)} of {len(entries)} message(s) could not be sent to queue {self._name}: "
                f"positions {', '.join(sorted(failed, key=int))}",
                record=f"queue {self._name}",
                resolution="nothing to do: the work is retried; the other messages were sent",
                source="aws:sqs",
            )
        return len(entries)
