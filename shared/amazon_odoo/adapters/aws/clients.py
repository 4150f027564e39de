"""boto3 clients for the AWS adapters, and the one table that classifies AWS failures.

Clients are built lazily on first use (never at import time) from the settings: region,
``AWS_ENDPOINT_URL`` (moto server locally), short timeouts and botocore's *standard* retry mode, and
cached per process by target so a warm Lambda reuses its connections.

:func:`aws_error` turns any botocore failure into a :class:`ConnectorError`: walk :data:`AWS_FAILURES`
top to bottom, the first row naming the error code decides the disposition and the resolution.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from amazon_odoo.domain.errors import (
    ConflictError,
    ConnectorError,
    PermanentError,
    RetryableError,
    ThrottledError,
)
from amazon_odoo.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class AwsTarget:
    """Where clients point: the region, an endpoint override (moto) and, for local runs only, credentials.

    Without explicit credentials boto3's default chain applies (the Lambda role in AWS).
    """

    region: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AwsTarget:
        current = settings or get_settings()
        return cls(region=current.aws_region, endpoint_url=current.aws_endpoint_url)


def client_config() -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )


_session_lock = threading.RLock()  # re-entrant: a client builder takes it, then asks for the session


@cache
def aws_session(target: AwsTarget) -> boto3.Session:
    with _session_lock:  # boto3 sessions are not thread safe while being built
        return boto3.Session(
            region_name=target.region,
            aws_access_key_id=target.access_key_id,
            aws_secret_access_key=target.secret_access_key,
            aws_session_token=target.session_token,
        )


@cache
def _client(target: AwsTarget, service: str) -> Any:
    """One client per target and service, built under the session lock."""
    with _session_lock:
        return aws_session(target).client(service, endpoint_url=target.endpoint_url, config=client_config())  # type: ignore[call-overload]


def dynamodb_client(target: AwsTarget | None = None) -> DynamoDBClient:
    return cast("DynamoDBClient", _client(target or AwsTarget.from_settings(), "dynamodb"))


def sqs_client(target: AwsTarget | None = None) -> SQSClient:
    return cast("SQSClient", _client(target or AwsTarget.from_settings(), "sqs"))


def secretsmanager_client(target: AwsTarget | None = None) -> SecretsManagerClient:
    return cast("SecretsManagerClient", _client(target or AwsTarget.from_settings(), "secretsmanager"))


def s3_client(target: AwsTarget | None = None) -> S3Client:
    return cast("S3Client", _client(target or AwsTarget.from_settings(), "s3"))


def scheduler_client(target: AwsTarget | None = None) -> EventBridgeSchedulerClient:
    return cast("EventBridgeSchedulerClient", _client(target or AwsTarget.from_settings(), "scheduler"))


def lambda_client(target: AwsTarget | None = None) -> Any:
    """Lambda (``invoke`` of a job's function: adapters/aws/launcher.py); untyped, no stubs installed."""
    return _client(target or AwsTarget.from_settings(), "lambda")


def clear_clients() -> None:
    """Forget every cached session and client (tests, the local runner after re-pointing settings)."""
    _client.cache_clear()
    aws_session.cache_clear()


# --- the failure table ------------------------------------------------------------------------------------

THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
        "LimitExceededException",
    }
)
TRANSIENT = frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionConflictException",
        "TransactionInProgressException",
        "TransactionCanceledException",
    }
)
ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "KMS.AccessDeniedException",
        "DecryptionFailure",
    }
)
NOT_FOUND = frozenset(
    {
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NoSuchBucket",
        "NoSuchKey",
    }
)
CONDITION_FAILED = frozenset({"ConditionalCheckFailedException"})
NO_CREDENTIALS = frozenset({"NoCredentials"})

_KIND_OF_RESOURCE = {
    "dynamodb": "table",
    "sqs": "queue",
    "secretsmanager": "secret",
    "s3": "bucket",
    "scheduler": "schedule",
    "lambda": "function",
}
_CREATE_HINT = {
    "dynamodb": "deploy the stack (or run `amazon-odoo demo`) so the table exists, and check STATE_TABLE",
    "sqs": "deploy the stack so the queue exists, and check the queue URL setting",
    "secretsmanager": "create it (`amazon-odoo sellers load` stores env: credentials) or fix the reference",
    "s3": "deploy the stack so the bucket exists, and check DOCUMENTS_BUCKET",
    "scheduler": "deploy the stack so the schedule group exists, and check SCHEDULE_GROUP",
    "lambda": "deploy the stack so the function exists, and check JOB_FUNCTIONS (template output JobFunctions)",
}


