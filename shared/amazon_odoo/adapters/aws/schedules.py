""":class:`amazon_odoo.ports.Scheduler` on EventBridge Scheduler: one schedule per seller and job.

The connector owns one schedule group (``SCHEDULE_GROUP``, the template's ``JobScheduleGroup``); in it, a
schedule is the connector's when its target input carries ``job`` and ``seller_id``. Every schedule
fires exactly on time (``FlexibleTimeWindow`` OFF), in UTC, through the scheduler role
(``SCHEDULER_ROLE_ARN``), with the input ``{"job": J, "seller_id": S, "trigger": "schedule"}`` the
job's Lambda handler reads (``JobRequest.from_event``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.domain.schedules import JobSchedule, parse_input

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import CreateScheduleInputTypeDef, TargetTypeDef

#: A job that misses its slot is retried twice within the hour, then the next slot takes over.
MAX_RETRIES = 2
MAX_EVENT_AGE_SECONDS = 3600


class EventBridgeScheduler:
    def __init__(self, client: EventBridgeSchedulerClient, group: str) -> None:
        self._client = client
        self.group = group

    def _names(self) -> list[str]:
        names: list[str] = []
        paginator = self._client.get_paginator("list_schedules")
        with aws_errors("scheduler", self.group, record=f"schedule group {self.group}"):
            for page in paginator.paginate(GroupName=self.group):
                names += [item["Name"] for item in page.get("Schedules", []) if "Name" in item]
        return names

    def list_schedules(self) -> list[JobSchedule]:
        """The connector's schedules in the group (others' schedules in it are left out, and alone)."""
        found: list[JobSchedule] = []
        for name in self._names():
            with aws_errors("scheduler", f"{self.group}/{name}"):
                detail = self._client.get_schedule(GroupName=self.group, Name=name)
            target = detail.get("Target", {})
            owner = parse_input(target.get("Input", ""))
            if owner is None:
                continue
            start = detail.get("StartDate")
            found.append(
                JobSchedule(
                    seller_id=owner[0],
                    job=owner[1],
                    expression=detail.get("ScheduleExpression", ""),
                    target_arn=target.get("Arn", ""),
                    role_arn=target.get("RoleArn", ""),
                    start=start.astimezone(UTC) if isinstance(start, datetime) else None,
                )
            )
        return found

    def _target(self, schedule: JobSchedule) -> TargetTypeDef:
        return {
            "Arn": schedule.target_arn,
            "RoleArn": schedule.role_arn,
            "Input": schedule.input_json,
            "RetryPolicy": {
                "MaximumRetryAttempts": MAX_RETRIES,
                "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
            },
        }

    def _request(self, schedule: JobSchedule) -> CreateScheduleInputTypeDef:
        request: CreateScheduleInputTypeDef = {
            "Name": schedule.name,
            "GroupName": self.group,
            "ScheduleExpression": schedule.expression,
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": self._target(schedule),
            "State": "ENABLED",
            "Description": f"amazon-odoo {schedule.job} for seller {schedule.seller_id}",
        }
        if schedule.start is not None:
            request["StartDate"] = schedule.start
        return request

    def create_schedule(self, schedule: JobSchedule) -> None:
        with aws_errors("scheduler", f"{self.group}/{schedule.name}"):
            self._client.create_schedule(**self._request(schedule))

    def update_schedule(self, schedule: JobSchedule) -> None:
        """UpdateSchedule replaces the whole definition: every field is sent again."""
        request = self._request(schedule)
        with aws_errors("scheduler", f"{self.group}/{schedule.name}"):
            self._client.update_schedule(**request)

    def delete_schedule(self, name: str) -> None:
        with aws_errors("scheduler", f"{self.group}/{name}"):
            self._client.delete_schedule(GroupName=self.group, Name=name)
