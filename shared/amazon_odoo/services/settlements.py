"""Settlements: each Amazon settlement report becomes one reconciled Odoo bank statement, exactly once
(FEATURES.md §6, DESIGN.md §2).

Three doors, one room:

- the ``process_settlements`` schedule (per seller whose ``settlements.download_and_process`` is on) and
  ``amazon-odoo run process-settlements --seller S [--since DATE]`` list the seller's
  ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`` reports (Amazon makes them on its own schedule: they are
  listed, never requested) and record each new one (state ``new``);
- ``REPORT_PROCESSING_FINISHED`` for a settlement report (routed by amazon_events) records that report;
- both then :meth:`SettlementProcessor.process` it, under a lease, from wherever it stands.

Processing a report: its document is streamed into a temporary file (un-gzipped, decoded in its declared
character set) and parsed as a stream into statement lines (``domain/settlements.py``); a row that cannot
be read fails the report (``failed``, the line and column named) with nothing written. The record keeps
the summary (``downloaded``). Then the marketplace's settlement journal (created when missing, code =
short code + domain suffix), the statement found by its reference (the settlement id) — a run that died
half-way finds it and writes only the lines it lacks — and the lines written in batches
(``mapping/settlements.py``): open items of the orders found first, marked, the lines created, Odoo
reconciling them as it posts. The ending balance is closed; every line matched makes the report
``reconciled``, lines left open (no invoice yet, no account mapped) make it ``imported`` with one log book
entry each saying what to do. A refund that started at Amazon (no credit note of its order in Odoo) gets
its credit note first when the seller's ``returns.create_credit_note`` is on (``services/settlement_refunds.py``),
so its line is matched too. An ``imported`` report is looked at again on later runs: lines whose invoice
has appeared since are matched then.

A run has a time budget (the Lambda's): out of time, the report's progress is kept and the run stops with
:class:`SettlementPaused` (retryable) — the next run, or the notification's redelivery, goes on.
"""

from __future__ import annotations

import codecs
import io
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import BinaryIO

from amazon_odoo.config import MARKETPLACES, MarketplaceConfig, SellerConfig
from amazon_odoo.domain.errors import (
    ConfigError,
    ConnectorError,
    PermanentError,
    RetryableError,
    SkipError,
    ThrottledError,
)
from amazon_odoo.domain.notifications import Notification, get_ci
from amazon_odoo.domain.settlements import (
    REFUND_TYPES,
    REPORT_DONE,
    SETTLEMENT_REPORT_TYPE,
    AmazonReport,
    ReportState,
    SettlementLine,
    SettlementReader,
    SettlementRecord,
    SettlementStatement,
    aggregate,
    marketplace_by_name,
)
from amazon_odoo.domain.state import LogLevel, utcnow
from amazon_odoo.mapping.settlements import (
    REFUND_OPEN,
    FeeRule,
    LineMatch,
    OdooStatement,
    OpenStatementLine,
    PlannedLine,
    Problem,
    SettlementJournal,
    StatementRefs,
    plan_lines,
    rematch,
    statement_name,
    transfer_line,
)
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.notifications import NotificationHandler
from amazon_odoo.services.settlement_refunds import AmazonRefunds

JOB = "process_settlements"
REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"

DEFAULT_DAYS = 30  # a scheduled run lists the reports Amazon made in the last 30 days
MAX_DAYS = 90  # Amazon keeps reports 90 days
BATCH_LINES = 100  # statement lines per Odoo create
LEASE_SECONDS = 900  # one worker per report (schedule, notification and hand may race)
MAX_PROBLEM_ENTRIES = 100  # log book entries per report and run; the rest are summed up in one
NOTIFICATION_BUDGET_SECONDS = (
    30.0  # amazon_events runs 60 s (a batch takes ~10 s on Odoo 17): the rest on redelivery
)
PENDING = (ReportState.NEW, ReportState.DOWNLOADED, ReportState.IMPORTED)


class SettlementPaused(RetryableError):
    """The run's time budget is spent: the report's progress is kept, the next run goes on."""


@dataclass
class Processed:
    """What one run did to one report."""

    record: SettlementRecord
    lines_written: int = 0
    lines_matched: int = 0
    problems: list[Problem] = field(default_factory=list)


Clock = Callable[[], datetime]


def journal_name(seller: SellerConfig, marketplace: MarketplaceConfig) -> str:
    return f"Amazon.{marketplace.domain_suffix} settlements ({seller.id})"


