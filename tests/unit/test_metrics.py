"""Per-seller metrics (issue 9): a job run's counts become EMF blobs with the seller as a dimension, plus
one blob over all sellers for the alarms; the CLI keeps them off its stdout."""

from __future__ import annotations

import json
from typing import Any

import pytest

from amazon_odoo import observability
from amazon_odoo.domain.errors import PermanentError
from amazon_odoo.observability import count, flush_counts, run_metrics, set_publishing
from amazon_odoo.services.jobs import JobContext, run_job
from tests.unit.test_services import fresh_state


def blobs(out: str) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [b for b in found if b["_aws"]["CloudWatchMetrics"][0]["Namespace"] == observability.NAMESPACE]


def values(blob: dict[str, Any]) -> dict[str, Any]:
    names = [m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    return {name: sum(blob[name]) if isinstance(blob[name], list) else blob[name] for name in names}


def dimensions(blob: dict[str, Any]) -> list[str]:
    dims: list[str] = blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
    return sorted(dims)


@pytest.fixture(autouse=True)
def publishing() -> Any:
    flush_counts()
    previous = set_publishing(True)
    yield
    set_publishing(previous)


def test_run_metrics_maps_counts_and_job_specific_names() -> None:
    counts = {"orders_queued": 3, "refused": 2, "skus_sent": 0, "pages": 4}
    assert run_metrics("import_orders", counts) == {"OrdersQueued": 3}
    assert run_metrics("export_shipments", {"packages_confirmed": 5, "refused": 1}) == {
        "ShipmentsConfirmed": 5,
        "ShipmentsRefused": 1,
    }
    assert run_metrics("cancel_orders", {"refused": 1, "orders_sent": 2}) == {
        "CancellationsRefused": 1,
        "CancellationsSent": 2,
    }
    assert run_metrics("track_feeds", {"items_failed": 7}) == {"FeedErrors": 7}
    assert run_metrics("process_settlements", {"lines_open": 2}) == {"SettlementLinesUnmatched": 2}


def test_a_job_run_publishes_one_blob_per_seller_and_one_over_all(capsys: pytest.CaptureFixture[str]) -> None:
    state = fresh_state()

    def body(ctx: JobContext) -> None:
        ctx.counts["packages_confirmed"] += 4
        ctx.counts["refused"] += 1

    count(observability.THROTTLED_CALLS, 2, seller="mugs-us")  # e.g. from the Amazon gateway
    capsys.readouterr()
    run_job(state, state.list_sellers()[0], "export_shipments", body)
    per_seller, overall = blobs(capsys.readouterr().out)
    assert dimensions(per_seller) == ["seller", "service"] and per_seller["seller"] == "mugs-us"
    assert values(per_seller) == {
        "JobRuns": 1.0,
        "ShipmentsConfirmed": 4.0,
        "ShipmentsRefused": 1.0,
        "ThrottledCalls": 2.0,
    }
    assert dimensions(overall) == ["service"] and values(overall) == values(per_seller)


def test_a_failed_run_counts_as_failed(capsys: pytest.CaptureFixture[str]) -> None:
    state = fresh_state()

    def body(ctx: JobContext) -> None:
        raise PermanentError("no", record="x")

    capsys.readouterr()
    run_job(state, state.list_sellers()[0], "import_orders", body)
    per_seller, _ = blobs(capsys.readouterr().out)
    assert values(per_seller) == {"JobRuns": 1.0, "JobRunsFailed": 1.0}


def test_two_sellers_two_blobs_and_a_sum(capsys: pytest.CaptureFixture[str]) -> None:
    count("OrdersImported", seller="a")
    count("OrdersImported", 2, seller="b")
    count("OrdersFailed", seller="b")
    assert flush_counts() == 3
    a, b, overall = blobs(capsys.readouterr().out)
    assert (a["seller"], values(a)) == ("a", {"OrdersImported": 1.0})
    assert (b["seller"], values(b)) == ("b", {"OrdersFailed": 1.0, "OrdersImported": 2.0})
    assert values(overall) == {"OrdersFailed": 1.0, "OrdersImported": 3.0}
    assert flush_counts() == 0


def test_not_published_while_off(capsys: pytest.CaptureFixture[str]) -> None:
    set_publishing(False)
    count("OrdersImported", seller="a")
    assert flush_counts() == 0
    assert blobs(capsys.readouterr().out) == []
