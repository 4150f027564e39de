"""services/sync_products.py with scripted Amazon and Odoo on the in-memory state store: reports that end
FATAL, stay unfinished for too long or cannot be read; a marketplace option naming none of the seller's;
no Odoo configured; a report another worker holds; the wait never sleeps past its budget."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import yaml

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import ConfigError, PermanentError
from amazon_odoo.domain.settlements import AmazonReport, ReportDownload
from amazon_odoo.domain.state import Checkpoint, LogLevel
from amazon_odoo.mapping.product_sync import OdooProduct
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.sync_products import JOB, POLL_PAUSES, STALE_AFTER, ProductSync
from tests.fakes import InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
REPORT = "seller-sku\tquantity\tasin1\nMUG-1\t3\tB0MUG\nNOPE-1\t1\tB0NOPE\n"


def make_seller() -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["sellers"] = raw["sellers"][:1]
    raw["sellers"][0]["marketplaces"] = [{"id": US}, {"id": CA}]
    return parse_sellers_file(raw).sellers[0]


class ScriptedAmazon:
    """Reports that go through the statuses given per marketplace, one per getReport call."""

    def __init__(self, statuses: dict[str, list[str]], content: str = REPORT) -> None:
        self.statuses = statuses
        self.content = content
        self.created: list[tuple[str, str]] = []
        self.polls: list[str] = []
        self._market: dict[str, str] = {}

    def create_report(self, report_type: str, marketplace_ids: Sequence[str]) -> str:
        report_id = f"R{len(self.created) + 1}"
        self.created.append((report_type, marketplace_ids[0]))
        self._market[report_id] = marketplace_ids[0]
        return report_id

    def get_report(self, report_id: str) -> AmazonReport:
        self.polls.append(report_id)
        queue = self.statuses[self._market.get(report_id, US)]
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return AmazonReport.model_validate(
            {
                "reportId": report_id,
                "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                "createdTime": NOW,
                "processingStatus": status,
                **({"reportDocumentId": f"D-{report_id}"} if status == "DONE" else {}),
            }
        )

    def download_report_document(self, document_id: str, target: BinaryIO) -> ReportDownload:
        target.write(self.content.encode("cp1252"))
        return ReportDownload(content_type="text/plain;charset=Cp1252", size=target.tell())


class ScriptedOdoo:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def products_by_reference(self, company: str, references: Sequence[str]) -> dict[str, list[OdooProduct]]:
        self.asked.append(list(references))
        return {"MUG-1": [OdooProduct(7, "MUG-1")]} if "MUG-1" in references else {}


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.mono = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds


@pytest.fixture
def seller() -> SellerConfig:
    return make_seller()


def sync_with(
    amazon: ScriptedAmazon, state: InMemoryStateStore, clock: Clock, odoo: Any = None
) -> ProductSync:
    scripted: Any = odoo if odoo is not None else ScriptedOdoo()
    return ProductSync(
        state,
        lambda s: amazon,  # type: ignore[arg-type,return-value]
        lambda: scripted,
        clock=lambda: clock.now,
        monotonic=lambda: clock.mono,
        sleep=clock.sleep,
    )


def run(sync: ProductSync, state: InMemoryStateStore, seller: SellerConfig, **kw: Any) -> Any:
    def body(ctx: JobContext) -> None:
        sync.run(ctx, **kw)

    return run_job(state, seller, JOB, body)


def test_a_report_in_cp1252_is_synced_and_the_wait_stays_within_its_budget(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    state.replace_sellers([seller])
    amazon = ScriptedAmazon({US: ["IN_QUEUE", "IN_PROGRESS", "DONE"], CA: ["IN_PROGRESS"]})
    amazon.content = "seller-sku\titem-name\nMUG-1\tCaf\u00e9 mug\n"
    done = run(sync_with(amazon, state, clock), state, seller, wait_seconds=12)
    assert done.counts["reports_synced"] == 1 and done.counts["reports_waiting"] == 1
    assert sum(clock.sleeps) <= 12 and clock.sleeps[:2] == list(POLL_PAUSES[:2])
    [mug] = state.list_bindings(seller.id, US)
    assert mug.title == "Caf\u00e9 mug"  # the declared character set
    assert state.get_checkpoint(seller.id, JOB, CA).next_token == "R2"  # type: ignore[union-attr]
    [waiting] = [e for e in state.list_logs(seller.id, job=JOB) if e.record_ref == "listings report R2"]
    assert "not ready at Amazon yet" in waiting.message


def test_a_fatal_report_is_logged_and_tracked_no_more(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["FATAL"], CA: ["DONE"]})
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id="US", wait_seconds=0)
    assert done.status.value == "partial" and done.counts["marketplaces_failed"] == 1
    assert amazon.created == [("GET_MERCHANT_LISTINGS_ALL_DATA", US)]  # --marketplace US: only US
    [entry] = state.list_logs(seller.id, job=JOB, level=LogLevel.ERROR)
    assert "ended FATAL" in entry.message and entry.record_ref == "listings report R1"
    assert state.get_checkpoint(seller.id, JOB, US).next_token is None  # type: ignore[union-attr]


def test_a_report_tracked_too_long_is_replaced_by_a_new_request(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    state.save_checkpoint(
        Checkpoint(seller_id=seller.id, job=JOB, scope=US, next_token="OLD", window_start=NOW - STALE_AFTER)
    )
    amazon = ScriptedAmazon({US: ["IN_PROGRESS", "DONE"], CA: ["DONE"]})  # OLD: still in progress
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id=US, wait_seconds=0)
    assert done.counts["reports_requested"] == 1 and done.counts["reports_synced"] == 1
    assert amazon.polls == ["OLD", "R1"]
    [warning] = state.list_logs(seller.id, job=JOB, level=LogLevel.WARNING)[-1:]
    assert warning.record_ref in ("listings report OLD", "SKU NOPE-1")
    assert any(e.record_ref == "listings report OLD" for e in state.list_logs(seller.id, job=JOB))


def test_a_report_tracked_long_that_amazon_has_finished_is_applied_not_asked_anew(
    seller: SellerConfig,
) -> None:
    state, clock = InMemoryStateStore(), Clock()
    state.save_checkpoint(  # e.g. its notification's launch failed and the next run is hours later
        Checkpoint(seller_id=seller.id, job=JOB, scope=US, next_token="OLD", window_start=NOW - STALE_AFTER)
    )
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id=US, wait_seconds=0)
    assert amazon.created == [] and done.counts["reports_taken_up"] == 1
    assert done.counts["reports_synced"] == 1 and state.list_bindings(seller.id, US)


def test_a_report_tracked_long_that_amazon_no_longer_knows_is_replaced(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    state.save_checkpoint(
        Checkpoint(seller_id=seller.id, job=JOB, scope=US, next_token="GONE", window_start=NOW - STALE_AFTER)
    )
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    real_get = amazon.get_report

    def get_report(report_id: str) -> AmazonReport:
        if report_id == "GONE":
            raise PermanentError("report GONE not found", record="report GONE")
        return real_get(report_id)

    amazon.get_report = get_report  # type: ignore[method-assign]
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id=US, wait_seconds=0)
    assert done.counts["reports_requested"] == 1 and done.counts["reports_synced"] == 1


def unmatched_entries(state: InMemoryStateStore, seller: SellerConfig, sku: str) -> list[Any]:
    return [e for e in state.list_logs(seller.id, job=JOB, limit=1000) if e.record_ref == f"SKU {sku}"]


def summaries(state: InMemoryStateStore, seller: SellerConfig) -> list[str]:
    return [e.message for e in state.list_logs(seller.id, job=JOB, limit=1000) if "still match" in e.message]


def test_unbound_skus_only_are_looked_up_and_an_unmatched_sku_is_named_once(seller: SellerConfig) -> None:
    state, clock, odoo = InMemoryStateStore(), Clock(), ScriptedOdoo()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    sync = sync_with(amazon, state, clock, odoo)
    first = run(sync, state, seller, marketplace_id=US, wait_seconds=0)
    second = run(sync, state, seller, marketplace_id=US, wait_seconds=0)
    assert odoo.asked == [["MUG-1", "NOPE-1"], ["NOPE-1"]]  # MUG-1 is bound after the first run
    [nope] = unmatched_entries(state, seller, "NOPE-1")  # named by the first run only
    assert nope.level is LogLevel.WARNING and nope.details["run_id"] == first.run_id
    assert nope.resolution.startswith("create a product with internal reference NOPE-1 in Odoo")
    summary = (
        "1 SKU(s) of marketplace ATVPDKIKX0DER still match no Odoo product: see earlier entries "
        "(`amazon-odoo log --job sync_products --level WARNING`); `amazon-odoo products list` shows the SKUs bound"
    )
    assert summaries(state, seller) == [summary, summary]  # one INFO line a run
    assert first.status.value == "partial" and first.counts["skus_unmatched_new"] == 1
    assert second.status.value == "succeeded" and second.counts["skus_unmatched"] == 1
    assert second.counts["skus_unmatched_new"] == 0


def test_an_unmatched_sku_that_goes_and_comes_back_or_changes_reason_is_named_again(
    seller: SellerConfig,
) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})

    class Odoo(ScriptedOdoo):
        archived = False

        def products_by_reference(self, company: str, references: Any) -> dict[str, list[OdooProduct]]:
            found = super().products_by_reference(company, references)
            if self.archived and "NOPE-1" in references:
                found["NOPE-1"] = [OdooProduct(9, "NOPE-1", active=False)]
            return found

    odoo = Odoo()
    sync = sync_with(amazon, state, clock, odoo)
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # named
    amazon.content = "seller-sku\tquantity\nMUG-1\t3\n"
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # gone from the report: forgotten
    amazon.content = REPORT
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # back, still unmatched: named again
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # same: not named
    odoo.archived = True
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # another reason: named again
    entries = unmatched_entries(state, seller, "NOPE-1")
    assert len(entries) == 3 and "only archived" in entries[0].message  # newest first


def test_the_cap_names_the_rest_in_later_runs(seller: SellerConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("amazon_odoo.services.sync_products.MAX_UNMATCHED_ENTRIES", 2)
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    amazon.content = "seller-sku\tquantity\n" + "".join(f"NO-{i}\t1\n" for i in range(3))
    sync = sync_with(amazon, state, clock)
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)
    named = {e.record_ref for e in state.list_logs(seller.id, job=JOB) if e.record_ref.startswith("SKU ")}
    assert named == {"SKU NO-0", "SKU NO-1"}
    [more] = [e for e in state.list_logs(seller.id, job=JOB) if "1 more SKU(s)" in e.message]
    assert more.level is LogLevel.WARNING and more.details["skus"] == ["NO-2"]
    second = run(sync, state, seller, marketplace_id=US, wait_seconds=0)
    assert [
        e.record_ref
        for e in state.list_logs(seller.id, job=JOB)
        if e.details["run_id"] == second.run_id and e.record_ref.startswith("SKU ")
    ] == ["SKU NO-2"]
    third = run(sync, state, seller, marketplace_id=US, wait_seconds=0)
    assert third.status.value == "succeeded" and third.counts["skus_unmatched"] == 3


def test_an_unreadable_report_fails_its_marketplace_and_is_tracked_no_more(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]}, content="sku\tprice\nA\t1\n")
    done = run(sync_with(amazon, state, clock), state, seller, wait_seconds=0)
    assert done.counts["marketplaces_failed"] == 2 and state.list_bindings(seller.id, US) == []
    [entry, _] = state.list_logs(seller.id, job=JOB, level=LogLevel.ERROR)
    assert "no 'seller-sku' column" in entry.message
    assert state.get_checkpoint(seller.id, JOB, US).next_token is None  # type: ignore[union-attr]


def test_a_report_another_worker_holds_is_left_to_it(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    assert state.acquire_lease(f"{JOB}#{seller.id}#R1", "someone-else", 900)
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id=US, wait_seconds=0)
    assert done.counts["reports_busy"] == 1 and state.list_bindings(seller.id, US) == []


def test_a_marketplace_the_seller_has_not_and_no_odoo_are_config_errors(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["DONE"], CA: ["DONE"]})
    done = run(sync_with(amazon, state, clock), state, seller, marketplace_id="DE")
    assert done.status.value == "failed" and "has no marketplace DE" in done.message
    no_odoo = ProductSync(state, lambda s: amazon, lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError, match="Odoo is not configured"):
        no_odoo.run(JobContext(seller=seller, job=JOB, state=state, run_id="r"))
    assert amazon.created == []


def test_the_wait_is_bounded_even_when_amazon_never_finishes(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["IN_PROGRESS"], CA: ["IN_PROGRESS"]})
    done = run(sync_with(amazon, state, clock), state, seller, wait_seconds=60)
    assert done.counts["reports_waiting"] == 2 and sum(clock.sleeps) == pytest.approx(60)
    clock.now += timedelta(minutes=5)
    again = run(sync_with(amazon, state, clock), state, seller, wait_seconds=0)
    assert again.counts["reports_taken_up"] == 2 and len(amazon.created) == 2


def test_a_report_finished_elsewhere_meanwhile_is_not_applied_twice(seller: SellerConfig) -> None:
    state, clock = InMemoryStateStore(), Clock()
    amazon = ScriptedAmazon({US: ["IN_PROGRESS", "DONE"], CA: ["DONE"]})
    sync = sync_with(amazon, state, clock)
    run(sync, state, seller, marketplace_id=US, wait_seconds=0)  # asked for, not ready: tracked
    report = amazon.get_report("R1")
    ctx = JobContext(seller=seller, job=JOB, state=state, run_id="r")
    assert sync.finish(ctx, seller.marketplace(US), report) is not None
    assert sync.finish(ctx, seller.marketplace(US), report) is None  # the second finisher does nothing
    assert ctx.counts["reports_done_elsewhere"] == 1 and ctx.counts["reports_synced"] == 1