def read_statement(
    file: BinaryIO, charset: str | None, *, day_first: bool, record: str = ""
) -> SettlementStatement:
    """Parse a settlement document (bytes in ``charset``, UTF-8 when not declared or unknown) as a stream."""
    encoding = "utf-8"
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            encoding = "utf-8"
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        return aggregate(SettlementReader(text, day_first=day_first, record=record))
    finally:
        text.detach()


def _batches(lines: Sequence[SettlementLine], size: int) -> list[list[SettlementLine]]:
    """Lines in batches of about ``size``, each order's lines in one batch (a sale and its refund may only
    settle the order's open items together)."""
    batches: list[list[SettlementLine]] = []
    home: dict[str, int] = {}
    for line in lines:
        if line.order_id and line.order_id in home:
            batches[home[line.order_id]].append(line)
            continue
        if not batches or len(batches[-1]) >= size:
            batches.append([])
        batches[-1].append(line)
        if line.order_id:
            home[line.order_id] = len(batches) - 1
    return batches


class SettlementProcessor:
    """Lists, downloads and books settlement reports; ``amazon_for`` gives a seller's gateway and ``odoo``
    the Odoo gateway (built on first use; None when Odoo is not configured)."""

    def __init__(
        self,
        state: StateStore,
        amazon_for: Callable[[SellerConfig], AmazonGateway],
        odoo: Callable[[], OdooGateway | None],
        *,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        worker: str | None = None,
        batch_lines: int = BATCH_LINES,
    ) -> None:
        self.state = state
        self._amazon_for = amazon_for
        self._odoo = odoo
        self._clock = clock
        self._monotonic = monotonic
        self._worker = worker or f"settlements-{uuid.uuid4().hex[:12]}"
        self._batch = max(1, batch_lines)
        self._refunds = AmazonRefunds(state, clock)

    # -- listing ---------------------------------------------------------------------------------------

    def discover(
        self, seller: SellerConfig, since: datetime, *, retry_failed: bool = False
    ) -> list[SettlementRecord]:
        """Every settlement report Amazon lists since ``since`` (DONE ones), recorded: new reports get a
        record (``new``; ``failed`` when none of their marketplaces is configured), failed ones start over
        when ``retry_failed``. Answers the records of the listed reports."""
        amazon = self._amazon_for(seller)
        found: list[SettlementRecord] = []
        token: str | None = None
        while True:
            page = amazon.get_reports(
                report_types=[SETTLEMENT_REPORT_TYPE],
                processing_statuses=[REPORT_DONE],
                created_since=since,
                next_token=token,
            )
            for report in page.reports:
                if report.report_type != SETTLEMENT_REPORT_TYPE:
                    continue
                record = self.state.get_settlement(seller.id, report.report_id)
                if record is None:
                    record = self._record(seller, report)
                elif retry_failed and record.state is ReportState.FAILED:
                    record = self.state.save_settlement(
                        record.touched(self._clock(), state=ReportState.NEW, message="")
                    )
                found.append(record)
            token = page.next_token
            if not token:
                return found

    def _record(self, seller: SellerConfig, report: AmazonReport) -> SettlementRecord:
        """A new report's record (saved); a report of none of the seller's marketplaces is ``failed``."""
        now = self._clock()
        configured = [m for m in report.marketplace_ids if any(mp.id == m for mp in seller.marketplaces)]
        record = SettlementRecord(
            seller_id=seller.id,
            report_id=report.report_id,
            marketplace_id=configured[0] if configured else "",
            document_id=report.document_id or "",
            report_created_at=report.created_time,
            created_at=now,
            updated_at=now,
        )
        if report.marketplace_ids and not configured:
            record = record.model_copy(
                update={
                    "state": ReportState.FAILED,
                    "message": f"marketplace {', '.join(report.marketplace_ids)} is not configured for seller "
                    f"{seller.id}; add it to the sellers file, then run process-settlements --since "
                    f"{report.created_time.date().isoformat()}",
                }
            )
        try:
            return self.state.save_settlement(record)
        except ConnectorError:
            current = self.state.get_settlement(seller.id, report.report_id)  # another worker recorded it
            if current is None:
                raise
            return current

    # -- processing ------------------------------------------------------------------------------------

    def process(
        self, ctx: JobContext, record: SettlementRecord, *, deadline: float | None = None
    ) -> Processed:
        """Bring one report as far as it goes now: download and check, write the statement, match what is
        open. Raises SkipError (another worker has it), SettlementPaused (out of time: progress kept),
        RetryableError (Amazon, Odoo or AWS should be asked again) and PermanentError (a setting to fix:
        the record keeps its state; the next run tries again)."""
        seller = ctx.seller
        lease = f"settlement:{seller.id}:{record.report_id}"
        if not self.state.acquire_lease(lease, self._worker, LEASE_SECONDS):
            raise SkipError(
                f"settlement report {record.report_id} is being processed by another worker",
                record=f"settlement report {record.report_id}",
            )
        try:
            current = self.state.get_settlement(seller.id, record.report_id) or record
            if not current.state.pending:
                return Processed(current)
            odoo = self._odoo()
            if odoo is None:
                raise ConfigError(
                    "Odoo is not configured: settlements cannot be booked",
                    record="environment",
                    resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and the password (or its secret)",
                )
            if current.state is ReportState.IMPORTED:
                return self._rematch(ctx, current, odoo)
            return self._import(ctx, current, odoo, deadline)
        finally:
            self.state.release_lease(lease, self._worker)

    def _save(self, record: SettlementRecord, **changes: object) -> SettlementRecord:
        updated = record.touched(self._clock(), **changes)
        return self.state.save_settlement(updated)

    def _fail(self, ctx: JobContext, record: SettlementRecord, error: ConnectorError) -> Processed:
        failed = self._save(
            record, state=ReportState.FAILED, message=error.message, attempts=record.attempts + 1
        )
        ctx.log(
            f"settlement {record.label} (report {record.report_id}) cannot be processed: {error.message}",
            level=LogLevel.ERROR,
            record=f"settlement {record.label}",
            resolution=error.resolution,
            details={"report_id": record.report_id},
        )
        return Processed(failed)

    def _import(
        self, ctx: JobContext, record: SettlementRecord, odoo: OdooGateway, deadline: float | None
    ) -> Processed:
        amazon = self._amazon_for(ctx.seller)
        document_id = record.document_id
        if not document_id:
            report = amazon.get_report(record.report_id)
            if not report.document_id:
                return self._fail(
                    ctx,
                    record,
                    PermanentError(
                        f"Amazon's report {record.report_id} has no document ({report.processing_status})",
                        resolution="nothing to book; check the report in Seller Central",
                    ),
                )
            document_id = report.document_id
            record = self._save(record, document_id=document_id, report_created_at=report.created_time)
        statement = self._statement(ctx.seller, record, document_id)
        if isinstance(statement, PermanentError):
            return self._fail(ctx, record, statement)
        summary = statement.summary
        if not record.marketplace_id:
            found = marketplace_by_name(statement.marketplace_name, MARKETPLACES)
            if found is None or self._marketplace(ctx.seller, found) is None:
                return self._fail(
                    ctx,
                    record,
                    ConfigError(
                        f"settlement {summary.settlement_id} is for "
                        f"{statement.marketplace_name or 'an unnamed marketplace'}, which seller "
                        f"{ctx.seller.id} does not have",
                        resolution="add the marketplace to the sellers file, then run process-settlements "
                        "--since with a date before the report",
                    ),
                )
            record = record.model_copy(update={"marketplace_id": found})
        if record.state is ReportState.NEW or record.settlement_id != summary.settlement_id:
            record = self._save(
                record,
                state=ReportState.DOWNLOADED,
                settlement_id=summary.settlement_id,
                period_start=summary.start,
                period_end=summary.end,
                deposit_date=summary.deposit_date,
                total=summary.total,
                currency=summary.currency,
                rows=statement.rows,
                message="",
            )
        return self._write(ctx, record, statement, odoo, deadline)

    def _statement(
        self, seller: SellerConfig, record: SettlementRecord, document_id: str
    ) -> SettlementStatement | PermanentError:
        """The report's document downloaded and read; a document that cannot be read (a row, or rows that do
        not add up to the total) answers its error. Amazon's errors are raised."""
        marketplace = self._marketplace(seller, record.marketplace_id)
        day_first = marketplace is not None and marketplace.region != "NA"
        with tempfile.TemporaryFile() as file:
            download = self._amazon_for(seller).download_report_document(document_id, file)
            file.seek(0)
            try:
                return read_statement(
                    file,
                    download.charset,
                    day_first=day_first,
                    record=f"settlement report {record.report_id}",
                )
            except PermanentError as error:  # SettlementFormatError, or the rows do not add up to the total
                return error

    @staticmethod
    def _marketplace(seller: SellerConfig, marketplace_id: str) -> MarketplaceConfig | None:
        return next((mp for mp in seller.marketplaces if mp.id == marketplace_id), None)

    def _journal(
        self, seller: SellerConfig, marketplace: MarketplaceConfig, currency: str, odoo: OdooGateway
    ) -> SettlementJournal:
        company_id = odoo.company_id(seller.odoo.company)
        journal = odoo.settlement_journal(
            company_id, seller.journal_code(marketplace.id), journal_name(seller, marketplace), currency
        )
        if journal.currency != currency:
            raise ConfigError(
                f"journal {journal.code} books {journal.currency}, the settlement is in {currency}",
                record=f"seller {seller.id}: marketplaces[{marketplace.id}].settlement_journal",
                resolution=f"name a journal in {currency} in marketplaces[].settlement_journal",
            )
        return journal

    def _refs(
        self,
        seller: SellerConfig,
        marketplace: MarketplaceConfig,
        journal: SettlementJournal,
        statement: SettlementStatement,
        odoo: OdooGateway,
    ) -> StatementRefs:
        options = seller.settlements
        wanted = [rule.account for rule in options.fee_accounts]
        wanted += [code for code in (seller.fee_account, marketplace.ending_balance_account) if code]
        accounts = odoo.account_ids(journal.company_id, wanted)
        missing = sorted({code for code in wanted if code not in accounts})
        if missing:
            raise ConfigError(
                f"account {', '.join(missing)} does not exist in the company's chart of accounts",
                record=f"seller {seller.id}: fee_account / settlements.fee_accounts / ending_balance_account",
                resolution="create the account in Odoo or change the code in the sellers file, then retry",
            )
        rules = tuple(
            FeeRule(
                account_id=accounts[rule.account],
                transaction_type=rule.match.transaction_type,
                amount_type=rule.match.amount_type,
                amount_description=rule.match.amount_description,
            )
            for rule in options.fee_accounts
        )
        rates = {}
        if journal.foreign and journal.currency_id is not None:
            summary = statement.summary
            first = min((line.date for line in statement.lines), default=summary.start.date())
            rates = odoo.currency_rates(
                journal.company_id, journal.currency_id, first, max(summary.deposit_date.date(), first)
            )
        return StatementRefs(
            journal=journal,
            settlement_id=statement.summary.settlement_id,
            fee_rules=rules,
            default_fee_account=accounts.get(seller.fee_account or ""),
            ending_balance_account=accounts.get(marketplace.ending_balance_account or ""),
            rates=rates,
        )

    def _write(
        self,
        ctx: JobContext,
        record: SettlementRecord,
        statement: SettlementStatement,
        odoo: OdooGateway,
        deadline: float | None,
    ) -> Processed:
        seller = ctx.seller
        marketplace = seller.marketplace(record.marketplace_id)
        summary = statement.summary
        journal = self._journal(seller, marketplace, summary.currency, odoo)
        refs = self._refs(seller, marketplace, journal, statement, odoo)
        lines = list(statement.lines)
        if refs.ending_balance_account is not None and summary.total:
            lines.append(transfer_line(summary, marketplace.ending_balance_description))
        name = statement_name(statement.marketplace_name or f"Amazon.{marketplace.domain_suffix}", summary)
        existing = odoo.find_statement(journal.id, summary.settlement_id)
        statement_id = existing.id if existing else None
        done = existing.labels if existing else frozenset()
        todo = [line for line in lines if line.label not in done]
        outcome = Processed(record)
        if (
            refs.ending_balance_account is not None
            and refs.ending_balance_account == journal.suspense_account_id
        ):
            outcome.problems.append(
                Problem(
                    marketplace.ending_balance_description,
                    "",
                    f"the ending balance account {marketplace.ending_balance_account} is journal {journal.code}'s "
                    f"suspense account: the {marketplace.ending_balance_description} line stays open",
                    "set marketplaces[].ending_balance_account to a transfer account (e.g. 101701 Liquidity "
                    "Transfer) and book the open line by hand",
                    -summary.total,
                    error=True,
                )
            )
        used: set[int] = set()
        header = {"name": name, "reference": summary.settlement_id}
        for batch in _batches(todo, self._batch):
            if deadline is not None and outcome.lines_written and self._monotonic() > deadline:
                self._log_problems(ctx, record, outcome.problems)
                raise SettlementPaused(
                    f"settlement {summary.settlement_id}: {outcome.lines_written} line(s) written, "
                    f"{len(todo) - outcome.lines_written} to go when time ran out",
                    record=f"settlement {summary.settlement_id}",
                    resolution="nothing to do: the next run writes the rest",
                )
            orders = [line.order_id for line in batch if line.receivable and line.order_id]
            items = odoo.open_items(journal.company_id, orders, journal) if orders else {}
            credited = self._refunds.credit(
                ctx,
                odoo,
                batch,
                items,
                marketplace_id=record.marketplace_id,
                currency=summary.currency,
                company_id=journal.company_id,
            )
            if credited:  # refunds that started at Amazon got their credit notes: match the lines with them
                items.update(odoo.open_items(journal.company_id, sorted(credited), journal))
            planned: list[PlannedLine] = plan_lines(batch, refs, items, used)
            markers = {item: marker for line in planned for item, marker in line.markers.items()}
            statement_id = odoo.write_statement_lines(
                journal, statement_id, header, [line.vals for line in planned], markers
            )
            outcome.lines_written += len(planned)
            outcome.lines_matched += sum(1 for line in planned if line.matched)
            outcome.problems += [problem for line in planned for problem in line.problems]
            if record.statement_id != statement_id:
                record = self._save(
                    record, statement_id=statement_id, statement_name=name, journal_code=journal.code
                )
        self._log_problems(ctx, record, outcome.problems)
        if statement_id is None:  # nothing at all to book
            outcome.record = self._save(
                record,
                state=ReportState.RECONCILED,
                lines=0,
                open_lines=0,
                imported_at=self._clock(),
                reconciled_at=self._clock(),
                message="the settlement has nothing to book",
            )
            return outcome
        total = sum((line.amount for line in lines), Decimal(0))
        final = odoo.close_statement(statement_id, total)
        outcome.record = self._closed(record, final, name, journal)
        ctx.log(
            f"statement {final.name or name} in journal {journal.code}: "
            f"{final.line_count} line(s), {summary.total} {summary.currency} paid out"
            + (
                f", {final.open_lines} line(s) waiting for a match"
                if final.open_lines
                else ", all reconciled"
            ),
            record=f"settlement {summary.settlement_id}",
            details={"report_id": record.report_id, "statement_id": statement_id},
        )
        return outcome

    def _closed(
        self, record: SettlementRecord, final: OdooStatement, name: str, journal: SettlementJournal
    ) -> SettlementRecord:
        now = self._clock()
        reconciled = final.open_lines == 0
        return self._save(
            record,
            state=ReportState.RECONCILED if reconciled else ReportState.IMPORTED,
            statement_id=final.id,
            statement_name=final.name or name,
            journal_code=journal.code,
            lines=final.line_count,
            open_lines=final.open_lines,
            imported_at=record.imported_at or now,
            reconciled_at=now if reconciled else None,
            message="" if reconciled else f"{final.open_lines} line(s) wait for a match (see the log book)",
        )

    def _log_problems(self, ctx: JobContext, record: SettlementRecord, problems: Sequence[Problem]) -> None:
        for problem in problems[:MAX_PROBLEM_ENTRIES]:
            ctx.log(
                f"settlement {record.label}: {problem.message}",
                level=LogLevel.ERROR if problem.error else LogLevel.WARNING,
                record=f"order {problem.order_id}" if problem.order_id else f"settlement {record.label}",
                resolution=problem.resolution,
                details={
                    "report_id": record.report_id,
                    "settlement_id": record.settlement_id,
                    "line": problem.label,
                    "amount": str(problem.amount),
                },
            )
        if len(problems) > MAX_PROBLEM_ENTRIES:
            ctx.log(
                f"settlement {record.label}: {len(problems) - MAX_PROBLEM_ENTRIES} more line(s) are left open",
                level=LogLevel.WARNING,
                record=f"settlement {record.label}",
                resolution="see the statement's open lines in Odoo (Accounting > Bank > the statement)",
            )

    def _rematch(self, ctx: JobContext, record: SettlementRecord, odoo: OdooGateway) -> Processed:
        """An imported report: match its open lines whose invoice (credit note) is in Odoo now."""
        seller = ctx.seller
        marketplace = seller.marketplace(record.marketplace_id)
        journal = self._journal(seller, marketplace, record.currency, odoo)
        open_lines = odoo.open_statement_lines(record.statement_id, journal) if record.statement_id else []
        if not open_lines and (
            record.statement_id is None or odoo.find_statement(journal.id, record.settlement_id) is None
        ):
            return self._fail(
                ctx,
                record,
                PermanentError(
                    f"the statement of settlement {record.label} is no longer in Odoo",
                    resolution="to import it again: amazon-odoo run process-settlements --seller "
                    f"{seller.id} --since {(record.report_created_at or record.created_at).date().isoformat()}",
                ),
            )
        orders = [line.order_id for line in open_lines if line.order_id]
        items = odoo.open_items(journal.company_id, orders, journal) if orders else {}
        matches = rematch(open_lines, items, REFUND_TYPES)
        odoo.match_open_lines(matches)
        matched = {match.item_id for match in matches}
        # then refunds that started at Amazon: their credit notes made once the sales are matched (a credit
        # note of an unpaid invoice is reconciled with it by Odoo as it is posted, and has nothing open)
        later = self._credit_waiting(
            ctx, record, [line for line in open_lines if line.item_id not in matched], journal, odoo
        )
        if later:
            odoo.match_open_lines(later)
            matches += later
            matched |= {match.item_id for match in later}
        left = {line.statement_line_id for line in open_lines if line.item_id not in matched}
        for match in matches:
            ctx.log(
                f"settlement {record.label}: {match.label} matched now that order {match.order_id}'s document "
                "is in Odoo",
                record=f"order {match.order_id}",
                details={"report_id": record.report_id, "statement_id": record.statement_id},
            )
        now = self._clock()
        if not matches and len(left) == record.open_lines:
            return Processed(record)
        updated = self._save(
            record,
            state=ReportState.IMPORTED if left else ReportState.RECONCILED,
            open_lines=len(left),
            reconciled_at=None if left else now,
            message=f"{len(left)} line(s) wait for a match (see the log book)" if left else "",
        )
        return Processed(updated, lines_matched=len(matches))

    def _credit_waiting(
        self,
        ctx: JobContext,
        record: SettlementRecord,
        open_lines: Sequence[OpenStatementLine],
        journal: SettlementJournal,
        odoo: OdooGateway,
    ) -> list[LineMatch]:
        """Refund lines that wait for a credit note of an order that is in Odoo now: the report is read again
        for what Amazon refunded item by item, the credit notes are made, and the lines matched with them."""
        waiting = [
            line.order_id
            for line in open_lines
            if line.transaction_type in REFUND_TYPES and line.item_name.endswith(REFUND_OPEN)
        ]
        wanted = (
            self._refunds.waiting(ctx, odoo, waiting, marketplace_id=record.marketplace_id)
            if waiting
            else set()
        )
        if not wanted or not record.document_id:
            return []
        statement = self._statement(ctx.seller, record, record.document_id)
        if isinstance(statement, PermanentError):
            return []
        refunds = [line for line in statement.lines if line.order_id in wanted]
        credited = self._refunds.credit(
            ctx,
            odoo,
            refunds,
            {},
            marketplace_id=record.marketplace_id,
            currency=record.currency,
            company_id=journal.company_id,
        )
        if not credited:
            return []
        items = odoo.open_items(journal.company_id, sorted(credited), journal)
        return rematch([line for line in open_lines if line.order_id in credited], items, REFUND_TYPES)

    # -- the notification ------------------------------------------------------------------------------

    def on_notification(self, notification: Notification, seller: SellerConfig) -> str:
        """REPORT_PROCESSING_FINISHED of a settlement report: record it and process it now (within the
        notification's time budget; the rest on redelivery)."""
        body = get_ci(notification.payload, "reportProcessingFinishedNotification")
        if not isinstance(body, Mapping):
            raise PermanentError(
                "REPORT_PROCESSING_FINISHED without payload.reportProcessingFinishedNotification",
                record=f"notification {notification.notification_id}",
                resolution="nothing to fix here; the process_settlements schedule lists the reports",
            )
        report_id = str(get_ci(body, "reportId") or "")
        status = str(get_ci(body, "processingStatus") or "")
        if not report_id or status != REPORT_DONE:
            raise SkipError(
                f"settlement report {report_id or '?'} is {status or 'without status'}: nothing to read"
            )
        if not seller.settlements.download_and_process:
            raise SkipError(
                f"settlement report {report_id}: seller {seller.id} does not process settlements "
                "(settlements.download_and_process is off)",
                record=f"settlement report {report_id}",
            )
        record = self.state.get_settlement(seller.id, report_id)
        if record is None:
            record = self._record(seller, self._amazon_for(seller).get_report(report_id))
        if not record.state.pending:
            raise SkipError(f"settlement report {report_id} is {record.state.value} already")
        deadline = self._monotonic() + NOTIFICATION_BUDGET_SECONDS
        outcome: list[Processed] = []

        def body_(ctx: JobContext) -> None:
            try:
                done = self.process(ctx, record, deadline=deadline)
            except SkipError:
                ctx.counts["reports_skipped"] += 1  # the schedule or another delivery has it now
                return
            _count(ctx, done)
            outcome.append(done)

        run_job(self.state, seller, JOB, body_, trigger="notification")
        return f"settlement {outcome[0].record.state.value}" if outcome else "settlement skipped"


