"""The ``amazon-odoo`` command: demo, run JOB, invoke FUNCTION, sellers, orders, feeds, status, log.

Every command works against the configured endpoints (``AWS_ENDPOINT_URL``, ``SP_API_ENDPOINT``,
``ODOO_URL``…); ``demo`` starts the embedded ones first. Errors print one line naming the record, the
field and what to do, and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from amazon_odoo.domain.errors import ConfigError, ConnectorError
from amazon_odoo.domain.jobs import JobRequest, parse_utc
from amazon_odoo.domain.state import LogLevel

if TYPE_CHECKING:
    from tqdm import tqdm

    from amazon_odoo.bootstrap import Container
    from amazon_odoo.config import SellerConfig
    from amazon_odoo.domain.schedules import JobSchedule
    from amazon_odoo.services.order_recovery import InlineIngest, RetryReport
    from amazon_odoo.services.work import Handled


def _print_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _utc_time(when: datetime | None) -> str:
    if when is None:
        return "never"
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def cmd_sellers_load(args: argparse.Namespace) -> int:
    import yaml

    from amazon_odoo.bootstrap import compose

    path = Path(args.file)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except yaml.YAMLError as exc:
        print(f"error: {path} is not valid YAML: {exc}", file=sys.stderr)
        return 2
    report = compose().load_sellers(raw, dry_run=args.dry_run)
    verb = "would store" if report.dry_run else "stored"
    print(f"{path}: valid; {verb} {len(report.stored)} seller(s): {', '.join(report.stored)}")
    for name in report.secrets_written:
        print(f"  secret written: {name}")
    for seller_id in report.removed:
        print(
            f"  {'would remove' if report.dry_run else 'removed'} seller no longer in the file: {seller_id}"
        )
    _apply_schedules(raw, dry_run=args.dry_run)
    return 0


def _apply_schedules(raw: Any, *, dry_run: bool) -> None:
    """Per-seller schedules to match the file just loaded (issue 9); prints what changed."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.config import parse_sellers_file

    app = compose()
    sellers = list(parse_sellers_file(raw).sellers) if dry_run else None
    schedules = app.apply_schedules(sellers, dry_run=dry_run)
    if schedules is None:
        print("  schedules: not applied (SCHEDULER_ROLE_ARN is not set; see the stack's outputs)")
        return
    plan, would = schedules.plan, "would " if dry_run else ""
    group = app.settings.schedule_group
    for item in plan.create:
        print(f"  schedule {would}create {group}/{item.name}: {item.expression}")
    for item, fields in plan.update:
        print(
            f"  schedule {would}update {group}/{item.name}: {item.expression} ({', '.join(fields)} changed)"
        )
    for item in plan.delete:
        print(f"  schedule {would}delete {group}/{item.name} (switched off or seller removed)")
    for seller_id, job in schedules.no_function:
        print(f"  schedule not set for {seller_id} {job}: no function in JOB_FUNCTIONS for this job")
    print(f"  schedules: {len(plan.unchanged)} unchanged")


