"""Structured JSON logs and CloudWatch metrics (Powertools), one logger and one metrics object per process.

Tracing: the functions run with X-Ray active tracing (template.yaml), which records each invocation without
the X-Ray SDK. Powertools' Tracer is deliberately not used: importing aws_xray_sdk costs ~250 ms of cold start,
most of the 300 ms budget (measured with ``python -X importtime``).

Logs carry the Amazon order id (or feed / report id) as correlation id and never personal data: log
identifiers and counts, not buyer names or addresses.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

__all__ = [
    "MetricUnit",
    "count",
    "flush_counts",
    "get_logger",
    "get_metrics",
    "run_metrics",
    "set_publishing",
]

NAMESPACE = "AmazonOdoo"
SERVICE = "amazon-odoo"
SELLER_DIMENSION = "seller"

# ---------------------------------------------------------------- per-seller business metrics (issue 9)
# Each flush writes one EMF blob per seller (dimensions service + seller: the dashboard's per-seller lines)
# and one blob without the seller (dimension service only: what the alarms watch, summed over sellers).
# EMF takes one dimension set per blob, hence a separate EphemeralMetrics for each; the process-wide
# Metrics of get_metrics() is left to what it does (cold starts, job-run totals).

#: Job-run counts (JobContext.counts) published as metrics: count name -> metric name; a (job, count) key
#: names a count that means something else in other jobs ("refused").
RUN_METRICS: Mapping[str | tuple[str, str], str] = {
    "orders_queued": "OrdersQueued",
    "packages_confirmed": "ShipmentsConfirmed",
    ("export_shipments", "refused"): "ShipmentsRefused",
    ("cancel_orders", "orders_sent"): "CancellationsSent",
    ("cancel_orders", "refused"): "CancellationsRefused",
    "skus_sent": "SkusExported",
    "feeds_submitted": "FeedsSubmitted",
    "items_failed": "FeedErrors",
    "lines_open": "SettlementLinesUnmatched",
}
ORDERS_IMPORTED = "OrdersImported"
ORDERS_FAILED = "OrdersFailed"
ORDERS_PARKED = "OrdersParked"
THROTTLED_CALLS = "ThrottledCalls"
JOB_RUNS = "JobRuns"
JOB_RUNS_FAILED = "JobRunsFailed"

_pending: dict[str, Counter[str]] = {}
_pending_lock = threading.Lock()
_publishing = [True]  # EMF goes to stdout: in Lambda, CloudWatch reads it; the CLI turns it off


def set_publishing(enabled: bool) -> bool:
    """Write the per-seller blobs to stdout or not (the CLI's stdout is for people); the previous value."""
    previous = _publishing[0]
    _publishing[0] = enabled
    return previous


def count(name: str, value: int = 1, *, seller: str) -> None:
    """Add to a per-seller count; :func:`flush_counts` publishes it (at the end of a job run or message)."""
    with _pending_lock:
        _pending.setdefault(seller, Counter())[name] += value


def run_metrics(job: str, counts: Mapping[str, int]) -> dict[str, int]:
    """The metrics a job run's counts give (see :data:`RUN_METRICS`)."""
    found: dict[str, int] = {}
    for key, value in counts.items():
        name = RUN_METRICS.get((job, key)) or RUN_METRICS.get(key)
        if name and value:
            found[name] = found.get(name, 0) + value
    return found


def _blob(values: Mapping[str, int], seller: str | None) -> None:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    if seller is not None:
        metrics.add_dimension(name=SELLER_DIMENSION, value=seller)
    for name, value in sorted(values.items()):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()


def flush_counts() -> int:
    """Publish and forget the pending counts: one blob per seller and one over all sellers."""
    with _pending_lock:
        pending = {seller: counts for seller, counts in _pending.items() if counts}
        _pending.clear()
    if not _publishing[0]:
        return 0
    total: Counter[str] = Counter()
    for seller, counts in sorted(pending.items()):
        _blob(counts, seller)
        total.update(counts)
    if total:
        _blob(total, None)
    return len(pending) + (1 if total else 0)


@cache
def get_logger() -> Logger:
    return Logger(service=SERVICE)


@cache
def get_metrics() -> Metrics:
    return Metrics(namespace=NAMESPACE, service=SERVICE)
