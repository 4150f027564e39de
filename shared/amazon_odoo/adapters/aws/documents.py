"""Documents in the S3 DocumentsBucket: what is too large for a state item (DynamoDB's 400 KB).

Feed documents as submitted, their item manifests, processing reports as downloaded and their parsed
results live under ``feeds/<seller>/<submission id>/``; the bucket's lifecycle rule expires them after
``DocumentsRetentionDays``. Failures are classified by the AWS failure table, except a missing key, which
is a :class:`PermanentError` naming the document (expired, or never stored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from amazon_odoo.adapters.aws.clients import aws_error, aws_errors
from amazon_odoo.domain.errors import PermanentError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3DocumentStore:
    """:class:`amazon_odoo.ports.DocumentStore` on one S3 bucket (keys under an optional prefix)."""

    def __init__(self, bucket: str, client: S3Client, *, prefix: str = "") -> None:
        self._bucket = bucket
        self._client = client
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}{key}"

    def put_document(self, key: str, content: bytes, content_type: str = "application/octet-stream") -> None:
        with aws_errors("s3", self._bucket, record=f"document {key}"):
            self._client.put_object(
                Bucket=self._bucket, Key=self._key(key), Body=content, ContentType=content_type
            )

    def get_document(self, key: str) -> bytes:
        record = f"document {key}"
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=self._key(key))
            content: bytes = response["Body"].read()
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                raise PermanentError(
                    f"document {key} is not in bucket {self._bucket}",
                    resolution="it expired (DocumentsRetentionDays) or was never stored",
                    record=record,
                    source="aws:s3",
                    code="NoSuchKey",
                ) from exc
            raise aws_error(exc, service="s3", resource=self._bucket, record=record) from exc
        except BotoCoreError as exc:
            raise aws_error(exc, service="s3", resource=self._bucket, record=record) from exc
        return content
