"""Credentials in AWS Secrets Manager, and the resolver for ``secret:NAME`` / ``env:NAME`` references.

Secret values never reach logs, errors or the state table: errors name the secret, never its value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from amazon_odoo.adapters.aws.clients import aws_error, aws_errors
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.ports import SecretStore

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

DEFAULT_CACHE_SECONDS = 300.0


def secret_name(prefix: str, name: str) -> str:
    """The full name of a secret: ``prefix`` is added unless ``name`` already carries it."""
    return name if not prefix or name.startswith(prefix) else f"{prefix}{name}"


class SecretsManagerStore:
    """:class:`amazon_odoo.ports.SecretStore` on Secrets Manager, with a per-process read cache.

    Names are full secret names; ``prefix`` (``SECRETS_PREFIX``) is prepended to a name that does not
    already start with it, so ``amazon-odoo/mugs/refresh_token`` and ``mugs/refresh_token`` are the same.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        prefix: str = "",
        *,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def put_secret(self, name: str, value: str) -> None:
        full = secret_name(self._prefix, name)
        try:
            self._client.put_secret_value(SecretId=full, SecretString=value)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise aws_error(exc, service="secretsmanager", resource=full) from exc
            with aws_errors("secretsmanager", full):
                self._client.create_secret(
                    Name=full, SecretString=value, Description="amazon-odoo connector credential"
                )
        except BotoCoreError as exc:
            raise aws_error(exc, service="secretsmanager", resource=full) from exc
        with self._lock:
            self._cache[full] = (self._monotonic() + self._cache_seconds, value)

    def get_secret(self, name: str) -> str:
        full = secret_name(self._prefix, name)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(full)
        if cached is not None and cached[0] > now:
            return cached[1]
        with aws_errors("secretsmanager", full, record=f"secret {full}"):
            response = self._client.get_secret_value(SecretId=full)
        value = response.get("SecretString")
        if value is None:
            raise PermanentError(
                f"secret {full} holds binary data, not text",
                record=f"secret {full}",
                resolution="store the credential as a plain text secret value",
                source="aws:secretsmanager",
            )
        with self._lock:
            self._cache[full] = (now + self._cache_seconds, value)
        return value

    def forget(self, name: str | None = None) -> None:
        """Drop one cached value (or all): the next read goes to Secrets Manager."""
        with self._lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(secret_name(self._prefix, name), None)


def resolve_secret_ref(ref: str, secrets: SecretStore, environ: Mapping[str, str]) -> str:
    """The value behind ``secret:NAME`` (from ``secrets``) or ``env:NAME`` (from ``environ``)."""
    kind, sep, target = ref.partition(":")
    if not sep or not target or kind not in ("secret", "env"):
        raise PermanentError(
            f"{ref!r} is not a credential reference",
            record=ref,
            resolution="write credentials as 'secret:NAME' or 'env:NAME' in the sellers file",
        )
    if kind == "env":
        value = environ.get(target, "")
        if not value:
            raise PermanentError(
                f"environment variable {target} is not set",
                record=ref,
                resolution=f"set {target}, or store the credential in Secrets Manager and use secret:NAME",
            )
        return value
    value = secrets.get_secret(target)
    if not value:
        raise PermanentError(
            f"secret {target} is empty",
            record=ref,
            resolution=f"store the credential's value in the secret {target}",
        )
    return value
