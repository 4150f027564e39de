"""The connector's own state records (stored by a StateStore port; no personal data here)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Checkpoint(BaseModel):
    """Where an incremental job stands. ``version`` is bumped on every save (optimistic locking).

    ``cursor`` is the end of the last fully processed window; while a window is in flight,
    ``window_start``/``window_end`` and ``next_token`` let a crashed run resume from its page.
    """

    model_config = ConfigDict(frozen=True)

    seller_id: str
    job: str
    scope: str = ""  # e.g. a marketplace id, when a job keeps one cursor per marketplace
    cursor: AwareDatetime | None = None
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    next_token: str | None = None
    version: int = 0
    updated_at: AwareDatetime | None = None


class Lease(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    owner: str
    expires_at: AwareDatetime


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, some records failed (they are in the log book)
    FAILED = "failed"


class JobRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    seller_id: str
    job: str
    trigger: str = "manual"  # schedule | notification | manual | demo
    started_at: AwareDatetime = Field(default_factory=utcnow)
    finished_at: AwareDatetime | None = None
    status: RunStatus = RunStatus.RUNNING
    counts: dict[str, int] = Field(default_factory=dict)
    message: str = ""


class LogLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LogEntry(BaseModel):
    """One line of the log book: what happened to which record, and what a person should do."""

    model_config = ConfigDict(frozen=True)

    entry_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    at: AwareDatetime = Field(default_factory=utcnow)
    level: LogLevel = LogLevel.INFO
    seller_id: str = ""
    job: str = ""
    record_ref: str = ""
    message: str
    resolution: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


# --- parked orders (issue 3: unknown SKU) -------------------------------------------------------------------


class ParkedOrder(BaseModel):
    """An Amazon order held back because some of its seller SKUs match no Odoo product.

    Only what a retry needs: ids, the missing SKUs and why. Never the order itself or anything about
    the buyer: a retry reads the order again from Amazon (``getOrder``) once the SKUs are mapped.
    ``attempts`` counts the times the order was found blocked (first sighting included)."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    order_id: str  # the Amazon order id
    marketplace_id: str = ""
    missing_skus: tuple[str, ...] = ()
    reason: str = ""
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    attempts: int = 1
