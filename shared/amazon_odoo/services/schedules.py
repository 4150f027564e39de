"""Per-seller schedules: the sellers file's ``schedules`` applied as one Scheduler schedule per seller and job.

``sellers load`` calls :func:`reconcile_schedules` after storing the sellers: every job switched on for a
seller gets a schedule ``<seller>-<job>`` firing that job's function with the seller in its input;
a changed interval, unit or next run updates it; a job switched off, or a seller gone from the file,
deletes it. Only the connector's schedules in its own group are touched. Generic over
``Schedules.items()``: a job added to :class:`amazon_odoo.config.Job` is scheduled like the others as
soon as it has a function (``JOB_FUNCTIONS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amazon_odoo.config import Job, Schedule, SellerConfig, Unit
from amazon_odoo.domain.schedules import JobSchedule, SchedulePlan, plan_schedules
from amazon_odoo.ports import Scheduler

#: Scheduler refuses a StartDate more than 5 minutes in the past; keep a margin.
START_MARGIN = timedelta(minutes=1)
#: A monthly job without next_run: the 1st of the month at this hour (UTC).
MONTHLY_DEFAULT_HOUR = 2


def schedule_expression(schedule: Schedule) -> str:
    """``rate(N minutes|hours|days)``; weeks are ``rate(7N days)``; months a ``cron`` (see below).

    Months follow the calendar (settlements and invoices do), not 30 days: a ``cron`` on ``next_run``'s
    day and time, every N months from ``next_run``'s month; a day after the 28th becomes the last day of
    the month (``L``) so no month is skipped. Without ``next_run``: the 1st at 02:00 UTC.
    """
    if schedule.unit is Unit.MONTHS:
        start = schedule.next_run
        every = f"/{schedule.interval}" if schedule.interval > 1 else ""
        if start is None:
            return f"cron(0 {MONTHLY_DEFAULT_HOUR} 1 {'1' + every if every else '*'} ? *)"
        day = "L" if start.day > 28 else str(start.day)
        month = f"{start.month}{every}" if every else "*"
        return f"cron({start.minute} {start.hour} {day} {month} ? *)"
    if schedule.unit is Unit.WEEKS:
        interval, unit = schedule.interval * 7, "days"
    else:
        interval, unit = schedule.interval, schedule.unit.value
    return f"rate({interval} {unit if interval != 1 else unit.removesuffix('s')})"


def start_date(schedule: Schedule, now: datetime) -> datetime | None:
    """``next_run`` while it is still ahead of ``now`` (the first run is then at it), else None."""
    if schedule.next_run is not None and schedule.next_run > now + START_MARGIN:
        return schedule.next_run
    return None


def job_switched_on(seller: SellerConfig, job: str) -> bool:
    """The job's schedule is on, and so is the seller's switch for what the job does."""
    try:
        schedule = seller.schedules.for_job(job)
    except ValueError:
        return False
    if not schedule.enabled:
        return False
    if job == Job.IMPORT_ORDERS:
        return seller.orders.auto_import
    if job in (Job.EXPORT_SHIPMENTS, Job.CANCEL_ORDERS):
        return seller.shipments.auto_update_status
    if job == Job.PROCESS_SETTLEMENTS:
        return seller.settlements.download_and_process
    if job == Job.SEND_INVOICES:  # buyer documents (issue 8)
        return seller.documents.send_invoices
    if job == Job.SEND_CREDIT_NOTES:
        return seller.documents.send_credit_notes
    if job == Job.EXPORT_REFUNDS:  # refunds at Amazon (issue 8)
        return seller.returns.send_refunds
    return True


@dataclass(frozen=True)
class ScheduleReport:
    plan: SchedulePlan
    dry_run: bool = False
    #: jobs switched on that have no function in this deployment (JOB_FUNCTIONS): not scheduled
    no_function: tuple[tuple[str, str], ...] = field(default=())


def wanted_schedules(
    sellers: Sequence[SellerConfig],
    *,
    functions: Mapping[str, str],
    role_arn: str,
    now: datetime,
) -> tuple[list[JobSchedule], list[tuple[str, str]]]:
    """The schedules the sellers file asks for, and the (seller, job) pairs left out for want of a function."""
    wanted: list[JobSchedule] = []
    missing: list[tuple[str, str]] = []
    for seller in sellers:
        for job, schedule in seller.schedules.items():
            if not job_switched_on(seller, job.value):
                continue
            target = functions.get(job.value)
            if not target:
                missing.append((seller.id, job.value))
                continue
            wanted.append(
                JobSchedule(
                    seller_id=seller.id,
                    job=job.value,
                    expression=schedule_expression(schedule),
                    target_arn=target,
                    role_arn=role_arn,
                    start=start_date(schedule, now),
                )
            )
    return wanted, missing


def reconcile_schedules(
    scheduler: Scheduler,
    sellers: Sequence[SellerConfig],
    *,
    functions: Mapping[str, str],
    role_arn: str,
    now: datetime,
    dry_run: bool = False,
) -> ScheduleReport:
    """Make the group match ``sellers`` (all the sellers there are): create, update, then delete."""
    wanted, missing = wanted_schedules(sellers, functions=functions, role_arn=role_arn, now=now)
    plan = plan_schedules(wanted, scheduler.list_schedules())
    if not dry_run:
        for schedule in plan.create:
            scheduler.create_schedule(schedule)
        for schedule, _ in plan.update:
            scheduler.update_schedule(schedule)
        for schedule in plan.delete:
            scheduler.delete_schedule(schedule.name)
    return ScheduleReport(plan, dry_run, tuple(missing))
