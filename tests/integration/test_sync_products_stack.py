"""Sync active products end to end on the local stack (moto, the SP-API sandbox, the Odoo double): the
command line asks for a listings report, waits for it, binds the SKUs whose Odoo product has the SKU as
internal reference, refreshes existing bindings, logs the SKUs no single product matches, switches off the
connector's own bindings whose SKU is gone (each unmatched SKU named once, then summed up per run); a report
still in progress stays tracked and its REPORT_PROCESSING_FINISHED through amazon_events hands it to the
sync_products job (the local runner's in-process launcher: no Lambda here), whose run applies it without
asking for another (reports nobody tracks are acknowledged)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.listings import BindingSource, ListingBinding
from amazon_odoo.domain.listings_report import LISTINGS_REPORT_TYPE
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import _demo_credentials
from amazon_odoo.local.invoke import invoke
from amazon_odoo.local.stack import LocalStack, drain_queue
from amazon_odoo.services.jobs import run_job
from amazon_odoo.services.sync_products import JOB
from tests.integration.conftest import example_sellers

SELLER_ID = "mugs-sync"  # its own seller: other modules' bindings are not in the way
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"


@pytest.fixture(scope="module")
def seller(stack: LocalStack) -> Iterator[SellerConfig]:
    raw = example_sellers(SELLER_ID)
    entry = raw["sellers"][0]
    entry["marketplaces"].append({"id": CA})
    _demo_credentials(stack, "mugs-us")
    compose().load_sellers(raw)
    _seed(stack)
    yield compose().seller(SELLER_ID)
    compose().state.replace_sellers([])


def _seed(stack: LocalStack) -> None:
    odoo = compose().odoo
    assert odoo is not None
    company = odoo.search_read("res.company", [], ["id"])[0]["id"]
    names = ["MUG-BLUE-12", "COASTER-SET-4", "TOWEL-FBA", "TEAPOT-WHITE", "DUP-1", "DUP-1"]
    ids = odoo.create(
        "product.product",
        [{"name": n, "default_code": n, "detailed_type": "product", "company_id": company} for n in names],
    )
    odoo.write("product.product", [ids[3]], {"active": False})  # TEAPOT-WHITE: only an archived product
    seller = stack.sandbox.state.seller()
    seller.put_listing(
        {
            "sku": "TOWEL-FBA",
            "asin": "B0FLT2N4B8",
            "itemName": "Linen Tea Towel",
            "marketplaceIds": [US],
            "attributes": {"fulfillment_availability": [{"fulfillment_channel_code": "AMAZON_NA"}]},
        }
    )
    for sku in ("DUP-1", "NO-PRODUCT"):
        seller.put_listing({"sku": sku, "asin": f"B0{sku}", "itemName": sku.title(), "marketplaceIds": [US]})
    now = datetime.now(UTC)

    def bound(sku: str, ref: str, source: BindingSource) -> ListingBinding:
        return ListingBinding(
            seller_id=SELLER_ID, marketplace_id=US, sku=sku, odoo_ref=ref, source=source, updated_at=now
        )

    compose().state.save_bindings(
        [
            bound("MUG-RED-12", "MUG-RED-OLD", BindingSource.MANUAL),  # bound by hand to another reference
            bound("GONE-1", "GONE-1", BindingSource.AMAZON),  # an earlier sync's; Amazon lists it no more
            bound("CSV-ONLY", "CSV-ONLY", BindingSource.CSV),  # from a file; not at Amazon (yet)
        ]
    )


def bindings() -> dict[str, ListingBinding]:
    return {b.sku: b for b in compose().state.list_bindings(SELLER_ID, US)}


def test_the_command_binds_by_sku_refreshes_and_logs_the_rest(
    stack: LocalStack, seller: SellerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.sandbox.state.processing.polls_to_done = 2  # IN_PROGRESS, then DONE: the run waits once
    before = len(stack.sandbox.calls("createReport"))
    assert main(["run", "sync-products", "--seller", SELLER_ID, "--marketplace", "US"]) == 0
    out = capsys.readouterr().out
    assert f"{SELLER_ID} sync_products: partial" in out
    assert "skus_bound=3" in out and "skus_unmatched=3" in out and "skus_retired=1" in out
    [request] = stack.sandbox.calls("createReport")[before:]
    assert request.body == {"reportType": LISTINGS_REPORT_TYPE, "marketplaceIds": [US]}  # US only

    found = bindings()
    blue = found["MUG-BLUE-12"]
    assert (blue.source, blue.odoo_ref, blue.active, blue.fulfillment_channel) == (
        BindingSource.AMAZON,
        "MUG-BLUE-12",
        True,
        "DEFAULT",
    )
    assert blue.asin and blue.title and blue.quantity == 37 and isinstance(blue.price, Decimal)
    assert found["COASTER-SET-4"].quantity == 140 and found["COASTER-SET-4"].active
    towel = found["TOWEL-FBA"]  # fulfilled by Amazon: bound, not active, said why
    assert (towel.active, towel.fulfillment_channel, towel.quantity) == (False, "AMAZON_NA", None)
    assert "fulfilled by Amazon" in towel.note
    red = found["MUG-RED-12"]  # refreshed: the person's reference and source stay
    assert (red.odoo_ref, red.source, red.quantity, red.active) == (
        "MUG-RED-OLD",
        BindingSource.MANUAL,
        12,
        True,
    )
    gone = found["GONE-1"]
    assert not gone.active and "not in Amazon's listings report" in gone.note
    assert found["CSV-ONLY"].active and found["CSV-ONLY"].asin == ""  # a person's binding: left as it was
    assert not {"TEAPOT-WHITE", "DUP-1", "NO-PRODUCT"} & set(found)  # nothing bound, nothing created

    logs = compose().state.list_logs(SELLER_ID, job=JOB, level=LogLevel.WARNING)
    by_record = {entry.record_ref: entry for entry in logs}
    missing = by_record["SKU NO-PRODUCT"]
    assert "matches no Odoo product" in missing.message
    assert missing.resolution == (
        "create a product with internal reference NO-PRODUCT in Odoo, or `amazon-odoo products import`"
    )
    assert "only archived" in by_record["SKU TEAPOT-WHITE"].message
    assert "several Odoo products" in by_record["SKU DUP-1"].message
    odoo = compose().odoo
    assert odoo is not None
    assert odoo.search_count("product.product", [("default_code", "=", "NO-PRODUCT")]) == 0
    checkpoint = compose().state.get_checkpoint(SELLER_ID, JOB, US)
    assert checkpoint is not None and checkpoint.next_token is None and checkpoint.cursor is not None

    # again: nothing changed at Amazon, nothing is written; the unmatched SKUs are not named again, only
    # counted in one INFO entry, so the run has no problem to report
    assert main(["run", "sync-products", "--seller", SELLER_ID, "--marketplace", US]) == 0
    out = capsys.readouterr().out
    assert "skus_unchanged=4" in out and "skus_bound=0" in out and "skus_refreshed=0" in out
    assert f"{SELLER_ID} sync_products: succeeded" in out and "skus_unmatched=3" in out
    entries = compose().state.list_logs(SELLER_ID, job=JOB, limit=500)
    assert [e.record_ref for e in entries].count("SKU NO-PRODUCT") == 1
    still = [e for e in entries if "still match no Odoo product" in e.message]
    assert len(still) == 2 and still[0].level is LogLevel.INFO and still[0].message.startswith("3 SKU(s)")


def test_a_report_not_ready_stays_tracked_and_its_notification_finishes_the_sync(
    stack: LocalStack, seller: SellerConfig
) -> None:
    app = compose()
    stack.sandbox.state.processing.polls_to_done = 1000  # Amazon is slow today
    sandbox_seller = stack.sandbox.state.seller()
    sandbox_seller.put_listing({"sku": "COASTER-SET-4", "asin": "B0NEW", "marketplaceIds": [US, CA]})
    before = len(stack.sandbox.calls("createReport"))

    def quick(ctx: Any) -> None:
        app.product_sync.run(ctx, wait_seconds=0)

    run = run_job(app.state, seller, JOB, quick, trigger="schedule")
    assert run.counts["reports_requested"] == 2 and run.counts["reports_waiting"] == 2
    tracked = {mp: app.state.get_checkpoint(SELLER_ID, JOB, mp) for mp in (US, CA)}
    assert all(c is not None and c.next_token for c in tracked.values())
    # the next run takes the tracked reports up instead of asking for new ones
    again = run_job(app.state, seller, JOB, quick, trigger="schedule")
    assert again.counts["reports_taken_up"] == 2 and "reports_requested" not in again.counts
    assert len(stack.sandbox.calls("createReport")) == before + 2

    us_report = sandbox_seller.reports[str(tracked[US].next_token)]  # type: ignore[union-attr]
    stack.sandbox.state.processing.polls_to_done = 1
    stack.send_notification(_finished(seller, us_report.report_id, "n-us"))
    stack.send_notification(_finished(seller, "99999999999", "n-other"))  # asked for by someone else
    asked = len(stack.sandbox.calls("createReport"))
    totals = drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events")
    assert totals == {"delivered": 2, "failed": 0}
    assert len(stack.sandbox.calls("createReport")) == asked  # the launched run took the tracked one up
    assert app.state.get_checkpoint(SELLER_ID, JOB, US).next_token is None  # type: ignore[union-attr]
    assert app.state.get_checkpoint(SELLER_ID, JOB, CA).next_token  # type: ignore[union-attr]
    assert bindings()["COASTER-SET-4"].asin == "B0NEW"
    [last] = app.state.list_runs(SELLER_ID, JOB, limit=1)  # the run the notification launched
    assert last.trigger == "notification" and last.counts["skus_refreshed"] == 1
    assert last.counts["reports_taken_up"] == 1 and "reports_requested" not in last.counts


def _finished(seller: SellerConfig, report_id: str, notification_id: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "notificationVersion": "2020-09-04",
        "notificationType": "REPORT_PROCESSING_FINISHED",
        "payloadVersion": "2020-09-04",
        "eventTime": now,
        "payload": {
            "reportProcessingFinishedNotification": {
                "sellerId": seller.merchant_id,
                "reportId": report_id,
                "reportType": LISTINGS_REPORT_TYPE,
                "processingStatus": "DONE",
            }
        },
        "notificationMetadata": {
            "applicationId": "amzn1.sellerapps.app.test",
            "subscriptionId": "sub-reports",
            "publishTime": now,
            "notificationId": notification_id,
        },
    }


def test_the_function_takes_up_the_tracked_report_of_the_marketplace_in_its_event(
    stack: LocalStack, seller: SellerConfig
) -> None:
    tracked = compose().state.get_checkpoint(SELLER_ID, JOB, CA)
    assert tracked is not None and tracked.next_token  # left by the test before
    event = {"job": "sync_products", "seller": SELLER_ID, "marketplace": CA}
    [result] = invoke("sync_products", event)["runs"]
    assert result["status"] == "partial", result  # MUG-RED-12 has no Odoo product (US binds it by hand)
    counts = result["counts"]
    assert (counts["reports_taken_up"], counts["skus_bound"], counts["skus_unmatched"]) == (1, 2, 1)
    assert {b.sku for b in compose().state.list_bindings(SELLER_ID, CA)} == {"MUG-BLUE-12", "COASTER-SET-4"}
    assert compose().state.get_checkpoint(SELLER_ID, JOB, CA).next_token is None  # type: ignore[union-attr]
