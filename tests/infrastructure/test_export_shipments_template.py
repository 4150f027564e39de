"""template.yaml's export_shipments block (issue 4): what the job needs, and no more."""

from __future__ import annotations

from typing import Any

from amazon_odoo.services.export_shipments import TIME_BUDGET_SECONDS
from tests.infrastructure.test_template import TEMPLATE, load_template, role_statements


def test_export_shipments_runs_on_its_schedule_within_its_timeout() -> None:
    resources: dict[str, Any] = load_template(TEMPLATE.read_text())["Resources"]
    function = resources["ExportShipmentsFunction"]["Properties"]
    assert function["CodeUri"] == "functions/export_shipments/"
    # per seller, on the seller's own schedule (issue 9: EventBridge Scheduler, see test_operations_template)
    assert "Events" not in function
    assert function["Timeout"] >= TIME_BUDGET_SECONDS + 30  # the last delivery started must finish


def test_export_shipments_role_reads_and_writes_state_only() -> None:
    resources: dict[str, Any] = load_template(TEMPLATE.read_text())["Resources"]
    statements = {s["Sid"]: s for s in role_statements(resources["ExportShipmentsRole"])}
    state = statements["StateReadWrite"]
    assert state["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}
    # BatchGetItem: the records of a run's deliveries; PutItem/DeleteItem/ConditionCheckItem: a record and
    # its open marker in one transaction; Query: open records, leases, logs
    assert {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"} <= set(
        state["Action"]
    )
    actions = {
        a
        for s in statements.values()
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert not {a for a in actions if a.startswith(("sqs:", "s3:", "sns:"))}
    assert "ExportShipmentsFunctionName" in load_template(TEMPLATE.read_text())["Outputs"]
