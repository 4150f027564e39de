"""The Scheduler port: the in-memory fake and EventBridge Scheduler on moto server behave the same."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amazon_odoo.adapters.aws.clients import AwsTarget, scheduler_client
from amazon_odoo.adapters.aws.schedules import EventBridgeScheduler
from amazon_odoo.domain.errors import ConnectorError, PermanentError
from amazon_odoo.domain.schedules import JobSchedule
from amazon_odoo.local.aws import create_schedule_group
from tests.fakes.schedules import InMemoryScheduler

ROLE = "arn:aws:iam::123456789012:role/scheduler"


def job(seller: str, name: str, expression: str = "rate(15 minutes)", **kw: Any) -> JobSchedule:
    return JobSchedule(
        seller, name, expression, f"arn:aws:lambda:us-east-1:123456789012:function:{name}", ROLE, **kw
    )


@pytest.fixture(params=["in-memory", "eventbridge"])
def scheduler(request: pytest.FixtureRequest) -> Any:
    if request.param == "in-memory":
        return InMemoryScheduler()
    target: AwsTarget = request.getfixturevalue("aws_target")
    group = f"jobs-{uuid.uuid4().hex[:8]}"
    create_schedule_group(target, group)
    return EventBridgeScheduler(scheduler_client(target), group)


def test_create_list_update_delete(scheduler: Any) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    orders = job("mugs-us", "import_orders")
    settlements = job("mugs-us", "process_settlements", "rate(1 day)", start=start)
    scheduler.create_schedule(orders)
    scheduler.create_schedule(settlements)
    assert sorted(scheduler.list_schedules(), key=lambda s: s.name) == [orders, settlements]

    slower = job("mugs-us", "import_orders", "rate(30 minutes)")
    scheduler.update_schedule(slower)
    assert {s.name: s for s in scheduler.list_schedules()}["mugs-us-import_orders"] == slower

    scheduler.delete_schedule("mugs-us-import_orders")
    assert scheduler.list_schedules() == [settlements]


def test_a_schedule_is_created_once(scheduler: Any) -> None:
    scheduler.create_schedule(job("s1", "import_orders"))
    with pytest.raises(ConnectorError):
        scheduler.create_schedule(job("s1", "import_orders", "rate(1 hour)"))


def test_deleting_what_is_not_there_is_an_error(scheduler: Any) -> None:
    with pytest.raises(PermanentError):
        scheduler.delete_schedule("s1-import_orders")


def test_schedules_not_made_by_the_connector_are_left_out(aws_target: AwsTarget) -> None:
    group = f"jobs-{uuid.uuid4().hex[:8]}"
    create_schedule_group(aws_target, group)
    client = scheduler_client(aws_target)
    client.create_schedule(
        Name="someone-elses",
        GroupName=group,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": "arn:aws:lambda:us-east-1:123456789012:function:other",
            "RoleArn": ROLE,
            "Input": "{}",
        },
    )
    scheduler = EventBridgeScheduler(client, group)
    scheduler.create_schedule(job("s1", "import_orders"))
    assert [s.name for s in scheduler.list_schedules()] == ["s1-import_orders"]


def test_a_missing_group_says_to_deploy_the_stack(aws_target: AwsTarget) -> None:
    """AWS answers ResourceNotFoundException (moto 5.2 has a KeyError there instead: stubbed)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "scheduler", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "list_schedules", "ResourceNotFoundException", "Schedule group no-such-group does not exist.", 404
        )
        with pytest.raises(PermanentError) as caught:
            EventBridgeScheduler(client, "no-such-group").list_schedules()
    assert "schedule no-such-group does not exist" in caught.value.message
    assert "schedule group exists" in caught.value.resolution
