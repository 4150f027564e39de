"""Work queue → ingest_order (SQS, partial batch failures): each Amazon order becomes one Odoo sale order."""

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
    consumer = compose().work_consumer()

    def record_handler(record: SQSRecord) -> str:
        return consumer.handle_message(record.body)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
