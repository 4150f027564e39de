"""SecretStore and WorkQueue contracts, run against the fakes and Secrets Manager / SQS on moto server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amazon_odoo.adapters.aws.secrets import resolve_secret_ref
from amazon_odoo.domain.errors import PermanentError


def test_secrets_put_get_overwrite_and_missing(secret_store: Any) -> None:
    secret_store.put_secret("seller/refresh_token", "Atzr|one")
    assert secret_store.get_secret("seller/refresh_token") == "Atzr|one"
    secret_store.put_secret("seller/refresh_token", "Atzr|two")
    assert secret_store.get_secret("seller/refresh_token") == "Atzr|two"
    with pytest.raises(PermanentError) as info:
        secret_store.get_secret("seller/nothing")
    assert "seller/nothing" in info.value.record and info.value.resolution
    assert "Atzr" not in str(info.value)


def test_secret_references(secret_store: Any) -> None:
    secret_store.put_secret("s/id", "client-id")
    assert resolve_secret_ref("secret:s/id", secret_store, {}) == "client-id"
    assert resolve_secret_ref("env:LWA_ID", secret_store, {"LWA_ID": "from-env"}) == "from-env"
    with pytest.raises(PermanentError, match="LWA_ID is not set"):
        resolve_secret_ref("env:LWA_ID", secret_store, {})
    with pytest.raises(PermanentError, match="not a credential reference"):
        resolve_secret_ref("Atzr|plain", secret_store, {})


def test_work_queue_send_and_batches_beyond_ten(work_queue: tuple[Any, Callable[[], list[Any]]]) -> None:
    queue, received = work_queue
    queue.send({"kind": "order", "order_id": "114-0000001-0000001"})
    assert queue.send_batch([{"kind": "order", "n": n} for n in range(23)]) == 23
    messages = received()
    assert len(messages) == 24
    assert {"kind": "order", "order_id": "114-0000001-0000001"} in messages
    assert sorted(m["n"] for m in messages if "n" in m) == list(range(23))


def test_secret_reads_are_cached_for_a_while(aws_target: Any) -> None:
    import uuid

    from amazon_odoo.adapters.aws.clients import secretsmanager_client
    from amazon_odoo.adapters.aws.secrets import SecretsManagerStore

    ticks = [0.0]
    prefix = f"cache-{uuid.uuid4().hex[:8]}/"
    reader = SecretsManagerStore(
        secretsmanager_client(aws_target), prefix, cache_seconds=60, monotonic=lambda: ticks[0]
    )
    writer = SecretsManagerStore(secretsmanager_client(aws_target), prefix)
    writer.put_secret("token", "one")
    assert reader.get_secret("token") == "one"
    writer.put_secret(f"{prefix}token", "two")  # the full name and the short name are one secret
    ticks[0] = 59
    assert reader.get_secret("token") == "one"  # still cached
    ticks[0] = 61
    assert reader.get_secret("token") == "two"


def test_fifo_queue_gets_group_and_deduplication(aws_target: Any) -> None:
    import json
    import uuid

    from amazon_odoo.adapters.aws.clients import sqs_client
    from amazon_odoo.adapters.aws.queues import SqsWorkQueue
    from amazon_odoo.local.aws import create_queue_with_dlq

    client = sqs_client(aws_target)
    url, dlq = create_queue_with_dlq(client, f"work-{uuid.uuid4().hex[:10]}.fifo")
    assert dlq.endswith("-dlq.fifo")
    queue = SqsWorkQueue(client, url)
    assert queue.fifo
    queue.send({"order": 1}, group="seller-a", dedup_id="order-1")
    queue.send({"order": 1, "again": True}, group="seller-a", dedup_id="order-1")  # deduplicated
    queue.send_batch([{"order": n} for n in range(2, 14)])
    got = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert json.loads(got[0]["Body"]) == {"order": 1}
    assert got[0]["Attributes"]["MessageGroupId"] == "seller-a"
    seen = [json.loads(m["Body"]) for m in got]
    assert {"order": 1, "again": True} not in seen


def test_batch_retries_failed_entries_once_then_names_them() -> None:
    from amazon_odoo.adapters.aws.queues import SqsWorkQueue
    from amazon_odoo.domain.errors import RetryableError

    class FlakySqs:
        """Refuses entry '3' twice and entry '11' once."""

        def __init__(self) -> None:
            self.calls: list[list[str]] = []
            self.refusals = {"3": 2, "11": 1}

        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
            ids = [e["Id"] for e in Entries]
            self.calls.append(ids)
            failed = []
            for i in ids:
                if self.refusals.get(i, 0) > 0:
                    self.refusals[i] -= 1
                    failed.append({"Id": i, "SenderFault": False, "Code": "InternalError"})
            return {"Successful": [], "Failed": failed}

    sqs = FlakySqs()
    queue = SqsWorkQueue(sqs, "http://127.0.0.1:1/123456789012/work")  # type: ignore[arg-type]
    with pytest.raises(RetryableError, match="positions 3") as info:
        queue.send_batch([{"n": n} for n in range(12)])
    assert [len(c) for c in sqs.calls] == [10, 2, 2]  # chunks of 10, then one retry of the two failures
    assert "11" not in str(info.value)


@pytest.mark.parametrize(
    ("code", "retryable", "words"),
    [
        ("ThrottlingException", True, "throttled"),
        ("ProvisionedThroughputExceededException", True, "throttled"),
        ("ServiceUnavailable", True, "unavailable"),
        ("AccessDeniedException", False, "grant dynamodb:PutItem"),
        ("ResourceNotFoundException", False, "does not exist"),
    ],
)
def test_one_failure_table_for_aws(code: str, retryable: bool, words: str) -> None:
    from botocore.exceptions import ClientError

    from amazon_odoo.adapters.aws.clients import aws_error

    exc = ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "PutItem"
    )
    error = aws_error(exc, service="dynamodb", resource="state")
    assert error.retryable is retryable
    assert words in str(error) and "table state" in str(error)
