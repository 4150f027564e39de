"""Amazon events queue → one service per notification type (SQS, partial batch failures).

Each record is parsed case-insensitively, deduplicated on its notification id and routed; a retryable
failure reports that record alone as failed, so SQS redelivers it and the rest of the batch is kept.
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from amazon_odoo.bootstrap import compose
from amazon_odoo.observability import get_logger, get_metrics

logger = get_logger()
metrics = get_metrics()
# A batch that fails entirely is reported record by record too (Powertools would raise instead): nothing
# is acknowledged either way, but the answer stays the partial-batch response SQS and the local runner read.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    router = compose().notification_router(context)

    def record_handler(record: SQSRecord) -> str:
        return router.handle_message(record.body, message_id=record.message_id)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
