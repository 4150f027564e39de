"""template.yaml, issue 9: per-seller schedules (group + scheduler role), the people's policies (manager,
operator), the connector's alarms and its dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from amazon_odoo import observability
from amazon_odoo.config import Job
from amazon_odoo.settings import Settings
from tests.infrastructure.test_template import (
    TEMPLATE,
    as_list,
    functions,
    load_template,
    of_type,
    props,
    ref_target,
    snake_name,
)

EVERY_SELLER = {"check_connections", "track_feeds"}  # the template's own schedules, for every seller


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE.read_text())


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, Any]] = template["Resources"]
    return res


def job_functions(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """job -> function logical id, for the per-seller jobs that have a function in the template."""
    by_job = {snake_name(name): name for name in functions(resources)}
    return {job.value: by_job[job.value] for job in Job if job.value in by_job}


def statements(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    document = props(resource)["PolicyDocument"]
    return {s["Sid"]: s for s in as_list(document["Statement"])}


def allowed(resource: dict[str, Any]) -> set[str]:
    return {
        action
        for s in statements(resource).values()
        if s["Effect"] == "Allow"
        for action in as_list(s["Action"])
    }


# ------------------------------------------------------------------ schedules


def test_per_seller_jobs_have_no_fixed_schedule_and_every_seller_jobs_keep_theirs(
    resources: dict[str, dict[str, Any]],
) -> None:
    jobs = job_functions(resources)
    assert {"import_orders", "export_shipments", "cancel_orders"} <= set(jobs)
    for job, name in jobs.items():
        events = props(resources[name]).get("Events", {})
        assert not [e for e in events.values() if e["Type"] in {"Schedule", "ScheduleV2"}], job
    for job in EVERY_SELLER:
        name = next(n for n in functions(resources) if snake_name(n) == job)
        assert [e["Type"] for e in props(resources[name])["Events"].values()] == ["Schedule"], job


def test_scheduler_role_invokes_exactly_the_per_seller_job_functions(
    resources: dict[str, dict[str, Any]],
) -> None:
    role = props(resources["SchedulerRole"])
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    [policy] = role["Policies"]
    [invoke] = policy["PolicyDocument"]["Statement"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    targets = {ref_target(r) for r in invoke["Resource"]}
    assert targets == set(job_functions(resources).values())


def test_job_functions_output_names_every_per_seller_job(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    outputs = template["Outputs"]
    text = outputs["JobFunctions"]["Value"]["Fn::Sub"]
    found = dict(re.findall(r'"([a-z_]+)": "\$\{([A-Za-z]+)\.Arn\}"', text))
    assert found == job_functions(resources)
    json.loads(re.sub(r"\$\{[^}]+\}", "arn", text))  # valid JSON once substituted
    assert ref_target(outputs["ScheduleGroupName"]["Value"]) == "JobScheduleGroup"
    assert ref_target(outputs["SchedulerRoleArn"]["Value"]) == "SchedulerRole"
    assert resources["JobScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"
    # the CLI reads these outputs under the names Settings knows
    aliases = {f.alias for f in Settings.model_fields.values()}
    assert {"SCHEDULE_GROUP", "SCHEDULER_ROLE_ARN", "JOB_FUNCTIONS"} <= aliases


# ------------------------------------------------------------------ people's policies


def test_manager_changes_settings_secrets_and_schedules(resources: dict[str, dict[str, Any]]) -> None:
    manager = resources["ManagerPolicy"]
    assert manager["Type"] == "AWS::IAM::ManagedPolicy"
    actions = allowed(manager)
    assert {
        "secretsmanager:PutSecretValue",
        "secretsmanager:CreateSecret",
        "dynamodb:PutItem",
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:ListSchedules",
        "iam:PassRole",
        "lambda:InvokeFunction",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
        "sqs:DeleteMessage",
    } <= actions
    passing = statements(manager)["PassSchedulerRole"]
    assert ref_target(passing["Resource"]) == "SchedulerRole"
    assert passing["Condition"]["StringEquals"]["iam:PassedToService"] == "scheduler.amazonaws.com"
    writes = statements(manager)["SchedulesReadWrite"]["Resource"]["Fn::Sub"]
    assert writes.endswith(":schedule/${JobScheduleGroup}/*")


def test_operator_runs_and_reads_but_writes_no_settings_secrets_or_schedules(
    resources: dict[str, dict[str, Any]],
) -> None:
    operator = resources["OperatorPolicy"]
    actions = allowed(operator)
    assert {
        "lambda:InvokeFunction",
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",
        "s3:GetObject",
    } <= actions
    assert {"logs:FilterLogEvents", "scheduler:GetSchedule", "sqs:ReceiveMessage"} <= actions
    forbidden = {
        a
        for a in actions
        if (
            a.startswith("secretsmanager:")
            and a not in {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
        )
        or a
        in {
            "scheduler:CreateSchedule",
            "scheduler:UpdateSchedule",
            "scheduler:DeleteSchedule",
            "iam:PassRole",
        }
        or a in {"s3:PutObject", "s3:DeleteObject"}
    }
    assert forbidden == set()
    deny = statements(operator)["NoSettingsWrites"]
    assert deny["Effect"] == "Deny" and ref_target(deny["Resource"]) == "StateTable"
    assert {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    } <= set(deny["Action"])
    assert deny["Condition"] == {"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["SELLERS"]}}


def test_the_settings_partition_is_the_one_the_operator_may_not_write() -> None:
    from amazon_odoo.adapters.aws.state import SELLERS_PK

    assert SELLERS_PK == "SELLERS"


# ------------------------------------------------------------------ alarms and dashboard


def alarm(resources: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    found = resources[name]
    assert found["Type"] == "AWS::CloudWatch::Alarm"
    p = props(found)
    assert p["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    return p


@pytest.mark.parametrize(
    ("name", "metric"),
    [
        ("JobRunsFailedAlarm", observability.JOB_RUNS_FAILED),
        ("OrdersFailedAlarm", observability.ORDERS_FAILED),
        ("ThrottledCallsAlarm", observability.THROTTLED_CALLS),
    ],
)
def test_alarms_on_the_connectors_metrics_over_all_sellers(
    resources: dict[str, dict[str, Any]], name: str, metric: str
) -> None:
    p = alarm(resources, name)
    assert (p["Namespace"], p["MetricName"]) == (observability.NAMESPACE, metric)
    assert p["Dimensions"] == [{"Name": "service", "Value": observability.SERVICE}]
    assert p["Statistic"] == "Sum"


def test_age_of_the_oldest_message_alarms_on_both_queues(resources: dict[str, dict[str, Any]]) -> None:
    watched = {
        ref_target(props(a)["Dimensions"][0]["Value"])
        for a in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if props(a)["MetricName"] == "ApproximateAgeOfOldestMessage"
    }
    assert watched == {"AmazonEventsQueue", "WorkQueue"}


def test_dashboard_shows_the_metrics_queues_and_alarms(resources: dict[str, dict[str, Any]]) -> None:
    dashboard = props(resources["Dashboard"])
    text = dashboard["DashboardBody"]["Fn::Sub"]
    referenced = set(re.findall(r"\$\{([A-Za-z]+)\.(?:Arn|QueueName)\}", text))
    for name in referenced:
        assert name in resources, name
    body = json.loads(re.sub(r"\$\{[^}]+\}", "x", text))
    widgets = body["widgets"]
    shown = json.dumps(widgets)
    for metric in (
        observability.ORDERS_IMPORTED,
        observability.ORDERS_FAILED,
        "ShipmentsConfirmed",
        "ShipmentsRefused",
        "SkusExported",
        "FeedErrors",
        "SettlementLinesUnmatched",
        observability.THROTTLED_CALLS,
        observability.JOB_RUNS_FAILED,
    ):
        assert metric in shown, metric
    assert set(observability.RUN_METRICS.values()) - {"FeedsSubmitted", "CancellationsSent"} <= set(
        re.findall(r'MetricName=\\"([A-Za-z]+)\\"', shown)
    )
    [alarms] = [w for w in widgets if w["type"] == "alarm"]
    in_widget = set(re.findall(r"\$\{([A-Za-z]+)\.Arn\}", text))
    assert in_widget == set(of_type(resources, "AWS::CloudWatch::Alarm")) - {
        n for n in resources if n.endswith(("ErrorsAlarm", "ThrottlesAlarm"))
    }
    assert len(alarms["properties"]["alarms"]) == len(in_widget)
