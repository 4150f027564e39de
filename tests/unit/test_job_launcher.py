"""adapters/aws/launcher.py on a real boto3 Lambda client under botocore's Stubber: what is checked is the
request botocore would send (operation, function ARN, InvocationType Event, the schedule-shaped payload,
validated against Lambda's service model) and how answers and AWS errors are classified. Nothing is invoked:
moto runs Lambda functions only with Docker, and Lambda's queueing and retries are AWS's, not tested here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from amazon_odoo.adapters.aws.launcher import LambdaJobLauncher
from amazon_odoo.domain.errors import ConfigError, PermanentError, RetryableError, ThrottledError
from amazon_odoo.domain.jobs import JobRequest

ARN = "arn:aws:lambda:us-east-1:123456789012:function:amazon-odoo-SyncProductsFunction-abc"
FUNCTIONS = {"sync_products": ARN}


@pytest.fixture
def client() -> Any:
    return boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_the_job_function_is_invoked_asynchronously_with_the_schedule_input(
    client: Any, stub: Stubber
) -> None:
    sent: list[bytes] = []
    stub.add_response(
        "invoke",
        {"StatusCode": 202},
        expected_params={"FunctionName": ARN, "InvocationType": "Event", "Payload": ANY},
    )
    client.meta.events.register(  # the parameters as given, before the Stubber answers
        "before-parameter-build.lambda.Invoke", lambda params, **_: sent.append(params["Payload"])
    )
    LambdaJobLauncher(client, FUNCTIONS).launch("sync_products", "mugs-us", marketplace_id="ATVPDKIKX0DER")
    event = json.loads(sent[0])
    assert event == {
        "job": "sync_products",
        "seller_id": "mugs-us",
        "marketplace": "ATVPDKIKX0DER",
        "trigger": "notification",
    }
    request = JobRequest.from_event(event, default_job="sync_products")  # what the function reads
    assert (request.seller_id, request.marketplace_id, request.trigger) == (
        "mugs-us",
        "ATVPDKIKX0DER",
        "notification",
    )


def test_no_function_for_the_job_is_a_config_error_and_nothing_is_called(client: Any, stub: Stubber) -> None:
    with pytest.raises(ConfigError) as caught:
        LambdaJobLauncher(client, {}).launch("sync_products", "mugs-us")
    assert caught.value.record == "environment JOB_FUNCTIONS"
    assert "redeploy the stack" in caught.value.resolution and "JOB_FUNCTIONS" in caught.value.resolution


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("TooManyRequestsException", 429, ThrottledError),
        ("ServiceException", 500, RetryableError),
        ("ResourceNotFoundException", 404, PermanentError),
        ("AccessDeniedException", 403, PermanentError),
    ],
)
def test_aws_errors_are_classified(
    client: Any, stub: Stubber, code: str, status: int, error: type[Exception]
) -> None:
    stub.add_client_error("invoke", code, "no", status)
    with pytest.raises(error) as caught:
        LambdaJobLauncher(client, FUNCTIONS).launch("sync_products", "mugs-us")
    if code == "ResourceNotFoundException":
        assert "check JOB_FUNCTIONS" in caught.value.resolution  # type: ignore[attr-defined]
    if code == "AccessDeniedException":
        assert "lambda:Invoke" in caught.value.resolution  # type: ignore[attr-defined]


def test_an_invocation_lambda_did_not_queue_is_retryable(client: Any, stub: Stubber) -> None:
    stub.add_response("invoke", {"StatusCode": 200})
    with pytest.raises(RetryableError, match="did not queue"):
        LambdaJobLauncher(client, FUNCTIONS).launch("sync_products", "mugs-us")