def cmd_sellers_list(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose

    sellers = compose().state.list_sellers()
    if not sellers:
        print("no sellers loaded: run 'amazon-odoo sellers load FILE'")
        return 0
    _print_table(
        [
            (s.id, s.name, s.merchant_id, s.region.value, ",".join(m.id for m in s.marketplaces))
            for s in sellers
        ],
        ["seller", "name", "merchant id", "region", "marketplaces"],
    )
    return 0


def cmd_sellers_show(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose

    seller = compose().seller(args.seller)
    print(json.dumps(seller.model_dump(mode="json"), indent=2))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose

    job = args.job.replace("-", "_")
    since, until = _window(job, args.since, args.until, args.queue)
    request = JobRequest(
        job=job,
        seller_id=args.seller,
        trigger="manual",
        since=since,
        until=until,
        marketplace_id=getattr(args, "marketplace", None),
    )
    if since is not None and not args.queue and job == "import_orders":
        return _run_window_here(request)
    runs = compose().run_job(request)
    for run in runs:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(run.counts.items())) or "-"
        print(f"{run.seller_id} {run.job}: {run.status.value} ({counts}) {run.message}".rstrip())
    return 0 if all(run.status.value in {"succeeded", "partial"} for run in runs) else 1


def cmd_invoke(args: argparse.Namespace) -> int:
    from amazon_odoo.local.invoke import invoke, read_event

    result = invoke(args.function, read_event(args.event))
    print(json.dumps(result, indent=2, default=str))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import JOBS, compose

    app = compose()
    sellers = [app.seller(args.seller)] if args.seller else app.state.list_sellers()
    if not sellers:
        print("no sellers loaded: run 'amazon-odoo sellers load FILE'")
        return 0
    now = datetime.now(UTC)
    scheduled = _scheduled(app)
    rows: list[tuple[object, ...]] = []
    for seller in sellers:
        last = app.state.last_runs(seller.id)
        for job, schedule in app.schedules_of(seller):
            run = last.get(job)
            started = run.started_at if run else None
            next_run = _utc_time(schedule.next_after(started, now)) if schedule.enabled else "off"
            result = f"{run.status.value} {run.message}".strip() if run else "-"
            if job not in JOBS:
                result, next_run = "not in this version yet", "-"
            row: tuple[object, ...] = (
                seller.id,
                job,
                "on" if schedule.enabled else "off",
                schedule.every,
                _utc_time(started),
                result,
                next_run,
            )
            if scheduled is not None:
                row = (*row, _scheduler_column(app, scheduled, seller, job))
            rows.append(row)
    headers = ["seller", "job", "schedule", "every", "last run", "result", "next run"]
    if scheduled is not None:
        headers.append(f"scheduler ({app.settings.schedule_group})")
    _print_table(rows, headers)
    return 0


def _scheduled(app: Container) -> dict[str, JobSchedule] | None:
    """The group's per-seller schedules by name; None without a scheduler (SCHEDULER_ROLE_ARN)."""
    if not app.settings.scheduler_role_arn:
        return None
    return {s.name: s for s in app.scheduler.list_schedules()}


def _scheduler_column(
    app: Container, scheduled: dict[str, JobSchedule], seller: SellerConfig, job: str
) -> str:
    from amazon_odoo.bootstrap import ALWAYS_ON
    from amazon_odoo.domain.schedules import schedule_name
    from amazon_odoo.services.schedules import job_switched_on

    if job in ALWAYS_ON:
        return "template (every seller)"
    found = scheduled.get(schedule_name(seller.id, job))
    if found is not None:
        start = f" from {_utc_time(found.start)}" if found.start else ""
        return f"{found.expression}{start}"
    if job_switched_on(seller, job) and job in app.settings.job_functions:
        return "MISSING: run 'amazon-odoo sellers load'"
    return "-"


def cmd_log(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose

    level = LogLevel(args.level) if args.level else None
    entries = compose().state.list_logs(seller_id=args.seller, job=args.job, level=level, limit=args.limit)
    if not entries:
        print("the log book is empty for this filter")
        return 0
    for e in entries:
        print(
            f"{_utc_time(e.at)} {e.level.value.upper():7} {e.seller_id or '-'} {e.job or '-'} {e.record_ref or '-'}: "
            f"{e.message}"
        )
        if e.resolution:
            print(f"    what to do: {e.resolution}")
    return 0


# ------------------------------------------------------------------ orders by hand (issue 3)

DONE_OUTCOMES = {"created", "updated", "unchanged", "cancelled", "cancel_refused", "skipped"}


def _window(
    job: str, since: str | None, until: str | None, queue: bool
) -> tuple[datetime | None, datetime | None]:
    """``--from``/``--to`` as UTC datetimes; a usage mistake is a one-line error naming the option."""

    def parse(option: str, value: str, end_of_day: bool) -> datetime:
        try:
            return parse_utc(value, end_of_day=end_of_day)
        except ValueError:
            raise ConfigError(
                f"{value!r} is not a date or an ISO date-time",
                record=f"option {option}",
                resolution="write it like 2026-11-01 or 2026-11-01T08:00:00Z (UTC when no offset is given)",
            ) from None

    if since is None and until is None:
        if queue:
            raise ConfigError("--queue applies to a window given with --from", record="option --queue")
        return None, None
    if job == "process_settlements" and (until is not None or queue):  # settlements (issue 6)
        raise ConfigError(
            "process-settlements takes --since only (reports Amazon made since then)", record="option --to"
        )
    if job not in ("import_orders", "process_settlements"):
        raise ConfigError(
            f"--from/--to apply to import-orders only, not {job.replace('_', '-')}", record="option --from"
        )
    if since is None:
        raise ConfigError("--to needs --from", record="option --to", resolution="give the window's start too")
    start = parse("--from", since, end_of_day=False)
    end = parse("--to", until, end_of_day=True) if until is not None else None
    if end is not None and start >= end:
        raise ConfigError(
            f"--from {since} is not before --to {until}", record="option --from", resolution="swap them?"
        )
    if start >= datetime.now(UTC):
        raise ConfigError(f"--from {since} is in the future", record="option --from")
    return start, end


class _Progress:
    """A progress bar on stderr when it is a terminal (tqdm): orders done / orders known so far. The bar
    appears with the first order, so a run with nothing to do prints none."""

    def __init__(self, what: str, *, enabled: bool = True) -> None:
        self._what = what
        self._enabled = enabled and sys.stderr.isatty()
        self._bar: tqdm[NoReturn] | None = None

    def __call__(self, done: int, known: int) -> None:
        if not self._enabled or known == 0:
            return
        if self._bar is None:
            try:
                from tqdm import tqdm
            except ImportError:  # installed without the `cli` extra: no bar, the summary still comes
                self._enabled = False
                return
            self._bar = tqdm(total=known, desc=self._what, unit=" order", file=sys.stderr, dynamic_ncols=True)
        self._bar.total = known
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _inline(app: Container, progress: _Progress) -> InlineIngest:
    from amazon_odoo.services.order_recovery import InlineIngest

    return InlineIngest(app.work_consumer(), progress=progress)


def _sale_order_names(app: Container, results: Sequence[Handled]) -> dict[int, str]:
    """Names of the sale orders Odoo's sequence named (ingest does not read them back: one read here)."""
    ids = [
        h.result.sale_order_id
        for h in results
        if h.result is not None and h.result.sale_order_id is not None and not h.result.sale_order_name
    ]
    odoo = app.odoo
    if not ids or odoo is None:
        return {}
    return {int(row["id"]): str(row["name"]) for row in odoo.read("sale.order", ids, ["name"])}


def _describe(handled: Handled, names: dict[int, str]) -> str:
    result = handled.result
    if result is not None:
        so = result.sale_order_name or names.get(result.sale_order_id or 0) or ""
        if not so and result.sale_order_id:
            so = f"sale.order #{result.sale_order_id}"
        line = f"{handled.order_id}: {handled.outcome} {so}".rstrip()
        line += f" ({result.odoo_calls} Odoo call{'s' if result.odoo_calls != 1 else ''})"
        if result.products_created:
            line += f"; products created for {', '.join(result.products_created)}"
        if result.message and not so:
            line += f"; {result.message}"
        return line
    line = f"{handled.order_id}: {handled.outcome}: {handled.message}"
    return f"{line}\n    what to do: {handled.resolution}" if handled.resolution else line


def _print_results(app: Container, results: Sequence[Handled], *, only_problems: bool = False) -> None:
    names = _sale_order_names(app, [] if only_problems else results)
    for handled in results:
        if not only_problems or handled.outcome not in DONE_OUTCOMES:
            print(_describe(handled, names))


def _run_window_here(request: JobRequest) -> int:
    """``run import-orders --from --to``: read the window and ingest every order in this process."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.order_recovery import summary

    app = compose()
    progress = _Progress("import-orders")
    sink = _inline(app, progress)
    window = f"{_utc_time(request.since)} .. {_utc_time(request.until) if request.until else 'now'}"
    runs = []
    try:
        runs = app.run_job(request, queue=sink)
    finally:
        progress.close()
        _print_results(app, sink.results, only_problems=True)
        print(f"orders created {window}: {sink.done} read: {summary(sink.outcomes)}")
    for run in runs:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(run.counts.items())) or "-"
        print(f"{run.seller_id} {run.job}: {run.status.value} ({counts}) {run.message}".rstrip())
    ok = all(run.status.value in {"succeeded", "partial"} for run in runs)
    return 0 if ok and all(h.outcome in DONE_OUTCOMES for h in sink.results) else 1


def cmd_orders_refund(args: argparse.Namespace) -> int:
    """Refund an Amazon order at Amazon (payment adjustment feed), as job export_refunds; then the return
    picking and the credit note, per the seller's returns options (refunds at Amazon, issue 8)."""
    from decimal import Decimal, InvalidOperation

    from amazon_odoo.bootstrap import compose
    from amazon_odoo.domain.refunds import RefundAsk, check_adjustment_reason, cli_refund_id, parse_asked_line
    from amazon_odoo.services.jobs import JobContext, run_job
    from amazon_odoo.services.refunds import JOB, RefundOutcome, refund_at_amazon, refund_summary

    app = compose()
    seller = _one_seller(app, args.seller)
    reason = check_adjustment_reason(args.reason or seller.returns.default_reason)
    lines = tuple(parse_asked_line(text) for text in args.line or ())
    shipping = None
    if args.shipping is not None:
        try:
            shipping = Decimal(args.shipping.replace(",", "."))
        except InvalidOperation:
            raise ConfigError(
                f"--shipping {args.shipping!r} is not an amount", record="option --shipping"
            ) from None
    ask = RefundAsk(
        order_id=args.order_id,
        refund_id="-",
        reason=reason,
        full=not lines and shipping is None,
        lines=lines,
        shipping=shipping,
    )
    ask = ask.model_copy(update={"refund_id": args.refund_id or cli_refund_id(ask)})
    outcome = RefundOutcome()

    def body(ctx: JobContext) -> None:
        nonlocal outcome
        outcome = refund_at_amazon(
            ctx,
            app.amazon(seller),
            app.feed_tracker,
            [ask],
            odoo=None if args.dry_run else app.odoo,
            dry_run=args.dry_run,
        )

    run = run_job(app.state, seller, JOB, body, trigger="manual")
    for line in refund_summary(outcome.planned):
        print(f"{args.order_id}: would send {line}")
    for line in refund_summary(outcome.already.values()):
        print(f"{args.order_id}: sent before, not sent again: {line}")
    for refund_id, message in outcome.refused.items():
        print(f"{args.order_id}: refund {refund_id} not sent: {message}")
    if outcome.feed is not None:
        label = outcome.feed.feed_id or outcome.feed.submission_id
        for line in refund_summary(outcome.sent):
            print(f"{args.order_id}: sent in feed {label}: {line}")
        print(f"its result: amazon-odoo feeds show {label}; amazon-odoo orders refunds {args.order_id}")
        options = seller.returns
        if options.create_return_picking or options.create_credit_note:
            made = [
                name
                for name, on in (
                    ("return picking", options.create_return_picking),
                    ("credit note", options.create_credit_note),
                )
                if on
            ]
            print(f"the {' and '.join(made)} are made in Odoo once Amazon accepts the refund")
    for refund_id, done in outcome.odoo.items():
        print(f"{args.order_id}: Odoo for refund {refund_id}: {'; '.join(done)}")
    if run.status.value not in {"succeeded", "partial"}:
        print(f"{seller.id} {JOB}: {run.status.value} {run.message}".rstrip(), file=sys.stderr)
        return 1
    return 0 if not outcome.refused else 1


def cmd_orders_refunds(args: argparse.Namespace) -> int:
    """The refunds of an Amazon order the connector sent (or is sending), oldest first."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.refunds import refund_summary

    app = compose()
    seller = _one_seller(app, args.seller)
    records = app.state.order_refunds(seller.id, args.order_id)
    if not records:
        print(f"{args.order_id}: no refund sent by the connector")
    for line in refund_summary(records):
        print(f"{args.order_id}: {line}")
    return 0


def _one_seller(app: Container, seller_id: str | None) -> SellerConfig:
    if seller_id:
        return app.seller(seller_id)
    sellers = app.state.list_sellers()
    if len(sellers) == 1:
        return sellers[0]
    known = ", ".join(s.id for s in sellers) or "none loaded"
    raise ConfigError("--seller is needed", record="option --seller", resolution=f"sellers: {known}")


def cmd_orders_import(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.order_recovery import import_order, summary

    app = compose()
    seller = _one_seller(app, args.seller)
    progress = _Progress("orders import", enabled=len(args.order_ids) > 1)
    sink = _inline(app, progress)
    try:
        for order_id in dict.fromkeys(args.order_ids):
            import_order(seller, app.amazon(seller), sink, order_id)
    finally:
        progress.close()
        _print_results(app, sink.results)
        if len(sink.results) > 1:
            print(f"{seller.id}: {summary(sink.outcomes)}")
    return 0 if all(h.outcome in DONE_OUTCOMES for h in sink.results) else 1


def cmd_orders_cancel(args: argparse.Namespace) -> int:
    """Cancel unshipped Amazon orders at Amazon (one order acknowledgement feed), as job cancel_orders."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.mapping.cancellations import check_cancel_reason
    from amazon_odoo.services.cancel_orders import JOB, CancelOutcome, cancel_at_amazon
    from amazon_odoo.services.jobs import JobContext, run_job

    app = compose()
    seller = _one_seller(app, args.seller)
    reason = check_cancel_reason(args.reason or seller.orders.cancel_reason)
    outcome = CancelOutcome()

    def body(ctx: JobContext) -> None:
        nonlocal outcome
        outcome = cancel_at_amazon(ctx, app.amazon(seller), app.feed_tracker, args.order_ids, reason)

    run = run_job(app.state, seller, JOB, body, trigger="manual")
    for order_id in outcome.already_cancelled:
        print(f"{order_id}: cancelled at Amazon already, nothing sent")
    for order_id in outcome.in_flight:
        print(f"{order_id}: a cancellation feed Amazon is still processing has it, nothing sent")
    for order_id, message in outcome.refused.items():
        print(f"{order_id}: not cancelled: {message}")
    if outcome.feed is not None:
        label = outcome.feed.feed_id or outcome.feed.submission_id
        print(
            f"cancellation ({reason}) sent in feed {label}: {', '.join(outcome.sent)} "
            f"(its result: amazon-odoo feeds show {label})"
        )
    if run.status.value not in {"succeeded", "partial"}:
        print(f"{seller.id} {JOB}: {run.status.value} {run.message}".rstrip(), file=sys.stderr)
        return 1
    return 0 if not outcome.refused else 1


def _print_retry(report: RetryReport) -> None:
    for parked in report.waiting:
        print(
            f"{parked.order_id}: still waiting for SKU{'s' if len(parked.missing_skus) > 1 else ''} "
            f"{', '.join(parked.missing_skus)} (seen {parked.attempts} time(s) since {_utc_time(parked.first_seen)})"
        )
    for order_id, message in report.errors.items():
        print(f"{order_id}: not read again: {message}")
    if report.deferred:
        print(f"left for later (Amazon or Odoo asked to wait): {', '.join(report.deferred)}")


def cmd_orders_retry(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.order_recovery import retry_parked_orders, summary

    app = compose()
    if args.order_ids:
        sellers = [_one_seller(app, args.seller)]
    else:
        sellers = [app.seller(args.seller)] if args.seller else app.state.list_sellers()
    progress = _Progress("orders retry")
    sink = _inline(app, progress)
    reports: list[RetryReport] = []
    try:
        for seller in sellers:
            reports.append(
                retry_parked_orders(
                    seller,
                    app.state,
                    lambda: app.odoo,
                    app.amazon(seller),
                    sink.delivery(seller.id),
                    order_ids=args.order_ids,
                    by_hand=True,
                )
            )
    finally:
        progress.close()
        _print_results(app, sink.results)
    for report in reports:
        _print_retry(report)
        still = len(app.state.list_parked_orders(report.seller_id))
        print(
            f"{report.seller_id}: {report.checked} parked order(s) checked; read again: "
            f"{summary(Counter(report.outcomes.values()))}; still parked: {still}"
        )
    ok = all(not r.errors and not r.deferred for r in reports)
    return 0 if ok and all(h.outcome in DONE_OUTCOMES | {"parked"} for h in sink.results) else 1


def cmd_orders_parked(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose

    app = compose()
    if args.seller:
        app.seller(args.seller)  # an unknown seller is an error, not an empty list
    parked = app.state.list_parked_orders(args.seller)
    if not parked:
        print("no parked orders" + (f" for seller {args.seller}" if args.seller else ""))
        return 0
    _print_table(
        [
            (
                p.seller_id,
                p.order_id,
                p.marketplace_id or "-",
                ", ".join(p.missing_skus) or "(none: see below)",
                _utc_time(p.first_seen),
                p.attempts,
            )
            for p in parked
        ],
        ["seller", "order", "marketplace", "missing SKUs", "since", "attempts"],
    )
    for p in parked:
        if not p.missing_skus:
            print(f"  {p.order_id}: held: {p.reason}")
    print(
        f"{len(parked)} parked order(s). Map the SKUs in Odoo (internal reference = SKU), then run "
        "'amazon-odoo orders retry' (the scheduled import also retries them)."
    )
    return 0


# ------------------------------------------------------------------ shipments out (issue 4)


def cmd_shipments(args: argparse.Namespace) -> int:
    """Shipment confirmations still open (refused, invalid, interrupted), or every one of an order."""
    from amazon_odoo.bootstrap import compose

    app = compose()
    sellers = [app.seller(args.seller).id] if args.seller else [s.id for s in app.state.list_sellers()]
    records = []
    for seller_id in sellers:
        if args.order:
            records += app.state.order_shipments(seller_id, args.order)
        else:
            records += app.state.open_shipments(seller_id)
    if not records:
        print("no shipment confirmation " + (f"for order {args.order}" if args.order else "is waiting"))
        return 0
    rows = []
    for r in records:
        tracking = ", ".join(p.tracking_number for p in r.packages if p.tracking_number) or "-"
        outcome = r.outcome.value if r.outcome else ""
        rows.append(
            [r.seller_id, r.order_id, r.picking_name or r.picking_id, r.status.value, outcome, len(r.packages),
             tracking, _utc_time(r.updated_at)]
        )  # fmt: skip
    _print_table(
        rows, ["seller", "order", "delivery", "status", "outcome", "packages", "tracking", "updated"]
    )
    for r in records:
        if r.message:
            print(f"{r.picking_name or r.picking_id}: {r.message}")
            if r.resolution:
                print(f"    what to do: {r.resolution}")
    return 0


# ------------------------------------------------------------------ settlements (issue 6)

SETTLEMENT_COLUMNS = ["seller", "report", "settlement", "marketplace", "period", "deposit", "total", "state"]
SETTLEMENT_COLUMNS += ["lines", "open", "statement"]


def cmd_settlements(args: argparse.Namespace) -> int:
    """Settlement reports with their state (new, downloaded, imported, reconciled, failed) and totals."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.domain.settlements import ReportState

    app = compose()
    sellers = [app.seller(args.seller).id] if args.seller else [s.id for s in app.state.list_sellers()]
    states = [ReportState(args.state)] if args.state else []
    records = [r for sid in sellers for r in app.state.list_settlements(sid, states, limit=args.limit)]
    if not records:
        print("no settlement reports" + (f" in state {args.state}" if args.state else " recorded yet"))
        return 0

    def day(moment: datetime | None) -> str:
        return moment.date().isoformat() if moment else "-"

    rows = [
        [r.seller_id, r.report_id, r.settlement_id or "-", r.marketplace_id or "-",
         f"{day(r.period_start)} - {day(r.period_end)}" if r.period_start else "-", day(r.deposit_date),
         f"{r.total} {r.currency}" if r.total is not None else "-", r.state.value, r.lines or "-",
         r.open_lines if r.lines else "-", r.statement_name or "-"]
        for r in records
    ]  # fmt: skip
    _print_table(rows, SETTLEMENT_COLUMNS)
    for r in records:
        if r.message:
            print(f"{r.label}: {r.message}")
    return 0


# ------------------------------------------------------------------ feeds (issue 5): history and per-item results

FEED_STATUS_FILTERS = ["SUBMITTING", "NOT_SUBMITTED", "IN_QUEUE", "IN_PROGRESS", "DONE", "FATAL", "CANCELLED"]
FEED_STATUS_FILTERS += ["UNCERTAIN", "PENDING"]
FEED_COLUMNS = ["feed", "seller", "type", "marketplaces", "job", "status", "created", "done", "items"]
FEED_COLUMNS += ["accepted", "warnings", "errors"]


def _feed_sellers(args: argparse.Namespace) -> list[str]:
    from amazon_odoo.bootstrap import compose

    app = compose()
    if args.seller:
        return [app.seller(args.seller).id]  # an unknown seller is an error, not an empty list
    return [s.id for s in app.state.list_sellers()]


def cmd_feeds(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.domain.feeds import FeedStatus

    app = compose()
    records = []
    for seller_id in _feed_sellers(args):
        if args.status == "PENDING":
            records += app.state.pending_feeds(seller_id)
        else:
            status = FeedStatus(args.status) if args.status else None
            records += app.state.list_feeds(seller_id, status, limit=args.limit)
    records.sort(key=lambda r: r.submission_id, reverse=True)
    records = records[: args.limit]
    if not records:
        print("no feeds" + (f" with status {args.status}" if args.status else "") + " in the history")
        return 0
    _print_table(
        [
            (
                r.label,
                r.seller_id,
                r.feed_type,
                ",".join(r.marketplace_ids),
                r.job,
                r.status.value,
                _utc_time(r.created_at),
                _utc_time(r.done_at) if r.done_at else "tracking",
                r.item_count,
                r.accepted if not r.pending else "-",
                r.warnings if not r.pending else "-",
                r.errors if not r.pending else "-",
            )
            for r in records
        ],
        FEED_COLUMNS,
    )
    return 0


DOCUMENT_COLUMNS = ["move", "seller", "document", "number", "order", "marketplace", "status", "feed"]
DOCUMENT_COLUMNS += ["attempts", "updated", "message"]


def cmd_documents(args: argparse.Namespace) -> int:
    """Invoices and credit notes sent to buyers (issue 8), newest Odoo move first."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.buyer_documents import list_documents

    records = list_documents(compose().state, _feed_sellers(args), limit=args.limit)
    if args.status:
        records = [r for r in records if r.status.value == args.status]
    if not records:
        print("no invoices or credit notes sent" + (f" with status {args.status}" if args.status else ""))
        return 0
    _print_table(
        [
            (
                r.move_id,
                r.seller_id,
                r.document_type.value,
                r.name,
                r.order_id,
                r.marketplace_id,
                r.status.value,
                r.feed_id or "-",
                r.attempts,
                _utc_time(r.updated_at),
                r.message[:80],
            )
            for r in records
        ],
        DOCUMENT_COLUMNS,
    )
    return 0


def cmd_feeds_show(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.feeds import feed_items, feed_results

    app = compose()
    found = [r for sid in _feed_sellers(args) if (r := app.state.get_feed(sid, args.feed_id)) is not None]
    if not found:
        raise ConfigError(
            f"no feed {args.feed_id} in the history",
            record=f"feed {args.feed_id}",
            resolution="list the feeds with 'amazon-odoo feeds' (Amazon's feed id, or the submission id)",
        )
    if len(found) > 1:
        raise ConfigError(
            f"feed {args.feed_id} exists for sellers {', '.join(r.seller_id for r in found)}",
            record=f"feed {args.feed_id}",
            resolution="add --seller",
        )
    record = found[0]
    print(f"feed {record.label} ({record.feed_type}) of seller {record.seller_id}, sent by {record.job}")
    print(f"  submission   {record.submission_id}")
    scope = f" (scope {record.scope})" if record.scope else ""
    print(f"  marketplaces {', '.join(record.marketplace_ids)}{scope}")
    print(f"  status       {record.status.value}" + ("" if record.pending else " (results stored)"))
    print(f"  created      {_utc_time(record.created_at)}   submitted {_utc_time(record.submitted_at)}")
    print(
        f"  processing   {_utc_time(record.processing_started_at)} -> {_utc_time(record.processing_ended_at)}"
        f"   done {_utc_time(record.done_at)}"
    )
    counts = "-" if record.pending else f"{record.accepted} accepted ({record.warnings} with warnings), "
    counts += "" if record.pending else f"{record.errors} refused"
    print(f"  items        {record.item_count}: {counts}")
    if record.message:
        print(f"  note         {record.message}")
    results = feed_results(app.documents, record)
    if results is None:
        rows = [(i.message_id, i.key, i.value, "pending", "", "") for i in feed_items(app.documents, record)]
    else:
        rows = [
            (i.message_id, i.key, i.value, i.outcome.value, i.code, "; ".join(x.message for x in i.issues))
            for i in results.items
            if not args.problems or i.outcome.value != "accepted"
        ]
        for issue in results.feed_issues:
            print(f"  feed issue   {issue.severity.value} {issue.text}")
    if rows:
        _print_table(rows, ["message", record.item_kind, "sent", "result", "code", "Amazon's message"])
    return 0


# ------------------------------------------------------------------ listings out (issue 5): bindings


def cmd_products_bind(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.export_listings import bind_sku

    app = compose()
    seller = _one_seller(app, args.seller)
    marketplace = args.marketplace or _only_marketplace(seller)
    binding = bind_sku(
        app.state, seller, marketplace, args.sku, args.odoo_ref or args.sku, product_type=args.product_type
    )
    print(
        f"{seller.id} {binding.marketplace_id}: SKU {binding.sku} -> Odoo internal reference {binding.odoo_ref} "
        f"(product type {binding.product_type})"
    )
    return 0


def cmd_products_import(args: argparse.Namespace) -> int:
    """The products CSV: the whole file is checked first; missing Odoo products are created, then bound."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.product_import import import_products

    app = compose()
    seller = _one_seller(app, args.seller)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        print(f"error: cannot read {path}: {reason}", file=sys.stderr)
        return 2
    odoo = app.odoo
    if odoo is None:
        raise ConfigError("no Odoo is configured", record="ODOO_URL", resolution="set ODOO_URL and ODOO_DB")
    found = import_products(app.state, odoo, seller, text, marketplace=args.marketplace, dry_run=args.dry_run)
    if found.problems:
        print(f"{path}: nothing imported, {len(found.problems)} problem(s):", file=sys.stderr)
        for problem in found.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    markets = Counter(b.marketplace_id for b in found.bindings)
    per = ", ".join(f"{m}: {n}" for m, n in sorted(markets.items())) or "none"
    made = ", ".join(found.created) or "none"
    if args.dry_run:
        print(f"{path}: dry run, nothing written")
        print(f"  would create {len(found.created)} Odoo product(s): {made}")
        print(f"  {len(found.existing)} internal reference(s) already in Odoo")
        print(f"  would bind {len(found.bindings)} SKU(s) of seller {seller.id} ({per})")
        return 0
    print(f"{path}: created {len(found.created)} Odoo product(s): {made}")
    print(f"  {len(found.existing)} internal reference(s) already in Odoo")
    print(f"  bound {len(found.bindings)} SKU(s) of seller {seller.id} ({per})")
    return 0


def cmd_products_sample_csv(args: argparse.Namespace) -> int:
    from amazon_odoo.domain.product_csv import SAMPLE_CSV

    if not args.file:
        sys.stdout.write(SAMPLE_CSV)
        return 0
    path = Path(args.file)
    if path.exists() and not args.force:
        print(f"error: {path} exists (--force replaces it)", file=sys.stderr)
        return 2
    path.write_text(SAMPLE_CSV, encoding="utf-8")
    print(f"{path}: sample products CSV written ({SAMPLE_CSV.count(chr(10)) - 1} rows)")
    return 0


def cmd_products_export_file(args: argparse.Namespace) -> int:
    """Odoo products not yet in Amazon's catalogue, for Seller Central's upload (category inventory file)."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.product_import import upload_file

    app = compose()
    seller = _one_seller(app, args.seller)
    odoo = app.odoo
    if odoo is None:
        raise ConfigError("no Odoo is configured", record="ODOO_URL", resolution="set ODOO_URL and ODOO_DB")
    target = Path(args.output) if args.output and args.output != "-" else None
    tab = target is not None and target.suffix.lower() in (".txt", ".tsv")
    made = upload_file(
        app.state, odoo, seller, args.marketplace, args.odoo_refs, delimiter="\t" if tab else ","
    )
    for note in made.notes:
        print(
            f"{'warning' if note.written else 'left out'}: {note.message} ({note.resolution})",
            file=sys.stderr,
        )
    if target is None:
        sys.stdout.write(made.text)
        return 0
    target.write_text(made.text, encoding="utf-8")
    left_out = sum(1 for n in made.notes if not n.written)
    kind = "tab-delimited" if tab else "CSV"
    print(f"{target}: {made.rows} SKU(s) written ({kind}), {left_out} left out")
    return 0


def cmd_products_list(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.export_listings import last_values

    app = compose()
    seller = _one_seller(app, args.seller)
    markets = [args.marketplace] if args.marketplace else [m.id for m in seller.marketplaces]
    rows: list[tuple[object, ...]] = []
    for marketplace in markets:
        seller.marketplace(marketplace)
        values = last_values(app.state, seller.id, marketplace)
        for b in app.state.list_bindings(seller.id, marketplace):
            if args.sku and b.sku != args.sku:
                continue
            stock, price = values.get(b.sku, ("", ""))
            rows.append(
                (
                    marketplace,
                    b.sku,
                    b.odoo_ref,
                    b.product_type,
                    b.source.value,
                    "yes" if b.active else "no",
                    stock.removeprefix("quantity ") or "-",
                    price.removeprefix("price ") or "-",
                    b.note,
                )
            )
    if not rows:
        print(f"no SKU bound for seller {seller.id}: 'amazon-odoo products bind' or 'products import'")
        return 0
    rows = rows[: args.limit] if args.limit else rows
    headers = ["marketplace", "sku", "odoo ref", "product type", "source", "exported"]
    _print_table(rows, [*headers, "last stock", "last price", "note"])
    return 0


# ------------------------------------------------------------------ products out (issue 7): export, update, issues


def cmd_products_export(args: argparse.Namespace) -> int:
    from amazon_odoo.services.export_products import EXPORT_PRODUCTS, OfferOutcome, export_offers
    from amazon_odoo.services.jobs import JobContext, run_job

    app = _app()
    seller = _one_seller(app, args.seller)
    odoo = app.odoo
    if odoo is None:
        raise ConfigError("no Odoo is configured", record="ODOO_URL", resolution="set ODOO_URL and ODOO_DB")
    marketplace = args.marketplace or _only_marketplace(seller)
    outcomes: list[OfferOutcome] = []

    def body(ctx: JobContext) -> None:
        outcomes.extend(
            export_offers(
                ctx,
                odoo,
                app.amazon(seller),
                args.odoo_refs,
                marketplace,
                sku=args.sku,
                asin=args.asin,
                title=args.title,
                description=args.description,
            )
        )

    run = run_job(app.state, seller, EXPORT_PRODUCTS, body, trigger="manual")
    for o in outcomes:
        line = f"{o.odoo_ref}: {o.status}"
        if o.status == "created":
            line += f" offer SKU {o.sku} on ASIN {o.asin} ({o.product_type}) in {marketplace}"
        if o.message:
            line += f": {o.message}"
        print(line)
        for issue in o.issues:
            print(f"  {issue.severity} {issue.text}")
    print(f"run {run.run_id}: {run.status.value} ({', '.join(f'{k} {v}' for k, v in run.counts.items())})")
    return 0 if outcomes and all(o.status == "created" for o in outcomes) else 1


def cmd_products_update(args: argparse.Namespace) -> int:
    from amazon_odoo.mapping.products import ContentChange, ContentError, parse_images
    from amazon_odoo.services.export_products import (
        UPDATE_PRODUCTS,
        UpdateOutcome,
        product_content_change,
        update_content,
    )
    from amazon_odoo.services.jobs import JobContext, run_job

    app = _app()
    seller = _one_seller(app, args.seller)
    marketplace = args.marketplace or _only_marketplace(seller)
    try:
        main_image, other_images = parse_images(args.image or [])
    except ContentError as error:
        raise ConfigError(
            str(error), record=f"option --{error.field}", resolution="--image main=URL"
        ) from None
    base = ContentChange(
        title=args.title,
        description=args.description,
        bullets=tuple(args.bullet or ()),
        search_terms=args.search_terms,
        main_image=main_image,
        other_images=other_images,
    )
    outcomes: list[UpdateOutcome] = []

    def body(ctx: JobContext) -> None:
        bound = app.state.get_bindings(seller.id, marketplace, args.skus)
        for sku in args.skus:
            change = base
            if args.from_odoo and sku in bound:
                odoo = app.odoo
                if odoo is None:
                    raise ConfigError("no Odoo is configured", record="ODOO_URL", resolution="set ODOO_URL")
                change = product_content_change(odoo, seller, bound[sku], base)
            try:
                outcomes.extend(update_content(ctx, app.amazon(seller), [sku], marketplace, change))
            except ContentError as error:
                ctx.log(
                    str(error),
                    level=LogLevel.ERROR,
                    record=f"sku {sku}",
                    resolution="correct the option and run the update again",
                )
                outcomes.append(UpdateOutcome(sku, "refused", str(error)))

    run = run_job(app.state, seller, UPDATE_PRODUCTS, body, trigger="manual")
    for o in outcomes:
        print(f"{o.sku}: {o.status}" + (f": {o.message}" if o.message else ""))
    print(f"run {run.run_id}: {run.status.value}")
    return 0 if outcomes and all(o.status == "updated" for o in outcomes) else 1


def cmd_products_issues(args: argparse.Namespace) -> int:
    from amazon_odoo.services.export_products import current_issues, refresh_issues

    app = _app()
    seller = _one_seller(app, args.seller)
    if args.refresh:
        markets = [args.marketplace] if args.marketplace else [m.id for m in seller.marketplaces]
        for marketplace in markets:
            skus = (
                [args.sku] if args.sku else [b.sku for b in app.state.list_bindings(seller.id, marketplace)]
            )
            read = refresh_issues(app.state, app.amazon(seller), seller, marketplace, skus)
            print(f"{marketplace}: issues of {read} SKU(s) read from Amazon")
    rows: list[tuple[object, ...]] = []
    for found in current_issues(app.state, seller.id, sku=args.sku):
        if args.marketplace and found.marketplace_id != args.marketplace:
            continue
        if not found.issues:
            if args.all:
                rows.append(
                    (found.marketplace_id, found.sku, _utc_time(found.at), found.source, "-", "", "none")
                )
            continue
        for issue in found.issues:
            rows.append(
                (
                    found.marketplace_id,
                    found.sku,
                    _utc_time(found.at),
                    found.source,
                    issue.get("severity", ""),
                    issue.get("code", ""),
                    issue.get("message", ""),
                )
            )
    if not rows:
        print(f"no listing issues known for seller {seller.id}" + (f" SKU {args.sku}" if args.sku else ""))
        return 0
    _print_table(rows, ["marketplace", "sku", "seen", "from", "severity", "code", "Amazon's message"])
    return 0


def _app() -> Container:
    from amazon_odoo.bootstrap import compose

    return compose()


def _only_marketplace(seller: SellerConfig) -> str:
    if len(seller.marketplaces) == 1:
        return seller.marketplaces[0].id
    known = ", ".join(m.id for m in seller.marketplaces)
    raise ConfigError("--marketplace is needed", record="option --marketplace", resolution=f"one of {known}")


def cmd_dlq_list(args: argparse.Namespace) -> int:
    """What failed for good: each dead-letter queue's count, then its messages (peeked, left in place)."""
    from amazon_odoo.bootstrap import compose

    dead = compose().dead_letters
    counts = dead.counts()
    if not counts:
        print("no dead-letter queues: set EVENTS_QUEUE_URL / WORK_QUEUE_URL (the stack's outputs)")
        return 0
    queues = {q.name: q for q in dead.queues()}
    _print_table(
        [(name, queues[name].source_name, count) for name, count in counts.items()],
        ["dead-letter queue", "source queue", "messages"],
    )
    letters = dead.peek(args.queue, limit=args.limit)
    if letters:
        print()
        _print_table(
            [
                (
                    x.queue,
                    x.message_id,
                    _utc_time(datetime.fromtimestamp(x.sent_at_ms / 1000, UTC)),
                    x.summary,
                )
                for x in letters
            ],
            ["queue", "message id", "sent", "message"],
        )
        print("retry them with: amazon-odoo dlq redrive [--queue QUEUE]")
    return 0


def cmd_dlq_redrive(args: argparse.Namespace) -> int:
    """Move dead letters back to their source queue (send first, delete after: none is lost)."""
    from amazon_odoo.bootstrap import compose

    results = compose().dead_letters.redrive(args.queue)
    for result in results:
        print(f"{result.queue}: {result.moved} message(s) moved back to {result.source}")
    if not results:
        print("no dead-letter queues: set EVENTS_QUEUE_URL / WORK_QUEUE_URL (the stack's outputs)")
    return 0


def cmd_schedules_fire(args: argparse.Namespace) -> int:
    """The local runner's scheduler: fire the due schedules (moto keeps them but never fires them)."""
    import time

    from amazon_odoo.bootstrap import compose
    from amazon_odoo.local.schedules import fire_due_schedules

    while True:
        now = datetime.now(UTC)
        fired = fire_due_schedules(compose(), now)
        for item in fired:
            print(f"{_utc_time(now)} fired {item.job} for {item.seller_id} ({item.function})")
        if not args.loop:
            if not fired:
                print("nothing due")
            return 0
        time.sleep(args.every)


def cmd_demo(args: argparse.Namespace) -> int:
    from amazon_odoo.local.demo import run_demo

    def report() -> None:
        print("$ amazon-odoo status")
        cmd_status(argparse.Namespace(seller=None))
        print("$ amazon-odoo log")
        cmd_log(argparse.Namespace(seller=None, job=None, level=None, limit=20))

    return run_demo(keep_running=args.keep_running, after=report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amazon-odoo", description=__doc__.splitlines()[0] if __doc__ else None
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "demo", help="start the embedded AWS, SP-API sandbox and Odoo, load a demo seller, run every job"
    )
    p.add_argument("--keep-running", action="store_true", help="keep the local stack up and fire schedules")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("run", help="run one job now (for one seller, or every seller)")
    p.add_argument("job", help="e.g. check-connections")
    p.add_argument("--seller", help="seller id from the sellers file (default: every seller)")
    p.add_argument(
        "--from",
        "--since",
        dest="since",
        metavar="WHEN",
        help="import-orders: orders created from WHEN (date or ISO date-time, UTC); ingested here, "
        "with a summary; the scheduled cursor is left alone. process-settlements: the reports Amazon made "
        "since WHEN (default: the last 30 days), failed ones tried again",
    )
    p.add_argument(
        "--to",
        dest="until",
        metavar="WHEN",
        help="import-orders: ... up to WHEN (a date includes that whole day; default: now)",
    )
    p.add_argument(
        "--queue", action="store_true", help="import-orders --from: hand the orders to the work queue instead"
    )
    p.add_argument(
        "--marketplace",
        metavar="ID",
        help="sync-products: one marketplace of the seller only (id, or country code like US)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("invoke", help="invoke a Lambda handler in-process, like 'sam local invoke'")
    p.add_argument("function", help="folder name under functions/, e.g. amazon_events")
    p.add_argument(
        "--event", required=True, help="event JSON file, e.g. infrastructure/events/order_change.json"
    )
    p.set_defaults(func=cmd_invoke)

    sellers = sub.add_parser("sellers", help="the sellers file").add_subparsers(
        dest="sellers_command", required=True
    )
    p = sellers.add_parser(
        "load", help="validate a sellers file and store it (config in DynamoDB, secrets in Secrets Manager)"
    )
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate and check secrets only; store nothing")
    p.set_defaults(func=cmd_sellers_load)
    p = sellers.add_parser("list", help="sellers stored")
    p.set_defaults(func=cmd_sellers_list)
    p = sellers.add_parser("show", help="one seller's stored settings (secrets as references)")
    p.add_argument("seller")
    p.set_defaults(func=cmd_sellers_show)
    from amazon_odoo.cli_setup import add_commands, add_seller_commands  # issue 9: onboarding, doctor

    add_seller_commands(sellers)

    orders = sub.add_parser("orders", help="orders by hand: parked orders, retry, import").add_subparsers(
        dest="orders_command", required=True
    )
    p = orders.add_parser("parked", help="orders held back because a SKU matches no Odoo product")
    p.add_argument("--seller")
    p.set_defaults(func=cmd_orders_parked)
    p = orders.add_parser(
        "retry",
        help="read parked orders again from Amazon and import them when their SKUs are mapped now "
        "(named orders: whatever the SKU check says)",
    )
    p.add_argument("order_ids", nargs="*", metavar="AMAZON_ORDER_ID")
    p.add_argument("--seller")
    p.set_defaults(func=cmd_orders_retry)
    p = orders.add_parser("import", help="read orders from Amazon (getOrder) and import them into Odoo now")
    p.add_argument("order_ids", nargs="+", metavar="AMAZON_ORDER_ID")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.set_defaults(func=cmd_orders_import)
    p = orders.add_parser(
        "cancel",
        help="cancel unshipped Amazon orders at Amazon (order acknowledgement feed with a cancel reason)",
    )
    p.add_argument("order_ids", nargs="+", metavar="AMAZON_ORDER_ID")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument(
        "--reason",
        metavar="CODE",
        help="Amazon's CancelReason, e.g. NoInventory, BuyerCanceled (default: "
        "the seller's orders.cancel_reason)",
    )
    p.set_defaults(func=cmd_orders_cancel)
    p = orders.add_parser(
        "refund",
        help="refund an Amazon order at Amazon (payment adjustment feed); all that is left when no --line "
        "or --shipping is given; return picking and credit note per the seller's returns options",
    )
    p.add_argument("order_id", metavar="AMAZON_ORDER_ID")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument(
        "--line",
        action="append",
        metavar="SKU=QTY|SKU=AMOUNT",
        help="units (their price and tax) or an amount with a decimal point (price only); repeatable",
    )
    p.add_argument("--shipping", metavar="AMOUNT", help="shipping to refund (its tax share added)")
    p.add_argument(
        "--reason",
        metavar="CODE",
        help="Amazon's AdjustmentReason, e.g. CustomerReturn, NoInventory (default: the seller's "
        "returns.default_reason)",
    )
    p.add_argument("--refund-id", help="the refund's own id (default: one derived from the request)")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent; send and store nothing")
    p.set_defaults(func=cmd_orders_refund)
    p = orders.add_parser("refunds", help="the refunds the connector sent for an Amazon order")
    p.add_argument("order_id", metavar="AMAZON_ORDER_ID")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.set_defaults(func=cmd_orders_refunds)

    feeds = sub.add_parser("feeds", help="feeds sent to Amazon, newest first; 'feeds show FEED_ID' per item")
    feeds.add_argument("--seller")
    feeds.add_argument("--status", type=str.upper, choices=FEED_STATUS_FILTERS, help="e.g. fatal, pending")
    feeds.add_argument("--limit", type=int, default=50)
    feeds.set_defaults(func=cmd_feeds)
    feeds_sub = feeds.add_subparsers(dest="feeds_command")
    p = feeds_sub.add_parser("show", help="one feed: what it carried and Amazon's result for each item")
    p.add_argument("feed_id", metavar="FEED_ID", help="Amazon's feed id (or the submission id)")
    p.add_argument("--seller")
    p.add_argument("--problems", action="store_true", help="only the items refused or accepted with warnings")
    p.set_defaults(func=cmd_feeds_show)

    p = sub.add_parser("documents", help="invoices and credit notes sent to buyers (newest Odoo move first)")
    p.add_argument("--seller")
    p.add_argument(
        "--status",
        type=str.upper,
        choices=["SKIPPED", "NOT_RENDERED", "SUBMITTING", "SUBMITTED", "SENT", "FAILED", "UNCERTAIN"],
    )
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser(
        "shipments", help="shipment confirmations still open (refused, invalid, interrupted), or an order's"
    )
    p.add_argument("--seller")
    p.add_argument("--order", metavar="AMAZON_ORDER_ID", help="every confirmation of this order")
    p.set_defaults(func=cmd_shipments)

    p = sub.add_parser(
        "settlements",
        help="settlement reports: state (new, downloaded, imported, reconciled, failed), totals",
    )
    p.add_argument("--seller")
    p.add_argument("--state", choices=["new", "downloaded", "imported", "reconciled", "failed"])
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_settlements)

    products = sub.add_parser(  # listings out (issue 5)
        "products", help="which Odoo product each SKU of each marketplace is (bindings)"
    ).add_subparsers(dest="products_command", required=True)
    p = products.add_parser("bind", help="bind a SKU to the Odoo product with an internal reference")
    p.add_argument("sku", metavar="SKU")
    p.add_argument(
        "odoo_ref", metavar="ODOO_REF", nargs="?", help="Odoo internal reference (default: the SKU)"
    )
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace", help="marketplace id (needed when the seller has several)")
    p.add_argument("--product-type", help="Amazon product type (default: PRODUCT)")
    p.set_defaults(func=cmd_products_bind)
    p = products.add_parser(
        "import",
        help="products from a CSV file (Internal Reference, Seller SKU, ASIN, Product Title, Fulfillment By, "
        "Marketplace): missing Odoo products are created, every SKU is bound; the whole file is checked first",
    )
    p.add_argument("file")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument(
        "--marketplace", help="id or name, for rows without one (default: every marketplace of the seller)"
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file, say what would be created and bound; write nothing",
    )
    p.set_defaults(func=cmd_products_import)
    p = products.add_parser("sample-csv", help="write a sample products CSV (to stdout without FILE)")
    p.add_argument("file", nargs="?")
    p.add_argument("--force", action="store_true", help="replace FILE when it exists")
    p.set_defaults(func=cmd_products_sample_csv)
    p = products.add_parser(
        "export-file",
        help="Odoo products not yet in Amazon's catalogue (bound SKUs without ASIN, or ODOO_REFs) as a file "
        "for Seller Central's upload (columns of the category inventory files)",
    )
    p.add_argument(
        "odoo_refs", metavar="ODOO_REF", nargs="*", help="internal references (default: SKUs without ASIN)"
    )
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace", required=True, help="marketplace id or name (Amazon.de)")
    p.add_argument("-o", "--output", help="FILE (.txt/.tsv: tab-delimited, else CSV; default: stdout)")
    p.set_defaults(func=cmd_products_export_file)
    p = products.add_parser("list", help="bound SKUs with the last stock and price Amazon accepted")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace")
    p.add_argument("--sku")
    p.add_argument("--limit", type=int, default=0, help="at most this many rows (0: all)")
    p.set_defaults(func=cmd_products_list)
    p = products.add_parser(  # products out (issue 7)
        "export",
        help="Odoo products (by internal reference) as offers on existing Amazon catalogue items "
        "(found by --asin or the product's barcode as EAN/UPC); checked with Amazon's validation preview",
    )
    p.add_argument("odoo_refs", metavar="ODOO_REF", nargs="+")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace", help="marketplace id (needed when the seller has several)")
    p.add_argument("--sku", help="the seller SKU (one product only; default: the internal reference)")
    p.add_argument("--asin", help="the catalogue item's ASIN (one product only; default: by barcode)")
    p.add_argument("--title", help="default: the Odoo product's name")
    p.add_argument("--description", help="default: the Odoo product's sales description")
    p.set_defaults(func=cmd_products_export)
    p = products.add_parser(
        "update", help="change title, description, bullet points, search terms, images of bound SKUs"
    )
    p.add_argument("skus", metavar="SKU", nargs="+")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace", help="marketplace id (needed when the seller has several)")
    p.add_argument("--title")
    p.add_argument("--description")
    p.add_argument("--bullet", action="append", help="a bullet point (repeat for each, at most 10)")
    p.add_argument("--search-terms", help="search terms (generic_keyword)")
    p.add_argument(
        "--image", action="append", metavar="main=URL|other=URL", help="main image, or other images in order"
    )
    p.add_argument(
        "--from-odoo", action="store_true", help="title and description from the bound Odoo product"
    )
    p.set_defaults(func=cmd_products_update)
    p = products.add_parser("issues", help="the issues Amazon reports for SKUs (newest per SKU)")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--marketplace")
    p.add_argument("--sku")
    p.add_argument("--refresh", action="store_true", help="read them from Amazon first (getListingsItem)")
    p.add_argument("--all", action="store_true", help="also SKUs whose issues are resolved")
    p.set_defaults(func=cmd_products_issues)

    dlq = sub.add_parser("dlq", help="dead letters: what failed for good").add_subparsers(
        dest="dlq_command", required=True
    )
    p = dlq.add_parser("list", help="each dead-letter queue's messages (peeked: none is removed)")
    p.add_argument("--queue", help="a dead-letter or source queue name (default: all)")
    p.add_argument("--limit", type=int, default=50, help="at most this many messages per queue")
    p.set_defaults(func=cmd_dlq_list)
    p = dlq.add_parser("redrive", help="move dead letters back to their source queue to be retried")
    p.add_argument("--queue", help="a dead-letter or source queue name (default: all)")
    p.set_defaults(func=cmd_dlq_redrive)

    schedules = sub.add_parser("schedules", help="per-seller schedules, locally").add_subparsers(
        dest="schedules_command", required=True
    )
    p = schedules.add_parser("fire", help="local runner: fire the due schedules through their handlers")
    p.add_argument("--loop", action="store_true", help="keep firing (Ctrl-C stops)")
    p.add_argument("--every", type=float, default=30.0, help="seconds between rounds with --loop")
    p.set_defaults(func=cmd_schedules_fire)

    p = sub.add_parser("status", help="each seller's jobs: schedule, last run, result, next run")
    p.add_argument("--seller")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("log", help="the log book, newest first")
    p.add_argument("--seller")
    p.add_argument("--job")
    p.add_argument("--level", choices=[level.value for level in LogLevel])
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_log)
    add_commands(sub)  # issue 9: notifications subscribe|status, doctor
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from amazon_odoo.observability import set_publishing

    args = build_parser().parse_args(argv)
    publishing = set_publishing(False)  # per-seller metric blobs are for CloudWatch, not this terminal
    try:
        result: Any = args.func(args)
    except ConnectorError as error:
        print(f"error: {_denied(error) or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # an AWS call outside the adapters' classification: say a denial plainly
        denied = _denied(error)
        if denied is None:
            raise
        print(f"error: {denied}", file=sys.stderr)
        return 2
    finally:
        set_publishing(publishing)
    return int(result)


def _denied(error: BaseException) -> ConnectorError | None:
    """An AWS access denial as the permission the caller's role lacks (issue 9: manager/operator)."""
    from amazon_odoo.adapters.aws.access import access_denial

    denial = access_denial(error)
    return denial.error() if denial is not None else None


if __name__ == "__main__":
    raise SystemExit(main())
