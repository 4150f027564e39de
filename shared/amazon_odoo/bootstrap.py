"""Composition root: builds the adapters lazily and hands services what they need.

Nothing here runs at import time; ``compose()`` is cached per process (a warm Lambda reuses its
clients) and cleared by the local stack when it re-points the settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from amazon_odoo.config import Job, Schedule, SellerConfig, Unit
from amazon_odoo.domain.errors import ConfigError, PermanentError
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.domain.products import LISTINGS_ITEM_ISSUES_CHANGE  # products (issue 7)
from amazon_odoo.domain.state import JobRun
from amazon_odoo.services.check_connections import JOB as CHECK_CONNECTIONS
from amazon_odoo.services.check_connections import check_connections
from amazon_odoo.services.export_products import issues_change_handler  # products (issue 7)
from amazon_odoo.services.feeds import (
    FEED_PROCESSING_FINISHED,
    FeedListener,
    FeedTracker,
    feed_finished_handler,
    track_feeds,
)
from amazon_odoo.services.feeds import JOB as TRACK_FEEDS
from amazon_odoo.services.import_orders import JOB as IMPORT_ORDERS
from amazon_odoo.services.import_orders import poll_orders
from amazon_odoo.services.jobs import JobBody, JobContext, run_job
from amazon_odoo.services.notifications import NotificationHandler, NotificationRouter
from amazon_odoo.services.order_notifications import ORDER_CHANGE, order_change_handler
from amazon_odoo.services.order_recovery import RecordingQueue, retry_after_poll
from amazon_odoo.services.schedules import job_switched_on
from amazon_odoo.services.sellers import LoadReport, load_sellers
from amazon_odoo.settings import Settings, get_settings, read_env

if TYPE_CHECKING:  # the adapters are imported where they are first built, not at cold start
    from amazon_odoo.adapters.amazon.clients import ClientFactory
    from amazon_odoo.adapters.amazon.gateway import SpApiGateway
    from amazon_odoo.adapters.aws.clients import AwsTarget
    from amazon_odoo.adapters.aws.dead_letters import SqsDeadLetters
    from amazon_odoo.adapters.aws.documents import S3DocumentStore
    from amazon_odoo.adapters.aws.queues import SqsWorkQueue
    from amazon_odoo.adapters.aws.schedules import EventBridgeScheduler
    from amazon_odoo.adapters.aws.secrets import SecretsManagerStore
    from amazon_odoo.adapters.aws.state import DynamoStateStore
    from amazon_odoo.adapters.odoo.gateway import OdooGateway
    from amazon_odoo.domain.notifications import Notification  # settlements (issue 6)
    from amazon_odoo.ports import (
        JobLauncher,
        NotificationsApi,
        OdooSetupGateway,
        StackResources,
        WorkQueue,
    )
    from amazon_odoo.services.schedules import ScheduleReport
    from amazon_odoo.services.settlements import SettlementProcessor  # settlements (issue 6)
    from amazon_odoo.services.sync_products import ProductSync  # sync products (issue 7)
    from amazon_odoo.services.work import WorkConsumer

# shipments out (issue 4); its service is imported when the job runs (it brings the order mapping along)
EXPORT_SHIPMENTS = Job.EXPORT_SHIPMENTS.value
# cancel at Amazon (issue 4 item 5): sale orders cancelled in Odoo, with the seller's shipments switch on
CANCEL_ORDERS = "cancel_orders"

# settlements (issue 6): the service is imported when the job runs or a report notification comes
PROCESS_SETTLEMENTS = Job.PROCESS_SETTLEMENTS.value
REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"
SETTLEMENTS_BUDGET_SECONDS = 780.0  # the function runs 900 s at most: no new batch of lines after this

# sync products (issue 7): listings report -> bindings; a run waits this long for Amazon's report, then
# leaves it tracked for its notification or the next run
SYNC_PRODUCTS = Job.SYNC_PRODUCTS.value
SYNC_WAIT_SECONDS = {"manual": 180.0, "schedule": 60.0}
MARKETPLACE_JOBS = {SYNC_PRODUCTS}  # jobs that take a request's marketplace_id (--marketplace)

# buyer documents (issue 8): invoices / credit notes as PDF, with the seller's documents switches on
SEND_INVOICES = Job.SEND_INVOICES.value
SEND_CREDIT_NOTES = Job.SEND_CREDIT_NOTES.value

# refunds at Amazon (issue 8): Odoo credit notes -> payment adjustment feed, with returns.send_refunds on
EXPORT_REFUNDS = Job.EXPORT_REFUNDS.value

# listings out (issue 5): its service is imported when the job runs or when one of its feeds is finished
EXPORT_STOCK = Job.EXPORT_STOCK.value
EXPORT_PRICES = Job.EXPORT_PRICES.value

# Jobs that run for every seller on the template's own schedule, whatever the sellers file says.
ALWAYS_ON = {
    CHECK_CONNECTIONS: Schedule(enabled=True, interval=1, unit=Unit.HOURS),
    # feeds: FEED_PROCESSING_FINISHED is the fast path; the poll costs one query when nothing is pending
    TRACK_FEEDS: Schedule(enabled=True, interval=10, unit=Unit.MINUTES),
}


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

    @cached_property
    def dead_letters(self) -> SqsDeadLetters:
        """The DLQs behind EVENTS_QUEUE_URL and WORK_QUEUE_URL (found from their redrive policies)."""
        from amazon_odoo.adapters.aws.clients import sqs_client
        from amazon_odoo.adapters.aws.dead_letters import SqsDeadLetters

        sources = [url for url in (self.settings.events_queue_url, self.settings.work_queue_url) if url]
        return SqsDeadLetters(sqs_client(self.aws), sources)

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

    @cached_property
    def scheduler(self) -> EventBridgeScheduler:
        from amazon_odoo.adapters.aws.clients import scheduler_client
        from amazon_odoo.adapters.aws.schedules import EventBridgeScheduler

        return EventBridgeScheduler(scheduler_client(self.aws), self.settings.schedule_group)

    def apply_schedules(
        self, sellers: list[SellerConfig] | None = None, *, dry_run: bool = False
    ) -> ScheduleReport | None:
        """Per-seller schedules to match ``sellers`` (default: the stored ones); None without a scheduler
        role (SCHEDULER_ROLE_ARN), where the template's schedules are all there is."""
        from amazon_odoo.services.schedules import reconcile_schedules

        if not self.settings.scheduler_role_arn:
            return None
        return reconcile_schedules(
            self.scheduler,
            self.state.list_sellers() if sellers is None else sellers,
            functions=self.settings.job_functions,
            role_arn=self.settings.scheduler_role_arn,
            now=datetime.now(UTC),
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

    # ---------------------------------------------------------------- onboarding (issue 9)
    def notifications_api(self, seller: SellerConfig) -> NotificationsApi:
        from amazon_odoo.adapters.amazon.notifications import SpApiNotifications

        return SpApiNotifications(self.amazon(seller))

    @cached_property
    def odoo_setup(self) -> OdooSetupGateway | None:
        from amazon_odoo.adapters.odoo.setup import OdooSetup

        return OdooSetup(self.odoo) if self.odoo is not None else None

    @cached_property
    def stack_resources(self) -> StackResources:
        from amazon_odoo.adapters.aws.resources import AwsResources

        return AwsResources(self.settings, self.aws)

    # ---------------------------------------------------------------- notifications
    def notification_handlers(self) -> dict[str, NotificationHandler]:
        """Notification type -> service (issues 6-7 add REPORT_PROCESSING_FINISHED, listings...)."""
        return {
            ORDER_CHANGE: order_change_handler(self.amazon, self.work_queue),
            FEED_PROCESSING_FINISHED: feed_finished_handler(lambda: self.feed_tracker),
            REPORT_PROCESSING_FINISHED: self._report_finished,  # settlements (issue 6): by report type
            LISTINGS_ITEM_ISSUES_CHANGE: issues_change_handler(self.state, self.amazon),  # issue 7
        }

    def work_consumer(self) -> WorkConsumer:
        from amazon_odoo.services.work import WorkConsumer  # the order mapping: only the consumer needs it

        return WorkConsumer(self.state, lambda: self.odoo)

    def notification_router(self, lambda_context: Any = None) -> NotificationRouter:
        from amazon_odoo.adapters.aws.idempotency import once_per_notification

        once = once_per_notification(self.settings.idempotency_table, self.aws, lambda_context=lambda_context)
        return NotificationRouter(self.state, self.notification_handlers(), once=once)

    # ---------------------------------------------------------------- feeds
    @cached_property
    def documents(self) -> S3DocumentStore:
        from amazon_odoo.adapters.aws.clients import s3_client
        from amazon_odoo.adapters.aws.documents import S3DocumentStore

        if not self.settings.documents_bucket:
            raise ConfigError(
                "DOCUMENTS_BUCKET is not set",
                record="environment",
                resolution="set it to the DocumentsBucket name (template output DocumentsBucketName)",
            )
        return S3DocumentStore(self.settings.documents_bucket, s3_client(self.aws))

    def feed_listeners(self) -> dict[str, FeedListener]:
        """Submitting job -> what it does when one of its feeds is finished (the listings exports' last
        accepted values, ...); a job without one asks ``failed_items`` on its next run instead."""
        from amazon_odoo.services.buyer_documents import buyer_documents_listener  # issue 8
        from amazon_odoo.services.export_listings import accepted_values_listener  # listings out (issue 5)
        from amazon_odoo.services.refunds import refund_results_listener  # refunds at Amazon (issue 8)

        listings = accepted_values_listener(self.state)
        documents = buyer_documents_listener(self.state)
        return {
            EXPORT_STOCK: listings,
            EXPORT_PRICES: listings,
            SEND_INVOICES: documents,
            SEND_CREDIT_NOTES: documents,
            EXPORT_REFUNDS: refund_results_listener(self.state, odoo=lambda: self.odoo),  # issue 8
        }

    @cached_property
    def feed_tracker(self) -> FeedTracker:
        """Submits feeds and follows them to their results (services/feeds.py)."""
        return FeedTracker(self.state, self.documents, self.amazon, listeners=self.feed_listeners())

    # ---------------------------------------------------------------- jobs
    def job_body(
        self,
        job: str,
        seller: SellerConfig,
        request: JobRequest | None = None,
        *,
        queue: WorkQueue | None = None,
    ) -> Callable[[JobContext], None]:
        if job == CHECK_CONNECTIONS:
            return lambda ctx: check_connections(ctx, self.amazon(seller), self.odoo)
        if job == IMPORT_ORDERS:
            return self._import_orders_body(seller, request, queue)
        if job == TRACK_FEEDS:
            return lambda ctx: track_feeds(ctx, self.feed_tracker)
        if job == EXPORT_SHIPMENTS:
            return self._export_shipments_body(seller)
        if job == CANCEL_ORDERS:
            return self._cancel_orders_body(seller)
        if job == PROCESS_SETTLEMENTS:
            return self._process_settlements_body(request)
        if job in (EXPORT_STOCK, EXPORT_PRICES):  # listings out (issue 5)
            return self._export_listings_body(job, seller)
        if job == SYNC_PRODUCTS:  # sync products (issue 7)
            return self._sync_products_body(request)
        if job in (SEND_INVOICES, SEND_CREDIT_NOTES):  # buyer documents (issue 8)
            return self._send_documents_body(job)
        if job == EXPORT_REFUNDS:  # refunds at Amazon (issue 8)
            return self._export_refunds_body(seller)
        raise _unknown_job(job)

    def run_job(self, request: JobRequest, *, queue: WorkQueue | None = None) -> list[JobRun]:
        """Run one job for one seller, or for every seller that has it switched on. ``queue`` replaces the
        work queue (``services.order_recovery.InlineIngest``: ingest here, by hand)."""
        if request.job not in JOBS:
            raise _unknown_job(request.job)
        if request.since is not None and request.job not in (IMPORT_ORDERS, PROCESS_SETTLEMENTS):
            raise PermanentError(
                f"a time window applies to {IMPORT_ORDERS} only, not {request.job}",
                record=f"job {request.job}",
                resolution="leave out since/until (--from/--to)",
            )
        if request.marketplace_id is not None and request.job not in MARKETPLACE_JOBS:
            raise PermanentError(
                f"a marketplace applies to {', '.join(sorted(MARKETPLACE_JOBS))} only, not {request.job}",
                record=f"job {request.job}",
                resolution="leave out the marketplace (--marketplace)",
            )
        if request.seller_id:
            sellers = [self.seller(request.seller_id)]
        else:
            sellers = [
                s
                for s in self.state.list_sellers()
                if request.job in ALWAYS_ON or job_switched_on(s, request.job)
            ]
        return [
            run_job(
                self.state,
                seller,
                request.job,
                self.job_body(request.job, seller, request, queue=queue),
                trigger=request.trigger,
            )
            for seller in sellers
        ]

    # ---------------------------------------------------------------- orders in: poll, then parked orders
    def _import_orders_body(
        self, seller: SellerConfig, request: JobRequest | None, queue: WorkQueue | None
    ) -> JobBody:
        since = request.since if request else None
        until = request.until if request else None

        def body(ctx: JobContext) -> None:
            sink = RecordingQueue(queue if queue is not None else self.work_queue)
            poll_orders(
                ctx, self.amazon(seller), sink, self.state, datetime.now(UTC), since=since, until=until
            )
            if since is None:  # a window by hand is just that window
                retry_after_poll(
                    ctx,
                    self.state,
                    lambda: self.odoo,
                    self.amazon(seller),
                    self.work_queue,
                    already_queued=sink.order_ids,
                )

        return body

    # ---------------------------------------------------------------- shipments out (issue 4)
    def _export_shipments_body(self, seller: SellerConfig) -> JobBody:
        def body(ctx: JobContext) -> None:
            from amazon_odoo.services.export_shipments import export_shipments

            odoo = self.odoo
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: shipments cannot be read",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            export_shipments(
                ctx,
                odoo,
                self.amazon(seller),
                self.state,
                datetime.now(UTC),
                carrier_overrides=seller.shipments.carrier_codes,
            )

        return body

    def _cancel_orders_body(self, seller: SellerConfig) -> JobBody:
        def body(ctx: JobContext) -> None:
            from amazon_odoo.services.cancel_orders import cancel_cancelled_orders

            odoo = self.odoo
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: cancelled orders cannot be read",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            cancel_cancelled_orders(
                ctx, odoo, self.amazon(seller), self.feed_tracker, self.state, datetime.now(UTC)
            )

        return body

    # ---------------------------------------------------------------- refunds at Amazon (issue 8)
    def _export_refunds_body(self, seller: SellerConfig) -> JobBody:
        def body(ctx: JobContext) -> None:
            from amazon_odoo.services.refunds import export_refunds

            odoo = self.odoo
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: credit notes cannot be read",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            export_refunds(ctx, odoo, self.amazon(seller), self.feed_tracker, self.state, datetime.now(UTC))

        return body

    # ---------------------------------------------------------------- settlements (issue 6)
    @cached_property
    def settlement_processor(self) -> SettlementProcessor:
        from amazon_odoo.services.settlements import SettlementProcessor

        return SettlementProcessor(self.state, self.amazon, lambda: self.odoo)

    def report_handlers(self) -> dict[str, NotificationHandler]:
        """Report type -> its service, for REPORT_PROCESSING_FINISHED (settlement reports; the connector's
        other report types add theirs here)."""
        from amazon_odoo.domain.settlements import SETTLEMENT_REPORT_TYPE
        from amazon_odoo.services.settlements import settlement_report_handler
        from amazon_odoo.services.sync_products import LISTINGS_REPORT_TYPE, listings_report_handler

        return {
            SETTLEMENT_REPORT_TYPE: settlement_report_handler(lambda: self.settlement_processor),
            LISTINGS_REPORT_TYPE: listings_report_handler(
                lambda: self.product_sync, lambda: self.job_launcher
            ),
        }

    def _report_finished(self, notification: Notification, seller: SellerConfig) -> str:
        from amazon_odoo.services.settlements import reports_by_type

        return reports_by_type(self.report_handlers())(notification, seller)

    def _process_settlements_body(self, request: JobRequest | None) -> JobBody:
        since = request.since if request else None
        by_hand = request is not None and request.trigger == "manual"

        def body(ctx: JobContext) -> None:
            from amazon_odoo.services.settlements import process_settlements

            deadline = None if by_hand else time.monotonic() + SETTLEMENTS_BUDGET_SECONDS
            process_settlements(
                ctx, self.settlement_processor, datetime.now(UTC), since=since, deadline=deadline
            )

        return body

    # ---------------------------------------------------------------- sync products (issue 7)
    @cached_property
    def product_sync(self) -> ProductSync:
        from amazon_odoo.services.sync_products import ProductSync

        return ProductSync(self.state, self.amazon, lambda: self.odoo)

    @cached_property
    def job_launcher(self) -> JobLauncher:
        """Starts a job handed over by a notification (sync_products for a finished listings report): in a
        Lambda function, the job's own function (JOB_FUNCTIONS; without its ARN the launch is a ConfigError
        and the work stays for the next run); elsewhere (CLI, local runner, tests: no Lambda) in-process."""
        if self.settings.in_lambda:
            from amazon_odoo.adapters.aws.clients import lambda_client
            from amazon_odoo.adapters.aws.launcher import LambdaJobLauncher

            return LambdaJobLauncher(lambda_client(self.aws), self.settings.job_functions)
        return InProcessJobLauncher(self)

    def _sync_products_body(self, request: JobRequest | None) -> JobBody:
        marketplace_id = request.marketplace_id if request else None
        trigger = request.trigger if request else "schedule"
        wait = SYNC_WAIT_SECONDS.get(trigger, SYNC_WAIT_SECONDS["schedule"])

        def body(ctx: JobContext) -> None:
            self.product_sync.run(ctx, marketplace_id=marketplace_id, wait_seconds=wait)

        return body

    # ---------------------------------------------------------------- listings out (issue 5)
    def _export_listings_body(self, job: str, seller: SellerConfig) -> JobBody:
        def body(ctx: JobContext) -> None:
            from amazon_odoo.services.export_listings import export_prices, export_stock

            odoo = self.odoo
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: stock and prices cannot be read",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            export = export_stock if job == EXPORT_STOCK else export_prices
            export(ctx, odoo, self.amazon(seller), self.feed_tracker)

        return body

    # ---------------------------------------------------------------- buyer documents (issue 8)
    def _send_documents_body(self, job: str) -> JobBody:
        def body(ctx: JobContext) -> None:
            from amazon_odoo.domain.documents import DocumentType
            from amazon_odoo.services.buyer_documents import send_buyer_documents

            odoo = self.odoo
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: invoices and credit notes cannot be read",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            kind = DocumentType.INVOICE if job == SEND_INVOICES else DocumentType.CREDIT_NOTE
            send_buyer_documents(ctx, odoo, self.feed_tracker, kind, datetime.now(UTC))

        return body