def _count(ctx: JobContext, done: Processed) -> None:
    ctx.counts[f"reports_{done.record.state.value}"] += 1
    ctx.counts["lines_written"] += done.lines_written
    ctx.counts["lines_matched"] += done.lines_matched
    ctx.counts["lines_open"] += done.record.open_lines


# -- the job ---------------------------------------------------------------------------------------------------


def process_settlements(
    ctx: JobContext,
    processor: SettlementProcessor,
    now: datetime,
    *,
    since: datetime | None = None,
    deadline: float | None = None,
) -> None:
    """List the seller's settlement reports (the last 30 days, or since ``since``: then failed ones are
    tried again too), then process every report with work left, oldest first, until done or out of time."""
    seller = ctx.seller
    start = max(since or now - timedelta(days=DEFAULT_DAYS), now - timedelta(days=MAX_DAYS))
    try:
        listed = processor.discover(seller, start, retry_failed=since is not None)
    except ThrottledError:
        listed = []  # Amazon's rate limit: the reports already known are processed, the listing waits
        ctx.counts["listing_deferred"] += 1
    ctx.counts["reports_listed"] = len(listed)
    pending = {r.report_id: r for r in processor.state.list_settlements(seller.id, PENDING, limit=1000)}
    pending.update({r.report_id: r for r in listed if r.state.pending})
    ordered = sorted(pending.values(), key=lambda r: (r.report_created_at or r.created_at, r.report_id))
    for record in ordered:
        try:
            done = processor.process(ctx, record, deadline=deadline)
        except SettlementPaused as paused:
            ctx.counts["reports_paused"] += 1
            ctx.log(paused.message, record=paused.record, resolution=paused.resolution)
            return
        except SkipError:
            ctx.counts["reports_skipped"] += 1
            continue
        except ThrottledError:
            ctx.counts["reports_deferred"] += 1  # Amazon's rate limit: the next run goes on
            return
        except (RetryableError, PermanentError) as error:
            ctx.counts["reports_deferred" if error.retryable else "reports_blocked"] += 1
            ctx.log_error(error)
            continue
        _count(ctx, done)


def reports_by_type(handlers: Mapping[str, NotificationHandler]) -> NotificationHandler:
    """REPORT_PROCESSING_FINISHED handed to the service of the report's type; reports of other types (not
    the connector's, or requested by a job that polls them) are acknowledged."""

    def handle(notification: Notification, seller: SellerConfig) -> str:
        body = get_ci(notification.payload, "reportProcessingFinishedNotification")
        report_type = str(get_ci(body, "reportType") or "") if isinstance(body, Mapping) else ""
        handler = handlers.get(report_type)
        if handler is None:
            raise SkipError(
                f"report {get_ci(body, 'reportId') if isinstance(body, Mapping) else '?'} of type "
                f"{report_type or '(none)'} is not one this connector acts on: acknowledged",
                record=f"notification {notification.notification_id}",
            )
        return handler(notification, seller)

    return handle


def settlement_report_handler(processor: Callable[[], SettlementProcessor]) -> NotificationHandler:
    """The settlement report's REPORT_PROCESSING_FINISHED handler (``processor`` built on first use)."""

    def handle(notification: Notification, seller: SellerConfig) -> str:
        return processor().on_notification(notification, seller)

    return handle
