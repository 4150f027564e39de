"""Dead letters on moto server: a poisoned message reaches the DLQ, peeking loses nothing, redrive brings it back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from amazon_odoo.adapters.aws.clients import sqs_client
from amazon_odoo.adapters.aws.dead_letters import SqsDeadLetters
from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.local.aws import (
    MAX_RECEIVE_COUNT,
    MotoServerHandle,
    create_queue_with_dlq,
    start_moto_server,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServerHandle]:
    handle = start_moto_server()
    yield handle
    handle.stop()


def poison(sqs: SQSClient, url: str) -> None:
    """Receive without deleting until SQS gives up on the message (maxReceiveCount) and dead-letters it."""
    for _ in range(MAX_RECEIVE_COUNT + 1):
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=10)


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
def test_poisoned_message_reaches_dlq_and_redrive_brings_it_back(moto: MotoServerHandle, fifo: bool) -> None:
    sqs = sqs_client(moto.target())
    name = f"work-{uuid.uuid4().hex[:8]}" + (".fifo" if fifo else "")
    url, dlq_url = create_queue_with_dlq(sqs, name)
    body = json.dumps({"kind": "ingest_order", "seller_id": "mugs-us", "order_id": "111-1"})
    extra = {"MessageGroupId": "mugs-us", "MessageDeduplicationId": "d1"} if fifo else {}
    sqs.send_message(QueueUrl=url, MessageBody=body, **extra)  # type: ignore[arg-type]
    poison(sqs, url)

    dead = SqsDeadLetters(sqs, [url])
    dlq_name = dead.queues()[0].name
    assert dlq_name.removesuffix(".fifo").endswith("-dlq")
    assert dead.counts() == {dlq_name: 1}

    letters = dead.peek()
    assert [(x.source, x.body, x.summary) for x in letters] == [
        (name, body, "kind=ingest_order seller_id=mugs-us order_id=111-1")
    ]
    if fifo:
        assert letters[0].group == "mugs-us"
    assert dead.counts() == {dlq_name: 1}, "peeking must leave the message in the DLQ, visible"
    assert len(dead.peek(dlq_name)) == 1, "peeking twice sees it again"

    results = dead.redrive(name)  # by source name
    assert [(r.queue, r.source, r.moved) for r in results] == [(dlq_name, name, 1)]
    assert dead.counts() == {dlq_name: 0}
    back = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    )["Messages"]
    assert [m["Body"] for m in back] == [body]
    if fifo:
        assert back[0]["Attributes"]["MessageGroupId"] == "mugs-us"
    assert sqs.receive_message(QueueUrl=dlq_url).get("Messages", []) == []


def test_many_letters_all_peeked_and_all_redriven(moto: MotoServerHandle) -> None:
    sqs = sqs_client(moto.target())
    url, _ = create_queue_with_dlq(sqs, f"events-{uuid.uuid4().hex[:8]}")
    for i in range(23):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": i}))
    for _ in range(MAX_RECEIVE_COUNT + 1):
        for _ in range(3):
            sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=10)
    dead = SqsDeadLetters(sqs, [url])
    dlq = dead.queues()[0].name
    assert dead.counts() == {dlq: 23}
    assert sorted(json.loads(x.body)["n"] for x in dead.peek()) == list(range(23))
    assert dead.counts() == {dlq: 23}
    assert dead.redrive(dlq)[0].moved == 23
    assert dead.counts() == {dlq: 0}


def test_summary_names_the_work_item() -> None:
    from amazon_odoo.adapters.aws.dead_letters import DeadLetter

    def letter(body: str) -> DeadLetter:
        return DeadLetter("q-dlq", "q", "m1", body, 6, 0)

    work = json.dumps({"kind": "ingest_order", "seller_id": "s1", "order": {"orderId": "111-2"}})
    assert letter(work).summary == "kind=ingest_order seller_id=s1 order=111-2"
    assert letter("not json").summary == "not json"
    assert letter("[1, 2]").summary == "[1, 2]"


def test_unknown_queue_names_the_ones_there_are(moto: MotoServerHandle) -> None:
    sqs = sqs_client(moto.target())
    url, _ = create_queue_with_dlq(sqs, f"work-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ConfigError) as caught:
        SqsDeadLetters(sqs, [url]).redrive("nope")
    assert "no dead-letter queue named nope" in str(caught.value)
    assert "-dlq (of work-" in (caught.value.resolution or "")
