""":class:`amazon_odoo.ports.JobLauncher` on AWS Lambda: a job's own function invoked asynchronously.

``launch`` sends the job's function (its ARN in ``JOB_FUNCTIONS``, the template's ``JobFunctions``) the
input a per-seller schedule sends, ``{"job", "seller_id", "marketplace", "trigger": "notification"}``, as an
``Event`` invocation: Lambda queues it (HTTP 202) and runs it with the function's own timeout, retrying a
failed run twice. The caller (the amazon_events function, 60 s) is not held up by the job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.domain.errors import ConfigError, RetryableError

ACCEPTED = 202  # what Lambda answers an Event invocation it has queued


class LambdaInvoke(Protocol):
    """The one call of the boto3 Lambda client used here."""

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> Mapping[str, Any]: ...


def launch_event(job: str, seller_id: str, marketplace_id: str | None, trigger: str) -> dict[str, str]:
    """The schedule's input shape (``JobRequest.from_event`` reads it)."""
    event = {"job": job, "seller_id": seller_id, "trigger": trigger}
    if marketplace_id:
        event["marketplace"] = marketplace_id
    return event


class LambdaJobLauncher:
    def __init__(
        self, client: LambdaInvoke, functions: Mapping[str, str], *, trigger: str = "notification"
    ) -> None:
        self._client = client
        self._functions = dict(functions)
        self._trigger = trigger

    def launch(self, job: str, seller_id: str, *, marketplace_id: str | None = None) -> None:
        arn = self._functions.get(job, "")
        if not arn:
            raise ConfigError(
                f"this deployment has no function for job {job} (JOB_FUNCTIONS has no {job!r})",
                record="environment JOB_FUNCTIONS",
                resolution="redeploy the stack (template.yaml gives the amazon_events function JOB_FUNCTIONS), "
                "or set JOB_FUNCTIONS to the stack output JobFunctions",
            )
        payload = json.dumps(launch_event(job, seller_id, marketplace_id, self._trigger)).encode()
        name = arn.rsplit(":", 1)[-1]
        with aws_errors("lambda", name, record=f"function {name}"):
            answer = self._client.invoke(FunctionName=arn, InvocationType="Event", Payload=payload)
        status = answer.get("StatusCode")
        if status != ACCEPTED:
            raise RetryableError(
                f"Lambda did not queue the {job} run of seller {seller_id} (status {status})",
                record=f"function {name}",
                resolution="nothing to do: retried",
                source="aws:lambda",
            )
