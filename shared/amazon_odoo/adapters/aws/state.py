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
parked order            ``SELLER#<id>``                      ``PARKED#<Amazon order id>``
feed record             ``SELLER#<id>``                      ``FEED#<submission id>``
feed by Amazon's id     ``SELLER#<id>``                      ``FEEDID#<feed id>``
feed still tracked      ``SELLER#<id>``                      ``FEEDPENDING#<submission id>``
item whose feed failed  ``SELLER#<id>``                      ``FEEDFAIL#<job>#<scope>#<key>``
shipment confirmation   ``SELLER#<id>``                      ``SHIPMENT#<order id>#<picking id>``
shipment still open     ``SELLER#<id>``                      ``SHIPOPEN#<order id>#<picking id>``
listing binding         ``SELLER#<id>``                      ``BINDING#<marketplace>#<SKU>``
last accepted value     ``SELLER#<id>``                      ``LISTVAL#<job>#<marketplace>#<SKU>``
settlement report       ``SELLER#<id>``                      ``SETTLEMENT#<report id>``
buyer document sent     ``SELLER#<id>``                      ``BUYERDOC#<Odoo move id, 12 digits>``
refund at Amazon        ``SELLER#<id>``                      ``REFUND#<order id>#<refund id>``
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

from botocore.exceptions import BotoCoreError, ClientError

from amazon_odoo.adapters.aws.clients import aws_error, aws_errors
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.documents import BuyerDocument  # buyer documents (issue 8)
from amazon_odoo.domain.errors import ConflictError, RetryableError
from amazon_odoo.domain.feeds import FailedItem, FeedRecord, FeedStatus
from amazon_odoo.domain.listings import ListingBinding  # listings out (issue 5)
from amazon_odoo.domain.refunds import RefundRecord  # refunds at Amazon (issue 8)
from amazon_odoo.domain.settlements import ReportState, SettlementRecord  # settlements (issue 6)
from amazon_odoo.domain.shipments import ShipmentRecord
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, ParkedOrder, utcnow

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        PutItemInputTypeDef,
        PutTypeDef,
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


PARKED_PREFIX = "PARKED#"


def parked_sk(order_id: str) -> str:
    return f"{PARKED_PREFIX}{order_id}"


FEED_PREFIX = "FEED#"
FEED_ID_PREFIX = "FEEDID#"
FEED_PENDING_PREFIX = "FEEDPENDING#"
FAILED_ITEM_PREFIX = "FEEDFAIL#"


def feed_sk(submission_id: str) -> str:
    return f"{FEED_PREFIX}{submission_id}"


def feed_id_sk(feed_id: str) -> str:
    return f"{FEED_ID_PREFIX}{feed_id}"


def feed_pending_sk(submission_id: str) -> str:
    return f"{FEED_PENDING_PREFIX}{submission_id}"


def failed_item_prefix(job: str, scope: str) -> str:
    return f"{FAILED_ITEM_PREFIX}{job}#{scope}#"


def failed_item_sk(job: str, scope: str, key: str) -> str:
    return f"{failed_item_prefix(job, scope)}{key}"


# shipments out (issue 4)
SHIPMENT_PREFIX = "SHIPMENT#"
SHIPMENT_OPEN_PREFIX = "SHIPOPEN#"
BATCH_GET_LIMIT = 100


def shipment_sk(order_id: str, picking_id: int) -> str:
    return f"{SHIPMENT_PREFIX}{order_id}#{picking_id}"


def shipment_open_sk(order_id: str, picking_id: int) -> str:
    return f"{SHIPMENT_OPEN_PREFIX}{order_id}#{picking_id}"


# buyer documents (issue 8): zero-padded move ids, so a query in reverse gives the newest moves first
BUYER_DOCUMENT_PREFIX = "BUYERDOC#"


def buyer_document_sk(move_id: int) -> str:
    return f"{BUYER_DOCUMENT_PREFIX}{move_id:012d}"


