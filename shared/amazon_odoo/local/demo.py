"""``amazon-odoo demo``: the whole connector on one machine, no Docker, no cloud, no accounts.

Starts moto server (AWS), the SP-API sandbox (Amazon) and the Odoo double (or uses ``ODOO_URL``),
loads the demo seller from ``infrastructure/sellers.example.yaml`` the way a seller would, runs every
job that exists once through its Lambda handler, delivers sample notifications (one of them twice)
through the events function as Lambda's SQS trigger would, and prints what happened.
"""

from __future__ import annotations

import json
import shlex
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from amazon_odoo.local.aws import FAKE_CREDENTIALS
from amazon_odoo.local.invoke import invoke, project_root
from amazon_odoo.local.stack import LocalStack, drain_queue, local_stack, scheduled_event
from amazon_odoo.settings import apply_environment

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "default.json"
SELLERS_FILE = "infrastructure/sellers.example.yaml"
EVENTS_FILE = "infrastructure/events/order_change.json"

Say = Callable[[str], None]


def _demo_credentials(stack: LocalStack, seller_id: str) -> None:
    """What a seller does before loading the file: LWA app credentials in the shell, the refresh token in
    Secrets Manager (the example file references both ways)."""
    scenario: dict[str, Any] = json.loads(SCENARIO.read_text(encoding="utf-8"))
    app = scenario["application"]
    apply_environment({"LWA_CLIENT_ID": app["client_id"], "LWA_CLIENT_SECRET": app["client_secret"]})
    from amazon_odoo.bootstrap import compose

    compose.cache_clear()
    token = next(
        s["refresh_token"] for s in scenario["sellers"] if s["selling_partner_id"] == "A3MUGSUS8ACCPT"
    )
    compose().secrets.put_secret(f"amazon-odoo/{seller_id}/refresh-token", token)


def load_demo_sellers(stack: LocalStack, say: Say) -> list[str]:
    from amazon_odoo.bootstrap import compose

    raw = yaml.safe_load((project_root() / SELLERS_FILE).read_text(encoding="utf-8"))
    seller_ids = [s["id"] for s in raw["sellers"]]
    for seller_id in seller_ids:
        _demo_credentials(stack, seller_id)
    report = compose().load_sellers(raw)
    say(f"$ amazon-odoo sellers load {SELLERS_FILE}")
    say(
        f"  stored {len(report.stored)} seller(s): {', '.join(report.stored)}; "
        f"secrets written: {', '.join(report.secrets_written) or '-'}"
    )
    schedules = compose().apply_schedules()
    if schedules is not None:
        made = ", ".join(f"{s.name} {s.expression}" for s in schedules.plan.create) or "none new"
        say(f"  schedules in {compose().settings.schedule_group}: {made}")
    return seller_ids


DEMO_SKUS = {
    "MUG-BLUE-12": "Stoneware Mug 12 oz, Blue",
    "MUG-RED-12": "Stoneware Mug 12 oz, Red",
    "COASTER-SET-4": "Cork Coaster Set of 4",
    "TEAPOT-WHITE": "Porcelain Teapot 1 L, White",
}


def seed_demo_odoo(say: Say) -> None:
    """The Odoo double gets what a seller's Odoo already has: the catalogue (by internal reference), and
    the pricelist and sales team the example sellers file names. A real Odoo (ODOO_URL) is never seeded."""
    from amazon_odoo.bootstrap import compose

    odoo = compose().odoo
    if odoo is None:
        return
    known = {p["default_code"] for p in odoo.search_read("product.product", [], ["default_code"])}
    new = [sku for sku in DEMO_SKUS if sku not in known]
    ids = odoo.create(
        "product.product",
        [
            {"name": DEMO_SKUS[sku], "default_code": sku, "detailed_type": "product", "list_price": 10.0}
            for sku in new
        ],
    )
    [warehouse] = odoo.search_read("stock.warehouse", [("code", "=", "WH")], ["lot_stock_id"])
    odoo.create(  # some stock on hand, so the stock export has something to say
        "stock.quant",
        [
            {
                "product_id": product,
                "location_id": warehouse["lot_stock_id"][0],
                "inventory_quantity_auto_apply": 12 + 6 * n,
            }
            for n, product in enumerate(ids)
        ],
        context={"inventory_mode": True},
    )
    usd = odoo.search_read("res.currency", [("name", "=", "USD")], ["id"])[0]["id"]
    odoo.create("product.pricelist", [{"name": "Amazon.com (USD)", "currency_id": usd}])
    odoo.create("crm.team", [{"name": "Amazon US"}])
    # the integration user's groups the README lists (settlements need "Show Full Accounting Features")
    [group] = odoo.search_read(
        "ir.model.data", [("module", "=", "account"), ("name", "=", "group_account_user")], ["res_id"]
    )
    odoo.write("res.users", [odoo.uid], {"groups_id": [(4, int(group["res_id"]))]})
    odoo.create(  # the fee accounts the example file maps Amazon's fees to
        "account.account",
        [
            {"code": "600100", "name": "Amazon Commissions", "account_type": "expense"},
            {"code": "600200", "name": "Amazon Subscription Fees", "account_type": "expense"},
        ],
    )
    say(
        f"  Odoo double seeded: {len(DEMO_SKUS)} storable products by SKU with stock, pricelist 'Amazon.com (USD)', "
        "team 'Amazon US', "
        "fee accounts 600100 and 600200"
    )


def drain_work(stack: LocalStack, say: Say) -> None:
    totals = drain_queue(stack, stack.settings.work_queue_url or "", "ingest_order")
    say(f"  ingest_order: {totals['delivered']} work item(s) done, {totals['failed']} left for redelivery")


