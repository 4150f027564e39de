"""``amazon-odoo doctor``: every check a seller's set-up needs, each with a verdict (OK / WARN / FAIL) and a fix.

- Amazon: the LWA credentials and the seller's authorisation work (``getMarketplaceParticipations``), every
  configured marketplace is one the seller sells on, and the authorisation's age against Amazon's 365-day
  expiry (WARN 30 days before). The authorisation date is ``credentials.authorized_on`` in the sellers file;
  without it, the day the refresh token secret was last changed in Secrets Manager (``LastChangedDate``,
  else ``CreatedDate``): storing a new refresh token is what re-authorising means.
- Notifications: the seller's subscriptions exist and point at this stack's destinations.
- Odoo: it answers, its version (16 or later), the seller's company, and the API user's access rights for
  every job the seller has switched on (``check_access_rights`` per model and operation).
- AWS: the tables, queues, bucket and the seller's secrets exist; no messages wait in the dead-letter queues.

Read-only: the doctor changes nothing. A check that cannot run (a side unreachable) is a FAIL with the
reason; the other checks still run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from amazon_odoo.config import Job, SellerConfig
from amazon_odoo.domain.errors import ConnectorError
from amazon_odoo.domain.onboarding import JOB_ACCESS, WORKFLOW_ACCESS, Check, Verdict
from amazon_odoo.domain.subscriptions import DestinationKind
from amazon_odoo.ports import AmazonGateway, NotificationsApi, OdooSetupGateway, StackResources
from amazon_odoo.services.subscriptions import subscription_status

AUTHORISATION_DAYS = 365
WARN_DAYS = 30
MIN_ODOO = 16


def _failed(area: str, name: str, error: ConnectorError, fix: str = "") -> Check:
    return Check(area, name, Verdict.FAIL, error.message, error.resolution or fix)


def _guarded(area: str, name: str, checks: Callable[[], list[Check]]) -> list[Check]:
    try:
        return checks()
    except ConnectorError as error:
        return [_failed(area, name, error)]


def enabled_jobs(seller: SellerConfig) -> list[str]:
    """The scheduled jobs the seller has switched on (with the switches the jobs themselves obey)."""
    jobs = []
    for job, schedule in seller.schedules.items():
        if not schedule.enabled:
            continue
        if job is Job.IMPORT_ORDERS and not seller.orders.auto_import:
            continue
        if job is Job.EXPORT_SHIPMENTS and not seller.shipments.auto_update_status:
            continue
        if job is Job.PROCESS_SETTLEMENTS and not seller.settlements.download_and_process:
            continue
        jobs.append(job.value)
    return jobs


def required_access(seller: SellerConfig) -> dict[tuple[str, str], list[str]]:
    """(model, operation) -> the jobs / workflow steps that need it."""
    needs: dict[tuple[str, str], list[str]] = {}
    for job in enabled_jobs(seller):
        for pair in JOB_ACCESS.get(job, ()):
            needs.setdefault(pair, []).append(job)
    if Job.IMPORT_ORDERS.value in enabled_jobs(seller):
        for step, pairs in WORKFLOW_ACCESS.items():
            if getattr(seller.workflow, step):
                for pair in pairs:
                    needs.setdefault(pair, []).append(f"workflow.{step}")
    return needs


# ---------------------------------------------------------------------------------------------- Amazon


def check_amazon(seller: SellerConfig, amazon: AmazonGateway) -> list[Check]:
    area = "amazon"
    try:
        participations = {p.marketplace_id: p for p in amazon.marketplace_participations()}
    except ConnectorError as error:
        return [_failed(area, "LWA credentials and authorisation", error)]
    checks = [
        Check(
            area,
            "LWA credentials and authorisation",
            Verdict.OK,
            f"token granted; merchant {seller.merchant_id} sells on {len(participations)} marketplace(s)",
        )
    ]
    for mp in seller.marketplaces:
        found = participations.get(mp.id)
        name = f"marketplace {mp.id} ({mp.country})"
        if found is None or not found.is_participating:
            checks.append(
                Check(
                    area,
                    name,
                    Verdict.FAIL,
                    f"merchant {seller.merchant_id} does not sell there",
                    "remove it from the sellers file, or register it in Seller Central",
                )
            )
        elif found.has_suspended_listings:
            checks.append(
                Check(
                    area,
                    name,
                    Verdict.WARN,
                    "has suspended listings",
                    "see Seller Central > Account Health for the listings Amazon suspended",
                )
            )
        else:
            checks.append(Check(area, name, Verdict.OK, "participating"))
    return checks


def authorisation_date(seller: SellerConfig, resources: StackResources) -> tuple[date | None, str]:
    """(date, where it comes from): the sellers file, else the refresh token secret's last change."""
    if seller.credentials.authorized_on is not None:
        return seller.credentials.authorized_on, "credentials.authorized_on"
    kind, _, name = seller.credentials.refresh_token.partition(":")
    if kind != "secret":
        return None, ""
    created, changed = resources.secret_dates(name)
    moment = changed or created
    if moment is None:
        return None, ""
    return moment.astimezone(UTC).date(), f"secret {name} last changed"


