"""An AWS access denial said as the permission the caller's role lacks (issue 9: manager and operator)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from amazon_odoo.adapters.aws.access import access_denial
from amazon_odoo.adapters.aws.clients import aws_errors
from amazon_odoo.domain.errors import ConnectorError


def client_error(code: str, message: str, operation: str = "PutItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("code", "message", "action", "resource"),
    [
        (
            "AccessDeniedException",
            "User: arn:aws:sts::1:assumed-role/operator/ann is not authorized to perform: dynamodb:PutItem on "
            "resource: arn:aws:dynamodb:us-east-1:1:table/amazon-odoo-state because no identity-based policy "
            "allows the dynamodb:PutItem action",
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:1:table/amazon-odoo-state",
        ),
        (
            "AccessDenied",
            "User: arn:aws:iam::1:user/bob is not authorized to perform: scheduler:CreateSchedule on resource: "
            "arn:aws:scheduler:us-east-1:1:schedule/amazon-odoo-jobs/mugs-us-import_orders",
            "scheduler:CreateSchedule",
            "arn:aws:scheduler:us-east-1:1:schedule/amazon-odoo-jobs/mugs-us-import_orders",
        ),
        (
            "AccessDenied",
            "User: arn:aws:iam::1:user/bob is not authorized to perform: scheduler:ListSchedules",
            "scheduler:ListSchedules",
            "the resource",
        ),
    ],
)
def test_the_action_and_resource_come_from_the_message(
    code: str, message: str, action: str, resource: str
) -> None:
    denial = access_denial(client_error(code, message))
    assert denial is not None and (denial.action, denial.resource) == (action, resource)
    error = denial.error()
    assert str(error).startswith(
        f"[{action}] your role lacks {action} on {resource}: ask for the manager policy"
    )
    assert "AmazonOdooManager" in error.resolution


def test_through_the_adapters_classification_the_service_names_the_action() -> None:
    with pytest.raises(ConnectorError) as caught, aws_errors("sqs", "amazon-odoo-work-dlq"):
        raise client_error("UnauthorizedOperation", "You are not authorized", "ReceiveMessage")
    denial = access_denial(caught.value)
    assert denial is not None and denial.action == "sqs:ReceiveMessage"


def test_other_failures_are_not_denials() -> None:
    assert access_denial(client_error("ThrottlingException", "slow down")) is None
    assert access_denial(ValueError("x")) is None
    assert access_denial(client_error("InvalidClientTokenId", "bad token")) is None  # credentials, not a role