JOBS = {CHECK_CONNECTIONS, IMPORT_ORDERS, TRACK_FEEDS, EXPORT_SHIPMENTS, PROCESS_SETTLEMENTS}
JOBS |= {EXPORT_STOCK, EXPORT_PRICES}  # listings out (issue 5)
JOBS |= {CANCEL_ORDERS}  # cancel at Amazon (issue 4 item 5)
JOBS |= {SYNC_PRODUCTS}  # sync products (issue 7)
JOBS |= {SEND_INVOICES, SEND_CREDIT_NOTES}  # buyer documents (issue 8)
JOBS |= {EXPORT_REFUNDS}  # refunds at Amazon (issue 8)


class InProcessJobLauncher:
    """:class:`amazon_odoo.ports.JobLauncher` where there is no Lambda: the job runs here and now, as its
    function would run it (``trigger`` "notification"); a retryable failure of the run is the launch's."""

    def __init__(self, container: Container, *, trigger: str = "notification") -> None:
        self._container = container
        self._trigger = trigger

    def launch(self, job: str, seller_id: str, *, marketplace_id: str | None = None) -> None:
        request = JobRequest(
            job=job, seller_id=seller_id, trigger=self._trigger, marketplace_id=marketplace_id
        )
        self._container.run_job(request)


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
