"""Running one job for one seller: a job run record, counts, and the log book.

Every job (scheduled, triggered by a notification, or run by hand) goes through :func:`run_job`, so
``amazon-odoo status`` and the log book see the same thing whatever started it. Failures follow the
disposition of domain/errors.py: a retryable failure is recorded and re-raised (the trigger retries:
SQS redelivers, the next schedule runs); a permanent one is recorded with its resolution and the run
ends ``failed`` without a retry storm.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, Disposition
from amazon_odoo.domain.state import JobRun, LogEntry, LogLevel, RunStatus
from amazon_odoo.observability import (
    JOB_RUNS,
    JOB_RUNS_FAILED,
    MetricUnit,
    count,
    flush_counts,
    get_logger,
    get_metrics,
    run_metrics,
)
from amazon_odoo.ports import StateStore


@dataclass
class JobContext:
    """What a job body gets: its seller, counters, and a way to write the log book."""

    seller: SellerConfig
    job: str
    state: StateStore
    run_id: str
    counts: Counter[str] = field(default_factory=Counter)
    problems: int = 0

    def log(
        self,
        message: str,
        *,
        level: LogLevel = LogLevel.INFO,
        record: str = "",
        resolution: str = "",
        details: dict[str, object] | None = None,
    ) -> None:
        if level is not LogLevel.INFO:
            self.problems += 1
        self.state.add_log(
            LogEntry(
                level=level,
                seller_id=self.seller.id,
                job=self.job,
                record_ref=record,
                message=message,
                resolution=resolution,
                details={"run_id": self.run_id, **(details or {})},
            )
        )

    def log_error(self, error: ConnectorError) -> None:
        level = LogLevel.WARNING if error.disposition is Disposition.RETRY else LogLevel.ERROR
        self.log(error.message, level=level, record=error.record, resolution=error.resolution)


JobBody = Callable[[JobContext], None]


def run_job(
    state: StateStore, seller: SellerConfig, job: str, body: JobBody, *, trigger: str = "manual"
) -> JobRun:
    logger = get_logger()
    run = state.start_run(JobRun(seller_id=seller.id, job=job, trigger=trigger))
    ctx = JobContext(seller=seller, job=job, state=state, run_id=run.run_id)
    status, message, raised = RunStatus.SUCCEEDED, "", None
    try:
        body(ctx)
    except ConnectorError as error:
        ctx.log_error(error)
        status, message = RunStatus.FAILED, str(error)
        if error.disposition is Disposition.RETRY:
            raised = error
    if status is RunStatus.SUCCEEDED and ctx.problems:
        status, message = RunStatus.PARTIAL, f"{ctx.problems} problem(s) in the log book"
    finished = state.finish_run(
        run.model_copy(
            update={
                "finished_at": datetime.now(UTC),
                "status": status,
                "counts": dict(ctx.counts),
                "message": message,
            }
        )
    )
    metrics = get_metrics()
    metrics.add_metric(name=f"JobRun_{status.value}", unit=MetricUnit.Count, value=1)
    for name, value in ctx.counts.items():
        if name.endswith(("_imported", "_sent", "_failed", "_confirmed")):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for name, value in run_metrics(job, ctx.counts).items():  # per seller (issue 9): dashboard and alarms
        count(name, value, seller=seller.id)
    count(JOB_RUNS, seller=seller.id)
    if status is RunStatus.FAILED:
        count(JOB_RUNS_FAILED, seller=seller.id)
    flush_counts()
    logger.info(
        "job run finished",
        extra={"seller": seller.id, "job": job, "status": status.value, "counts": dict(ctx.counts)},
    )
    if raised is not None:
        raise raised
    return finished
