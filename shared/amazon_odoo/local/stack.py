"""The local stack: moto server as AWS, the SP-API sandbox as Amazon, and Odoo at ``ODOO_URL`` or the
project's Odoo test double — all on 127.0.0.1, no Docker, no cloud. Used by ``amazon-odoo demo`` and tests.

Also plays the part of Lambda's event source mapping (:func:`drain_queue`: receive from SQS, invoke the
function with a real SQS event, delete what succeeded, leave reported failures for redelivery) and of
EventBridge (:func:`fire_due_schedules`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from amazon_odoo.local.aws import FAKE_CREDENTIALS, provision, start_moto_server
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.settings import Settings, apply_environment, get_settings

FAKE_AWS = {
    **FAKE_CREDENTIALS,
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class LocalStack:
    settings: Settings
    sandbox: SpApiSandbox
    odoo_double: OdooDouble | None
    resources: dict[str, str] = field(default_factory=dict)

    def sqs(self) -> Any:
        return boto3.client(
            "sqs", endpoint_url=self.settings.aws_endpoint_url, region_name=self.settings.aws_region
        )

    def send_notification(self, body: str | dict[str, Any]) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.sqs().send_message(QueueUrl=self.settings.events_queue_url, MessageBody=text)


@contextmanager
def local_stack(
    *, use_real_odoo: bool | None = None, odoo_company: str = "My Company"
) -> Iterator[LocalStack]:
    """Start everything, point this process's settings at it, stop it all on exit."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto server's request log
    with ExitStack() as stack:
        moto = start_moto_server()
        stack.callback(moto.stop)
        sandbox = SpApiSandbox().start()
        stack.callback(sandbox.stop)
        env = {
            **FAKE_AWS,
            "AWS_ENDPOINT_URL": moto.url,
            "SP_API_ENDPOINT": sandbox.url,
            "LWA_ENDPOINT": f"{sandbox.url}/auth/o2/token",
        }
        current = get_settings()
        real_odoo = current.odoo_configured if use_real_odoo is None else use_real_odoo
        double: OdooDouble | None = None
        if not real_odoo:
            double = OdooDouble(db="amazon", users={"admin": "admin"}, company=odoo_company).start()
            stack.callback(double.stop)
            env.update(
                {
                    "ODOO_URL": double.url,
                    "ODOO_DB": "amazon",
                    "ODOO_USERNAME": "admin",
                    "ODOO_PASSWORD": "admin",
                    "ODOO_PROTOCOL": "xmlrpc",
                }
            )
        settings = apply_environment(env)
        resources = provision(settings)
        settings = apply_environment(
            {
                "EVENTS_QUEUE_URL": resources["events_queue_url"],
                "WORK_QUEUE_URL": resources["work_queue_url"],
                "DOCUMENTS_BUCKET": resources["documents_bucket"],
                "SCHEDULE_GROUP": resources["schedule_group"],
                "SCHEDULER_ROLE_ARN": resources["scheduler_role_arn"],
                "JOB_FUNCTIONS": resources["job_functions"],
            }
        )
        from amazon_odoo.bootstrap import compose

        compose.cache_clear()
        stack.callback(compose.cache_clear)
        yield LocalStack(settings=settings, sandbox=sandbox, odoo_double=double, resources=resources)


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping delivers for received messages."""
    records = []
    for message in messages:
        body = message["Body"]
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def drain_queue(stack: LocalStack, queue_url: str, function: str, *, max_batches: int = 20) -> dict[str, int]:
    """Deliver what is on the queue to the function, batch by batch, as Lambda would."""
    sqs = stack.sqs()
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    totals = {"delivered": 0, "failed": 0}
    for _ in range(max_batches):
        received = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])
        if not received:
            break
        result = invoke(function, sqs_event(received, arn, stack.settings.aws_region))
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        totals["delivered"] += len(done)
        totals["failed"] += len(failed)
        if failed:
            break  # failed messages become visible again after the visibility timeout, as on AWS
    return totals


def scheduled_event(job: str, seller_id: str | None = None) -> dict[str, Any]:
    """A schedule's input, as the template's schedules and EventBridge Scheduler deliver it."""
    event: dict[str, Any] = {
        "job": job,
        "trigger": "schedule",
        "id": str(uuid.uuid4()),
        "time": datetime.now(UTC).isoformat(),
    }
    if seller_id:
        event["seller"] = seller_id
    return event
