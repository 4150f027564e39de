"""Composition root: builds the adapters lazily and hands services what they need.

Nothing here runs at import time; ``compose()`` is cached per process (a warm Lambda reuses its
clients) and cleared by the local stack when it re-points the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from amazon_odoo.config import Job, Schedule, SellerConfig, Unit
from amazon_odoo.domain.errors import ConfigError, PermanentError
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.domain.state import JobRun
from amazon_odoo.services.check_connections import JOB as CHECK_CONNECTIONS
from amazon_odoo.services.check_connections import check_connections
from amazon_odoo.services.import_orders import JOB as IMPORT_ORDERS
from amazon_odoo.services.import_orders import poll_orders
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.notifications import NotificationHandler, NotificationRouter
from amazon_odoo.services.order_notifications import ORDER_CHANGE, order_change_handler
from amazon_odoo.services.sellers import LoadReport, load_sellers
from amazon_odoo.settings import Settings, get_settings, read_env

if TYPE_CHECKING:  # the adapters are imported where they are first built, not at cold start
    from amazon_odoo.adapters.amazon.clients import ClientFactory
    from amazon_odoo.adapters.amazon.gateway import SpApiGateway
    from amazon_odoo.adapters.aws.clients import AwsTarget
    from amazon_odoo.adapters.aws.queues import SqsWorkQueue
    from amazon_odoo.adapters.aws.secrets import SecretsManagerStore
    from amazon_odoo.adapters.aws.state import DynamoStateStore
    from amazon_odoo.adapters.odoo.gateway import OdooGateway
    from amazon_odoo.services.work import WorkConsumer

# Jobs that run for every seller on the template's own schedule, whatever the sellers file says.
ALWAYS_ON = {CHECK_CONNECTIONS: Schedule(enabled=True, interval=1, unit=Unit.HOURS)}


class Container:
    """The adapters of one process, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._amazon: dict[str, SpApiGateway] = {}

    # ---------------------------------------------------------------- AWS
    @cached_property
    def aws(self) -> AwsTarget:
        from amazon_odoo.adapters.aws.clients import AwsTarget

        return AwsTarget.from_settings(self.settings)

    @cached_property
    def state(self) -> DynamoStateStore:
        from amazon_odoo.adapters.aws.clients import dynamodb_client
        from amazon_odoo.adapters.aws.state import DynamoStateStore

        return DynamoStateStore(
            self.settings.state_table,
            dynamodb_client(self.aws),
            log_retention_days=self.settings.log_retention_days,
        )

    @cached_property
    def secrets(self) -> SecretsManagerStore:
        from amazon_odoo.adapters.aws.clients import secretsmanager_client
        from amazon_odoo.adapters.aws.secrets import SecretsManagerStore

        return SecretsManagerStore(secretsmanager_client(self.aws), self.settings.secrets_prefix)

    @cached_property
    def work_queue(self) -> SqsWorkQueue:
        from amazon_odoo.adapters.aws.clients import sqs_client
        from amazon_odoo.adapters.aws.queues import SqsWorkQueue

        if not self.settings.work_queue_url:
            raise ConfigError(
                "WORK_QUEUE_URL is not set",
                record="environment",
                resolution="set it to the WorkQueue URL (template output)",
            )
        return SqsWorkQueue(sqs_client(self.aws), self.settings.work_queue_url)

    # ---------------------------------------------------------------- sellers
    def seller(self, seller_id: str) -> SellerConfig:
        seller = self.state.get_seller(seller_id)
        if seller is None:
            known = ", ".join(s.id for s in self.state.list_sellers()) or "none loaded"
            raise ConfigError(
                f"no seller {seller_id!r}",
                record=f"seller {seller_id}",
                resolution=f"known sellers: {known}; load the sellers file first",
            )
        return seller

    def load_sellers(self, raw: Any, *, dry_run: bool = False) -> LoadReport:
        return load_sellers(
            raw,
            state=self.state,
            secrets=self.secrets,
            read_env=read_env,
            secrets_prefix=self.settings.secrets_prefix,
            dry_run=dry_run,
        )

    def schedules_of(self, seller: SellerConfig) -> list[tuple[str, Schedule]]:
        return [*ALWAYS_ON.items(), *((job.value, schedule) for job, schedule in seller.schedules.items())]

    # ---------------------------------------------------------------- Amazon and Odoo
    def amazon(self, seller: SellerConfig) -> SpApiGateway:
        if seller.id not in self._amazon:
            from amazon_odoo.adapters.amazon.clients import SellerCredentials
            from amazon_odoo.adapters.amazon.gateway import SpApiGateway
            from amazon_odoo.adapters.aws.secrets import resolve_secret_ref

            def resolve(ref: str) -> str:
                return resolve_secret_ref(ref, self.secrets, {})

            credentials = SellerCredentials(
                lwa_client_id=resolve(seller.credentials.lwa_client_id),
                lwa_client_secret=resolve(seller.credentials.lwa_client_secret),
                refresh_token=resolve(seller.credentials.refresh_token),
            )
            self._amazon[seller.id] = SpApiGateway(
                seller.id, credentials, seller.region.value, self.settings, clients=self.amazon_clients
            )
        return self._amazon[seller.id]

    @cached_property
    def amazon_clients(self) -> ClientFactory:
        from amazon_odoo.adapters.amazon.clients import ClientFactory

        return ClientFactory(self.settings)

    @cached_property
    def odoo(self) -> OdooGateway | None:
        from amazon_odoo.adapters.odoo.gateway import OdooGateway
        from amazon_odoo.adapters.odoo.transports import transport_from_settings

        if not self.settings.odoo_configured:
            return None
        password = self.settings.odoo_password
        if self.settings.odoo_password_secret:
            password = self.secrets.get_secret(self.settings.odoo_password_secret)
        return OdooGateway(transport_from_settings(self.settings, password))

    # ---------------------------------------------------------------- notifications
    def notification_handlers(self) -> dict[str, NotificationHandler]:
        """Notification type -> service (issues 5-7 add FEED_/REPORT_PROCESSING_FINISHED, listings...)."""
        return {ORDER_CHANGE: order_change_handler(self.amazon, self.work_queue)}

    def work_consumer(self) -> WorkConsumer:
        from amazon_odoo.services.work import WorkConsumer  # the order mapping: only the consumer needs it

        return WorkConsumer(self.state, lambda: self.odoo)

    def notification_router(self, lambda_context: Any = None) -> NotificationRouter:
        from amazon_odoo.adapters.aws.idempotency import once_per_notification

        once = once_per_notification(self.settings.idempotency_table, self.aws, lambda_context=lambda_context)
        return NotificationRouter(self.state, self.notification_handlers(), once=once)

    # ---------------------------------------------------------------- jobs
    def job_body(self, job: str, seller: SellerConfig) -> Callable[[JobContext], None]:
        if job == CHECK_CONNECTIONS:
            return lambda ctx: check_connections(ctx, self.amazon(seller), self.odoo)
        if job == IMPORT_ORDERS:
            return lambda ctx: poll_orders(
                ctx, self.amazon(seller), self.work_queue, self.state, datetime.now(UTC)
            )
        raise _unknown_job(job)

    def run_job(self, request: JobRequest) -> list[JobRun]:
        """Run one job for one seller, or for every seller that has it switched on."""
        if request.job not in JOBS:
            raise _unknown_job(request.job)
        if request.seller_id:
            sellers = [self.seller(request.seller_id)]
        else:
            sellers = [
                s
                for s in self.state.list_sellers()
                if request.job in ALWAYS_ON
                or (
                    s.schedules.for_job(request.job).enabled
                    and (request.job != IMPORT_ORDERS or s.orders.auto_import)
                )
            ]
        return [
            run_job(
                self.state, seller, request.job, self.job_body(request.job, seller), trigger=request.trigger
            )
            for seller in sellers
        ]


JOBS = {CHECK_CONNECTIONS, IMPORT_ORDERS}


def _unknown_job(job: str) -> PermanentError:
    planned = ", ".join(j.value for j in Job if j.value not in JOBS)
    return PermanentError(
        f"job {job!r} does not exist yet",
        record=f"job {job}",
        resolution=f"jobs available: {', '.join(sorted(JOBS))} (coming: {planned})",
    )


@cache
def compose() -> Container:
    return Container(get_settings())


def run_scheduled(event: dict[str, Any], job: str) -> dict[str, Any]:
    """What every scheduled function does: read the schedule's input, run the job, summarise the runs."""
    runs = compose().run_job(JobRequest.from_event(event, default_job=job))
    fields = {"seller_id", "job", "status", "counts", "message"}
    return {"runs": [run.model_dump(mode="json", include=fields) for run in runs]}