# refunds at Amazon (issue 8)
REFUND_PREFIX = "REFUND#"


def refund_sk(order_id: str, refund_id: str) -> str:
    return f"{REFUND_PREFIX}{order_id}#{refund_id}"


# listings out (issue 5)
BINDING_PREFIX = "BINDING#"
LISTING_VALUE_PREFIX = "LISTVAL#"


def binding_prefix(marketplace_id: str) -> str:
    return f"{BINDING_PREFIX}{marketplace_id}#"


def binding_sk(marketplace_id: str, sku: str) -> str:
    return f"{binding_prefix(marketplace_id)}{sku}"


def listing_value_prefix(job: str, marketplace_id: str) -> str:
    return f"{LISTING_VALUE_PREFIX}{job}#{marketplace_id}#"


# settlements (issue 6)
SETTLEMENT_PREFIX = "SETTLEMENT#"


def settlement_sk(report_id: str) -> str:
    return f"{SETTLEMENT_PREFIX}{report_id}"


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

    def _versioned(self, item: Item, version: int) -> PutTypeDef:
        """A put of ``item`` that succeeds only while the stored record is at ``version`` (0: it must not
        exist yet) — the optimistic locking of checkpoints, feeds, shipments and settlements."""
        put: PutTypeDef = {"TableName": self._table, "Item": item}
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            put["ConditionExpression"] = "#version = :expected"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":expected": _n(version)}
        return put

    def _put_versioned(self, item: Item, version: int, *, record: str) -> None:
        with aws_errors("dynamodb", self._table, record=record):
            self._client.put_item(**self._versioned(item, version))

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
        self._put_versioned(item, checkpoint.version, record=record)
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

    # -- parked orders (unknown SKU) ---------------------------------------------------------------------

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
        """Create or refresh the record in one atomic update (first_seen kept, attempts + 1)."""
        at = _s(sort_time(now or self._clock()))
        with aws_errors("dynamodb", self._table, record=f"parked order {seller_id}/{order_id}"):
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(seller_pk(seller_id), parked_sk(order_id)),
                UpdateExpression=(
                    "SET #seller = :seller, #order = :order, #mp = :mp, #skus = :skus, #reason = :reason, "
                    "#first = if_not_exists(#first, :at), #last = :at ADD #attempts :one"
                ),
                ExpressionAttributeNames={
                    "#seller": "seller_id",
                    "#order": "order_id",
                    "#mp": "marketplace_id",
                    "#skus": "missing_skus",
                    "#reason": "reason",
                    "#first": "first_seen",
                    "#last": "last_seen",
                    "#attempts": "attempts",
                },
                ExpressionAttributeValues={
                    ":seller": _s(seller_id),
                    ":order": _s(order_id),
                    ":mp": _s(marketplace_id),
                    ":skus": {"L": [_s(sku) for sku in dict.fromkeys(missing_skus)]},
                    ":reason": _s(reason),
                    ":at": at,
                    ":one": _n(1),
                },
                ReturnValues="ALL_NEW",
            )
        return self._parked_from(response.get("Attributes", {}))

    @staticmethod
    def _parked_from(item: Mapping[str, AttributeValueTypeDef]) -> ParkedOrder:
        skus = item.get("missing_skus")
        values: Sequence[AttributeValueTypeDef] = skus["L"] if skus is not None and "L" in skus else []
        return ParkedOrder.model_validate(
            {
                "seller_id": _text(item, "seller_id"),
                "order_id": _text(item, "order_id"),
                "marketplace_id": _text(item, "marketplace_id"),
                "missing_skus": [value["S"] for value in values if "S" in value],
                "reason": _text(item, "reason"),
                "first_seen": _text(item, "first_seen"),
                "last_seen": _text(item, "last_seen"),
                "attempts": _int(item, "attempts", 1),
            }
        )

    def get_parked_order(self, seller_id: str, order_id: str) -> ParkedOrder | None:
        item = self._get(seller_pk(seller_id), parked_sk(order_id))
        return self._parked_from(item) if item else None

    def list_parked_orders(self, seller_id: str | None = None) -> list[ParkedOrder]:
        """By seller, then oldest first. ``seller_id=None``: every configured seller's."""
        sellers = [seller_id] if seller_id is not None else [s.id for s in self.list_sellers()]
        parked: list[ParkedOrder] = []
        for sid in sellers:
            items = self._query(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                    "ExpressionAttributeValues": {":pk": _s(seller_pk(sid)), ":prefix": _s(PARKED_PREFIX)},
                    "ConsistentRead": True,
                }
            )
            parked += sorted(
                (self._parked_from(item) for item in items), key=lambda p: (p.first_seen, p.order_id)
            )
        return parked

    def unpark_order(self, seller_id: str, order_id: str) -> bool:
        with aws_errors("dynamodb", self._table, record=f"parked order {seller_id}/{order_id}"):
            response = self._client.delete_item(
                TableName=self._table,
                Key=_key(seller_pk(seller_id), parked_sk(order_id)),
                ReturnValues="ALL_OLD",
            )
        return bool(response.get("Attributes"))

    # -- feeds (services/feeds.py) -------------------------------------------------------------------------
    # A record is one JSON attribute (``data``) plus ``status``/``version``/``ttl`` for conditions and
    # filters; it is written in one transaction with its ``FEEDID#`` alias (once Amazon gave an id) and its
    # ``FEEDPENDING#`` marker (put while tracking goes on, deleted when done), so the tracker finds pending
    # feeds with one query over the markers. Records and aliases expire with the log book; markers do not.

    def _transact(self, actions: list[TransactWriteItemTypeDef], *, record: str) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                raise ConflictError(
                    f"{record} changed since it was read",
                    record=record,
                    resolution="re-read and try again; another worker got there first",
                    source="aws:dynamodb",
                    code="ConditionalCheckFailed",
                ) from exc
            raise aws_error(exc, service="dynamodb", resource=self._table, record=record) from exc
        except BotoCoreError as exc:
            raise aws_error(exc, service="dynamodb", resource=self._table, record=record) from exc

    def save_feed(self, record: FeedRecord) -> FeedRecord:
        saved = record.model_copy(update={"version": record.version + 1})
        pk = seller_pk(saved.seller_id)
        ttl = _n(epoch(saved.created_at + self._retention))
        item: Item = {
            **_key(pk, feed_sk(saved.submission_id)),
            "submission_id": _s(saved.submission_id),
            "feed_id": _s(saved.feed_id),
            "status": _s(saved.status.value),
            "version": _n(saved.version),
            "data": _s(saved.model_dump_json()),
            "ttl": ttl,
        }
        put: TransactWriteItemTypeDef = {"Put": self._versioned(item, record.version)}
        actions: list[TransactWriteItemTypeDef] = [put]
        if saved.feed_id:
            alias: Item = {
                **_key(pk, feed_id_sk(saved.feed_id)),
                "submission_id": _s(saved.submission_id),
                "ttl": ttl,
            }
            actions.append({"Put": {"TableName": self._table, "Item": alias}})
        marker = _key(pk, feed_pending_sk(saved.submission_id))
        if saved.pending:
            actions.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {**marker, "submission_id": _s(saved.submission_id)},
                    }
                }
            )
        else:
            actions.append({"Delete": {"TableName": self._table, "Key": marker}})
        self._transact(actions, record=f"feed {saved.seller_id}/{saved.label}")
        return saved

    def _feed_from(self, item: Mapping[str, AttributeValueTypeDef] | None) -> FeedRecord | None:
        if not item or _int(item, "ttl", 0) <= epoch(self._clock()):
            return None
        return FeedRecord.model_validate_json(_text(item, "data"))

    def get_feed(self, seller_id: str, feed_id: str) -> FeedRecord | None:
        """By Amazon's feed id, else by submission id."""
        pk = seller_pk(seller_id)
        alias = self._get(pk, feed_id_sk(feed_id))
        submission = _text(alias, "submission_id") if alias else feed_id
        return self._feed_from(self._get(pk, feed_sk(submission)))

    def list_feeds(
        self, seller_id: str, status: FeedStatus | None = None, limit: int = 50
    ) -> list[FeedRecord]:
        if limit <= 0:
            return []
        names = {"#ttl": "ttl"}
        values: Item = {
            ":pk": _s(seller_pk(seller_id)),
            ":prefix": _s(FEED_PREFIX),
            ":now": _n(epoch(self._clock())),
        }
        condition = "#ttl > :now"
        if status is not None:
            condition += " AND #status = :status"
            names["#status"] = "status"
            values[":status"] = _s(FeedStatus(status).value)
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "FilterExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ScanIndexForward": False,
                "Limit": max(limit, 25),
            },
            want=limit,
        )
        return [record for record in map(self._feed_from, items) if record is not None]

    def pending_feeds(self, seller_id: str) -> list[FeedRecord]:
        pk = seller_pk(seller_id)
        markers = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {":pk": _s(pk), ":prefix": _s(FEED_PENDING_PREFIX)},
                "ConsistentRead": True,
            }
        )
        found = [self._feed_from(self._get(pk, feed_sk(_text(m, "submission_id")))) for m in markers]
        records = [record for record in found if record is not None and record.pending]
        return sorted(records, key=lambda record: record.submission_id)

    def _write_batches(self, requests: list[WriteRequestTypeDef], *, record: str) -> None:
        for start in range(0, len(requests), BATCH_LIMIT):
            pending = {self._table: requests[start : start + BATCH_LIMIT]}
            for _ in range(5):
                with aws_errors("dynamodb", self._table, record=record):
                    response = self._client.batch_write_item(RequestItems=pending)
                unprocessed = response.get("UnprocessedItems", {}).get(self._table)
                if not unprocessed:
                    break
                pending = {self._table: [cast("WriteRequestTypeDef", r) for r in unprocessed]}
            else:
                raise RetryableError(
                    f"DynamoDB left {len(pending[self._table])} item(s) unwritten after 5 attempts",
                    record=record,
                    resolution="nothing to do: the work is retried",
                    source="aws:dynamodb",
                )

    def save_failed_items(self, seller_id: str, job: str, scope: str, items: Sequence[FailedItem]) -> None:
        pk = seller_pk(seller_id)
        latest = {item.key: item for item in items}  # one write per key: a batch refuses duplicates
        requests: list[WriteRequestTypeDef] = [
            {
                "PutRequest": {
                    "Item": {
                        **_key(pk, failed_item_sk(job, scope, item.key)),
                        "submission_id": _s(item.submission_id),
                        "data": _s(item.model_dump_json()),
                    }
                }
            }
            for item in latest.values()
        ]
        self._write_batches(requests, record=f"failed items {seller_id}/{job}/{scope}")

    def clear_failed_items(self, seller_id: str, job: str, scope: str, keys: Sequence[str]) -> None:
        pk = seller_pk(seller_id)
        requests: list[WriteRequestTypeDef] = [
            {"DeleteRequest": {"Key": _key(pk, failed_item_sk(job, scope, key))}}
            for key in dict.fromkeys(keys)
        ]
        self._write_batches(requests, record=f"failed items {seller_id}/{job}/{scope}")

    def failed_items(self, seller_id: str, job: str, scope: str) -> list[FailedItem]:
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": _s(seller_pk(seller_id)),
                    ":prefix": _s(failed_item_prefix(job, scope)),
                },
                "ConsistentRead": True,
            }
        )
        return sorted(
            (FailedItem.model_validate_json(_text(item, "data")) for item in items), key=lambda f: f.key
        )

    # -- shipments out (issue 4, services/export_shipments.py) ---------------------------------------------
    # A record is one JSON attribute (``data``) plus ``status``/``version``/``ttl``, written in one
    # transaction with its ``SHIPOPEN#`` marker (put while the record is open, deleted once done), so the
    # job finds open records with one query over the markers. Done records expire with the log book.

    def save_shipment(self, record: ShipmentRecord) -> ShipmentRecord:
        saved = record.model_copy(update={"version": record.version + 1})
        pk = seller_pk(saved.seller_id)
        item: Item = {
            **_key(pk, shipment_sk(saved.order_id, saved.picking_id)),
            "status": _s(saved.status.value),
            "version": _n(saved.version),
            "data": _s(saved.model_dump_json()),
        }
        if saved.done_at is not None and not saved.is_open:
            item["ttl"] = _n(epoch(saved.done_at + self._retention))
        put: TransactWriteItemTypeDef = {"Put": self._versioned(item, record.version)}
        marker = _key(pk, shipment_open_sk(saved.order_id, saved.picking_id))
        actions: list[TransactWriteItemTypeDef] = [put]
        if saved.is_open:
            actions.append({"Put": {"TableName": self._table, "Item": marker}})
        else:
            actions.append({"Delete": {"TableName": self._table, "Key": marker}})
        self._transact(actions, record=f"shipment {saved.seller_id}/{saved.label}")
        return saved

    def _shipment_from(self, item: Mapping[str, AttributeValueTypeDef] | None) -> ShipmentRecord | None:
        if not item or ("ttl" in item and _int(item, "ttl", 0) <= epoch(self._clock())):
            return None
        return ShipmentRecord.model_validate_json(_text(item, "data"))

    def _batch_get(self, keys: Sequence[Item], *, record: str) -> list[Item]:
        found: list[Item] = []
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending: list[Item] = list(keys[start : start + BATCH_GET_LIMIT])
            for _ in range(5):
                with aws_errors("dynamodb", self._table, record=record):
                    response = self._client.batch_get_item(
                        RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                    )
                found += response.get("Responses", {}).get(self._table, [])
                unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
                left = list(unprocessed["Keys"]) if unprocessed and "Keys" in unprocessed else []
                if not left:
                    break
                pending = left
            else:
                raise RetryableError(
                    f"DynamoDB left {len(pending)} item(s) unread after 5 attempts",
                    record=record,
                    resolution="nothing to do: the run is retried",
                    source="aws:dynamodb",
                )
        return found

    def get_shipments(self, seller_id: str, keys: Sequence[tuple[str, int]]) -> dict[int, ShipmentRecord]:
        pk = seller_pk(seller_id)
        wanted = [_key(pk, shipment_sk(order_id, picking_id)) for order_id, picking_id in dict.fromkeys(keys)]
        records = [
            self._shipment_from(item) for item in self._batch_get(wanted, record=f"shipments {seller_id}")
        ]
        return {r.picking_id: r for r in records if r is not None}

    def open_shipments(self, seller_id: str) -> list[ShipmentRecord]:
        pk = seller_pk(seller_id)
        markers = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {":pk": _s(pk), ":prefix": _s(SHIPMENT_OPEN_PREFIX)},
                "ConsistentRead": True,
                "ProjectionExpression": "SK",
            }
        )
        keys = [
            _key(pk, SHIPMENT_PREFIX + _text(m, "SK").removeprefix(SHIPMENT_OPEN_PREFIX)) for m in markers
        ]
        found = [self._shipment_from(item) for item in self._batch_get(keys, record=f"shipments {seller_id}")]
        records = [r for r in found if r is not None and r.is_open]
        return sorted(records, key=lambda r: (r.created_at, r.picking_id))

    def order_shipments(self, seller_id: str, order_id: str) -> list[ShipmentRecord]:
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": _s(seller_pk(seller_id)),
                    ":prefix": _s(f"{SHIPMENT_PREFIX}{order_id}#"),
                },
                "ConsistentRead": True,
            }
        )
        records = [self._shipment_from(item) for item in items]
        return sorted((r for r in records if r is not None), key=lambda r: r.picking_id)

    # -- buyer documents (issue 8, services/buyer_documents.py) --------------------------------------------
    # One item per (seller, Odoo move): the record as JSON (``data``) plus ``status``/``version``; no TTL
    # (a document is sent once, ever). The claim before a feed is the version-0 conditional put.

    def save_buyer_document(self, record: BuyerDocument) -> BuyerDocument:
        saved = record.model_copy(update={"version": record.version + 1})
        item: Item = {
            **_key(seller_pk(saved.seller_id), buyer_document_sk(saved.move_id)),
            "status": _s(saved.status.value),
            "version": _n(saved.version),
            "data": _s(saved.model_dump_json()),
        }
        self._put_versioned(item, record.version, record=f"buyer document {saved.seller_id}/{saved.label}")
        return saved

    def get_buyer_documents(self, seller_id: str, move_ids: Sequence[int]) -> dict[int, BuyerDocument]:
        pk = seller_pk(seller_id)
        keys = [_key(pk, buyer_document_sk(move_id)) for move_id in dict.fromkeys(move_ids)]
        items = self._batch_get(keys, record=f"buyer documents {seller_id}")
        records = [BuyerDocument.model_validate_json(_text(item, "data")) for item in items]
        return {r.move_id: r for r in records}

    def list_buyer_documents(self, seller_id: str, limit: int = 100) -> list[BuyerDocument]:
        if limit <= 0:
            return []
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": _s(seller_pk(seller_id)),
                    ":prefix": _s(BUYER_DOCUMENT_PREFIX),
                },
                "ScanIndexForward": False,
                "Limit": limit,
            },
            want=limit,
        )
        return [BuyerDocument.model_validate_json(_text(item, "data")) for item in items]

    # -- refunds at Amazon (issue 8, services/refunds.py) ----------------------------------------------------
    # One item per (seller, order, refund): the record as JSON (``data``) plus ``status``/``version``; no TTL
    # (a refund is sent once, ever). The claim before the feed is the version-0 conditional put.

    def save_refund(self, record: RefundRecord) -> RefundRecord:
        saved = record.model_copy(update={"version": record.version + 1})
        item: Item = {
            **_key(seller_pk(saved.seller_id), refund_sk(saved.order_id, saved.refund_id)),
            "status": _s(saved.status.value),
            "version": _n(saved.version),
            "data": _s(saved.model_dump_json()),
        }
        self._put_versioned(
            item, record.version, record=f"refund {saved.refund_id} of order {saved.order_id}"
        )
        return saved

    def order_refunds(self, seller_id: str, order_id: str) -> list[RefundRecord]:
        items = self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": _s(seller_pk(seller_id)),
                    ":prefix": _s(f"{REFUND_PREFIX}{order_id}#"),
                },
                "ConsistentRead": True,
            }
        )
        records = [RefundRecord.model_validate_json(_text(item, "data")) for item in items]
        return sorted(records, key=lambda r: (r.created_at, r.refund_id))

    # -- listings out (issue 5, services/export_listings.py) -----------------------------------------------
    # A binding is one item (``data``: the binding as JSON) per (seller, marketplace, SKU); a last accepted
    # value one item (``sku``, ``v``) per (seller, job, marketplace, SKU). Both are written in batches of 25
    # and read whole per marketplace with one query (eventually consistent: written by another run or by
    # the feed tracker well before they are read). Neither expires.

    def save_bindings(self, bindings: Sequence[ListingBinding]) -> None:
        latest = {(b.seller_id, b.marketplace_id, b.sku): b for b in bindings}
        requests: list[WriteRequestTypeDef] = [
            {
                "PutRequest": {
                    "Item": {
                        **_key(seller_pk(b.seller_id), binding_sk(b.marketplace_id, b.sku)),
                        "data": _s(b.model_dump_json()),
                    }
                }
            }
            for b in latest.values()
        ]
        self._write_batches(requests, record=f"bindings of {len(latest)} SKU(s)")

    def _prefixed(self, seller_id: str, prefix: str) -> list[Item]:
        return self._query(
            {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
                "ExpressionAttributeValues": {":pk": _s(seller_pk(seller_id)), ":prefix": _s(prefix)},
            }
        )

    def list_bindings(self, seller_id: str, marketplace_id: str) -> list[ListingBinding]:
        items = self._prefixed(seller_id, binding_prefix(marketplace_id))
        found = [ListingBinding.model_validate_json(_text(item, "data")) for item in items]
        return sorted(found, key=lambda b: b.sku)

    def get_bindings(
        self, seller_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, ListingBinding]:
        pk = seller_pk(seller_id)
        keys = [_key(pk, binding_sk(marketplace_id, sku)) for sku in dict.fromkeys(skus)]
        items = self._batch_get(keys, record=f"bindings {seller_id}/{marketplace_id}")
        found = [ListingBinding.model_validate_json(_text(item, "data")) for item in items]
        return {b.sku: b for b in found}

    def listing_values(self, seller_id: str, job: str, marketplace_id: str) -> dict[str, str]:
        items = self._prefixed(seller_id, listing_value_prefix(job, marketplace_id))
        return {_text(item, "sku"): _text(item, "v") for item in items}

    def save_listing_values(
        self, seller_id: str, job: str, marketplace_id: str, values: Mapping[str, str]
    ) -> None:
        pk = seller_pk(seller_id)
        prefix = listing_value_prefix(job, marketplace_id)
        requests: list[WriteRequestTypeDef] = [
            {"PutRequest": {"Item": {**_key(pk, prefix + sku), "sku": _s(sku), "v": _s(value)}}}
            for sku, value in values.items()
        ]
        self._write_batches(requests, record=f"last accepted values {seller_id}/{job}/{marketplace_id}")

    # -- settlements (issue 6, services/settlements.py) ---------------------------------------------------------
    # A record is one JSON attribute (``data``) plus ``state``/``version``; it never expires: a settlement
    # report is processed once, whenever it is listed again.

    def save_settlement(self, record: SettlementRecord) -> SettlementRecord:
        saved = record.model_copy(update={"version": record.version + 1})
        item: Item = {
            **_key(seller_pk(saved.seller_id), settlement_sk(saved.report_id)),
            "state": _s(saved.state.value),
            "version": _n(saved.version),
            "data": _s(saved.model_dump_json()),
        }
        record_name = f"settlement {saved.seller_id}/{saved.report_id}"
        self._put_versioned(item, record.version, record=record_name)
        return saved

    def get_settlement(self, seller_id: str, report_id: str) -> SettlementRecord | None:
        item = self._get(seller_pk(seller_id), settlement_sk(report_id))
        return SettlementRecord.model_validate_json(_text(item, "data")) if item else None

    def list_settlements(
        self, seller_id: str, states: Sequence[ReportState] = (), limit: int = 100
    ) -> list[SettlementRecord]:
        if limit <= 0:
            return []
        request: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": _s(seller_pk(seller_id)), ":prefix": _s(SETTLEMENT_PREFIX)},
            "ConsistentRead": True,
        }
        if states:
            names = {f":s{i}": _s(ReportState(state).value) for i, state in enumerate(states)}
            request["FilterExpression"] = f"#state IN ({', '.join(names)})"
            request["ExpressionAttributeNames"] = {"#state": "state"}
            request["ExpressionAttributeValues"] = {**request["ExpressionAttributeValues"], **names}
        records = [SettlementRecord.model_validate_json(_text(item, "data")) for item in self._query(request)]
        records.sort(key=lambda r: (r.report_created_at or r.created_at, r.report_id), reverse=True)
        return records[:limit]