@dataclass(frozen=True)
class AwsFailure:
    """One failed AWS call, before classification."""

    service: str  # dynamodb | sqs | secretsmanager | s3
    operation: str  # PutItem, GetSecretValue ...
    code: str  # the AWS error code; "" for a network failure
    message: str
    resource: str  # table / queue / secret / bucket name
    status: int | None = None

    @property
    def permission(self) -> str:
        return f"{self.service}:{self.operation}" if self.operation else f"{self.service}:*"

    @property
    def kind(self) -> str:
        return _KIND_OF_RESOURCE.get(self.service, "resource")


@dataclass(frozen=True)
class AwsRule:
    codes: frozenset[str]
    error: type[ConnectorError]
    message: str  # format fields: any AwsFailure attribute
    resolution: str


#: First matching row wins. Network failures (code "") and unknown 5xx are transient; the rest permanent.
AWS_FAILURES: tuple[AwsRule, ...] = (
    AwsRule(
        CONDITION_FAILED,
        ConflictError,
        "{kind} {resource}: the item changed since it was read ({operation})",
        "re-read and try again; another worker got there first",
    ),
    AwsRule(
        THROTTLING,
        ThrottledError,
        "AWS throttled {permission} on {kind} {resource}",
        "nothing to do: the work is retried later; raise the quota if this persists",
    ),
    AwsRule(
        TRANSIENT,
        RetryableError,
        "AWS {service} is temporarily unavailable ({code}) for {kind} {resource}",
        "nothing to do: the work is retried",
    ),
    AwsRule(
        NO_CREDENTIALS,
        PermanentError,
        "no AWS credentials to reach {kind} {resource}",
        "run with AWS credentials (a profile, or the function's role), or set AWS_ENDPOINT_URL to a local "
        "endpoint such as the one `amazon-odoo demo` starts",
    ),
    AwsRule(
        ACCESS_DENIED,
        PermanentError,
        "access denied: {permission} on {kind} {resource} ({code})",
        "grant {permission} on {kind} {resource} to the function's role (or check the AWS credentials)",
    ),
    AwsRule(
        NOT_FOUND,
        PermanentError,
        "{kind} {resource} does not exist ({operation})",
        "{create_hint}",
    ),
)

_NETWORK = AwsRule(
    frozenset(),
    RetryableError,
    "cannot reach AWS {service} for {kind} {resource}: {message}",
    "nothing to do: the work is retried; check AWS_ENDPOINT_URL when running locally",
)
_SERVER = AwsRule(
    frozenset(),
    RetryableError,
    "AWS {service} failed ({code}) on {kind} {resource}",
    "nothing to do: retried",
)
_OTHER = AwsRule(
    frozenset(),
    PermanentError,
    "AWS {service} refused {operation} on {kind} {resource}: {code} {message}",
    "check the request and the {kind} {resource}; this is not retried",
)


def classify_failure(failure: AwsFailure, *, record: str = "") -> ConnectorError:
    rule = next((r for r in AWS_FAILURES if failure.code in r.codes), None)
    if rule is None:
        if not failure.code:
            rule = _NETWORK
        elif failure.status is not None and failure.status >= 500:
            rule = _SERVER
        else:
            rule = _OTHER
    fields = {
        "service": failure.service,
        "operation": failure.operation,
        "code": failure.code,
        "message": failure.message,
        "resource": failure.resource,
        "permission": failure.permission,
        "kind": failure.kind,
        "create_hint": _CREATE_HINT.get(failure.service, "create it"),
    }
    return rule.error(
        rule.message.format(**fields),
        resolution=rule.resolution.format(**fields),
        record=record or f"{failure.kind} {failure.resource}",
        source=f"aws:{failure.service}",
        code=failure.code,
    )


def aws_error(
    exc: ClientError | BotoCoreError, *, service: str, resource: str, record: str = ""
) -> ConnectorError:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        failure = AwsFailure(
            service=service,
            operation=exc.operation_name,
            code=str(error.get("Code", "")),
            message=str(error.get("Message", "")),
            resource=resource,
            status=status,
        )
    elif isinstance(exc, NoCredentialsError):
        failure = AwsFailure(service, "", "NoCredentials", str(exc), resource)
    elif isinstance(exc, ConnectionError | EndpointConnectionError | ReadTimeoutError):
        failure = AwsFailure(service, "", "", str(exc), resource)
    else:
        failure = AwsFailure(service, "", type(exc).__name__, str(exc), resource)
    return classify_failure(failure, record=record)


@contextmanager
def aws_errors(service: str, resource: str, *, record: str = "") -> Iterator[None]:
    """Run AWS calls; re-raise any botocore failure as the classified ConnectorError."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise aws_error(exc, service=service, resource=resource, record=record) from exc
