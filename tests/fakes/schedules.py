"""In-memory :class:`amazon_odoo.ports.Scheduler`, held honest by tests/contract/test_scheduler.py."""

from __future__ import annotations

from amazon_odoo.domain.errors import ConflictError, PermanentError
from amazon_odoo.domain.schedules import JobSchedule


class InMemoryScheduler:
    def __init__(self) -> None:
        self.schedules: dict[str, JobSchedule] = {}
        self.calls: list[str] = []

    def list_schedules(self) -> list[JobSchedule]:
        return [self.schedules[name] for name in sorted(self.schedules)]

    def create_schedule(self, schedule: JobSchedule) -> None:
        if schedule.name in self.schedules:
            raise ConflictError(f"schedule {schedule.name} exists", record=f"schedule {schedule.name}")
        self.calls.append(f"create {schedule.name}")
        self.schedules[schedule.name] = schedule

    def update_schedule(self, schedule: JobSchedule) -> None:
        if schedule.name not in self.schedules:
            raise PermanentError(
                f"schedule {schedule.name} does not exist", record=f"schedule {schedule.name}"
            )
        self.calls.append(f"update {schedule.name}")
        self.schedules[schedule.name] = schedule

    def delete_schedule(self, name: str) -> None:
        if name not in self.schedules:
            raise PermanentError(f"schedule {name} does not exist", record=f"schedule {name}")
        self.calls.append(f"delete {name}")
        del self.schedules[name]
