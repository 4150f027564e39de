"""End to end on the local stack: load sellers, run the connection check, route notifications, CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.bootstrap import Container, compose
from amazon_odoo.cli import main
from amazon_odoo.domain.errors import ConfigError, RetryableError
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.local.demo import load_demo_sellers
from amazon_odoo.local.invoke import invoke, read_event
from amazon_odoo.local.stack import LocalStack, drain_queue, scheduled_event

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "infrastructure" / "sellers.example.yaml"
EVENTS = ROOT / "infrastructure" / "events"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def logs(level: LogLevel | None = None, job: str | None = None) -> list[Any]:
    return compose().state.list_logs(level=level, job=job, limit=500)


@pytest.fixture
def loaded(stack: LocalStack) -> LocalStack:
    """The demo seller loaded (tests in this module may also run alone)."""
    if compose().state.get_seller("mugs-us") is None:
        load_demo_sellers(stack, lambda line: None)
    return stack


def test_invalid_sellers_file_stores_nothing(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = example()
    bad["sellers"][0]["marketplaces"][0]["stock_field"] = "lots"
    with pytest.raises(ConfigError, match=r"seller mugs-us: marketplaces\[0\]\.stock_field"):
        compose().load_sellers(bad)
    # valid shape, but a credential it references is not there: still nothing stored
    monkeypatch.delenv("LWA_CLIENT_ID", raising=False)
    with pytest.raises(
        ConfigError, match=r"seller mugs-us: credentials\.lwa_client_id: environment variable"
    ):
        compose().load_sellers(example())
    assert compose().state.list_sellers() == []


def test_sellers_load_stores_config_and_secrets(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    load_demo_sellers(stack, print)
    seller = compose().seller("mugs-us")
    # DynamoDB holds references only; the values are in Secrets Manager
    assert seller.credentials.lwa_client_id == "secret:amazon-odoo/mugs-us/lwa_client_id"
    assert (
        compose().secrets.get_secret("amazon-odoo/mugs-us/lwa_client_id").startswith("amzn1.application-oa2")
    )
    assert main(["sellers", "list"]) == 0
    assert "A3MUGSUS8ACCPT" in capsys.readouterr().out


def test_check_connections_job_through_its_handler(loaded: LocalStack) -> None:
    result = invoke("check_connections", read_event(EVENTS / "schedule_check_connections.json"))
    (run,) = result["runs"]
    assert run["seller_id"] == "mugs-us"
    assert run["counts"]["amazon_ok"] == 1 and run["counts"]["odoo_ok"] == 1
    assert run["counts"]["odoo_major_version"] == 17
    # the example seller processes settlements; the double's admin, like a fresh Odoo, lacks the group
    assert run["status"] == "partial"
    problems = logs(LogLevel.ERROR, "check_connections")
    assert any("account.group_account_user" in e.message and e.resolution for e in problems)
    last = compose().state.last_runs("mugs-us")["check_connections"]
    assert last.status.value == "partial" and last.finished_at is not None


def test_check_connections_reports_a_marketplace_the_seller_lacks(loaded: LocalStack) -> None:
    app = compose()
    seller = app.seller("mugs-us")
    german = seller.model_copy(
        update={
            "marketplaces": (
                *seller.marketplaces,
                seller.marketplaces[0].model_copy(update={"id": "A2Q3Y263D00KWC"}),
            )
        }
    )  # Brazil: same region, not in the sandbox seller's participations
    app.state.replace_sellers([german])
    try:
        runs = app.run_job(scheduled_job("check_connections", "mugs-us"))
        assert runs[0].status.value == "partial"
        assert any(e.record_ref == "marketplace A2Q3Y263D00KWC" for e in logs(LogLevel.ERROR))
    finally:
        app.state.replace_sellers([seller])


def scheduled_job(job: str, seller: str) -> Any:
    from amazon_odoo.domain.jobs import JobRequest

    return JobRequest.from_event(scheduled_event(job, seller), default_job=job)


def test_notifications_are_deduplicated_and_unknown_types_acknowledged(loaded: LocalStack) -> None:
    event = read_event(EVENTS / "order_change.json")
    first = invoke("amazon_events", event)
    assert first == {"batchItemFailures": []}
    before = len(logs(job="amazon_events"))
    again = copy.deepcopy(event)
    for record in again["Records"]:
        record["messageId"] += "-redelivered"
    assert invoke("amazon_events", again) == {"batchItemFailures": []}
    assert len(logs(job="amazon_events")) == before  # the same notification ids: nothing handled twice
    # the sample FEED_PROCESSING_FINISHED names a feed this connector never submitted: noted, acknowledged
    assert any("was not submitted by this connector" in e.message for e in logs(job="amazon_events"))
    # the ORDER_CHANGE was fetched once and queued once for ingest_order, whatever the redeliveries
    sqs = loaded.sqs()
    queued = sqs.receive_message(QueueUrl=loaded.settings.work_queue_url, MaxNumberOfMessages=10)["Messages"]
    orders = [json.loads(m["Body"])["order"]["orderId"] for m in queued]
    assert orders == ["114-3941689-8772232"]
    sqs.delete_message_batch(
        QueueUrl=loaded.settings.work_queue_url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(queued)],
    )


def test_a_body_that_is_no_notification_lands_in_the_log_book(stack: LocalStack) -> None:
    stack.send_notification("this is not json")
    totals = drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events")
    assert totals == {"delivered": 1, "failed": 0}
    entry = logs(LogLevel.ERROR, "amazon_events")[0]
    assert (
        "not JSON" in entry.message and entry.resolution and entry.details["body_start"] == "this is not json"
    )


def test_a_retryable_failure_fails_only_its_record(
    loaded: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def flaky(notification: Any, seller: Any) -> str:
        calls.append(notification.notification_id)
        if notification.notification_type == "ORDER_CHANGE":
            raise RetryableError("Odoo is restarting", record="order 114-3941689-8772232")
        return "handled"

    monkeypatch.setattr(
        Container,
        "notification_handlers",
        lambda self: {"ORDER_CHANGE": flaky, "FEED_PROCESSING_FINISHED": flaky},
    )
    event = read_event(EVENTS / "order_change.json")
    for n, record in enumerate(event["Records"]):
        body = json.loads(record["body"])
        meta = body.get("NotificationMetadata") or body["notificationMetadata"]
        key = "NotificationId" if "NotificationId" in meta else "notificationId"
        meta[key] = f"retry-test-{n}"
        record["body"] = json.dumps(body)
    result = invoke("amazon_events", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    # redelivered: the failed one runs again (its idempotency record was released), the other does not
    result = invoke("amazon_events", event)
    assert calls.count("retry-test-0") == 2 and calls.count("retry-test-1") == 1


def test_cli_run_status_log_and_unknown_job(loaded: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "check-connections", "--seller", "mugs-us"]) == 0
    assert "mugs-us check_connections: partial" in capsys.readouterr().out
    assert main(["status", "--seller", "mugs-us"]) == 0
    out = capsys.readouterr().out
    assert "check_connections" in out and "import_orders" in out and "15 minutes" in out
    send_invoices = next(line for line in out.splitlines() if " send_invoices " in line)
    assert send_invoices.split()[2] == "off"  # switched off in the sellers file: no next run promised
    assert main(["log", "--level", "error", "--job", "check_connections"]) == 0
    assert "what to do:" in capsys.readouterr().out
    assert main(["run", "export-widgets", "--seller", "mugs-us"]) == 2
    assert "job 'export_widgets' does not exist yet" in capsys.readouterr().err
    assert main(["sellers", "show", "nobody"]) == 2
    assert "known sellers: mugs-us" in capsys.readouterr().err


def test_cli_sellers_load_refuses_invalid_file(
    loaded: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = example()
    bad["sellers"][0]["schedules"]["import_orders"]["every"] = "often"
    path = tmp_path / "sellers.yaml"
    path.write_text(yaml.safe_dump(bad))
    assert main(["sellers", "load", str(path)]) == 2
    err = capsys.readouterr().err
    assert "seller mugs-us: schedules.import_orders: every: 'often'" in err and "nothing was stored" in err
    assert compose().seller("mugs-us").schedules.import_orders.every == "15 minutes"


def test_local_runner_fires_due_schedules_and_drains_events(loaded: LocalStack) -> None:
    stack = loaded
    from amazon_odoo.local.demo import serve, shell_environment

    app = compose()
    app.run_job(scheduled_job("check_connections", "mugs-us"))  # ran just now: the next is an hour away
    before = app.state.list_runs("mugs-us", "check_connections", limit=100)
    feed_finished = read_event(EVENTS / "order_change.json")["Records"][1]["body"]
    stack.send_notification(feed_finished.replace("a8c6f1d2", "0c0c0c0c"))  # a new notification id
    said: list[str] = []
    # the last check ran less than an hour ago: not due; the queued notification is delivered
    serve(stack, said.append, poll_seconds=0, rounds=1)
    assert len(app.state.list_runs("mugs-us", "check_connections", limit=100)) == len(before)
    assert any("amazon_events: 1 delivered" in line for line in said)
    env = shell_environment(stack)
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:") and env["ODOO_URL"].startswith(
        "http://127.0.0.1:"
    )


def test_one_order_through_both_doors_gives_one_sale_order(loaded: LocalStack) -> None:
    from amazon_odoo.local.demo import seed_demo_odoo

    seed_demo_odoo(lambda line: None)
    app = compose()
    order_id = "114-5820417-3390021"  # unshipped in the sandbox: the poll finds it
    body = json.loads(read_event(EVENTS / "order_change.json")["Records"][0]["body"])
    body["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = order_id
    for n in range(2):  # Amazon delivers at least once; the poll runs at the same time
        body["NotificationMetadata"]["NotificationId"] = f"both-doors-{n}"
        loaded.send_notification(json.dumps(body))
    app.run_job(scheduled_job("import_orders", "mugs-us"))
    drain_queue(loaded, loaded.settings.events_queue_url or "", "amazon_events")
    totals = drain_queue(loaded, loaded.settings.work_queue_url or "", "ingest_order")
    assert totals["delivered"] >= 3 and totals["failed"] == 0
    odoo = app.odoo
    assert odoo is not None
    found = odoo.search_read("sale.order", [("client_order_ref", "=", order_id)], ["amount_total", "state"])
    assert len(found) == 1 and found[0]["state"] == "sale"
    assert round(found[0]["amount_total"], 2) == 39.94
    # and its buyer never reached the log book
    assert not any("Buyer" in e.message or "@" in e.message for e in logs())
