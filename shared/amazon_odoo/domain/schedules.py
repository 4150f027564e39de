"""Per-seller job schedules as EventBridge Scheduler sees them: one schedule per seller and job.

Pure: the schedules wanted (``services.schedules`` builds them from the sellers file) are compared with
the ones in the connector's schedule group, giving what to create, update and delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def schedule_name(seller_id: str, job: str) -> str:
    """``<seller>-<job>``: at most 40 + 1 + 23 characters, within Scheduler's 64."""
    return f"{seller_id}-{job}"


@dataclass(frozen=True)
class JobSchedule:
    """One schedule in the connector's group: fires ``job`` for ``seller_id`` through ``target_arn``."""

    seller_id: str
    job: str
    expression: str
    target_arn: str
    role_arn: str
    start: datetime | None = None

    @property
    def name(self) -> str:
        return schedule_name(self.seller_id, self.job)

    @property
    def input(self) -> dict[str, Any]:
        return {"job": self.job, "seller_id": self.seller_id, "trigger": "schedule"}

    @property
    def input_json(self) -> str:
        return json.dumps(self.input, sort_keys=True, separators=(",", ":"))

    def differs_from(self, existing: JobSchedule) -> list[str]:
        """What an update would change (a start already passed is not compared: it no longer matters)."""
        changed = [
            field
            for field in ("expression", "target_arn", "role_arn")
            if getattr(self, field) != getattr(existing, field)
        ]
        if self.start is not None and self.start != existing.start:
            changed.append("start")
        return changed


def parse_input(text: str) -> tuple[str, str] | None:
    """(seller_id, job) from a schedule's input, or None when it is not one of the connector's."""
    try:
        data: Any = json.loads(text or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    seller, job = data.get("seller_id"), data.get("job")
    if isinstance(seller, str) and isinstance(job, str) and seller and job:
        return seller, job
    return None


@dataclass(frozen=True)
class SchedulePlan:
    """What makes the group match the sellers file."""

    create: tuple[JobSchedule, ...] = ()
    update: tuple[tuple[JobSchedule, tuple[str, ...]], ...] = ()
    delete: tuple[JobSchedule, ...] = ()
    unchanged: tuple[JobSchedule, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def plan_schedules(wanted: list[JobSchedule], existing: list[JobSchedule]) -> SchedulePlan:
    """Create what is wanted and missing, update what differs, delete what is no longer wanted."""
    have = {s.name: s for s in existing}
    want = {s.name: s for s in wanted}
    create, update, unchanged = [], [], []
    for name in sorted(want):
        schedule = want[name]
        current = have.get(name)
        if current is None:
            create.append(schedule)
        elif changed := schedule.differs_from(current):
            update.append((schedule, tuple(changed)))
        else:
            unchanged.append(schedule)
    delete = [have[name] for name in sorted(have) if name not in want]
    return SchedulePlan(tuple(create), tuple(update), tuple(delete), tuple(unchanged))
