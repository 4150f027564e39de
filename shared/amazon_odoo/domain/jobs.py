"""Which job to run for whom, from a schedule's event or a command line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from amazon_odoo.domain.errors import PermanentError


def parse_utc(value: str, *, end_of_day: bool = False) -> datetime:
    """A date (``2026-11-01``) or an ISO 8601 date-time as an aware UTC datetime; no offset means UTC.

    A plain date is the start of that day, or with ``end_of_day`` the start of the next one (so
    ``--to 2026-11-06`` includes the whole of the 6th). Raises ValueError on anything else."""
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    if text.endswith(("z", "Z")):
        text = f"{text[:-1]}+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class JobRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    job: str
    seller_id: str | None = None  # None: every seller that has the job switched on
    trigger: str = "schedule"
    # a window given by hand (import_orders): read [since, until] by creation time; the cursor stays
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    # one marketplace of the seller only (sync_products); None: every marketplace of the seller
    marketplace_id: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.until is not None and self.since is None:
            raise ValueError("until needs since")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")
        return self

    @classmethod
    def from_event(cls, event: Mapping[str, Any], *, default_job: str) -> JobRequest:
        """Accepts the schedule's input (``{"job": ..., "seller": ...}``, as SAM schedules and EventBridge
        Scheduler deliver it, optionally with ``since``/``until`` for a window by hand) or a plain
        EventBridge "Scheduled Event" (every seller)."""
        if not isinstance(event, Mapping):
            raise PermanentError("the event is not a JSON object", record="event")
        if event.get("detail-type") == "Scheduled Event":
            return cls(job=default_job)
        job = str(event.get("job") or default_job).replace("-", "_")
        if job != default_job:
            raise PermanentError(
                f"this function runs {default_job}, not {job}",
                record="event.job",
                resolution="fix the schedule's input in template.yaml or the sellers file",
            )
        seller = event.get("seller") or event.get("seller_id")
        marketplace = event.get("marketplace") or event.get("marketplace_id")
        since = _event_time(event, "since", end_of_day=False)
        until = _event_time(event, "until", end_of_day=True)
        if until is not None and (since is None or since >= until):
            raise PermanentError(
                "event.until needs an earlier event.since"
                if since is None
                else "event.since is not before event.until",
                record="event.since",
                resolution="give since (and optionally until) as UTC dates or ISO date-times, since first",
            )
        return cls(
            job=job,
            seller_id=str(seller) if seller else None,
            trigger=str(event.get("trigger") or "schedule"),
            since=since,
            until=until,
            marketplace_id=str(marketplace) if marketplace else None,
        )


def _event_time(event: Mapping[str, Any], name: str, *, end_of_day: bool) -> datetime | None:
    value = event.get(name)
    if value in (None, ""):
        return None
    try:
        return parse_utc(str(value), end_of_day=end_of_day)
    except ValueError:
        raise PermanentError(
            f"event.{name} is not a date or ISO date-time: {value!r}",
            record=f"event.{name}",
            resolution="write it like 2026-11-01 or 2026-11-01T08:00:00Z (UTC)",
        ) from None
