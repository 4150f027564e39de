"""Per-seller schedules on the local stack (moto's EventBridge Scheduler): load creates, a changed interval
updates, a switch turned off deletes; the local runner fires what is due through the handler; status shows
them; a poisoned message reaches the DLQ and `dlq redrive` brings it back; an access denial is said plainly."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.domain.schedules import JobSchedule
from amazon_odoo.local.aws import MAX_RECEIVE_COUNT
from amazon_odoo.local.demo import load_demo_sellers
from amazon_odoo.local.schedules import fire_due_schedules, is_due
from amazon_odoo.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "infrastructure" / "sellers.example.yaml"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def group() -> dict[str, JobSchedule]:
    return {s.name: s for s in compose().scheduler.list_schedules()}


def load(tmp_path: Path, raw: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "sellers.yaml"
    path.write_text(yaml.safe_dump(raw))
    capsys.readouterr()
    assert main(["sellers", "load", str(path)]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def loaded(stack: LocalStack) -> LocalStack:
    load_demo_sellers(stack, lambda line: None)  # credentials in place, the example file loaded
    return stack


def test_load_creates_one_schedule_per_seller_and_job_switched_on(loaded: LocalStack) -> None:
    schedules = group()
    seller = compose().seller("mugs-us")
    on = {job.value for job, s in seller.schedules.items() if s.enabled and job.value in schedules_jobs()}
    assert {s.job for s in schedules.values()} == on
    orders = schedules["mugs-us-import_orders"]
    assert orders.expression == "rate(15 minutes)"
    assert orders.input == {"job": "import_orders", "seller_id": "mugs-us", "trigger": "schedule"}
    assert orders.target_arn.endswith(":function:import_orders")
    assert orders.role_arn == compose().settings.scheduler_role_arn
    raw = compose().scheduler._client.get_schedule(GroupName="amazon-odoo", Name="mugs-us-import_orders")
    assert raw["FlexibleTimeWindow"] == {"Mode": "OFF"} and raw["ScheduleExpressionTimezone"] == "UTC"
    assert json.loads(raw["Target"]["Input"])["seller_id"] == "mugs-us"


def schedules_jobs() -> set[str]:
    return set(compose().settings.job_functions)


def test_changing_the_file_updates_and_deletes_schedules(
    loaded: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = example()
    raw["sellers"][0]["schedules"]["import_orders"]["every"] = "30 minutes"
    raw["sellers"][0]["schedules"]["export_stock"]["enabled"] = False
    out = load(tmp_path, copy.deepcopy(raw), capsys)
    assert "schedule update amazon-odoo/mugs-us-import_orders: rate(30 minutes) (expression changed)" in out
    assert "schedule delete amazon-odoo/mugs-us-export_stock (switched off or seller removed)" in out
    schedules = group()
    assert schedules["mugs-us-import_orders"].expression == "rate(30 minutes)"
    assert "mugs-us-export_stock" not in schedules

    # the same file again: nothing to do
    out = load(tmp_path, copy.deepcopy(raw), capsys)
    assert "schedule " not in out.replace("schedules:", "") and "unchanged" in out

    # a dry run says what it would do and does nothing
    raw["sellers"][0]["schedules"]["export_prices"]["enabled"] = True
    path = tmp_path / "dry.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["sellers", "load", str(path), "--dry-run"]) == 0
    assert "schedule would create amazon-odoo/mugs-us-export_prices: rate(1 day)" in capsys.readouterr().out
    assert "mugs-us-export_prices" not in group()

    # back to the example for the tests after this one
    load(tmp_path, example(), capsys)
    assert group()["mugs-us-import_orders"].expression == "rate(15 minutes)"


def test_status_shows_the_schedules(loaded: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["status", "--seller", "mugs-us"]) == 0
    out = capsys.readouterr().out
    assert "scheduler (amazon-odoo)" in out
    line = next(x for x in out.splitlines() if " import_orders " in x)
    assert line.rstrip().endswith("rate(15 minutes)")
    settlements = next(x for x in out.splitlines() if " process_settlements " in x)
    assert "rate(1 day) from 2026-12-01 02:00:00Z" in settlements
    check = next(x for x in out.splitlines() if " check_connections " in x)
    assert check.rstrip().endswith("template (every seller)")


def test_local_runner_fires_due_schedules_through_the_handler(loaded: LocalStack) -> None:
    app = compose()
    fired: list[tuple[str, dict[str, object]]] = []

    def fire(function: str, event: dict[str, object]) -> object:
        fired.append((function, event))
        return None

    # a day on, every rate schedule is due whatever other modules ran; settlements only from their start date
    now = datetime.now(UTC) + timedelta(days=1)
    fire_due_schedules(app, now, fire=fire)
    by_function = dict(fired)
    assert by_function["import_orders"] == {
        "job": "import_orders",
        "seller_id": "mugs-us",
        "trigger": "schedule",
    }
    settlements = group()["mugs-us-process_settlements"]
    assert ("process_settlements" in by_function) == (settlements.start is None or settlements.start <= now)

    # for real: the import_orders handler runs for the seller, and is then not due for 15 minutes
    from amazon_odoo.local.invoke import invoke

    def only_orders(function: str, event: dict[str, object]) -> object:
        return invoke(function, event) if function == "import_orders" else None

    fire_due_schedules(app, now, fire=only_orders)
    run = app.state.last_runs("mugs-us")["import_orders"]
    assert run.trigger == "schedule"
    fired.clear()
    fire_due_schedules(app, datetime.now(UTC), fire=fire)
    assert "import_orders" not in dict(fired)
    fired.clear()
    fire_due_schedules(app, datetime.now(UTC) + timedelta(minutes=16), fire=fire)
    assert "import_orders" in dict(fired)


def test_monthly_cron_is_due_once_per_slot() -> None:
    schedule = JobSchedule("s", "process_settlements", "cron(0 2 L 1/2 ? *)", "arn:f", "arn:r")
    now = datetime(2027, 3, 15, tzinfo=UTC)
    assert is_due(schedule, None, now)
    assert not is_due(schedule, datetime(2027, 1, 31, 2, 5, tzinfo=UTC), now)  # Jan 31 slot done
    assert is_due(schedule, datetime(2027, 1, 31, 2, 5, tzinfo=UTC), datetime(2027, 3, 31, 3, tzinfo=UTC))


def test_removed_seller_loses_its_schedules(loaded: LocalStack) -> None:
    app = compose()
    report = app.apply_schedules([])
    assert report is not None and {s.name for s in report.plan.delete} >= {"mugs-us-import_orders"}
    assert group() == {}
    report = app.apply_schedules()  # the stored sellers again
    assert report is not None and "mugs-us-import_orders" in group()


def test_poisoned_message_reaches_the_dlq_and_redrive_brings_it_back(
    loaded: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = loaded.sqs()
    url = loaded.settings.work_queue_url
    for queue in compose().dead_letters.queues():  # start from empty queues (earlier tests queued orders)
        _empty(sqs, queue.url)  # not PurgeQueue: once a minute per queue, and other modules purge too
        _empty(sqs, queue.source_url)
    body = {"kind": "poison", "seller_id": "mugs-us", "order_id": "999-0000000-0000000"}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    for _ in range(MAX_RECEIVE_COUNT + 1):  # a consumer that fails it every time
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, MaxNumberOfMessages=10)
    capsys.readouterr()
    assert main(["dlq", "list"]) == 0
    out = capsys.readouterr().out
    assert ["amazon-odoo-work-dlq", "amazon-odoo-work", "1"] in [line.split() for line in out.splitlines()]
    assert "kind=poison seller_id=mugs-us order_id=999-0000000-0000000" in out
    assert compose().dead_letters.counts()["amazon-odoo-work-dlq"] == 1  # listing removed nothing

    assert main(["dlq", "redrive", "--queue", "amazon-odoo-work-dlq"]) == 0
    assert "amazon-odoo-work-dlq: 1 message(s) moved back to amazon-odoo-work" in capsys.readouterr().out
    assert compose().dead_letters.counts()["amazon-odoo-work-dlq"] == 0
    back = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in back] == [body]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=back[0]["ReceiptHandle"])


def _empty(sqs: Any, url: str) -> None:
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def test_access_denied_names_the_missing_permission(
    loaded: LocalStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    denied = ClientError(
        {
            "Error": {
                "Code": "AccessDeniedException",
                "Message": "User: arn:aws:sts::123456789012:assumed-role/operator/ann is not authorized to "
                "perform: secretsmanager:PutSecretValue on resource: "
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:amazon-odoo/mugs-us/lwa_client_id "
                "because no identity-based policy allows the secretsmanager:PutSecretValue action",
            }
        },
        "PutSecretValue",
    )

    def refuse(*args: object, **kwargs: object) -> None:
        raise denied

    monkeypatch.setattr(compose().secrets._client, "put_secret_value", refuse)
    path = ROOT / "infrastructure" / "sellers.example.yaml"
    capsys.readouterr()
    assert main(["sellers", "load", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "your role lacks secretsmanager:PutSecretValue on "
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:amazon-odoo/mugs-us/lwa_client_id: "
        "ask for the manager policy" in err
    )

    # a raw botocore denial outside the adapters, with no action in the message (EC2 style)
    def status(*args: object, **kwargs: object) -> None:
        raise ClientError(
            {"Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized"}}, "ListSchedules"
        )

    monkeypatch.setattr(compose().scheduler, "list_schedules", status)
    assert main(["status"]) == 2
    assert (
        "your role lacks aws:ListSchedules on the resource: ask for the manager policy"
        in capsys.readouterr().err
    )
