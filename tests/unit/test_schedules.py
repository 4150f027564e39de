"""Per-seller schedules: expressions from the sellers file, and the plan that makes the group match it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import Job, Schedule, SellerConfig, Unit, parse_sellers_file
from amazon_odoo.domain.schedules import JobSchedule, parse_input, plan_schedules, schedule_name
from amazon_odoo.services.schedules import (
    job_switched_on,
    reconcile_schedules,
    schedule_expression,
    start_date,
    wanted_schedules,
)
from tests.fakes.schedules import InMemoryScheduler

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/scheduler"
FUNCTIONS = {job.value: f"arn:aws:lambda:us-east-1:123456789012:function:{job.value}" for job in Job}


def sellers(*edits: tuple[str, dict[str, Any]]) -> list[SellerConfig]:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    for job, schedule in edits:
        raw["sellers"][0]["schedules"][job] = schedule
    return list(parse_sellers_file(copy.deepcopy(raw)).sellers)


@pytest.mark.parametrize(
    ("schedule", "expression"),
    [
        (Schedule(enabled=True, interval=15, unit=Unit.MINUTES), "rate(15 minutes)"),
        (Schedule(enabled=True, interval=1, unit=Unit.HOURS), "rate(1 hour)"),
        (Schedule(enabled=True, interval=6, unit=Unit.HOURS), "rate(6 hours)"),
        (Schedule(enabled=True, interval=1, unit=Unit.DAYS), "rate(1 day)"),
        (Schedule(enabled=True, interval=1, unit=Unit.WEEKS), "rate(7 days)"),
        (Schedule(enabled=True, interval=2, unit=Unit.WEEKS), "rate(14 days)"),
        (Schedule(enabled=True, interval=1, unit=Unit.MONTHS), "cron(0 2 1 * ? *)"),
        (Schedule(enabled=True, interval=3, unit=Unit.MONTHS), "cron(0 2 1 1/3 ? *)"),
        (
            Schedule(
                enabled=True, interval=1, unit=Unit.MONTHS, next_run=datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
            ),
            "cron(30 3 5 * ? *)",
        ),
        (
            Schedule(
                enabled=True, interval=2, unit=Unit.MONTHS, next_run=datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
            ),
            "cron(0 23 L 1/2 ? *)",
        ),
    ],
)
def test_expressions(schedule: Schedule, expression: str) -> None:
    assert schedule_expression(schedule) == expression


def test_start_date_only_while_ahead() -> None:
    ahead = Schedule(enabled=True, interval=1, unit=Unit.DAYS, next_run=NOW + timedelta(hours=3))
    assert start_date(ahead, NOW) == NOW + timedelta(hours=3)
    assert start_date(ahead.model_copy(update={"next_run": NOW - timedelta(hours=3)}), NOW) is None
    assert start_date(Schedule(enabled=True), NOW) is None


def test_cancel_orders_follows_export_shipments_unless_given() -> None:
    [seller] = sellers(("export_shipments", {"enabled": True, "every": "45 minutes"}))
    assert seller.schedules.cancel_orders.every == "45 minutes"
    [seller] = sellers(("cancel_orders", {"enabled": False, "every": "2 hours"}))
    assert seller.schedules.cancel_orders.enabled is False
    assert Job.CANCEL_ORDERS in dict(seller.schedules.items())


def test_switches_follow_the_seller_options() -> None:
    [seller] = sellers()
    assert job_switched_on(seller, "import_orders")
    assert not job_switched_on(seller, "export_prices")
    assert not job_switched_on(seller, "no_such_job")
    off = seller.model_copy(update={"orders": seller.orders.model_copy(update={"auto_import": False})})
    assert not job_switched_on(off, "import_orders")
    no_status = seller.model_copy(
        update={"shipments": seller.shipments.model_copy(update={"auto_update_status": False})}
    )
    assert not job_switched_on(no_status, "export_shipments")
    assert not job_switched_on(no_status, "cancel_orders")


def test_wanted_one_per_seller_and_job_switched_on_with_seller_in_input() -> None:
    wanted, missing = wanted_schedules(sellers(), functions=FUNCTIONS, role_arn=ROLE, now=NOW)
    by_job = {s.job: s for s in wanted}
    on = {job.value for job, schedule in sellers()[0].schedules.items() if schedule.enabled}
    assert set(by_job) == on
    assert missing == []
    orders = by_job["import_orders"]
    assert orders.name == "mugs-us-import_orders" == schedule_name("mugs-us", "import_orders")
    assert orders.expression == "rate(15 minutes)"
    assert orders.input == {"job": "import_orders", "seller_id": "mugs-us", "trigger": "schedule"}
    assert parse_input(orders.input_json) == ("mugs-us", "import_orders")
    assert orders.target_arn == FUNCTIONS["import_orders"] and orders.role_arn == ROLE
    assert by_job["process_settlements"].start == datetime(2026, 12, 1, 2, tzinfo=UTC)


def test_jobs_without_a_function_are_reported_not_scheduled() -> None:
    functions = {k: v for k, v in FUNCTIONS.items() if k != "export_stock"}
    wanted, missing = wanted_schedules(sellers(), functions=functions, role_arn=ROLE, now=NOW)
    assert "export_stock" not in {s.job for s in wanted}
    assert missing == [("mugs-us", "export_stock")]


def test_reconcile_creates_updates_deletes_and_is_idempotent() -> None:
    scheduler = InMemoryScheduler()
    first = reconcile_schedules(scheduler, sellers(), functions=FUNCTIONS, role_arn=ROLE, now=NOW)
    assert {s.name for s in first.plan.create} == set(scheduler.schedules)
    assert not first.plan.update and not first.plan.delete

    again = reconcile_schedules(scheduler, sellers(), functions=FUNCTIONS, role_arn=ROLE, now=NOW)
    assert again.plan.empty and len(again.plan.unchanged) == len(first.plan.create)

    changed = sellers(
        ("import_orders", {"enabled": True, "every": "30 minutes"}),
        ("export_stock", {"enabled": False, "every": "1 hours"}),
    )
    scheduler.calls.clear()
    report = reconcile_schedules(scheduler, changed, functions=FUNCTIONS, role_arn=ROLE, now=NOW)
    assert [(s.name, fields) for s, fields in report.plan.update] == [
        ("mugs-us-import_orders", ("expression",))
    ]
    assert [s.name for s in report.plan.delete] == ["mugs-us-export_stock"]
    assert scheduler.calls == ["update mugs-us-import_orders", "delete mugs-us-export_stock"]
    assert scheduler.schedules["mugs-us-import_orders"].expression == "rate(30 minutes)"

    gone = reconcile_schedules(scheduler, [], functions=FUNCTIONS, role_arn=ROLE, now=NOW)
    assert len(gone.plan.delete) == len(report.plan.unchanged) + 1 and scheduler.schedules == {}


def test_dry_run_changes_nothing() -> None:
    scheduler = InMemoryScheduler()
    report = reconcile_schedules(
        scheduler, sellers(), functions=FUNCTIONS, role_arn=ROLE, now=NOW, dry_run=True
    )
    assert report.dry_run and report.plan.create and scheduler.calls == []


def test_a_start_already_passed_is_not_a_change() -> None:
    past = JobSchedule("s1", "import_orders", "rate(1 hour)", "arn:f", ROLE, start=NOW - timedelta(days=3))
    wanted = JobSchedule("s1", "import_orders", "rate(1 hour)", "arn:f", ROLE, start=None)
    assert plan_schedules([wanted], [past]).empty
    later = JobSchedule("s1", "import_orders", "rate(1 hour)", "arn:f", ROLE, start=NOW + timedelta(days=1))
    assert [fields for _, fields in plan_schedules([later], [past]).update] == [("start",)]


def test_inputs_that_are_not_ours() -> None:
    assert parse_input('{"job": "x"}') is None
    assert parse_input("not json") is None
    assert parse_input("[1]") is None
