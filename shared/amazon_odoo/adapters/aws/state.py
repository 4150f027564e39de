"""The state store on one DynamoDB table (``PK``/``SK`` strings). Keys are built here and nowhere else.

======================  ===================================  ====================================
item                    PK                                   SK
======================  ===================================  ====================================
seller configuration    ``SELLERS``                          ``SELLER#<id>``
checkpoint              ``SELLER#<id>``                      ``CHECKPOINT#<job>#<scope>``
lease                   ``LEASE#<key>``                      ``LEASE``
job run                 ``SELLER#<id>``                      ``RUN#<job>#<started>#<run_id>``
latest run of a job     ``SELLER#<id>``                      ``LASTRUN#<job>``
log book entry          ``LOG#<seller id, or - for none>``   ``<at>#<entry_id>``
======================  ===================================  ====================================

Times in sort keys are fixed-width UTC (``2026-01-31T09:05:00.000000Z``) so string order is time order.
``ttl`` (epoch seconds) lets DynamoDB delete log entries, runs and leases on its own; since that deletion
lags, expired items are also hidden on read. No personal data is stored in any of these records.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConflictError, RetryableError
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, utcnow

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        PutItemInputTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        WriteRequestTypeDef,
    )

    Item = dict[str, AttributeValueTypeDef]

SELLERS_PK = "SELLERS"
NO_SELLER = "-"
TRANSACTION_LIMIT = 100
BATCH_LIMIT = 25
LEASE_TTL_SLACK_SECONDS = 3600  # DynamoDB may delete an expired lease an hour after it ran out


# --- keys and time formats (shared with the in-memory fake's ordering) --------------------------------------


def sort_time(at: datetime) -> str:
    """Fixed-width UTC text whose string order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch(at: datetime) -> int:
    return math.floor(at.timestamp())


