"""template.yaml's hand-over of a finished listings report (issue 7): the amazon_events function may invoke
the sync_products function and nothing else, and finds its ARN in JOB_FUNCTIONS (the same JSON shape as the
JobFunctions output the CLI reads), without a dependency cycle (cfn-lint, in tests/infrastructure, checks
the rest)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.infrastructure.test_template import TEMPLATE, load_template


def resources() -> dict[str, Any]:
    loaded: dict[str, Any] = load_template(TEMPLATE.read_text())["Resources"]
    return loaded


def test_amazon_events_may_invoke_the_sync_products_function_only() -> None:
    policies = resources()["AmazonEventsRole"]["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    invoking = [s for s in statements if "lambda:" in json.dumps(s.get("Action"))]
    assert invoking == [
        {
            "Sid": "LaunchJobs",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["SyncProductsFunction", "Arn"]},
        }
    ]


def test_amazon_events_finds_the_sync_products_function_in_job_functions() -> None:
    found = resources()
    variables = found["AmazonEventsFunction"]["Properties"]["Environment"]["Variables"]
    text = variables["JOB_FUNCTIONS"]["Fn::Sub"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:x-SyncProducts"
    assert json.loads(re.sub(r"\$\{SyncProductsFunction\.Arn\}", arn, text)) == {"sync_products": arn}
    # the function it invokes has the time a 50,000-SKU report needs, and does not depend on amazon_events
    sync = found["SyncProductsFunction"]["Properties"]
    assert sync["Timeout"] >= 300 and "AmazonEvents" not in json.dumps(sync)
    assert "AmazonEvents" not in json.dumps(found["SyncProductsRole"])
