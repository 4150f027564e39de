"""In-memory StateStore, SecretStore and WorkQueue with the semantics of the DynamoDB/SQS adapters:
optimistic locking, lease expiry, newest-first ordering, filters, TTL hidden on read."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConflictError, PermanentError
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, utcnow


class InMemoryStateStore:
    def __init__(self, *, log_retention_days: int = 90, clock: Callable[[], datetime] = utcnow) -> None:
        self._retention = timedelta(days=log_retention_days)
        self._clock = clock
        self._lock = threading.Lock()
        self._sellers: dict[str, str] = {}
        self._checkpoints: dict[tuple[str, str, str], Checkpoint] = {}
        self._leases: dict[str, tuple[str, datetime]] = {}
        self._runs: dict[tuple[str, str], JobRun] = {}  # (seller, run_id)
        self._last: dict[tuple[str, str], JobRun] = {}  # (seller, job)
        self._logs: list[LogEntry] = []

    # sellers: stored as JSON, as in DynamoDB, so a model that does not round-trip fails here too
    def replace_sellers(self, sellers: Sequence[SellerConfig]) -> None:
        with self._lock:
            self._sellers = {s.id: json.dumps(s.model_dump(mode="json")) for s in sellers}

    def get_seller(self, seller_id: str) -> SellerConfig | None:
        raw = self._sellers.get(seller_id)
        return SellerConfig.model_validate(json.loads(raw)) if raw else None

    def list_sellers(self) -> list[SellerConfig]:
        return [SellerConfig.model_validate(json.loads(self._sellers[k])) for k in sorted(self._sellers)]

    def get_checkpoint(self, seller_id: str, job: str, scope: str = "") -> Checkpoint | None:
        return self._checkpoints.get((seller_id, job, scope))

    def save_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint:
        key = (checkpoint.seller_id, checkpoint.job, checkpoint.scope)
        with self._lock:
            stored = self._checkpoints.get(key)
            if (stored.version if stored else 0) != checkpoint.version:
                raise ConflictError(
                    "the checkpoint changed since it was read",
                    record=f"checkpoint {'/'.join(key)}".rstrip("/"),
                )
            saved = checkpoint.model_copy(
                update={"version": checkpoint.version + 1, "updated_at": self._clock()}
            )
            self._checkpoints[key] = saved
            return saved

    def acquire_lease(self, key: str, owner: str, ttl_seconds: int, now: datetime | None = None) -> bool:
        at = (now or self._clock()).replace(microsecond=0)
        with self._lock:
            held = self._leases.get(key)
            if held and held[0] != owner and held[1] >= at:
                return False
            self._leases[key] = (owner, at + timedelta(seconds=ttl_seconds))
            return True

    def release_lease(self, key: str, owner: str) -> None:
        with self._lock:
            held = self._leases.get(key)
            if held and held[0] == owner:
                del self._leases[key]

    def _record(self, run: JobRun) -> JobRun:
        with self._lock:
            self._runs[(run.seller_id, run.run_id)] = run
            last = self._last.get((run.seller_id, run.job))
            if last is None or last.started_at <= run.started_at:
                self._last[(run.seller_id, run.job)] = run
        return run

    def start_run(self, run: JobRun) -> JobRun:
        return self._record(run)

    def finish_run(self, run: JobRun) -> JobRun:
        return self._record(run)

    def last_runs(self, seller_id: str) -> dict[str, JobRun]:
        return {job: run for (sid, job), run in self._last.items() if sid == seller_id}

    def list_runs(self, seller_id: str, job: str | None = None, limit: int = 20) -> list[JobRun]:
        now = self._clock()
        runs = [
            r
            for (sid, _), r in self._runs.items()
            if sid == seller_id and (job is None or r.job == job) and r.started_at + self._retention > now
        ]
        runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
        return runs[: max(limit, 0)]

    def add_log(self, entry: LogEntry) -> None:
        with self._lock:
            self._logs.append(entry)

    def list_logs(
        self,
        seller_id: str | None = None,
        job: str | None = None,
        level: LogLevel | None = None,
        limit: int = 100,
    ) -> list[LogEntry]:
        now = self._clock()
        known = set(self._sellers) | {""}
        found = [
            e
            for e in self._logs
            if (e.seller_id == seller_id if seller_id is not None else e.seller_id in known)
            and (job is None or e.job == job)
            and (level is None or e.level == level)
            and e.at + self._retention > now
        ]
        found.sort(key=lambda e: (e.at, e.entry_id), reverse=True)
        return found[: max(limit, 0)]


class InMemorySecretStore:
    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self.values: dict[str, str] = {}

    def _full(self, name: str) -> str:
        return name if not self._prefix or name.startswith(self._prefix) else f"{self._prefix}{name}"

    def put_secret(self, name: str, value: str) -> None:
        self.values[self._full(name)] = value

    def get_secret(self, name: str) -> str:
        full = self._full(name)
        if full not in self.values:
            raise PermanentError(
                f"secret {full} does not exist",
                record=f"secret {full}",
                resolution=f"create the secret {full} in Secrets Manager",
            )
        return self.values[full]


class InMemoryWorkQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None:
        self.messages.append(json.loads(json.dumps(body, default=str)))

    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int:
        for body in bodies:
            self.send(body)
        return len(bodies)
