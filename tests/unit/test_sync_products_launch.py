"""REPORT_PROCESSING_FINISHED of a listings report (services/sync_products.py ``on_notification``) through the
notification router: a report this connector tracks and Amazon is DONE with is handed to the sync_products
job's own function (one launch, nothing applied here); a report nobody tracks is acknowledged; a failed launch
is retried (retryable) or logged with its resolution (no function) and in both cases the report stays
tracked, so the run that comes next applies it without asking Amazon for another; FATAL is finished here.
Also which launcher the container picks (bootstrap ``job_launcher``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from amazon_odoo.bootstrap import Container, InProcessJobLauncher
from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConfigError, ConnectorError, RetryableError
from amazon_odoo.domain.state import Checkpoint, LogLevel
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.notifications import NotificationRouter, Outcome
from amazon_odoo.services.sync_products import JOB, ProductSync, listings_report_handler
from amazon_odoo.settings import Settings
from tests.fakes import InMemoryStateStore
from tests.unit.test_sync_products import CA, NOW, US, Clock, ScriptedAmazon, make_seller, sync_with


class RecordingLauncher:
    def __init__(self, error: ConnectorError | None = None) -> None:
        self.error = error
        self.launched: list[tuple[str, str, str | None]] = []

    def launch(self, job: str, seller_id: str, *, marketplace_id: str | None = None) -> None:
        if self.error is not None:
            raise self.error
        self.launched.append((job, seller_id, marketplace_id))


def finished(seller: SellerConfig, report_id: str, notification_id: str = "n-1") -> dict[str, Any]:
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
                "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                "processingStatus": "DONE",
            }
        },
        "notificationMetadata": {"notificationId": notification_id, "publishTime": now},
    }


class Setup:
    """A seller whose US listings report R1 is tracked (asked for by a run that did not wait for it)."""

    def __init__(self, us: list[str], launcher: RecordingLauncher) -> None:
        self.seller = make_seller()
        self.state = InMemoryStateStore()
        self.state.replace_sellers([self.seller])
        self.amazon = ScriptedAmazon({US: us, CA: ["IN_PROGRESS"]})
        self.sync: ProductSync = sync_with(self.amazon, self.state, Clock())
        self.launcher = launcher
        self.state.save_checkpoint(
            Checkpoint(seller_id=self.seller.id, job=JOB, scope=US, next_token="R1", window_start=NOW)
        )
        self.amazon.create_report("GET_MERCHANT_LISTINGS_ALL_DATA", [US])  # R1 belongs to US
        self.router = NotificationRouter(
            self.state,
            {"REPORT_PROCESSING_FINISHED": listings_report_handler(lambda: self.sync, lambda: self.launcher)},
        )

    def tracked(self) -> str | None:
        checkpoint = self.state.get_checkpoint(self.seller.id, JOB, US)
        return checkpoint.next_token if checkpoint else None

    def run(self) -> Any:
        def body(ctx: JobContext) -> None:
            self.sync.run(ctx, marketplace_id=US, wait_seconds=0)

        return run_job(self.state, self.seller, JOB, body, trigger="notification")


def test_a_tracked_done_report_is_handed_to_the_job_once_and_not_applied_here() -> None:
    s = Setup(["DONE"], RecordingLauncher())
    assert s.router.handle_message(finished(s.seller, "R1")) == "listings sync launched"
    assert s.launcher.launched == [(JOB, s.seller.id, US)]
    assert s.tracked() == "R1"  # the launched run applies it, not the notification
    assert s.state.list_bindings(s.seller.id, US) == [] and s.state.list_runs(s.seller.id, JOB) == []
    assert s.amazon.polls == ["R1"]  # DONE checked once; nothing downloaded

    run = s.run()  # what the launched function does: takes R1 up, asks for no new report
    assert run.counts["reports_taken_up"] == 1 and "reports_requested" not in run.counts
    assert run.counts["reports_synced"] == 1 and len(s.amazon.created) == 1
    assert s.tracked() is None and [b.sku for b in s.state.list_bindings(s.seller.id, US)] == ["MUG-1"]


def test_a_report_not_tracked_here_is_acknowledged_and_nothing_launched() -> None:
    s = Setup(["DONE"], RecordingLauncher())
    assert s.router.handle_message(finished(s.seller, "R-OTHER")) == Outcome.HANDLED.value
    assert s.launcher.launched == [] and s.amazon.polls == []
    [entry] = s.state.list_logs(job="amazon_events")
    assert entry.level is LogLevel.INFO and "not one sync_products tracks" in entry.message


def test_a_report_amazon_is_not_done_with_launches_nothing() -> None:
    s = Setup(["IN_PROGRESS"], RecordingLauncher())
    assert s.router.handle_message(finished(s.seller, "R1")) == "listings report IN_PROGRESS"
    assert s.launcher.launched == [] and s.tracked() == "R1"


def test_a_fatal_report_is_finished_here_without_a_launch() -> None:
    s = Setup(["FATAL"], RecordingLauncher())
    assert s.router.handle_message(finished(s.seller, "R1")) == "listings report FATAL"
    assert s.launcher.launched == [] and s.tracked() is None
    [entry] = s.state.list_logs(s.seller.id, job=JOB, level=LogLevel.ERROR)
    assert "ended FATAL" in entry.message


def test_a_launch_that_fails_for_now_is_retried_and_the_report_stays_tracked() -> None:
    s = Setup(["DONE"], RecordingLauncher(RetryableError("Lambda throttled", record="function x")))
    with pytest.raises(RetryableError):  # the message is not acknowledged: SQS delivers it again
        s.router.handle_message(finished(s.seller, "R1"))
    assert s.tracked() == "R1" and s.state.list_bindings(s.seller.id, US) == []


def test_no_function_for_the_job_is_logged_with_its_resolution_and_the_next_run_applies_the_report() -> None:
    missing = ConfigError(
        "this deployment has no function for job sync_products",
        record="environment JOB_FUNCTIONS",
        resolution="redeploy the stack",
    )
    s = Setup(["DONE"], RecordingLauncher(missing))
    assert s.router.handle_message(finished(s.seller, "R1")) == Outcome.FAILED.value
    [entry] = s.state.list_logs(job="amazon_events", level=LogLevel.ERROR)
    assert "listings report R1 of marketplace ATVPDKIKX0DER is ready but" in entry.message
    assert "no function for job sync_products" in entry.message and "stays tracked" in entry.message
    assert entry.resolution.startswith("redeploy the stack; meanwhile the next scheduled run")
    assert s.tracked() == "R1"  # never lost
    run = s.run()
    assert run.counts["reports_taken_up"] == 1 and run.counts["reports_synced"] == 1
    assert len(s.amazon.created) == 1


def test_the_container_launches_through_lambda_in_a_function_and_in_process_elsewhere() -> None:
    from amazon_odoo.adapters.aws.launcher import LambdaJobLauncher

    functions = {"sync_products": "arn:aws:lambda:us-east-1:123456789012:function:stack-SyncProducts"}
    in_lambda = Settings.model_validate(
        {"AWS_LAMBDA_FUNCTION_NAME": "stack-AmazonEvents", "JOB_FUNCTIONS": functions}
    )
    assert isinstance(Container(in_lambda).job_launcher, LambdaJobLauncher)
    local = Settings.model_validate({"JOB_FUNCTIONS": functions})  # CLI, local runner, tests
    assert isinstance(Container(local).job_launcher, InProcessJobLauncher)
    assert isinstance(Container(Settings()).job_launcher, InProcessJobLauncher)  # no JOB_FUNCTIONS either
