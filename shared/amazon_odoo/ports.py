"""Interfaces the services depend on. Adapters implement them; every port has an in-memory fake
(``tests/fakes``) held honest by a contract suite that also runs against the real adapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel


class StateStore(Protocol):
    """The connector's own state (DynamoDB in AWS). No personal data is ever stored here."""

    # seller configuration (the validated sellers file)
    def replace_sellers(self, sellers: Sequence[SellerConfig]) -> None: ...
    def get_seller(self, seller_id: str) -> SellerConfig | None: ...
    def list_sellers(self) -> list[SellerConfig]: ...

    # checkpoints with optimistic locking: ``save`` succeeds only if the stored version equals
    # ``checkpoint.version`` (0 = must not exist yet) and returns the saved copy with version + 1;
    # otherwise raises ConflictError.
    def get_checkpoint(self, seller_id: str, job: str, scope: str = "") -> Checkpoint | None: ...
    def save_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint: ...

    # leases: True when acquired (free, expired, or already ours); renewing extends it.
    def acquire_lease(self, key: str, owner: str, ttl_seconds: int, now: datetime | None = None) -> bool: ...
    def release_lease(self, key: str, owner: str) -> None: ...

    # job runs
    def start_run(self, run: JobRun) -> JobRun: ...
    def finish_run(self, run: JobRun) -> JobRun: ...
    def last_runs(self, seller_id: str) -> dict[str, JobRun]: ...
    def list_runs(self, seller_id: str, job: str | None = None, limit: int = 20) -> list[JobRun]: ...

    # the log book
    def add_log(self, entry: LogEntry) -> None: ...
    def list_logs(
        self,
        seller_id: str | None = None,
        job: str | None = None,
        level: LogLevel | None = None,
        limit: int = 100,
    ) -> list[LogEntry]: ...


class SecretStore(Protocol):
    """Credentials (Secrets Manager in AWS). Values never reach logs or the state table."""

    def put_secret(self, name: str, value: str) -> None: ...
    def get_secret(self, name: str) -> str: ...


class WorkQueue(Protocol):
    """Internal work queue (SQS): one message per unit of work so one bad record never blocks others."""

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None: ...
    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int: ...
