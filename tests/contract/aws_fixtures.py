"""Fixtures for the AWS contract suites: the in-memory fakes and the real adapters on moto server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.adapters.aws.clients import AwsTarget, dynamodb_client, secretsmanager_client, sqs_client
from amazon_odoo.adapters.aws.queues import SqsWorkQueue
from amazon_odoo.adapters.aws.secrets import SecretsManagerStore
from amazon_odoo.adapters.aws.state import DynamoStateStore
from amazon_odoo.local.aws import (
    MotoServerHandle,
    create_queue_with_dlq,
    create_state_table,
    start_moto_server,
)
from tests.fakes import InMemorySecretStore, InMemoryStateStore, InMemoryWorkQueue


class Clock:
    """A settable clock shared by the store under test and the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServerHandle]:
    handle = start_moto_server()
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def aws_target(moto_server: MotoServerHandle) -> AwsTarget:
    return moto_server.target()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["in-memory", "dynamodb"])
def state_store(request: pytest.FixtureRequest, clock: Clock) -> Any:
    if request.param == "in-memory":
        return InMemoryStateStore(log_retention_days=90, clock=clock)
    target: AwsTarget = request.getfixturevalue("aws_target")
    table = f"state-{uuid.uuid4().hex[:10]}"
    create_state_table(dynamodb_client(target), table)
    return DynamoStateStore(table, dynamodb_client(target), log_retention_days=90, clock=clock)


@pytest.fixture(params=["in-memory", "secretsmanager"])
def secret_store(request: pytest.FixtureRequest) -> Any:
    prefix = f"test-{uuid.uuid4().hex[:8]}/"
    if request.param == "in-memory":
        return InMemorySecretStore(prefix)
    target: AwsTarget = request.getfixturevalue("aws_target")
    return SecretsManagerStore(secretsmanager_client(target), prefix)


@pytest.fixture(params=["in-memory", "sqs"])
def work_queue(request: pytest.FixtureRequest) -> tuple[Any, Callable[[], list[dict[str, Any]]]]:
    """The queue, and a function that returns what a consumer would receive from it."""
    import json

    if request.param == "in-memory":
        fake = InMemoryWorkQueue()
        return fake, lambda: list(fake.messages)
    target: AwsTarget = request.getfixturevalue("aws_target")
    client = sqs_client(target)
    url, _ = create_queue_with_dlq(client, f"work-{uuid.uuid4().hex[:10]}")

    def received() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            batch = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
                "Messages", []
            )
            if not batch:
                return out
            out += [json.loads(m["Body"]) for m in batch]

    return SqsWorkQueue(client, url), received
