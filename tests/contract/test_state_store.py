"""One StateStore contract, run against the in-memory fake and DynamoDB on moto server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from amazon_odoo.config import parse_sellers_file
from amazon_odoo.domain.errors import ConflictError
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, RunStatus
from tests.contract.aws_fixtures import Clock


def seller(seller_id: str, name: str = "Seller") -> Any:
    raw = {
        "sellers": [
            {
                "id": seller_id,
                "name": name,
                "merchant_id": "A1B2C3D4E5",
                "region": "EU",
                "credentials": {
                    "lwa_client_id": "secret:x/id",
                    "lwa_client_secret": "secret:x/secret",
                    "refresh_token": "secret:x/token",
                },
                "odoo": {"company": "My Company"},
                "marketplaces": [
                    {"id": "A1PA6795UKMFR9", "stock_caps": {"SKU-1": {"type": "fixed", "value": 5}}}
                ],
            }
        ]
    }
    return parse_sellers_file(raw).sellers[0]


def test_sellers_replace_get_list_and_drop(state_store: Any) -> None:
    a, b = seller("a"), seller("b")
    state_store.replace_sellers([b, a])
    assert [s.id for s in state_store.list_sellers()] == ["a", "b"]
    assert state_store.get_seller("a") == a  # round-trips every option
    state_store.replace_sellers([seller("a", "Renamed")])
    assert [s.name for s in state_store.list_sellers()] == ["Renamed"]
    assert state_store.get_seller("b") is None
    assert state_store.get_seller("nobody") is None


def test_checkpoint_optimistic_locking(state_store: Any, clock: Clock) -> None:
    assert state_store.get_checkpoint("a", "import_orders") is None
    first = state_store.save_checkpoint(
        Checkpoint(seller_id="a", job="import_orders", window_start=clock.now, next_token="page-2")
    )
    assert first.version == 1 and first.updated_at == clock.now
    assert state_store.get_checkpoint("a", "import_orders") == first
    with pytest.raises(ConflictError):  # someone else creates it too
        state_store.save_checkpoint(Checkpoint(seller_id="a", job="import_orders"))
    second = state_store.save_checkpoint(first.model_copy(update={"cursor": clock.now, "next_token": None}))
    assert second.version == 2 and state_store.get_checkpoint("a", "import_orders").next_token is None
    with pytest.raises(ConflictError):  # a writer holding the stale version 1 loses
        state_store.save_checkpoint(first)
    # scopes are separate cursors
    other = state_store.save_checkpoint(Checkpoint(seller_id="a", job="import_orders", scope="ATVPDKIKX0DER"))
    assert other.version == 1 and state_store.get_checkpoint("a", "import_orders").version == 2


def test_leases_expire_and_belong_to_their_owner(state_store: Any, clock: Clock) -> None:
    assert state_store.acquire_lease("order-1", "worker-1", 60)
    assert not state_store.acquire_lease("order-1", "worker-2", 60)
    assert state_store.acquire_lease("order-1", "worker-1", 60)  # renew
    clock.advance(seconds=61)
    assert state_store.acquire_lease("order-1", "worker-2", 60)  # expired: taken over
    state_store.release_lease("order-1", "worker-1")  # not the owner any more: no effect
    assert not state_store.acquire_lease("order-1", "worker-3", 60)
    state_store.release_lease("order-1", "worker-2")
    assert state_store.acquire_lease("order-1", "worker-3", 60)
    assert state_store.acquire_lease("order-2", "worker-1", 60, now=clock.now)


def test_job_runs_last_and_history(state_store: Any, clock: Clock) -> None:
    older = state_store.start_run(JobRun(seller_id="a", job="import_orders", started_at=clock.now))
    clock.advance(minutes=15)
    newer = state_store.start_run(JobRun(seller_id="a", job="import_orders", started_at=clock.now))
    # the older run finishing late does not replace the newer one as "last"
    state_store.finish_run(older.model_copy(update={"status": RunStatus.FAILED, "finished_at": clock.now}))
    assert state_store.last_runs("a")["import_orders"].run_id == newer.run_id
    done = state_store.finish_run(
        newer.model_copy(
            update={"status": RunStatus.SUCCEEDED, "finished_at": clock.now, "counts": {"orders": 3}}
        )
    )
    clock.advance(minutes=1)
    other = state_store.start_run(JobRun(seller_id="a", job="export_stock", started_at=clock.now))
    last = state_store.last_runs("a")
    assert last["import_orders"] == done and last["export_stock"] == other
    assert [r.run_id for r in state_store.list_runs("a", "import_orders")] == [newer.run_id, older.run_id]
    assert [r.run_id for r in state_store.list_runs("a", limit=2)] == [other.run_id, newer.run_id]
    assert state_store.list_runs("a", "import_orders")[1].status is RunStatus.FAILED
    assert state_store.last_runs("b") == {}


def test_log_book_filters_order_limit_and_ttl(state_store: Any, clock: Clock) -> None:
    state_store.replace_sellers([seller("a"), seller("b")])
    for n in range(5):
        state_store.add_log(
            LogEntry(
                at=clock.now,
                seller_id="a",
                job="import_orders" if n % 2 else "export_stock",
                level=LogLevel.ERROR if n == 4 else LogLevel.INFO,
                record_ref=f"order {n}",
                message=f"entry {n}",
                resolution="do this" if n == 4 else "",
                details={"n": n},
            )
        )
        clock.advance(seconds=1)
    state_store.add_log(LogEntry(at=clock.now, seller_id="b", message="b's entry"))
    clock.advance(seconds=1)
    state_store.add_log(LogEntry(at=clock.now, job="amazon_events", message="no seller"))

    entries = state_store.list_logs("a")
    assert [e.message for e in entries] == [f"entry {n}" for n in (4, 3, 2, 1, 0)]
    assert entries[0].resolution == "do this" and entries[0].details == {"n": 4}
    assert [e.message for e in state_store.list_logs("a", job="import_orders")] == ["entry 3", "entry 1"]
    assert [e.record_ref for e in state_store.list_logs("a", level=LogLevel.ERROR)] == ["order 4"]
    assert len(state_store.list_logs("a", limit=2)) == 2
    assert [e.message for e in state_store.list_logs(limit=3)] == ["no seller", "b's entry", "entry 4"]
    clock.advance(days=91)  # past the retention: hidden even before DynamoDB's TTL sweeper deletes them
    assert state_store.list_logs("a") == []
    assert state_store.list_logs() == []


def test_job_run_history_expires_with_the_log_book(state_store: Any, clock: Clock) -> None:
    state_store.start_run(JobRun(seller_id="a", job="import_orders", started_at=clock.now))
    clock.advance(days=91)
    assert state_store.list_runs("a", "import_orders") == []
    assert "import_orders" in state_store.last_runs("a")  # the summary stays for 'status'


def test_ttl_attribute_is_written_for_dynamodb(state_store: Any, clock: Clock) -> None:
    from amazon_odoo.adapters.aws.state import DynamoStateStore

    if not isinstance(state_store, DynamoStateStore):
        pytest.skip("TTL is DynamoDB's attribute")
    state_store.add_log(LogEntry(at=clock.now, seller_id="a", message="m"))
    client, table = state_store._client, state_store._table
    items = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "LOG#a"}},
    )["Items"]
    expected = int((clock.now + timedelta(days=90)).timestamp())
    assert int(items[0]["ttl"]["N"]) == expected


def test_more_sellers_than_one_transaction_holds(state_store: Any) -> None:
    many = [seller(f"s{n:03d}") for n in range(120)]  # > 100 items: written in batches, not a transaction
    state_store.replace_sellers(many)
    assert [s.id for s in state_store.list_sellers()] == [s.id for s in many]
    state_store.replace_sellers(many[:3])  # 117 deletions, again in batches
    assert [s.id for s in state_store.list_sellers()] == ["s000", "s001", "s002"]
    state_store.replace_sellers([])
    assert state_store.list_sellers() == []


def test_missing_table_is_permanent_and_names_it(aws_target: Any) -> None:
    from amazon_odoo.adapters.aws.clients import dynamodb_client
    from amazon_odoo.adapters.aws.state import DynamoStateStore
    from amazon_odoo.domain.errors import PermanentError

    store = DynamoStateStore("no-such-table", dynamodb_client(aws_target))
    with pytest.raises(PermanentError) as info:
        store.get_checkpoint("a", "import_orders")
    assert "no-such-table" in str(info.value) and "STATE_TABLE" in info.value.resolution
    assert not info.value.retryable


# --- parked orders (unknown SKU) -----------------------------------------------------------------------------


def test_parking_an_order_creates_then_refreshes_one_record(state_store: Any, clock: Clock) -> None:
    first_seen = clock.now
    parked = state_store.park_order(
        "a",
        "114-1",
        missing_skus=["SKU-9", "SKU-8", "SKU-9"],
        marketplace_id="ATVPDKIKX0DER",
        reason="SKUs SKU-9, SKU-8 of Amazon order 114-1 match no Odoo product",
    )
    assert parked.seller_id == "a" and parked.order_id == "114-1"
    assert parked.missing_skus == ("SKU-9", "SKU-8")  # order kept, duplicates dropped
    assert parked.marketplace_id == "ATVPDKIKX0DER" and "SKU-8" in parked.reason
    assert parked.first_seen == parked.last_seen == first_seen and parked.attempts == 1
    assert state_store.get_parked_order("a", "114-1") == parked

    clock.advance(minutes=15)
    again = state_store.park_order(
        "a", "114-1", missing_skus=["SKU-8"], marketplace_id="ATVPDKIKX0DER", reason="still SKU-8"
    )
    assert again.first_seen == first_seen and again.last_seen == clock.now
    assert again.attempts == 2 and again.missing_skus == ("SKU-8",) and again.reason == "still SKU-8"
    assert state_store.get_parked_order("a", "114-1") == again
    # an explicit time wins over the store's clock
    later = clock.now + timedelta(hours=1)
    assert state_store.park_order("a", "114-1", missing_skus=["SKU-8"], now=later).last_seen == later
    assert state_store.get_parked_order("a", "114-2") is None
    assert state_store.get_parked_order("b", "114-1") is None


def test_parked_orders_are_listed_per_seller_oldest_first(state_store: Any, clock: Clock) -> None:
    state_store.replace_sellers([seller("a"), seller("b")])
    state_store.park_order("b", "114-B", missing_skus=["X"])
    clock.advance(minutes=1)
    state_store.park_order("a", "114-LATE", missing_skus=["X"])
    state_store.park_order("a", "114-EARLY", missing_skus=["Y"], now=clock.now - timedelta(days=1))
    clock.advance(minutes=1)
    state_store.park_order("a", "114-LATE", missing_skus=["X"])  # a second sighting keeps its place
    assert [p.order_id for p in state_store.list_parked_orders("a")] == ["114-EARLY", "114-LATE"]
    assert [p.order_id for p in state_store.list_parked_orders("b")] == ["114-B"]
    assert [(p.seller_id, p.order_id) for p in state_store.list_parked_orders()] == [
        ("a", "114-EARLY"),
        ("a", "114-LATE"),
        ("b", "114-B"),
    ]
    assert state_store.list_parked_orders("nobody") == []
    # an order parked for a seller no longer in the sellers file is not listed for "every seller"
    state_store.park_order("gone", "114-G", missing_skus=["X"])
    assert "gone" not in {p.seller_id for p in state_store.list_parked_orders()}
    assert [p.order_id for p in state_store.list_parked_orders("gone")] == ["114-G"]


def test_unparking_removes_the_record_once(state_store: Any) -> None:
    state_store.park_order("a", "114-1", missing_skus=["X"])
    state_store.park_order("a", "114-2", missing_skus=["X"])
    assert state_store.unpark_order("a", "114-1") is True
    assert state_store.unpark_order("a", "114-1") is False  # already gone: no error
    assert state_store.unpark_order("b", "114-2") is False  # another seller's order id space
    assert [p.order_id for p in state_store.list_parked_orders("a")] == ["114-2"]
    assert state_store.get_parked_order("a", "114-1") is None
    # parked again later: a fresh record
    assert state_store.park_order("a", "114-1", missing_skus=["X"]).attempts == 1


def test_parked_item_holds_ids_and_skus_only(state_store: Any) -> None:
    from amazon_odoo.adapters.aws.state import DynamoStateStore

    if not isinstance(state_store, DynamoStateStore):
        pytest.skip("the stored item is DynamoDB's")
    state_store.park_order("a", "114-1", missing_skus=["SKU-9"], marketplace_id="M", reason="r")
    client, table = state_store._client, state_store._table
    (item,) = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": {"S": "SELLER#a"}, ":p": {"S": "PARKED#"}},
    )["Items"]
    assert item["SK"] == {"S": "PARKED#114-1"}
    assert set(item) == {
        "PK",
        "SK",
        "seller_id",
        "order_id",
        "marketplace_id",
        "missing_skus",
        "reason",
        "first_seen",
        "last_seen",
        "attempts",
    }
    assert "ttl" not in item  # a parked order waits for a person, however long
