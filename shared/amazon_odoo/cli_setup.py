"""Commands of ``amazon-odoo`` for setting a seller up (issue 9): ``sellers marketplaces``,
``sellers add-marketplace``, ``notifications subscribe|status`` and ``doctor``. ``cli.build_parser`` adds
them with :func:`add_seller_commands` and :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from amazon_odoo.domain.errors import ConfigError, ConnectorError

if TYPE_CHECKING:
    from amazon_odoo.bootstrap import Container
    from amazon_odoo.config import MarketplaceConfig, SellerConfig
    from amazon_odoo.domain.onboarding import Check
    from amazon_odoo.services.subscriptions import SubscribeReport


def _table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    from amazon_odoo.cli import _print_table

    _print_table(rows, headers)


def _seller(app: Container, seller_id: str | None) -> SellerConfig:
    from amazon_odoo.cli import _one_seller

    return _one_seller(app, seller_id)


# ------------------------------------------------------------------------------------------------ sellers


def cmd_sellers_marketplaces(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.onboarding import seller_marketplaces

    app = compose()
    seller = _seller(app, args.seller)
    rows = seller_marketplaces(seller, app.amazon(seller))
    _table(
        [
            (
                r.participation.marketplace_id,
                r.participation.name,
                r.participation.country_code,
                r.participation.default_currency_code,
                r.participation.default_language_code,
                "yes" if r.participation.is_participating else "no",
                "yes" if r.participation.has_suspended_listings else "no",
                r.status,
            )
            for r in rows
        ],
        ["marketplace", "name", "country", "currency", "language", "participating", "suspended", "status"],
    )
    available = [r.participation.marketplace_id for r in rows if r.status == "available"]
    if available:
        print(f"add with: amazon-odoo sellers add-marketplace --seller {seller.id} {' '.join(available)}")
    return 0


def marketplace_entry(config: MarketplaceConfig) -> dict[str, Any]:
    """The sellers-file entry of a marketplace: its id and every setting that is not the default."""
    data = config.model_dump(mode="json", exclude_defaults=True)
    return {"id": config.id, **{k: v for k, v in data.items() if k != "id"}}


def yaml_block(entries: Sequence[dict[str, Any]]) -> str:
    import yaml

    return str(yaml.safe_dump(list(entries), sort_keys=False, default_flow_style=False, allow_unicode=True))


_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


def _item_end(lines: Sequence[str], first: int, column: int) -> int:
    """The last line (not blank, not a comment) of the block that starts at line ``first`` and whose
    lines are indented deeper than ``column``."""
    end = first
    for index in range(first + 1, len(lines)):
        line = lines[index]
        if _COMMENT_OR_BLANK.match(line):
            continue
        if len(line) - len(line.lstrip(" ")) <= column:
            break
        end = index
    return end


def _indented(text: str, column: int) -> str:
    return "".join(" " * column + row + "\n" for row in text.splitlines())


def add_to_sellers_file(text: str, seller_id: str, entries: Sequence[dict[str, Any]]) -> str:
    """``text`` with ``entries`` in the seller's ``marketplaces`` list, comments and layout kept (line edits
    at the positions YAML reports): a marketplace the list has already gets the keys it lacks, the others
    are appended. The result is checked by reading it back; ConfigError when the file has a shape this
    cannot edit (then nothing is written)."""
    import yaml

    where = f"sellers file: seller {seller_id}"
    refused = ConfigError(
        "the seller's marketplaces in the sellers file are not a block list this command can extend",
        record=where,
        resolution="add the block printed above under the seller's marketplaces by hand",
    )
    root = yaml.compose(text)
    sequence = _marketplaces_node(root, seller_id)
    if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style or not sequence.value:
        raise refused
    before = yaml.safe_load(text)
    seller_before = next(s for s in before["sellers"] if s.get("id") == seller_id)
    listed: list[dict[str, Any]] = list(seller_before["marketplaces"])
    expected = [dict(m) for m in listed]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    inserts: list[tuple[int, str]] = []  # (insert after this line, text)
    dash_column = sequence.start_mark.column
    for entry in entries:
        position = next((i for i, m in enumerate(listed) if m.get("id") == entry["id"]), None)
        if position is None:
            expected.append(dict(entry))
            last = sequence.value[-1]
            inserts.append(
                (
                    _item_end(lines, last.start_mark.line, dash_column),
                    _indented(yaml_block([entry]), dash_column),
                )
            )
            continue
        node = sequence.value[position]
        missing = {k: v for k, v in entry.items() if k not in listed[position]}
        if not missing:
            continue
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise refused
        expected[position].update(missing)
        column = node.start_mark.column
        body = str(yaml.safe_dump(missing, sort_keys=False, default_flow_style=False, allow_unicode=True))
        inserts.append((_item_end(lines, node.start_mark.line, dash_column), _indented(body, column)))
    if not inserts:
        return text
    # bottom up; at one line the later insert first, so the blocks keep their order (keys, then new items)
    ordered = sorted(((line, n, block) for n, (line, block) in enumerate(inserts)), reverse=True)
    for line, _, block in ordered:
        lines.insert(line + 1, block)
    result = "".join(lines)
    after = yaml.safe_load(result)
    seller_after = next(s for s in after["sellers"] if s.get("id") == seller_id)
    others_same = [s for s in after["sellers"] if s.get("id") != seller_id] == [
        s for s in before["sellers"] if s.get("id") != seller_id
    ]
    if seller_after != {**seller_before, "marketplaces": expected} or not others_same:
        raise ConfigError(
            "the sellers file could not be edited safely; it was left unchanged",
            record=where,
            resolution="add the block printed above under the seller's marketplaces by hand",
        )
    return result


def _marketplaces_node(root: Any, seller_id: str) -> Any:
    import yaml

    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value != "sellers" or not isinstance(value, yaml.SequenceNode):
            continue
        for seller in value.value:
            if not isinstance(seller, yaml.MappingNode):
                continue
            fields = {k.value: v for k, v in seller.value}
            node_id = fields.get("id")
            if node_id is not None and node_id.value == seller_id:
                return fields.get("marketplaces")
    return None


def cmd_sellers_add_marketplace(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.onboarding import add_marketplaces

    app = compose()
    seller = _seller(app, args.seller)
    path = Path(args.file) if args.file else None
    if path is not None and not path.is_file():
        raise ConfigError(
            f"{path} does not exist", record="option --file", resolution="name the sellers file"
        )
    report = add_marketplaces(
        seller, args.marketplace_ids, amazon=app.amazon(seller), odoo=app.odoo_setup, state=app.state
    )
    for setup in report.marketplaces:
        mp = setup.config
        print(f"{seller.id} {mp.id} ({mp.country}, {mp.currency}):")
        for record in setup.records:
            print(f"  {record.describe()}")
        for note in setup.notes:
            print(f"  note: {note}")
        if not setup.created:
            print("  nothing to create in Odoo")
    verb = "stored" if report.stored else "already stored, unchanged"
    print(
        f"seller {seller.id}: configuration {verb}; marketplaces {', '.join(m.id for m in report.seller.marketplaces)}"
    )
    entries = [marketplace_entry(s.config) for s in report.marketplaces]
    block = yaml_block(entries)
    if path is None:
        print(
            f"add to the seller's marketplaces in the sellers file (it is the source of truth):\n{block}",
            end="",
        )
        return 0
    text = path.read_text(encoding="utf-8")
    try:
        updated = add_to_sellers_file(text, seller.id, entries)
    except ConfigError:
        print(f"add to the seller's marketplaces in {path}:\n{block}", end="")
        raise
    if updated == text:
        print(f"{path}: the seller's marketplaces list these already; file unchanged")
    else:
        path.write_text(updated, encoding="utf-8")
        print(f"{path}: added under seller {seller.id}'s marketplaces:\n{block}", end="")
    return 0


# ------------------------------------------------------------------------------------------------ notifications


def _print_subscriptions(seller: SellerConfig, report: SubscribeReport) -> None:
    for kind, destination in report.destinations.items():
        verb = "created" if kind in report.destinations_created else "exists"
        print(
            f"destination {destination.name} ({kind.value} {destination.target}): {verb}, id {destination.destination_id}"
        )
    _table(
        [
            (seller.id, s.wanted.notification_type, s.wanted.kind.value, s.describe())
            for s in report.subscriptions
        ],
        ["seller", "notification", "delivered to", "subscription"],
    )


def cmd_notifications_subscribe(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.subscriptions import subscribe

    app = compose()
    seller = _seller(app, args.seller)
    arn = app.stack_resources.events_queue_arn()
    report = subscribe(app.notifications_api(seller), arn)
    _print_subscriptions(seller, report)
    return 0 if all(s.ok for s in report.subscriptions) else 1


def cmd_notifications_status(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.services.subscriptions import subscription_status

    app = compose()
    sellers = [app.seller(args.seller)] if args.seller else app.state.list_sellers()
    if not sellers:
        print("no sellers loaded: run 'amazon-odoo sellers load FILE'")
        return 0
    try:
        arn: str | None = app.stack_resources.events_queue_arn()
    except ConnectorError as error:
        print(f"note: {error.message}: any destination counts", file=sys.stderr)
        arn = None
    ok = True
    for seller in sellers:
        report = subscription_status(app.notifications_api(seller), arn)
        _print_subscriptions(seller, report)
        ok = ok and all(s.ok for s in report.subscriptions)
    return 0 if ok else 1


# ------------------------------------------------------------------------------------------------ doctor


def _print_checks(checks: Sequence[Check]) -> None:
    for check in checks:
        print(f"{check.verdict.value:4}  {check.area:13} {check.name}: {check.detail}".rstrip(": "))
        if check.fix and check.verdict.value != "OK":
            print(f"      fix: {check.fix}")


def cmd_doctor(args: argparse.Namespace) -> int:
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.domain.onboarding import Verdict
    from amazon_odoo.services.doctor import check_aws, exit_code, run_doctor

    app = compose()
    resources = app.stack_resources
    odoo = app.odoo_setup
    sellers = [app.seller(args.seller)] if args.seller else app.state.list_sellers()
    checks: list[Check] = []
    if not sellers:
        checks = check_aws(None, resources)
        _print_checks(checks)
        print("no sellers loaded: run 'amazon-odoo sellers load FILE'")
    for n, seller in enumerate(sellers):
        print(f"seller {seller.id}:")
        found = run_doctor(
            seller,
            amazon=app.amazon(seller),
            notifications=app.notifications_api(seller),
            odoo=odoo,
            resources=resources,
        )
        if n > 0:  # the stack's own checks once
            found = [c for c in found if c.area != "aws" or c.name.startswith("secret ")]
        _print_checks(found)
        checks += found
    counts = {v: sum(1 for c in checks if c.verdict is v) for v in Verdict}
    print(", ".join(f"{n} {v.value}" for v, n in counts.items()))
    return exit_code(checks)


# ------------------------------------------------------------------------------------------------ parsers


def add_seller_commands(sellers: Any) -> None:
    """``sellers marketplaces`` and ``sellers add-marketplace`` (``sellers`` is the sub-parsers action)."""
    p = sellers.add_parser(
        "marketplaces", help="the seller's marketplaces at Amazon (getMarketplaceParticipations)"
    )
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.set_defaults(func=cmd_sellers_marketplaces)
    p = sellers.add_parser(
        "add-marketplace",
        help="integrate marketplaces: pricelist, sales team, language, warehouse and settlement journal made in "
        "Odoo where missing; the stored configuration updated",
    )
    p.add_argument("marketplace_ids", nargs="+", metavar="MARKETPLACE_ID")
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.add_argument("--file", help="the sellers file: add the marketplaces to it too (comments kept)")
    p.set_defaults(func=cmd_sellers_add_marketplace)


def add_commands(sub: Any) -> None:
    """``notifications subscribe|status`` and ``doctor`` (``sub`` is the top-level sub-parsers action)."""
    notifications = sub.add_parser(
        "notifications", help="Amazon's notification destinations and the sellers' subscriptions"
    ).add_subparsers(dest="notifications_command", required=True)
    p = notifications.add_parser(
        "subscribe",
        help="create (idempotently) the SQS and EventBridge destinations and the seller's subscriptions",
    )
    p.add_argument("--seller", help="needed when more than one seller is loaded")
    p.set_defaults(func=cmd_notifications_subscribe)
    p = notifications.add_parser("status", help="what each seller is subscribed to")
    p.add_argument("--seller")
    p.set_defaults(func=cmd_notifications_status)

    p = sub.add_parser(
        "doctor",
        help="check credentials, authorisation age, subscriptions, Odoo rights and AWS resources "
        "(exit 1 when a check fails)",
    )
    p.add_argument("--seller", help="default: every seller")
    p.set_defaults(func=cmd_doctor)
