"""The process environment, read and validated once. No ``os.environ`` anywhere else."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from amazon_odoo.domain.errors import ConfigError


class OdooProtocol(StrEnum):
    XMLRPC = "xmlrpc"
    JSONRPC = "jsonrpc"
    JSON2 = "json2"


def _default_models_dir() -> str:
    """``../shared/spapi-models`` beside the project checkout, when it is there."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "spapi-models"
        if candidate.is_dir():
            return str(candidate)
    return ""


class Settings(BaseModel):
    """Environment of a Lambda function, the CLI or a test; names are the environment variables."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    aws_region: str = Field(default="us-east-1", alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    state_table: str = Field(default="amazon-odoo-state", alias="STATE_TABLE")
    idempotency_table: str = Field(default="amazon-odoo-idempotency", alias="IDEMPOTENCY_TABLE")
    events_queue_url: str | None = Field(default=None, alias="EVENTS_QUEUE_URL")
    work_queue_url: str | None = Field(default=None, alias="WORK_QUEUE_URL")
    documents_bucket: str | None = Field(default=None, alias="DOCUMENTS_BUCKET")
    secrets_prefix: str = Field(default="amazon-odoo/", alias="SECRETS_PREFIX")
    log_retention_days: int = Field(default=90, ge=1, le=3650, alias="LOG_BOOK_RETENTION_DAYS")

    sp_api_endpoint: str | None = Field(default=None, alias="SP_API_ENDPOINT")
    lwa_endpoint: str | None = Field(default=None, alias="LWA_ENDPOINT")
    spapi_models_dir: str = Field(default_factory=_default_models_dir, alias="SPAPI_MODELS_DIR")
    amazon_max_wait_seconds: float = Field(default=5.0, ge=0, alias="AMAZON_MAX_WAIT_SECONDS")
    amazon_max_attempts: int = Field(default=4, ge=1, le=10, alias="AMAZON_MAX_ATTEMPTS")

    odoo_url: str | None = Field(default=None, alias="ODOO_URL")
    odoo_db: str | None = Field(default=None, alias="ODOO_DB")
    odoo_username: str | None = Field(default=None, alias="ODOO_USERNAME")
    odoo_password: str | None = Field(default=None, alias="ODOO_PASSWORD", repr=False)
    odoo_password_secret: str | None = Field(default=None, alias="ODOO_PASSWORD_SECRET")
    odoo_protocol: OdooProtocol = Field(default=OdooProtocol.XMLRPC, alias="ODOO_PROTOCOL")
    odoo_timeout: float = Field(default=60.0, gt=0, alias="ODOO_TIMEOUT")

    service_name: str = Field(default="amazon-odoo", alias="POWERTOOLS_SERVICE_NAME")

    # per-seller schedules (EventBridge Scheduler): stack outputs ScheduleGroupName, SchedulerRoleArn and
    # JobFunctions (a JSON object job -> function ARN); without SCHEDULER_ROLE_ARN `sellers load` leaves
    # schedules alone
    schedule_group: str = Field(default="amazon-odoo", alias="SCHEDULE_GROUP")
    scheduler_role_arn: str | None = Field(default=None, alias="SCHEDULER_ROLE_ARN")
    job_functions: dict[str, str] = Field(default_factory=dict, alias="JOB_FUNCTIONS")
    # set by the Lambda runtime in every function; unset for the CLI, the local runner and tests (there a
    # job handed over by a notification runs in-process: bootstrap.Container.job_launcher)
    lambda_function_name: str | None = Field(default=None, alias="AWS_LAMBDA_FUNCTION_NAME")

    @field_validator("job_functions", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"not a JSON object of job -> function ARN ({exc})") from None
        return value

    @field_validator("scheduler_role_arn")
    @classmethod
    def _blank_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("odoo_url", "sp_api_endpoint", "lwa_endpoint", "aws_endpoint_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def in_lambda(self) -> bool:
        return bool(self.lambda_function_name)

    @property
    def odoo_configured(self) -> bool:
        return bool(self.odoo_url and self.odoo_db and self.odoo_username)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    try:
        return Settings.model_validate(env)
    except ValidationError as exc:
        problems = "; ".join(
            f"{err['loc'][0]}: {str(err['msg']).removeprefix('Value error, ')}" for err in exc.errors()
        )
        raise ConfigError(
            f"invalid environment: {problems}", record="environment", resolution="fix these variables"
        ) from None


@cache
def get_settings() -> Settings:
    """The settings of this process, validated on first use (not at import time)."""
    return load_settings()


def read_env(name: str) -> str | None:
    """One environment variable, for ``env:NAME`` references in the sellers file."""
    return os.environ.get(name)


def apply_environment(overrides: dict[str, str]) -> Settings:
    """Set variables for this process (local runner, demo, tests) and re-read the settings."""
    os.environ.update(overrides)
    get_settings.cache_clear()
    return get_settings()
