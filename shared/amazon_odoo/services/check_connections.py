"""Health of one seller's connections: Amazon authorisation and marketplaces, Odoo user and company.

Read-only. Every problem becomes a log book entry that says what to fix; the run ends ``partial`` when
something needs a person, ``failed`` when a side cannot be reached at all (retryable failures re-raise
so the schedule tries again).
"""

from __future__ import annotations

from collections.abc import Callable

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.errors import ConnectorError, Disposition
from amazon_odoo.domain.state import LogLevel
from amazon_odoo.ports import AmazonGateway, OdooGateway
from amazon_odoo.services.jobs import JobContext

JOB = "check_connections"

# The least the dedicated Odoo integration user needs, by what the seller switched on.
#: orders, buyers' contacts (Odoo 17 refuses res.partner create without Contact Creation), deliveries
BASE_GROUPS = (
    "sales_team.group_sale_salesman_all_leads",
    "base.group_partner_manager",
    "stock.group_stock_user",
)


def required_odoo_groups(seller: SellerConfig) -> list[str]:
    groups = list(BASE_GROUPS)
    if seller.workflow.create_invoice or seller.documents.send_invoices or seller.returns.create_credit_note:
        groups.append("account.group_account_invoice")
    if seller.settlements.download_and_process:
        groups.append("account.group_account_user")  # "Show Full Accounting Features": bank statements
    return groups


def check_amazon(ctx: JobContext, amazon: AmazonGateway) -> None:
    seller = ctx.seller
    participations = {p.marketplace_id: p for p in amazon.marketplace_participations()}
    ctx.counts["amazon_marketplaces"] = len(participations)
    for mp in seller.marketplaces:
        found = participations.get(mp.id)
        if found is None or not found.is_participating:
            ctx.log(
                f"seller {seller.merchant_id} does not sell on marketplace {mp.id} ({mp.country})",
                level=LogLevel.ERROR,
                record=f"marketplace {mp.id}",
                resolution="remove the marketplace from the sellers file, or register it in Seller Central",
            )
        elif found.has_suspended_listings:
            ctx.log(
                f"marketplace {mp.id} has suspended listings",
                level=LogLevel.WARNING,
                record=f"marketplace {mp.id}",
                resolution="see Seller Central > Account Health for the listings Amazon suspended",
            )
        else:
            ctx.counts["marketplaces_ok"] += 1


def check_odoo(ctx: JobContext, odoo: OdooGateway) -> None:
    major, full = odoo.server_version()
    ctx.counts["odoo_major_version"] = major
    if major < 16:
        ctx.log(
            f"Odoo {full} is older than the 16.0 this connector supports",
            level=LogLevel.ERROR,
            record="odoo version",
            resolution="upgrade Odoo to 16.0 or later",
        )
    odoo.company_id(ctx.seller.odoo.company)
    missing = odoo.check_user(required_odoo_groups(ctx.seller))
    for group in missing:
        ctx.log(
            f"the Odoo user lacks the group {group}",
            level=LogLevel.ERROR,
            record="odoo user",
            resolution=f"add the integration user to {group} (Settings > Users); see README 'Odoo user'",
        )
    ctx.counts["odoo_groups_missing"] = len(missing)


def _checked(ctx: JobContext, side: str, check: Callable[[], None]) -> ConnectorError | None:
    """Run one side's check; log a permanent failure, hand back a retryable one."""
    try:
        check()
    except ConnectorError as error:
        ctx.counts[f"{side}_ok"] = 0
        if error.disposition is Disposition.RETRY:
            return error
        ctx.log_error(error)
        return None
    ctx.counts[f"{side}_ok"] = 1
    return None


def check_connections(ctx: JobContext, amazon: AmazonGateway, odoo: OdooGateway | None) -> None:
    """Check both sides; a permanent failure on one side is logged and the other side still checked."""
    retry = _checked(ctx, "amazon", lambda: check_amazon(ctx, amazon))
    if odoo is None:
        ctx.log(
            "Odoo is not configured: skipped",
            level=LogLevel.WARNING,
            record="odoo",
            resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD_SECRET (or ODOO_PASSWORD)",
        )
    else:
        retry = _checked(ctx, "odoo", lambda: check_odoo(ctx, odoo)) or retry
    if retry is not None:
        raise retry
