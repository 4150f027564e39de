"""The stack's AWS resources as the doctor and ``notifications subscribe`` see them: do the tables, queues,
bucket and secrets exist, how many messages wait in the dead-letter queues, the events queue's ARN (the SQS
destination, and the account and region of the EventBridge one), and when a secret was created or last
changed (the seller's authorisation date when the sellers file does not give one).

Read-only: ``DescribeTable``, ``GetQueueAttributes``, ``HeadBucket``, ``DescribeSecret``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from amazon_odoo.adapters.aws.clients import (
    AwsTarget,
    aws_errors,
    dynamodb_client,
    s3_client,
    secretsmanager_client,
    sqs_client,
)
from amazon_odoo.adapters.aws.dead_letters import SqsDeadLetters
from amazon_odoo.adapters.aws.queues import queue_name
from amazon_odoo.adapters.aws.secrets import secret_name
from amazon_odoo.domain.errors import ConfigError, ConnectorError, Disposition
from amazon_odoo.domain.onboarding import Check, Verdict
from amazon_odoo.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

AREA = "aws"


class AwsResources:
    """:class:`amazon_odoo.ports.StackResources` on boto3 clients of the settings' target."""

    def __init__(self, settings: Settings, target: AwsTarget | None = None) -> None:
        self.settings = settings
        self._target = target or AwsTarget.from_settings(settings)

    @property
    def _sqs(self) -> SQSClient:
        return sqs_client(self._target)

    def queue_arn(self, queue_url: str) -> str:
        name = queue_name(queue_url)
        with aws_errors("sqs", name, record=f"queue {name}"):
            attributes = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def events_queue_arn(self) -> str:
        if not self.settings.events_queue_url:
            raise ConfigError(
                "EVENTS_QUEUE_URL is not set",
                record="environment",
                resolution="set it to the EventsQueue URL (template output EventsQueueUrl)",
            )
        return self.queue_arn(self.settings.events_queue_url)

    def check(self, secret_names: Sequence[str] = ()) -> list[Check]:
        """One check per resource the functions use (missing settings are FAIL too)."""
        checks: list[Check] = []
        dynamodb = dynamodb_client(self._target)
        for table in (self.settings.state_table, self.settings.idempotency_table):
            checks.append(self._exists("table", table, partial(dynamodb.describe_table, TableName=table)))
        for variable, url in (
            ("EVENTS_QUEUE_URL", self.settings.events_queue_url),
            ("WORK_QUEUE_URL", self.settings.work_queue_url),
        ):
            if not url:
                checks.append(
                    Check(AREA, variable, Verdict.FAIL, "not set", f"set {variable} (template output)")
                )
                continue
            checks.append(self._exists("queue", queue_name(url), partial(self.queue_arn, url)))
        bucket = self.settings.documents_bucket
        if not bucket:
            checks.append(
                Check(
                    AREA,
                    "DOCUMENTS_BUCKET",
                    Verdict.FAIL,
                    "not set",
                    "set DOCUMENTS_BUCKET (template output)",
                )
            )
        else:
            s3 = s3_client(self._target)
            checks.append(self._exists("bucket", bucket, partial(s3.head_bucket, Bucket=bucket)))
        secrets = secretsmanager_client(self._target)
        for name in secret_names:
            full = secret_name(self.settings.secrets_prefix, name)
            checks.append(self._exists("secret", full, partial(secrets.describe_secret, SecretId=full)))
        return checks

    def _exists(self, kind: str, name: str, probe: Callable[[], object]) -> Check:
        try:
            with aws_errors(kind, name, record=f"{kind} {name}"):
                probe()
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                return Check(AREA, f"{kind} {name}", Verdict.WARN, f"could not be checked: {error.message}")
            return Check(
                AREA,
                f"{kind} {name}",
                Verdict.FAIL,
                error.message,
                error.resolution or "deploy the stack (sam deploy) or fix the name in the environment",
            )
        return Check(AREA, f"{kind} {name}", Verdict.OK, "exists")

    def secret_dates(self, name: str) -> tuple[datetime | None, datetime | None]:
        """(created, last changed) of a secret, UTC; None where Secrets Manager does not say."""
        full = secret_name(self.settings.secrets_prefix, name)
        with aws_errors("secretsmanager", full, record=f"secret {full}"):
            described = secretsmanager_client(self._target).describe_secret(SecretId=full)
        created = described.get("CreatedDate")
        changed = described.get("LastChangedDate")
        return (
            created.astimezone(UTC) if created else None,
            changed.astimezone(UTC) if changed else None,
        )

    def dead_letters(self) -> dict[str, int]:
        """Dead-letter queue name -> messages waiting in it (``SqsDeadLetters.counts``)."""
        sources = [u for u in (self.settings.events_queue_url, self.settings.work_queue_url) if u]
        return SqsDeadLetters(self._sqs, sources).counts()
