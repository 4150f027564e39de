"""Sync active products (issue 7, FEATURES.md §4): Amazon's listings report bound to Odoo products by SKU.

``amazon-odoo run sync-products --seller S [--marketplace M]`` (and the ``sync_products`` schedule) asks
Amazon for one ``GET_MERCHANT_LISTINGS_ALL_DATA`` report per marketplace (``createReport``) and records
its id in the marketplace's checkpoint (job ``sync_products``, scope = marketplace id, ``next_token`` =
the report id, ``window_start`` = when it was asked for). Then the report is finished by whichever comes
first:

- the run itself, polling ``getReport`` with a growing pause for at most its wait budget (a minute or
  two by hand, less in a Lambda); when Amazon is not done by then the report stays tracked and the run
  says so;
- the ``REPORT_PROCESSING_FINISHED`` notification of that report (only report ids tracked here are acted
  on; others are acknowledged): the amazon_events function (60 s) only checks the report is ours and DONE
  and hands it to this job's own function (a :class:`~amazon_odoo.ports.JobLauncher` launch of
  ``sync_products`` for the seller and marketplace, ``trigger`` "notification"), whose run takes the
  tracked report up and applies it; a launch that fails leaves the report tracked for the next run;
- the next run, which takes up the tracked report instead of asking for another (unless it is older
  than :data:`STALE_AFTER`).

Finishing a report: under a lease (notification and run may race), its document is downloaded into a
temporary file and parsed as a stream (``domain/listings_report.py``); the SKUs not bound yet are looked
up in Odoo by internal reference, one ``search_read`` per 2,000; bindings are planned
(``mapping/product_sync.py``) and only the changed ones written, in batches. Every SKU no Odoo product
matches gets a log book entry (WARNING, record ``SKU <sku>``) saying how to fix it, once: the SKUs already
named (per seller and marketplace, :data:`UNMATCHED_VALUES` in the listing values store) are not named again
while they stay unmatched, only summed up in one INFO entry per run; a SKU matched (or gone) and later
unmatched again is named again. Nothing is created in Odoo. Then the report is no longer tracked
(``cursor`` = its creation time: the last sync).
"""

from __future__ import annotations

import codecs
import io
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from amazon_odoo.config import MarketplaceConfig, SellerConfig
from amazon_odoo.domain.errors import (
    ConfigError,
    ConflictError,
    ConnectorError,
    Disposition,
    PermanentError,
    SkipError,
)
from amazon_odoo.domain.listings_report import (
    LISTINGS_REPORT_TYPE,
    ListingRow,
    ListingsReportError,
    ListingsReportReader,
    RowProblem,
)
from amazon_odoo.domain.notifications import Notification, get_ci
from amazon_odoo.domain.settlements import REPORT_DONE, AmazonReport
from amazon_odoo.domain.state import Checkpoint, LogLevel, utcnow
from amazon_odoo.mapping.product_sync import SyncPlan, Unmatched, plan_sync, unbound_skus
from amazon_odoo.ports import AmazonGateway, JobLauncher, OdooGateway, StateStore
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.notifications import NotificationHandler

__all__ = [
    "JOB",
    "LISTINGS_REPORT_TYPE",
    "ProductSync",
    "listings_report_handler",
]

JOB = "sync_products"
#: A tracked report not finished after this long is given up and a new one asked for.
STALE_AFTER = timedelta(hours=6)
#: Pauses between two getReport calls while a run waits (2/s allowed: these stay far below).
POLL_PAUSES = (2.0, 3.0, 5.0, 8.0, 13.0, 20.0)
DEFAULT_WAIT_SECONDS = 120.0
LEASE_SECONDS = 900
#: Per marketplace and run, at most this many log book entries name an unmatched SKU not named before (one
#: each); the rest are summed up in one entry and named by the next runs (a first sync against an empty Odoo
#: would otherwise write 50,000 entries).
MAX_UNMATCHED_ENTRIES = 1000
#: The SKUs already named as unmatched, per (seller, marketplace): "job" of the listing values store, SKU ->
#: the unmatched kind ("" once it is matched or gone).
UNMATCHED_VALUES = "sync_products_unmatched"
MAX_ROW_ENTRIES = 100  # rows of the report that could not be read, one entry each, then summed up
SAMPLE = 100  # SKUs named in a summary entry's details
FINISHED_BAD = ("FATAL", "CANCELLED")

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Synced:
    """What finishing one report did."""

    marketplace_id: str
    report_id: str
    rows: int
    plan: SyncPlan
    rejected: int


