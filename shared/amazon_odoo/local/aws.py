"""AWS on this machine: a moto server on 127.0.0.1 and the resources the stack would create.

:func:`provision` creates (idempotently) what ``infrastructure/template.yaml`` creates in AWS, under the
names the settings give: the state table, the Powertools idempotency table, the events queue and the work
queue (each with a dead-letter queue) and the documents bucket.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from amazon_odoo.adapters.aws.clients import (
    AwsTarget,
    dynamodb_client,
    s3_client,
    scheduler_client,
    sqs_client,
)
from amazon_odoo.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

#: Credentials moto accepts; passed explicitly so a developer's real AWS profile is never used locally.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

EVENTS_QUEUE = "amazon-odoo-events"
WORK_QUEUE = "amazon-odoo-work"
DOCUMENTS_BUCKET = "amazon-odoo-documents"
MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT_SECONDS = 120  # ≥ the functions' timeout, as in the template
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
LOCAL_ACCOUNT = "123456789012"  # moto's account
SCHEDULER_ROLE_ARN = f"arn:aws:iam::{LOCAL_ACCOUNT}:role/amazon-odoo-scheduler"
QUEUE_CONSUMERS = frozenset({"amazon_events", "ingest_order"})  # not scheduled: fed by their queues


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class MotoServerHandle:
    url: str
    port: int
    server: ThreadedMotoServer = field(repr=False)
    stopped: bool = False

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.server.stop()

    def target(self, region: str = "us-east-1") -> AwsTarget:
        """Where clients for this server point, with moto's fake credentials."""
        return fake_target(region, self.url)


def start_moto_server(port: int = 0) -> MotoServerHandle:
    """Start moto in a thread on 127.0.0.1 (a free port when ``port`` is 0)."""
    chosen = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=chosen, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return MotoServerHandle(url=f"http://{host}:{bound}", port=bound, server=server)


def fake_target(region: str, endpoint_url: str | None) -> AwsTarget:
    return AwsTarget(
        region=region,
        endpoint_url=endpoint_url,
        access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
    )


def create_state_table(client: DynamoDBClient, name: str) -> None:
    """The state table: ``PK``/``SK`` strings, on demand, TTL on ``ttl``. Does nothing if it exists."""
    _create_table(client, name, [("PK", "HASH"), ("SK", "RANGE")], ttl_attribute="ttl")


def create_idempotency_table(client: DynamoDBClient, name: str) -> None:
    """Powertools' idempotency table: partition key ``id``, TTL on ``expiration``."""
    _create_table(client, name, [("id", "HASH")], ttl_attribute="expiration")


def _create_table(
    client: DynamoDBClient, name: str, keys: list[tuple[str, str]], *, ttl_attribute: str
) -> None:
    try:
        client.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key, _ in keys],
            KeySchema=[
                {"AttributeName": key, "KeyType": "HASH" if kind == "HASH" else "RANGE"} for key, kind in keys
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute}
    )


def create_queue_with_dlq(client: SQSClient, name: str) -> tuple[str, str]:
    """A queue whose messages go to ``<name>-dlq`` after 5 receives. Returns (queue url, DLQ url)."""
    fifo = name.endswith(".fifo")
    base = name.removesuffix(".fifo")
    dlq_name = f"{base}-dlq.fifo" if fifo else f"{base}-dlq"
    fifo_attributes: dict[QueueAttributeNameType, str] = (
        {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
    )
    dlq_url = client.create_queue(
        QueueName=dlq_name,
        Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS), **fifo_attributes},
    )["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)})
    url = client.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
            "RedrivePolicy": redrive,
            **fifo_attributes,
        },
    )["QueueUrl"]
    return url, dlq_url


def create_schedule_group(target: AwsTarget, name: str) -> None:
    """The connector's EventBridge Scheduler group (the template's JobScheduleGroup)."""
    client = scheduler_client(target)
    try:
        client.create_schedule_group(Name=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConflictException":
            raise


def local_job_functions(region: str) -> dict[str, str]:
    """job -> function ARN for every ``functions/<job>/`` (the local runner invokes by the ARN's name)."""
    from amazon_odoo.local.invoke import function_names

    return {
        name: f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{name}"
        for name in function_names()
        if name not in QUEUE_CONSUMERS
    }


def _queue_name(url: str | None, default: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else default


def provision(settings: Settings) -> dict[str, str]:
    """Create the stack's resources on the endpoint of ``settings`` (moto); safe to call again.

    Returns ``state_table``, ``idempotency_table``, ``events_queue_url``, ``events_dlq_url``,
    ``work_queue_url``, ``work_dlq_url``, ``documents_bucket``, and for per-seller schedules
    ``schedule_group``, ``scheduler_role_arn`` and ``job_functions`` (JSON, as ``JOB_FUNCTIONS``).
    """
    target = fake_target(settings.aws_region, settings.aws_endpoint_url)
    dynamodb = dynamodb_client(target)
    sqs = sqs_client(target)
    s3 = s3_client(target)
    create_state_table(dynamodb, settings.state_table)
    create_idempotency_table(dynamodb, settings.idempotency_table)
    events_url, events_dlq = create_queue_with_dlq(sqs, _queue_name(settings.events_queue_url, EVENTS_QUEUE))
    work_url, work_dlq = create_queue_with_dlq(sqs, _queue_name(settings.work_queue_url, WORK_QUEUE))
    create_schedule_group(target, settings.schedule_group)
    bucket = settings.documents_bucket or DOCUMENTS_BUCKET
    try:
        if settings.aws_region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={
                    "LocationConstraint": cast("BucketLocationConstraintType", settings.aws_region)
                },
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        ):
            raise
    return {
        "state_table": settings.state_table,
        "idempotency_table": settings.idempotency_table,
        "events_queue_url": events_url,
        "events_dlq_url": events_dlq,
        "work_queue_url": work_url,
        "work_dlq_url": work_dlq,
        "documents_bucket": bucket,
        "schedule_group": settings.schedule_group,
        "scheduler_role_arn": SCHEDULER_ROLE_ARN,
        "job_functions": json.dumps(local_job_functions(settings.aws_region)),
    }