def check_authorisation(seller: SellerConfig, resources: StackResources, today: date) -> Check:
    area, name = "amazon", "authorisation age"
    try:
        authorised, source = authorisation_date(seller, resources)
    except ConnectorError as error:
        return _failed(area, name, error)
    if authorised is None:
        return Check(
            area,
            name,
            Verdict.WARN,
            "the authorisation date is unknown",
            "add credentials.authorized_on (the day the seller authorised the app) to the sellers file",
        )
    expires = authorised + timedelta(days=AUTHORISATION_DAYS)
    left = (expires - today).days
    when = f"in {left} days" if left >= 0 else f"{-left} days ago"
    verb = "expires" if left >= 0 else "expired"
    detail = f"authorised {authorised.isoformat()} ({source}); {verb} {expires.isoformat()}, {when}"
    fix = (
        "the seller re-authorises the app in Seller Central (Apps and Services > Manage Your Apps); store the "
        "new refresh token and set credentials.authorized_on, then 'amazon-odoo sellers load'"
    )
    if left < 0:
        return Check(area, name, Verdict.FAIL, detail, fix)
    if left <= WARN_DAYS:
        return Check(area, name, Verdict.WARN, detail, fix)
    return Check(area, name, Verdict.OK, detail)


# ---------------------------------------------------------------------------------------------- notifications


def check_notifications(
    seller: SellerConfig, api: NotificationsApi, events_queue_arn: str | None
) -> list[Check]:
    area = "notifications"
    status = subscription_status(api, events_queue_arn)
    checks = []
    for kind in DestinationKind:
        if events_queue_arn and kind not in status.destinations:
            checks.append(
                Check(
                    area,
                    f"{kind.value} destination",
                    Verdict.FAIL,
                    "Amazon has no destination for this stack",
                    f"amazon-odoo notifications subscribe --seller {seller.id}",
                )
            )
    for state in status.subscriptions:
        name = state.wanted.notification_type
        if state.ok:
            checks.append(Check(area, name, Verdict.OK, state.describe()))
        else:
            checks.append(
                Check(
                    area,
                    name,
                    Verdict.FAIL,
                    state.describe(),
                    f"amazon-odoo notifications subscribe --seller {seller.id}",
                )
            )
    return checks


# ---------------------------------------------------------------------------------------------- Odoo


def check_odoo(seller: SellerConfig, odoo: OdooSetupGateway | None) -> list[Check]:
    area = "odoo"
    if odoo is None:
        return [
            Check(
                area,
                "connection",
                Verdict.FAIL,
                "Odoo is not configured",
                "set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD_SECRET (or ODOO_PASSWORD)",
            )
        ]
    try:
        major, full = odoo.server_version()
    except ConnectorError as error:
        return [_failed(area, "connection", error)]
    checks = []
    if major < MIN_ODOO:
        checks.append(
            Check(area, "version", Verdict.FAIL, f"Odoo {full}", f"upgrade Odoo to {MIN_ODOO}.0 or later")
        )
    else:
        checks.append(Check(area, "version", Verdict.OK, f"Odoo {full} answers"))
    try:
        company_id = odoo.company_id(seller.odoo.company)
        checks.append(Check(area, f"company {seller.odoo.company}", Verdict.OK, f"id {company_id}"))
        needs = required_access(seller)
        rights = odoo.access_rights(list(needs))
    except ConnectorError as error:
        checks.append(_failed(area, "company and access rights", error))
        return checks
    for (model, operation), jobs in sorted(needs.items()):
        name = f"{operation} {model}"
        if rights.get((model, operation)):
            checks.append(Check(area, name, Verdict.OK, f"allowed (for {', '.join(jobs)})"))
        else:
            checks.append(
                Check(
                    area,
                    name,
                    Verdict.FAIL,
                    f"the integration user may not {operation} {model} (needed by {', '.join(jobs)})",
                    "add the user to the group that grants it (Settings > Users; see README 'Odoo user'), or "
                    "switch the job off in the sellers file",
                )
            )
    return checks


# ---------------------------------------------------------------------------------------------- AWS


def check_aws(seller: SellerConfig | None, resources: StackResources) -> list[Check]:
    area = "aws"
    secrets: list[str] = []
    if seller is not None:
        secrets = [
            ref.partition(":")[2] for ref in seller.secret_refs().values() if ref.startswith("secret:")
        ]
    checks = _guarded(area, "resources", lambda: resources.check(secrets))
    try:
        counts = resources.dead_letters()
    except ConnectorError as error:
        return [*checks, _failed(area, "dead-letter queues", error)]
    for queue, waiting in sorted(counts.items()):
        if waiting:
            checks.append(
                Check(
                    area,
                    f"dead letters {queue}",
                    Verdict.WARN,
                    f"{waiting} message(s) failed for good",
                    f"look at them with 'amazon-odoo dlq list', fix the cause, then 'amazon-odoo dlq redrive {queue}'",
                )
            )
        else:
            checks.append(Check(area, f"dead letters {queue}", Verdict.OK, "empty"))
    return checks


def run_doctor(
    seller: SellerConfig | None,
    *,
    amazon: AmazonGateway | None,
    notifications: NotificationsApi | None,
    odoo: OdooSetupGateway | None,
    resources: StackResources,
    now: datetime | None = None,
) -> list[Check]:
    """Every check, in order: AWS first (the rest stands on it), then Amazon, notifications and Odoo."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    checks = check_aws(seller, resources)
    if seller is None:
        return checks
    if amazon is not None:
        checks += check_amazon(seller, amazon)
    checks.append(check_authorisation(seller, resources, today))
    if notifications is not None:
        try:
            arn: str | None = resources.events_queue_arn()
        except ConnectorError:
            arn = None
        checks += _guarded(
            "notifications", "subscriptions", lambda: check_notifications(seller, notifications, arn)
        )
    checks += check_odoo(seller, odoo)
    return checks


def exit_code(checks: Sequence[Check]) -> int:
    """0 when every check is OK or WARN, 1 when one is FAIL."""
    return 1 if any(c.verdict is Verdict.FAIL for c in checks) else 0
