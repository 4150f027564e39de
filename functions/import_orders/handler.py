"""Scheduled order poll (the safety net beside ORDER_CHANGE): queues every order of the due window."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from amazon_odoo.bootstrap import compose
from amazon_odoo.domain.jobs import JobRequest
from amazon_odoo.observability import get_logger, get_metrics

logger = get_logger()
metrics = get_metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = JobRequest.from_event(event, default_job="import_orders")
    runs = compose().run_job(request)
    return {
        "runs": [
            run.model_dump(mode="json", include={"seller_id", "job", "status", "counts", "message"})
            for run in runs
        ]
    }
