"""The ``amazon-odoo`` command: demo, run JOB, invoke FUNCTION, sellers, status, log.

Every command works against the configured endpoints (``AWS_ENDPOINT_URL``, ``SP_API_ENDPOINT``,
``ODOO_URL``…); ``demo`` starts the embedded ones first. Errors print one line naming the record, the
field and what to do, and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from amazon_odoo.domain.errors import ConnectorError
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.domain.state import LogLevel


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
    return 0


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
    runs = compose().run_job(JobRequest(job=job, seller_id=args.seller, trigger="manual"))
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
            rows.append(
                (
                    seller.id,
                    job,
                    "on" if schedule.enabled else "off",
                    schedule.every,
                    _utc_time(started),
                    result,
                    next_run,
                )
            )
    _print_table(rows, ["seller", "job", "schedule", "every", "last run", "result", "next run"])
    return 0


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

    p = sub.add_parser("status", help="each seller's jobs: schedule, last run, result, next run")
    p.add_argument("--seller")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("log", help="the log book, newest first")
    p.add_argument("--seller")
    p.add_argument("--job")
    p.add_argument("--level", choices=[level.value for level in LogLevel])
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_log)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: Any = args.func(args)
    except ConnectorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(result)


if __name__ == "__main__":
    raise SystemExit(main())
