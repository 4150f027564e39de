"""Scheduled invoices to buyers: posted invoices of Amazon orders, as PDF from Odoo, to Amazon (issue 8)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from amazon_odoo.bootstrap import run_scheduled
from amazon_odoo.observability import get_logger, get_metrics

logger = get_logger()
metrics = get_metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_scheduled(event, "send_invoices")
