"""The local runner's EventBridge Scheduler: fire the per-seller schedules stored in moto when they are due.

moto keeps the schedules ``sellers load`` writes but never fires them; here each due schedule's input is
delivered in-process to the function its target ARN names, through the same Lambda handler
(:func:`amazon_odoo.local.invoke.invoke`). A schedule is due when the job's last run for the seller (the
state table) is a period old, or, for a monthly ``cron``, older than the latest slot. The template's own
schedules (jobs that run for every seller: check_connections, track_feeds) are fired the same way.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from amazon_odoo.domain.schedules import JobSchedule
from amazon_odoo.local.invoke import invoke
from amazon_odoo.services.schedules import job_switched_on

if TYPE_CHECKING:
    from amazon_odoo.bootstrap import Container

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((\d+) (\d+) (\d+|L) (\*|\d+/\d+) \? \*\)$")
_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _latest_slot(expression: str, now: datetime) -> datetime | None:
    """The latest time ≤ ``now`` a monthly cron (the forms services.schedules writes) fires at."""
    match = _CRON.match(expression)
    if match is None:
        return None
    minute, hour, day, months = match.groups()
    start_month, step = (1, 1) if months == "*" else (int(x) for x in months.split("/"))
    year, month = now.year, now.month
    for _ in range(48):
        if month >= start_month and (month - start_month) % step == 0:
            last_day = calendar.monthrange(year, month)[1]
            day_of_month = last_day if day == "L" else int(day)
            if day_of_month <= last_day:
                slot = datetime(year, month, day_of_month, int(hour), int(minute), tzinfo=UTC)
                if slot <= now:
                    return slot
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def is_due(schedule: JobSchedule, last_run: datetime | None, now: datetime) -> bool:
    if schedule.start is not None and schedule.start > now:
        return False
    rate = _RATE.match(schedule.expression)
    if rate is not None:
        period = timedelta(seconds=int(rate.group(1)) * _SECONDS[rate.group(2).removesuffix("s")])
        return last_run is None or last_run + period <= now
    slot = _latest_slot(schedule.expression, now)
    return slot is not None and (last_run is None or last_run < slot)


def function_of(schedule: JobSchedule) -> str:
    """The function a target ARN names (``arn:aws:lambda:…:function:NAME``)."""
    return schedule.target_arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Fired:
    seller_id: str
    job: str
    function: str
    result: object


def fire_due_schedules(
    app: Container,
    now: datetime | None = None,
    *,
    fire: Callable[[str, dict[str, object]], object] = invoke,
) -> list[Fired]:
    """Fire every per-seller schedule in the group that is due, and the template's every-seller jobs."""
    from amazon_odoo.bootstrap import ALWAYS_ON, JOBS

    moment = now or datetime.now(UTC)
    fired: list[Fired] = []
    last_runs: dict[str, dict[str, datetime]] = {}

    def last(seller_id: str, job: str) -> datetime | None:
        if seller_id not in last_runs:
            last_runs[seller_id] = {j: r.started_at for j, r in app.state.last_runs(seller_id).items()}
        return last_runs[seller_id].get(job)

    def run(seller_id: str, job: str, function: str, event: dict[str, object]) -> None:
        fired.append(Fired(seller_id, job, function, fire(function, event)))

    sellers = app.state.list_sellers()
    if app.settings.scheduler_role_arn:
        for schedule in sorted(app.scheduler.list_schedules(), key=lambda s: s.name):
            if is_due(schedule, last(schedule.seller_id, schedule.job), moment):
                run(schedule.seller_id, schedule.job, function_of(schedule), dict(schedule.input))
    else:  # no scheduler configured: the sellers file's schedules, read directly
        for seller in sellers:
            for job, wanted in seller.schedules.items():
                due = wanted.next_after(last(seller.id, job.value), moment) <= moment
                if job.value in JOBS and job_switched_on(seller, job.value) and due:
                    run(seller.id, job.value, job.value, _event(job.value, seller.id))
    for seller in sellers:
        for name, every in ALWAYS_ON.items():
            if name in JOBS and every.next_after(last(seller.id, name), moment) <= moment:
                run(seller.id, name, name, _event(name, seller.id))
    return fired


def _event(job: str, seller_id: str) -> dict[str, object]:
    return {"job": job, "seller_id": seller_id, "trigger": "schedule"}
