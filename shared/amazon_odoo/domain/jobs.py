"""Which job to run for whom, from a schedule's event or a command line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from amazon_odoo.domain.errors import PermanentError


class JobRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    job: str
    seller_id: str | None = None  # None: every seller that has the job switched on
    trigger: str = "schedule"

    @classmethod
    def from_event(cls, event: Mapping[str, Any], *, default_job: str) -> JobRequest:
        """Accepts the schedule's input (``{"job": ..., "seller": ...}``, as SAM schedules and EventBridge
        Scheduler deliver it) or a plain EventBridge "Scheduled Event" (every seller)."""
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
        return cls(
            job=job,
            seller_id=str(seller) if seller else None,
            trigger=str(event.get("trigger") or "schedule"),
        )
