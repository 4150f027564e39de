"""AWS adapters: the only code that imports boto3 (DynamoDB state, SQS, Secrets Manager, S3 clients)."""

from amazon_odoo.adapters.aws.clients import (
    AwsTarget,
    aws_error,
    aws_errors,
    clear_clients,
    dynamodb_client,
    s3_client,
    secretsmanager_client,
    sqs_client,
)
from amazon_odoo.adapters.aws.queues import SqsWorkQueue
from amazon_odoo.adapters.aws.secrets import SecretsManagerStore, resolve_secret_ref
from amazon_odoo.adapters.aws.state import DynamoStateStore

__all__ = [
    "AwsTarget",
    "DynamoStateStore",
    "SecretsManagerStore",
    "SqsWorkQueue",
    "aws_error",
    "aws_errors",
    "clear_clients",
    "dynamodb_client",
    "resolve_secret_ref",
    "s3_client",
    "secretsmanager_client",
    "sqs_client",
]