class ProductSync:
    """Requests, waits for and applies listings reports. ``amazon_for`` gives a seller's gateway and
    ``odoo`` the Odoo gateway (built on first use; None when Odoo is not configured)."""

    def __init__(
        self,
        state: StateStore,
        amazon_for: Callable[[SellerConfig], AmazonGateway],
        odoo: Callable[[], OdooGateway | None],
        *,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        worker: str | None = None,
    ) -> None:
        self.state = state
        self._amazon_for = amazon_for
        self._odoo = odoo
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._worker = worker or f"sync-products-{uuid.uuid4().hex[:12]}"

    # -- the job -----------------------------------------------------------------------------------------

    def run(
        self,
        ctx: JobContext,
        *,
        marketplace_id: str | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> list[Synced]:
        """One listings report per marketplace (or only ``marketplace_id``): asked for, or the tracked one
        taken up; waited for up to ``wait_seconds``; applied when Amazon is done."""
        seller = ctx.seller
        marketplaces = _marketplaces(seller, marketplace_id)
        self._require_odoo()
        amazon = self._amazon_for(seller)
        tracked: dict[str, Checkpoint] = {}
        for mp in marketplaces:
            try:
                tracked[mp.id] = self._tracked_report(ctx, amazon, mp)
            except ConnectorError as error:
                if error.disposition is Disposition.RETRY:
                    raise
                ctx.log_error(error)
                ctx.counts["marketplaces_failed"] += 1
        deadline = self._monotonic() + max(0.0, wait_seconds)
        done: list[Synced] = []
        pauses = iter(POLL_PAUSES)
        while tracked:
            for mp_id, checkpoint in list(tracked.items()):
                report = amazon.get_report(str(checkpoint.next_token))
                if report.processing_status not in (REPORT_DONE, *FINISHED_BAD):
                    continue
                del tracked[mp_id]
                try:
                    synced = self.finish(ctx, seller.marketplace(mp_id), report)
                except ConnectorError as error:
                    if error.disposition is Disposition.RETRY:
                        raise
                    ctx.log_error(error)
                    ctx.counts["marketplaces_failed"] += 1
                    continue
                if synced is not None:
                    done.append(synced)
            left = deadline - self._monotonic()
            if not tracked or left <= 0:
                break
            self._sleep(min(next(pauses, POLL_PAUSES[-1]), left))
        for mp_id, checkpoint in tracked.items():
            ctx.counts["reports_waiting"] += 1
            ctx.log(
                f"listings report {checkpoint.next_token} of marketplace {mp_id} is not ready at Amazon yet: "
                "its REPORT_PROCESSING_FINISHED notification or the next run finishes the sync",
                record=f"listings report {checkpoint.next_token}",
            )
        return done

    def _require_odoo(self) -> OdooGateway:
        odoo = self._odoo()
        if odoo is None:
            raise ConfigError(
                "Odoo is not configured: products cannot be looked up",
                record="environment",
                resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
            )
        return odoo

    def _tracked_report(self, ctx: JobContext, amazon: AmazonGateway, mp: MarketplaceConfig) -> Checkpoint:
        """The marketplace's tracked report, or a new one asked for (and recorded before anything else)."""
        seller_id = ctx.seller.id
        now = self._clock()
        checkpoint = self.state.get_checkpoint(seller_id, JOB, mp.id) or Checkpoint(
            seller_id=seller_id, job=JOB, scope=mp.id
        )
        asked = checkpoint.window_start
        if checkpoint.next_token and asked is not None and now - asked < STALE_AFTER:
            ctx.counts["reports_taken_up"] += 1
            return checkpoint
        if checkpoint.next_token and self._finished_at_amazon(amazon, str(checkpoint.next_token)):
            ctx.counts["reports_taken_up"] += 1  # old, but Amazon is done with it: applied, not asked anew
            return checkpoint
        if checkpoint.next_token:
            ctx.log(
                f"listings report {checkpoint.next_token} of marketplace {mp.id} was asked for at "
                f"{asked.isoformat() if asked else '?'} and is not done: a new one is asked for",
                level=LogLevel.WARNING,
                record=f"listings report {checkpoint.next_token}",
            )
        report_id = amazon.create_report(LISTINGS_REPORT_TYPE, [mp.id])
        ctx.counts["reports_requested"] += 1
        return self.state.save_checkpoint(
            checkpoint.model_copy(update={"next_token": report_id, "window_start": now, "updated_at": now})
        )

    @staticmethod
    def _finished_at_amazon(amazon: AmazonGateway, report_id: str) -> bool:
        """A stale report Amazon has finished after all (e.g. its notification's launch failed); one Amazon
        no longer knows counts as not finished (a new one is asked for)."""
        try:
            return _finished(amazon.get_report(report_id))
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise
            return False

    # -- one report ----------------------------------------------------------------------------------------

    def finish(self, ctx: JobContext, mp: MarketplaceConfig, report: AmazonReport) -> Synced | None:
        """Apply a finished report (DONE) to the marketplace's bindings, or log why it cannot be (FATAL,
        CANCELLED, unreadable); either way it is tracked no more. None when another worker has it."""
        seller = ctx.seller
        lease = f"{JOB}#{seller.id}#{report.report_id}"
        if not self.state.acquire_lease(lease, self._worker, LEASE_SECONDS):
            ctx.counts["reports_busy"] += 1
            return None
        try:
            checkpoint = self.state.get_checkpoint(seller.id, JOB, mp.id)
            if (
                checkpoint is None or checkpoint.next_token != report.report_id
            ):  # a notification or run was first
                ctx.counts["reports_done_elsewhere"] += 1
                return None
            if report.processing_status != REPORT_DONE or not report.document_id:
                self._untrack(seller.id, mp.id, report, synced=False)
                raise PermanentError(
                    f"listings report {report.report_id} of marketplace {mp.id} ended "
                    f"{report.processing_status} at Amazon: the products were not synced",
                    record=f"listings report {report.report_id}",
                    resolution="run `amazon-odoo run sync-products` again later; if it keeps failing, check "
                    "the seller's Inventory reports in Seller Central",
                )
            try:
                synced = self._apply(ctx, mp, report)
            except ConnectorError as error:
                if error.disposition is not Disposition.RETRY:  # unreadable: the next run asks anew
                    self._untrack(seller.id, mp.id, report, synced=False)
                raise  # retryable (Odoo or the state store away): still tracked, finished later
            self._untrack(seller.id, mp.id, report, synced=True)
            return synced
        finally:
            self.state.release_lease(lease, self._worker)

    def _apply(self, ctx: JobContext, mp: MarketplaceConfig, report: AmazonReport) -> Synced:
        seller = ctx.seller
        odoo = self._require_odoo()
        amazon = self._amazon_for(seller)
        record = f"listings report {report.report_id}"
        with tempfile.TemporaryFile() as file:
            download = amazon.download_report_document(str(report.document_id), file)
            file.seek(0)
            rows, problems, read = _read_report(file, download.charset, record=record)
        bound = {b.sku: b for b in self.state.list_bindings(seller.id, mp.id)}
        todo = unbound_skus(rows, bound)
        products = odoo.products_by_reference(seller.odoo.company, todo) if todo else {}
        plan = plan_sync(rows, bound, products, seller_id=seller.id, marketplace_id=mp.id, now=self._clock())
        self.state.save_bindings(plan.write)
        synced = Synced(mp.id, report.report_id, read, plan, len(problems))
        named = {
            sku: kind
            for sku, kind in self.state.listing_values(seller.id, UNMATCHED_VALUES, mp.id).items()
            if kind
        }
        logged = _log_outcome(ctx, synced, problems, named)
        unmatched = {u.sku for u in plan.unmatched}
        changes = {sku: "" for sku in named if sku not in unmatched}  # matched or gone: named again next time
        changes.update({u.sku: u.kind.value for u in logged})
        if changes:
            self.state.save_listing_values(seller.id, UNMATCHED_VALUES, mp.id, changes)
        return synced

    def _untrack(self, seller_id: str, marketplace_id: str, report: AmazonReport, *, synced: bool) -> None:
        """Forget the report (if it is still the one tracked); a sync moves ``cursor`` to its time."""
        for _ in range(3):
            checkpoint = self.state.get_checkpoint(seller_id, JOB, marketplace_id)
            if checkpoint is None or checkpoint.next_token != report.report_id:
                return
            update: dict[str, object] = {
                "next_token": None,
                "window_start": None,
                "updated_at": self._clock(),
            }
            if synced:
                update["cursor"] = report.created_time
            try:
                self.state.save_checkpoint(checkpoint.model_copy(update=update))
                return
            except ConflictError:
                continue

    # -- the notification ----------------------------------------------------------------------------------

    def tracking(self, seller: SellerConfig, report_id: str) -> MarketplaceConfig | None:
        """The marketplace whose tracked listings report is ``report_id`` (None: not ours)."""
        for mp in seller.marketplaces:
            checkpoint = self.state.get_checkpoint(seller.id, JOB, mp.id)
            if checkpoint is not None and checkpoint.next_token == report_id:
                return mp
        return None

    def on_notification(self, notification: Notification, seller: SellerConfig, launcher: JobLauncher) -> str:
        """REPORT_PROCESSING_FINISHED of a listings report: when it is one this connector asked for and still
        tracks, and Amazon is DONE with it, the job's own function is launched to apply it (``launcher``);
        a report that ended FATAL or CANCELLED is finished here (nothing to download); others are
        acknowledged. The report stays tracked until a run has applied it."""
        body = get_ci(notification.payload, "reportProcessingFinishedNotification")
        report_id = str(get_ci(body, "reportId") or "") if isinstance(body, Mapping) else ""
        if not report_id:
            raise PermanentError(
                "REPORT_PROCESSING_FINISHED without payload.reportProcessingFinishedNotification.reportId",
                record=f"notification {notification.notification_id}",
                resolution="nothing to fix here; the next sync-products run polls its report",
            )
        mp = self.tracking(seller, report_id)
        if mp is None:
            raise SkipError(
                f"listings report {report_id} is not one sync_products tracks (asked for elsewhere, or "
                "synced already): acknowledged",
                record=f"listings report {report_id}",
            )
        report = self._amazon_for(seller).get_report(report_id)
        if not _finished(report):
            return f"listings report {report.processing_status}"  # the run waiting for it, or the next one
        if report.processing_status != REPORT_DONE:  # FATAL, CANCELLED: logged and tracked no more

            def body_(ctx: JobContext) -> None:
                self.finish(ctx, mp, report)

            run_job(self.state, seller, JOB, body_, trigger="notification")
            return f"listings report {report.processing_status}"
        try:
            launcher.launch(JOB, seller.id, marketplace_id=mp.id)
        except ConnectorError as error:
            if error.disposition is Disposition.RETRY:
                raise  # the notification comes again; the report is still tracked
            raise type(error)(
                f"listings report {report_id} of marketplace {mp.id} is ready but the {JOB} run could not be "
                f"started: {error.message}; the report stays tracked",
                record=f"listings report {report_id}",
                resolution=f"{error.resolution}; meanwhile the next scheduled run (or `amazon-odoo run "
                f"sync-products --seller {seller.id}`) applies it",
                source=error.source,
                code=error.code,
            ) from error
        return "listings sync launched"


def listings_report_handler(
    sync: Callable[[], ProductSync], launcher: Callable[[], JobLauncher]
) -> NotificationHandler:
    """The listings report's REPORT_PROCESSING_FINISHED handler (``sync`` and ``launcher`` built on first
    use)."""

    def handle(notification: Notification, seller: SellerConfig) -> str:
        return sync().on_notification(notification, seller, launcher())

    return handle


# -- helpers ------------------------------------------------------------------------------------------------


def _finished(report: AmazonReport) -> bool:
    return report.processing_status in (REPORT_DONE, *FINISHED_BAD)


def _marketplaces(seller: SellerConfig, marketplace_id: str | None) -> list[MarketplaceConfig]:
    if marketplace_id is None:
        return list(seller.marketplaces)
    wanted = marketplace_id.strip()
    for mp in seller.marketplaces:
        if wanted in (mp.id, mp.country):
            return [mp]
    known = ", ".join(f"{mp.id} ({mp.country})" for mp in seller.marketplaces)
    raise ConfigError(
        f"seller {seller.id} has no marketplace {wanted}",
        record="option --marketplace",
        resolution=f"give one of the seller's marketplaces: {known}",
    )


def _read_report(
    file: BinaryIO, charset: str | None, *, record: str
) -> tuple[list[ListingRow], list[RowProblem], int]:
    """Rows, rejected rows and the number of rows read, from the downloaded document (UTF-8 when its
    character set is not declared or unknown)."""
    encoding = "utf-8"
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            encoding = "utf-8"
    text = io.TextIOWrapper(file, encoding=encoding, errors="replace", newline="")
    try:
        reader = ListingsReportReader(text, record=record)
        rows = list(reader)
    except ListingsReportError as exc:
        raise PermanentError(
            str(exc),
            record=record,
            resolution="report it: Amazon's listings report layout may have changed",
        ) from None
    finally:
        text.detach()
    return rows, reader.problems, reader.rows_read


def _log_outcome(
    ctx: JobContext, synced: Synced, problems: Sequence[RowProblem], named: Mapping[str, str]
) -> list[Unmatched]:
    """Counts and log book entries of one applied report; ``named``: the unmatched SKUs (-> kind) an earlier
    run named already. Returns the unmatched SKUs named by this run."""
    plan, mp_id, record = synced.plan, synced.marketplace_id, f"listings report {synced.report_id}"
    counts = ctx.counts
    counts["reports_synced"] += 1
    counts["skus_listed"] += synced.rows - synced.rejected
    counts["skus_bound"] += plan.bound
    counts["skus_refreshed"] += plan.refreshed
    counts["skus_unchanged"] += plan.unchanged
    counts["skus_fba"] += plan.fba
    counts["skus_unmatched"] += len(plan.unmatched)
    counts["skus_retired"] += len(plan.retired)
    counts["rows_rejected"] += synced.rejected
    for problem in problems[:MAX_ROW_ENTRIES]:
        ctx.log(
            f"{record} (marketplace {mp_id}), {problem}",
            level=LogLevel.WARNING,
            record=f"SKU {problem.sku}" if problem.sku else f"{record} line {problem.line}",
            resolution="correct the listing in Seller Central (or its inventory file); the other rows are synced",
        )
    if len(problems) > MAX_ROW_ENTRIES:
        ctx.log(
            f"{record} (marketplace {mp_id}): {len(problems) - MAX_ROW_ENTRIES} more row(s) could not be read",
            level=LogLevel.WARNING,
            record=record,
            details={"lines": [p.line for p in problems[MAX_ROW_ENTRIES : MAX_ROW_ENTRIES + SAMPLE]]},
        )
    new = [u for u in plan.unmatched if named.get(u.sku) != u.kind.value]  # first time, or another reason
    counts["skus_unmatched_new"] += len(new)
    for item in new[:MAX_UNMATCHED_ENTRIES]:
        ctx.log(
            item.message,
            level=LogLevel.WARNING,
            record=f"SKU {item.sku}",
            resolution=item.resolution,
            details={"marketplace": mp_id, "kind": item.kind.value},
        )
    rest = new[MAX_UNMATCHED_ENTRIES:]
    if rest:
        ctx.log(
            f"{len(rest)} more SKU(s) of marketplace {mp_id} match no single Odoo product: not bound (the "
            f"next runs name them, up to {MAX_UNMATCHED_ENTRIES} a run)",
            level=LogLevel.WARNING,
            record=record,
            resolution="create products with these internal references in Odoo, or `amazon-odoo products import`",
            details={"marketplace": mp_id, "skus": [u.sku for u in rest[:SAMPLE]]},
        )
    if plan.unmatched:
        ctx.log(
            f"{len(plan.unmatched)} SKU(s) of marketplace {mp_id} still match no Odoo product: see earlier "
            "entries (`amazon-odoo log --job sync_products --level WARNING`); `amazon-odoo products list` "
            "shows the SKUs bound",
            record=record,
            details={
                "marketplace": mp_id,
                "named_now": min(len(new), MAX_UNMATCHED_ENTRIES),
                "skus": [u.sku for u in plan.unmatched[:SAMPLE]],
            },
        )
    if plan.retired:
        ctx.log(
            f"{len(plan.retired)} SKU(s) of marketplace {mp_id} bound by the connector are no longer in Amazon's "
            "listings report: switched off (kept, not exported)",
            record=record,
            details={"marketplace": mp_id, "skus": plan.retired[:SAMPLE]},
        )
    if plan.unlisted_kept:
        ctx.log(
            f"{len(plan.unlisted_kept)} SKU(s) of marketplace {mp_id} bound by hand or CSV are not in Amazon's "
            "listings report: kept as they are",
            record=record,
            resolution="create their listings at Amazon, or remove the bindings if they are no longer sold",
            details={"marketplace": mp_id, "skus": plan.unlisted_kept[:SAMPLE]},
        )
    return new[:MAX_UNMATCHED_ENTRIES]
