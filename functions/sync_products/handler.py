"""Sync active products: Amazon's listings report bound to Odoo products by SKU (issue 7). Scheduled, run by
hand (``{"job": "sync_products", "seller": "S", "marketplace": "ATVPDKIKX0DER"}``), or launched by
amazon_events when a tracked listings report is DONE (the same input with ``"trigger": "notification"``):
the run takes the tracked report up and applies it."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from amazon_odoo.bootstrap import run_scheduled
from amazon_odoo.observability import get_logger, get_metrics

logger = get_logger()
metrics = get_metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_scheduled(event, "sync_products")
