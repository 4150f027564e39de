"""Every failure the connector meets is one of three dispositions.

- ``SKIP``: nothing to do (the work is already done, or no longer applies); acknowledge it.
- ``RETRY``: transient (throttling, a 5xx, a lock, a timeout); leave the work retryable:
  the SQS message goes back on the queue, the checkpoint is not advanced.
- ``PERMANENT``: retrying won't help until a person acts; the failure lands in the log book
  with a resolution hint naming what to fix.

Each adapter owns one table that turns its raw failures (HTTP status + Amazon error code, Odoo fault
text, AWS error code) into a :class:`ConnectorError` of the right disposition.
"""

from __future__ import annotations

from enum import StrEnum


class Disposition(StrEnum):
    SKIP = "skip"
    RETRY = "retry"
    PERMANENT = "permanent"


class ConnectorError(Exception):
    """A classified failure. ``record`` names what it concerns (an order id, a SKU, a seller field)."""

    disposition: Disposition = Disposition.PERMANENT

    def __init__(
        self,
        message: str,
        *,
        resolution: str = "",
        record: str = "",
        source: str = "",
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.resolution = resolution
        self.record = record
        self.source = source
        self.code = code
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [self.message]
        if self.record:
            parts.insert(0, f"[{self.record}]")
        if self.resolution:
            parts.append(f"-> {self.resolution}")
        return " ".join(parts)

    @property
    def retryable(self) -> bool:
        return self.disposition is Disposition.RETRY


class SkipError(ConnectorError):
    disposition = Disposition.SKIP


class RetryableError(ConnectorError):
    disposition = Disposition.RETRY


class PermanentError(ConnectorError):
    disposition = Disposition.PERMANENT


class ThrottledError(RetryableError):
    """Amazon (or AWS) asked us to slow down; ``retry_after`` says for how long, when known."""


class ConflictError(RetryableError):
    """An optimistic-locking write lost the race: re-read and try again."""


class LeaseHeldError(RetryableError):
    """Another worker holds the lease on this piece of work."""


class ConfigError(PermanentError):
    """Settings or the sellers file are invalid; ``record`` names seller and field."""