def seller_pk(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


def seller_sk(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


def checkpoint_sk(job: str, scope: str) -> str:
    return f"CHECKPOINT#{job}#{scope}"


def lease_pk(key: str) -> str:
    return f"LEASE#{key}"


def run_prefix(job: str | None) -> str:
    return f"RUN#{job}#" if job else "RUN#"


def run_sk(run: JobRun) -> str:
    return f"{run_prefix(run.job)}{sort_time(run.started_at)}#{run.run_id}"


def last_run_sk(job: str) -> str:
    return f"LASTRUN#{job}"


def log_pk(seller_id: str) -> str:
    return f"LOG#{seller_id or NO_SELLER}"


def log_sk(entry: LogEntry) -> str:
    return f"{sort_time(entry.at)}#{entry.entry_id}"


# --- attribute values ---------------------------------------------------------------------------------------


def _s(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def _n(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def _key(pk: str, sk: str) -> Item:
    return {"PK": _s(pk), "SK": _s(sk)}


def _text(item: Mapping[str, AttributeValueTypeDef], name: str, default: str = "") -> str:
    value = item.get(name)
    return value["S"] if value is not None and "S" in value else default


def _int(item: Mapping[str, AttributeValueTypeDef], name: str, default: int = 0) -> int:
    value = item.get(name)
    return int(value["N"]) if value is not None and "N" in value else default


def _optional_text(item: Mapping[str, AttributeValueTypeDef], name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value is not None and "S" in value else None


class DynamoStateStore:
    """:class:`amazon_odoo.ports.StateStore` on DynamoDB."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient,
        *,
        log_retention_days: int = 90,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._table = table_name
        self._client = client
        self._retention = timedelta(days=log_retention_days)
        self._clock = clock

    # -- low level ---------------------------------------------------------------------------------------

    def _query(self, request: QueryInputTypeDef, *, want: int | None = None) -> list[Item]:
        """All items of a query (every page), or the first ``want`` when given."""
        items: list[Item] = []
        page: QueryInputTypeDef = {**request, "TableName": self._table}
        while True:
            with aws_errors("dynamodb", self._table):
                response = self._client.query(**page)
            items.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last or (want is not None and len(items) >= want):
                return items if want is None else items[:want]
            page["ExclusiveStartKey"] = last

    def _get(self, pk: str, sk: str) -> Item | None:
        with aws_errors("dynamodb", self._table):
            response = self._client.get_item(TableName=self._table, Key=_key(pk, sk), ConsistentRead=True)
        return response.get("Item")

    def _put(
        self,
        item: Item,
        *,
        condition: str = "",
        names: dict[str, str] | None = None,
        values: Item | None = None,
        record: str = "",
    ) -> None:
        request: PutItemInputTypeDef = {"TableName": self._table, "Item": item}
        if condition:
            request["ConditionExpression"] = condition
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = values
        with aws_errors("dynamodb", self._table, record=record):
            self._client.put_item(**request)

    # -- sellers -----------------------------------------------------------------------------------------

    def replace_sellers(self, sellers: Sequence[SellerConfig]) -> None:
        keep = {s.id for s in sellers}
        existing = [
            _text(item, "SK").removeprefix("SELLER#")
            for item in self._query(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "PK = :pk",
                    "ExpressionAttributeValues": {":pk": _s(SELLERS_PK)},
                    "ProjectionExpression": "PK, SK",
                }
            )
        ]
        puts: list[Item] = [
            {
                **_key(SELLERS_PK, seller_sk(s.id)),
                "seller_id": _s(s.id),
                "config": _s(json.dumps(s.model_dump(mode="json"), sort_keys=True)),
                "updated_at": _s(sort_time(self._clock())),
            }
            for s in sellers
        ]
        deletes: list[Item] = [_key(SELLERS_PK, seller_sk(sid)) for sid in existing if sid not in keep]
        if not puts and not deletes:
            return
        if len(puts) + len(deletes) <= TRANSACTION_LIMIT:
            actions: list[TransactWriteItemTypeDef] = [
                {"Put": {"TableName": self._table, "Item": item}} for item in puts
            ]
            actions += [{"Delete": {"TableName": self._table, "Key": key}} for key in deletes]
            with aws_errors("dynamodb", self._table, record="sellers"):
                self._client.transact_write_items(TransactItems=actions)
            return
        requests: list[WriteRequestTypeDef] = [{"PutRequest": {"Item": item}} for item in puts]
        requests += [{"DeleteRequest": {"Key": key}} for key in deletes]
        for start in range(0, len(requests), BATCH_LIMIT):
            self._batch_write(requests[start : start + BATCH_LIMIT])

    def _batch_write(self, requests: list[WriteRequestTypeDef]) -> None:
        pending = {self._table: requests}
        for _ in range(5):
            with aws_errors("dynamodb", self._table, record="sellers"):
                response = self._client.batch_write_item(RequestItems=pending)
            unprocessed = response.get("UnprocessedItems", {})
            if not unprocessed.get(self._table):
                return
            pending = {self._table: [cast("WriteRequestTypeDef", r) for r in unprocessed[self._table]]}
        raise RetryableError(
            f"DynamoDB left {len(pending[self._table])} seller item(s) unwritten after 5 attempts",
            record="sellers",
            resolution="load the sellers file again",
            source="aws:dynamodb",
        )

    def get_seller(self, seller_id: str) -> SellerConfig | None:
        item = self._get(SELLERS_PK, seller_sk(seller_id))
        return SellerConfig.model_validate(json.loads(_text(item, "config"))) if item else None

    def list_sellers(self) -> list[SellerConfig]:
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": {":pk": _s(SELLERS_PK)},
                "ConsistentRead": True,
            }
        )
        sellers = [SellerConfig.model_validate(json.loads(_text(item, "config"))) for item in items]
        return sorted(sellers, key=lambda s: s.id)

    # -- checkpoints -------------------------------------------------------------------------------------

    def get_checkpoint(self, seller_id: str, job: str, scope: str = "") -> Checkpoint | None:
        item = self._get(seller_pk(seller_id), checkpoint_sk(job, scope))
        if item is None:
            return None
        return Checkpoint.model_validate(
            {
                "seller_id": seller_id,
                "job": job,
                "scope": scope,
                "cursor": _optional_text(item, "cursor"),
                "window_start": _optional_text(item, "window_start"),
                "window_end": _optional_text(item, "window_end"),
                "next_token": _optional_text(item, "next_token"),
                "version": _int(item, "version"),
                "updated_at": _optional_text(item, "updated_at"),
            }
        )

    def save_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint:
        saved = checkpoint.model_copy(update={"version": checkpoint.version + 1, "updated_at": self._clock()})
        item: Item = {
            **_key(seller_pk(saved.seller_id), checkpoint_sk(saved.job, saved.scope)),
            "seller_id": _s(saved.seller_id),
            "job": _s(saved.job),
            "scope": _s(saved.scope),
            "version": _n(saved.version),
        }
        for name in ("cursor", "window_start", "window_end", "updated_at"):
            value = getattr(saved, name)
            if value is not None:
                item[name] = _s(value.isoformat())
        if saved.next_token is not None:
            item["next_token"] = _s(saved.next_token)
        record = f"checkpoint {saved.seller_id}/{saved.job}/{saved.scope}".rstrip("/")
        if checkpoint.version == 0:
            self._put(item, condition="attribute_not_exists(PK)", record=record)
        else:
            self._put(
                item,
                condition="#version = :expected",
                names={"#version": "version"},
                values={":expected": _n(checkpoint.version)},
                record=record,
            )
        return saved

    # -- leases ------------------------------------------------------------------------------------------

    def acquire_lease(self, key: str, owner: str, ttl_seconds: int, now: datetime | None = None) -> bool:
        at = epoch(now or self._clock())
        expires = at + ttl_seconds
        item: Item = {
            **_key(lease_pk(key), "LEASE"),
            "lease_key": _s(key),
            "owner": _s(owner),
            "expires_at": _n(expires),
            "ttl": _n(expires + LEASE_TTL_SLACK_SECONDS),
        }
        try:
            self._put(
                item,
                condition="attribute_not_exists(PK) OR expires_at < :now OR #owner = :owner",
                names={"#owner": "owner"},
                values={":now": _n(at), ":owner": _s(owner)},
                record=f"lease {key}",
            )
        except ConflictError:
            return False
        return True

    def release_lease(self, key: str, owner: str) -> None:
        try:
            with aws_errors("dynamodb", self._table, record=f"lease {key}"):
                self._client.delete_item(
                    TableName=self._table,
                    Key=_key(lease_pk(key), "LEASE"),
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues={":owner": _s(owner)},
                )
        except ConflictError:
            return  # not ours (any more): nothing to release

    # -- job runs ----------------------------------------------------------------------------------------

    def _run_item(self, run: JobRun) -> Item:
        item: Item = {
            "run_id": _s(run.run_id),
            "seller_id": _s(run.seller_id),
            "job": _s(run.job),
            "trigger": _s(run.trigger),
            "started_at": _s(sort_time(run.started_at)),
            "status": _s(run.status.value),
            "counts": {"M": {name: _n(count) for name, count in run.counts.items()}},
            "message": _s(run.message),
        }
        if run.finished_at is not None:
            item["finished_at"] = _s(sort_time(run.finished_at))
        return item

    @staticmethod
    def _run_from(item: Mapping[str, AttributeValueTypeDef]) -> JobRun:
        counts_value = item.get("counts")
        counts_map: Mapping[str, AttributeValueTypeDef] = (
            counts_value["M"] if counts_value is not None and "M" in counts_value else {}
        )
        return JobRun.model_validate(
            {
                "run_id": _text(item, "run_id"),
                "seller_id": _text(item, "seller_id"),
                "job": _text(item, "job"),
                "trigger": _text(item, "trigger"),
                "started_at": _text(item, "started_at"),
                "finished_at": _optional_text(item, "finished_at"),
                "status": _text(item, "status"),
                "counts": {name: int(value["N"]) for name, value in counts_map.items()},
                "message": _text(item, "message"),
            }
        )

    def _record_run(self, run: JobRun) -> JobRun:
        record = f"run {run.seller_id}/{run.job}/{run.run_id}"
        body = self._run_item(run)
        self._put(
            {
                **_key(seller_pk(run.seller_id), run_sk(run)),
                **body,
                "ttl": _n(epoch(run.started_at + self._retention)),
            },
            record=record,
        )
        # the summary only ever moves forward: an older run finishing late leaves it alone
        with contextlib.suppress(ConflictError):
            self._put(
                {**_key(seller_pk(run.seller_id), last_run_sk(run.job)), **body},
                condition="attribute_not_exists(PK) OR started_at <= :started",
                values={":started": body["started_at"]},
                record=record,
            )
        return run

    def start_run(self, run: JobRun) -> JobRun:
        return self._record_run(run)

    def finish_run(self, run: JobRun) -> JobRun:
        return self._record_run(run)

    def last_runs(self, seller_id: str) -> dict[str, JobRun]:
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {":pk": _s(seller_pk(seller_id)), ":prefix": _s("LASTRUN#")},
                "ConsistentRead": True,
            }
        )
        runs = [self._run_from(item) for item in items]
        return {run.job: run for run in runs}

    def list_runs(self, seller_id: str, job: str | None = None, limit: int = 20) -> list[JobRun]:
        """Newest first. Without ``job``: the newest of every job that ever ran, merged."""
        if limit <= 0:
            return []
        jobs = [job] if job else sorted(self.last_runs(seller_id))
        now = _n(epoch(self._clock()))
        keyed: list[tuple[str, JobRun]] = []
        for name in jobs:
            items = self._query(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                    "FilterExpression": "#ttl > :now",
                    "ExpressionAttributeNames": {"#ttl": "ttl"},
                    "ExpressionAttributeValues": {
                        ":pk": _s(seller_pk(seller_id)),
                        ":prefix": _s(run_prefix(name)),
                        ":now": now,
                    },
                    "ScanIndexForward": False,
                    "Limit": limit,
                },
                want=limit,
            )
            keyed += [
                (_text(item, "SK").removeprefix(run_prefix(name)), self._run_from(item)) for item in items
            ]
        keyed.sort(key=lambda pair: pair[0], reverse=True)
        return [run for _, run in keyed[:limit]]

    # -- the log book ------------------------------------------------------------------------------------

    def add_log(self, entry: LogEntry) -> None:
        item: Item = {
            **_key(log_pk(entry.seller_id), log_sk(entry)),
            "entry_id": _s(entry.entry_id),
            "at": _s(sort_time(entry.at)),
            "level": _s(entry.level.value),
            "seller_id": _s(entry.seller_id),
            "job": _s(entry.job),
            "record_ref": _s(entry.record_ref),
            "message": _s(entry.message),
            "resolution": _s(entry.resolution),
            "details": _s(json.dumps(entry.details, sort_keys=True, default=str)),
            "ttl": _n(epoch(entry.at + self._retention)),
        }
        self._put(item, record=f"log {entry.seller_id or NO_SELLER}/{entry.entry_id}")

    @staticmethod
    def _log_from(item: Mapping[str, AttributeValueTypeDef]) -> LogEntry:
        return LogEntry.model_validate(
            {
                "entry_id": _text(item, "entry_id"),
                "at": _text(item, "at"),
                "level": _text(item, "level", LogLevel.INFO.value),
                "seller_id": _text(item, "seller_id"),
                "job": _text(item, "job"),
                "record_ref": _text(item, "record_ref"),
                "message": _text(item, "message"),
                "resolution": _text(item, "resolution"),
                "details": json.loads(_text(item, "details", "{}")),
            }
        )

    def _logs_of(self, partition: str, job: str | None, level: LogLevel | None, limit: int) -> list[Item]:
        conditions = ["#ttl > :now"]
        names = {"#ttl": "ttl"}
        values: Item = {":pk": _s(partition), ":now": _n(epoch(self._clock()))}
        if job:
            conditions.append("#job = :job")
            names["#job"] = "job"
            values[":job"] = _s(job)
        if level:
            conditions.append("#level = :level")
            names["#level"] = "level"
            values[":level"] = _s(LogLevel(level).value)
        return self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk",
                "FilterExpression": " AND ".join(conditions),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ScanIndexForward": False,
                "Limit": max(limit, 25),
            },
            want=limit,
        )

    def list_logs(
        self,
        seller_id: str | None = None,
        job: str | None = None,
        level: LogLevel | None = None,
        limit: int = 100,
    ) -> list[LogEntry]:
        """Newest first. ``seller_id=None``: every configured seller plus entries without a seller."""
        if limit <= 0:
            return []
        if seller_id is not None:
            partitions = [log_pk(seller_id)]
        else:
            partitions = [log_pk(s.id) for s in self.list_sellers()] + [log_pk("")]
        items: list[Item] = []
        for partition in partitions:
            items += self._logs_of(partition, job, level, limit)
        items.sort(key=lambda item: _text(item, "SK"), reverse=True)
        return [self._log_from(item) for item in items[:limit]]
