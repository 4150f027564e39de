"""In-memory StateStore, SecretStore and WorkQueue with the semantics of the DynamoDB/SQS adapters:
optimistic locking, lease expiry, newest-first ordering, filters, TTL hidden on read."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.documents import BuyerDocument  # buyer documents (issue 8)
from amazon_odoo.domain.errors import ConflictError, PermanentError
from amazon_odoo.domain.feeds import FailedItem, FeedRecord, FeedStatus
from amazon_odoo.domain.listings import ListingBinding  # listings out (issue 5)
from amazon_odoo.domain.refunds import RefundRecord  # refunds at Amazon (issue 8)
from amazon_odoo.domain.settlements import ReportState, SettlementRecord  # settlements (issue 6)
from amazon_odoo.domain.shipments import ShipmentRecord
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, ParkedOrder, utcnow


class InMemoryStateStore:
    def __init__(self, *, log_retention_days: int = 90, clock: Callable[[], datetime] = utcnow) -> None:
        self._retention = timedelta(days=log_retention_days)
        self._clock = clock
        self._lock = threading.RLock()
        self._sellers: dict[str, str] = {}
        self._checkpoints: dict[tuple[str, str, str], Checkpoint] = {}
        self._leases: dict[str, tuple[str, datetime]] = {}
        self._runs: dict[tuple[str, str], JobRun] = {}  # (seller, run_id)
        self._last: dict[tuple[str, str], JobRun] = {}  # (seller, job)
        self._logs: list[LogEntry] = []
        self._parked: dict[tuple[str, str], ParkedOrder] = {}  # (seller, Amazon order id)
        self._feed_records: dict[tuple[str, str], str] = {}  # (seller, submission id) -> record JSON
        self._feed_aliases: dict[tuple[str, str], str] = {}  # (seller, Amazon feed id) -> submission id
        self._failed: dict[tuple[str, str, str, str], str] = {}  # (seller, job, scope, key) -> JSON
        self._shipment_records: dict[tuple[str, str, int], str] = {}  # (seller, order, picking) -> JSON

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

    # parked orders (unknown SKU)
    def park_order(
        self,
        seller_id: str,
        order_id: str,
        *,
        missing_skus: Sequence[str],
        marketplace_id: str = "",
        reason: str = "",
        now: datetime | None = None,
    ) -> ParkedOrder:
        at = now or self._clock()
        with self._lock:
            before = self._parked.get((seller_id, order_id))
            parked = ParkedOrder(
                seller_id=seller_id,
                order_id=order_id,
                marketplace_id=marketplace_id,
                missing_skus=tuple(dict.fromkeys(missing_skus)),
                reason=reason,
                first_seen=before.first_seen if before else at,
                last_seen=at,
                attempts=before.attempts + 1 if before else 1,
            )
            self._parked[(seller_id, order_id)] = parked
            return parked

    def get_parked_order(self, seller_id: str, order_id: str) -> ParkedOrder | None:
        return self._parked.get((seller_id, order_id))

    def list_parked_orders(self, seller_id: str | None = None) -> list[ParkedOrder]:
        sellers = {seller_id} if seller_id is not None else set(self._sellers)
        found = [p for (sid, _), p in self._parked.items() if sid in sellers]
        return sorted(found, key=lambda p: (p.seller_id, p.first_seen, p.order_id))

    def unpark_order(self, seller_id: str, order_id: str) -> bool:
        with self._lock:
            return self._parked.pop((seller_id, order_id), None) is not None

    # feeds: records as JSON (as in DynamoDB), found by submission id or Amazon's feed id, optimistic
    # versions, hidden once expired with the log book; failed items per (seller, job, scope, key)
    def _feed_state(self) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
        return self._feed_records, self._feed_aliases

    def _live_feed(self, raw: str | None) -> FeedRecord | None:
        if raw is None:
            return None
        record = FeedRecord.model_validate_json(raw)
        return record if record.created_at + self._retention > self._clock() else None

    def save_feed(self, record: FeedRecord) -> FeedRecord:
        records, aliases = self._feed_state()
        key = (record.seller_id, record.submission_id)
        with self._lock:
            saved = _save_versioned(records, key, record, f"feed {record.seller_id}/{record.label}")
            if saved.feed_id:
                aliases[(saved.seller_id, saved.feed_id)] = saved.submission_id
            return saved

    def get_feed(self, seller_id: str, feed_id: str) -> FeedRecord | None:
        records, aliases = self._feed_state()
        submission = aliases.get((seller_id, feed_id), feed_id)
        return self._live_feed(records.get((seller_id, submission)))

    def list_feeds(
        self, seller_id: str, status: FeedStatus | None = None, limit: int = 50
    ) -> list[FeedRecord]:
        records, _ = self._feed_state()
        found = [
            record
            for (sid, _), raw in records.items()
            if sid == seller_id
            and (record := self._live_feed(raw)) is not None
            and (status is None or record.status == status)
        ]
        found.sort(key=lambda record: record.submission_id, reverse=True)
        return found[: max(limit, 0)]

    def pending_feeds(self, seller_id: str) -> list[FeedRecord]:
        records, _ = self._feed_state()
        found = [self._live_feed(raw) for (sid, _), raw in records.items() if sid == seller_id]
        return sorted((r for r in found if r is not None and r.pending), key=lambda r: r.submission_id)

    def save_failed_items(self, seller_id: str, job: str, scope: str, items: Sequence[FailedItem]) -> None:
        with self._lock:
            for item in items:
                self._failed[(seller_id, job, scope, item.key)] = item.model_dump_json()

    def clear_failed_items(self, seller_id: str, job: str, scope: str, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._failed.pop((seller_id, job, scope, key), None)

    def failed_items(self, seller_id: str, job: str, scope: str) -> list[FailedItem]:
        found = [
            FailedItem.model_validate_json(raw)
            for (sid, j, sc, _), raw in self._failed.items()
            if (sid, j, sc) == (seller_id, job, scope)
        ]
        return sorted(found, key=lambda item: item.key)

    # shipments out (issue 4): records as JSON (as in DynamoDB), optimistic versions, done ones hidden once
    # expired with the log book
    def _shipments(self) -> dict[tuple[str, str, int], str]:
        return self._shipment_records

    def _live_shipment(self, raw: str | None) -> ShipmentRecord | None:
        if raw is None:
            return None
        record = ShipmentRecord.model_validate_json(raw)
        if not record.is_open and record.done_at and record.done_at + self._retention <= self._clock():
            return None
        return record

    def save_shipment(self, record: ShipmentRecord) -> ShipmentRecord:
        records = self._shipments()
        key = (record.seller_id, record.order_id, record.picking_id)
        with self._lock:
            saved = _save_versioned(records, key, record, f"shipment {record.seller_id}/{record.label}")
            return saved

    def get_shipments(self, seller_id: str, keys: Sequence[tuple[str, int]]) -> dict[int, ShipmentRecord]:
        records = self._shipments()
        found = [self._live_shipment(records.get((seller_id, order, picking))) for order, picking in keys]
        return {r.picking_id: r for r in found if r is not None}

    def open_shipments(self, seller_id: str) -> list[ShipmentRecord]:
        found = [
            self._live_shipment(raw) for (sid, _, _), raw in self._shipments().items() if sid == seller_id
        ]
        return sorted(
            (r for r in found if r is not None and r.is_open), key=lambda r: (r.created_at, r.picking_id)
        )

    def order_shipments(self, seller_id: str, order_id: str) -> list[ShipmentRecord]:
        found = [
            self._live_shipment(raw)
            for (sid, oid, _), raw in self._shipments().items()
            if (sid, oid) == (seller_id, order_id)
        ]
        return sorted((r for r in found if r is not None), key=lambda r: r.picking_id)

    # buyer documents (issue 8): records as JSON per (seller, move id), optimistic versions, no expiry
    def _buyer_documents(self) -> dict[tuple[str, int], str]:
        if not hasattr(self, "_buyer_document_records"):
            self._buyer_document_records: dict[tuple[str, int], str] = {}
        return self._buyer_document_records

    def save_buyer_document(self, record: BuyerDocument) -> BuyerDocument:
        records = self._buyer_documents()
        key = (record.seller_id, record.move_id)
        with self._lock:
            saved = _save_versioned(records, key, record, f"buyer document {record.seller_id}/{record.label}")
            return saved

    def get_buyer_documents(self, seller_id: str, move_ids: Sequence[int]) -> dict[int, BuyerDocument]:
        records = self._buyer_documents()
        found = [records.get((seller_id, move_id)) for move_id in move_ids]
        return {d.move_id: d for d in (BuyerDocument.model_validate_json(r) for r in found if r)}

    # refunds at Amazon (issue 8): records as JSON per (seller, order, refund id), optimistic versions
    def _refunds(self) -> dict[tuple[str, str, str], str]:
        if not hasattr(self, "_refund_records"):
            self._refund_records: dict[tuple[str, str, str], str] = {}
        return self._refund_records

    def save_refund(self, record: RefundRecord) -> RefundRecord:
        records = self._refunds()
        key = (record.seller_id, record.order_id, record.refund_id)
        with self._lock:
            saved = _save_versioned(
                records, key, record, f"refund {record.refund_id} of order {record.order_id}"
            )
            return saved

    def order_refunds(self, seller_id: str, order_id: str) -> list[RefundRecord]:
        found = [
            RefundRecord.model_validate_json(raw)
            for (sid, oid, _), raw in self._refunds().items()
            if (sid, oid) == (seller_id, order_id)
        ]
        return sorted(found, key=lambda r: (r.created_at, r.refund_id))

    def list_buyer_documents(self, seller_id: str, limit: int = 100) -> list[BuyerDocument]:
        mine = sorted(
            (
                BuyerDocument.model_validate_json(raw)
                for (sid, _), raw in self._buyer_documents().items()
                if sid == seller_id
            ),
            key=lambda d: d.move_id,
            reverse=True,
        )
        return mine[: max(limit, 0)]

    # listings out (issue 5): bindings as JSON per (seller, marketplace, SKU), as in DynamoDB; last accepted
    # values per (seller, job, marketplace, SKU)
    def _listings(self) -> tuple[dict[tuple[str, str, str], str], dict[tuple[str, str, str, str], str]]:
        if not hasattr(self, "_listing_bindings"):
            self._listing_bindings: dict[tuple[str, str, str], str] = {}
            self._listing_values: dict[tuple[str, str, str, str], str] = {}
        return self._listing_bindings, self._listing_values

    def save_bindings(self, bindings: Sequence[ListingBinding]) -> None:
        stored, _ = self._listings()
        with self._lock:
            for binding in bindings:
                stored[(binding.seller_id, binding.marketplace_id, binding.sku)] = binding.model_dump_json()

    def list_bindings(self, seller_id: str, marketplace_id: str) -> list[ListingBinding]:
        stored, _ = self._listings()
        found = [
            ListingBinding.model_validate_json(raw)
            for (sid, mp, _), raw in stored.items()
            if (sid, mp) == (seller_id, marketplace_id)
        ]
        return sorted(found, key=lambda b: b.sku)

    def get_bindings(
        self, seller_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, ListingBinding]:
        stored, _ = self._listings()
        raw = {sku: stored.get((seller_id, marketplace_id, sku)) for sku in skus}
        return {sku: ListingBinding.model_validate_json(text) for sku, text in raw.items() if text}

    def listing_values(self, seller_id: str, job: str, marketplace_id: str) -> dict[str, str]:
        _, values = self._listings()
        return {
            sku: value
            for (sid, j, mp, sku), value in values.items()
            if (sid, j, mp) == (seller_id, job, marketplace_id)
        }

    def save_listing_values(
        self, seller_id: str, job: str, marketplace_id: str, values: Mapping[str, str]
    ) -> None:
        _, stored = self._listings()
        with self._lock:
            for sku, value in values.items():
                stored[(seller_id, job, marketplace_id, sku)] = value

    # settlements (issue 6): records as JSON per (seller, report id), as in DynamoDB; optimistic versions;
    # they never expire
    def _settlements(self) -> dict[tuple[str, str], str]:
        if not hasattr(self, "_settlement_records"):
            self._settlement_records: dict[tuple[str, str], str] = {}
        return self._settlement_records

    def save_settlement(self, record: SettlementRecord) -> SettlementRecord:
        records = self._settlements()
        key = (record.seller_id, record.report_id)
        with self._lock:
            saved = _save_versioned(records, key, record, f"settlement {record.seller_id}/{record.report_id}")
            return saved

    def get_settlement(self, seller_id: str, report_id: str) -> SettlementRecord | None:
        raw = self._settlements().get((seller_id, report_id))
        return SettlementRecord.model_validate_json(raw) if raw else None

    def list_settlements(
        self, seller_id: str, states: Sequence[ReportState] = (), limit: int = 100
    ) -> list[SettlementRecord]:
        wanted = {ReportState(state) for state in states}
        found = [
            SettlementRecord.model_validate_json(raw)
            for (sid, _), raw in self._settlements().items()
            if sid == seller_id
        ]
        found = [r for r in found if not wanted or r.state in wanted]
        found.sort(key=lambda r: (r.report_created_at or r.created_at, r.report_id), reverse=True)
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


class InMemoryDocumentStore:
    """The DocumentStore port in memory (S3 DocumentsBucket in AWS)."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[bytes, str]] = {}

    def put_document(self, key: str, content: bytes, content_type: str = "application/octet-stream") -> None:
        self.documents[key] = (bytes(content), content_type)

    def get_document(self, key: str) -> bytes:
        if key not in self.documents:
            raise PermanentError(
                f"document {key} is not in the documents store",
                resolution="it expired (DocumentsRetentionDays) or was never stored",
                record=f"document {key}",
                source="aws:s3",
                code="NoSuchKey",
            )
        return self.documents[key][0]


_Versioned = TypeVar("_Versioned", FeedRecord, ShipmentRecord, BuyerDocument, RefundRecord, SettlementRecord)


def _save_versioned(records: dict[Any, str], key: Any, record: _Versioned, label: str) -> _Versioned:
    """The fake's optimistic-locking put (the DynamoDB store's ``_versioned``): stored as JSON, refused when
    someone saved it since it was read."""
    stored = records.get(key)
    version = type(record).model_validate_json(stored).version if stored else 0
    if version != record.version:
        raise ConflictError(f"{label} changed since it was read", record=label)
    saved = record.model_copy(update={"version": record.version + 1})
    records[key] = saved.model_dump_json()
    return saved