def show_sale_orders(say: Say) -> None:
    from amazon_odoo.bootstrap import compose

    odoo = compose().odoo
    if odoo is None:
        return
    orders = odoo.search_read(
        "sale.order",
        [("client_order_ref", "!=", False)],
        ["name", "client_order_ref", "state", "amount_total"],
    )
    say(f"Odoo now holds {len(orders)} Amazon sale order(s):")
    for o in orders:
        say(f"  {o['name']:10} {o['client_order_ref']:20} {o['state']:8} {o['amount_total']:>10.2f}")


def run_every_job(stack: LocalStack, say: Say) -> None:
    from amazon_odoo.bootstrap import JOBS

    for job in sorted(JOBS):
        say(f"$ amazon-odoo invoke {job}   (its schedule's event)")
        result = invoke(job, scheduled_event(job))
        if not result["runs"]:
            say(
                "  no seller has it switched on (sellers file: its schedule, and its option where it has one)"
            )
        for run in result["runs"]:
            counts = ", ".join(f"{k}={v}" for k, v in sorted(run["counts"].items()))
            say(f"  {run['seller_id']}: {run['status']} ({counts}) {run['message']}".rstrip())


def deliver_sample_notifications(stack: LocalStack, say: Say) -> None:
    event = json.loads((project_root() / EVENTS_FILE).read_text(encoding="utf-8"))
    bodies = [record["body"] for record in event["Records"]]
    for body in [*bodies, bodies[0]]:  # the first one twice: Amazon delivers at least once
        stack.send_notification(body)
    say(f"sent {len(bodies) + 1} notifications to the events queue ({len(bodies)} distinct, one duplicate)")
    totals = drain_queue(stack, stack.settings.events_queue_url or "", "amazon_events")
    say(f"  amazon_events: {totals['delivered']} delivered, {totals['failed']} left for redelivery")
    drain_work(stack, say)


def serve(stack: LocalStack, say: Say, *, poll_seconds: float = 5.0, rounds: int | None = None) -> None:
    """Fire due schedules and drain the events queue until interrupted (the local runner)."""
    from amazon_odoo.bootstrap import compose
    from amazon_odoo.local.schedules import fire_due_schedules

    say("local runner: firing schedules and draining the events queue; Ctrl-C stops")
    done = 0
    while rounds is None or done < rounds:
        done += 1
        now = datetime.now(UTC)
        for fired in fire_due_schedules(compose(), now):
            say(f"{now:%H:%M:%S} ran {fired.job} for {fired.seller_id}")
        for queue, function in (
            (stack.settings.events_queue_url, "amazon_events"),
            (stack.settings.work_queue_url, "ingest_order"),
        ):
            totals = drain_queue(stack, queue or "", function)
            if totals["delivered"] or totals["failed"]:
                say(f"{now:%H:%M:%S} {function}: {totals['delivered']} delivered, {totals['failed']} failed")
        time.sleep(poll_seconds)


def shell_environment(stack: LocalStack) -> dict[str, str]:
    """What another shell needs to point the CLI at the running local stack."""
    s = stack.settings
    env = {
        "AWS_ENDPOINT_URL": s.aws_endpoint_url or "",
        **FAKE_CREDENTIALS,
        "AWS_REGION": s.aws_region,
        "SP_API_ENDPOINT": s.sp_api_endpoint or "",
        "LWA_ENDPOINT": s.lwa_endpoint or "",
        "EVENTS_QUEUE_URL": s.events_queue_url or "",
        "WORK_QUEUE_URL": s.work_queue_url or "",
        "DOCUMENTS_BUCKET": s.documents_bucket or "",
        "SCHEDULE_GROUP": s.schedule_group,
        "SCHEDULER_ROLE_ARN": s.scheduler_role_arn or "",
        "JOB_FUNCTIONS": json.dumps(s.job_functions, separators=(",", ":")),
        "ODOO_URL": s.odoo_url or "",
        "ODOO_DB": s.odoo_db or "",
        "ODOO_USERNAME": s.odoo_username or "",
    }
    if stack.odoo_double is not None:
        env["ODOO_PASSWORD"] = s.odoo_password or ""
    return env


def run_demo(*, keep_running: bool = False, say: Say = print, after: Callable[[], None] | None = None) -> int:
    # the demo prints its own summary: no INFO logs, no metric blobs (they are CloudWatch's, in Lambda)
    apply_environment({"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"})
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with local_stack(odoo_company="Blue Mug Co.") as stack:
        settings = stack.settings
        say("local stack up:")
        say(f"  AWS (moto server)   {settings.aws_endpoint_url}")
        say(f"  SP-API sandbox      {settings.sp_api_endpoint}")
        odoo_kind = "Odoo test double" if stack.odoo_double else "Odoo"
        say(f"  {odoo_kind:19} {settings.odoo_url} (db {settings.odoo_db}, {settings.odoo_protocol.value})")
        load_demo_sellers(stack, say)
        if stack.odoo_double is not None:
            seed_demo_odoo(say)
        run_every_job(stack, say)
        drain_work(stack, say)
        deliver_sample_notifications(stack, say)
        show_sale_orders(say)
        if after is not None:
            after()
        if keep_running:
            say("to use the CLI against this stack from another shell:")
            say("  " + " ".join(f"{k}={shlex.quote(v)}" for k, v in shell_environment(stack).items()))
            try:
                serve(stack, say)
            except KeyboardInterrupt:
                say("stopped")
    return 0
