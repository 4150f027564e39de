"""template.yaml: cfn-lint clean, and the project's own rules for queues, IAM, logs, alarms and layout.

The rules hold for every function, queue and policy the template has, so a function added later by copying
a block is checked the same way as the first two.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import lint_file
from packaging.requirements import Requirement

from amazon_odoo.settings import OdooProtocol, Settings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REQUIREMENTS = ROOT / "shared" / "requirements.txt"

AMAZON_NOTIFICATIONS_ACCOUNT = "437568002678"
AMAZON_NOTIFICATIONS_PRINCIPAL = f"arn:aws:iam::{AMAZON_NOTIFICATIONS_ACCOUNT}:root"
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
#: actions IAM cannot scope to a resource (the people's policies list the schedules of the stack's group)
UNSCOPABLE_ACTIONS = XRAY_ACTIONS | {"scheduler:ListSchedules"}


# ------------------------------------------------------------------ loading


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (!Ref, !GetAtt, !Sub, ...) into their long form."""


def _construct_tag(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_template(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader subclass
    return data


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE.read_text())


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, Any]] = template["Resources"]
    return res


def of_type(resources: dict[str, dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in resources.items() if res["Type"] == kind}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    p: dict[str, Any] = resource.get("Properties", {})
    return p


def ref_target(value: Any) -> str | None:
    """The logical id behind ``!Ref X`` or ``!GetAtt X.Attr``; None for anything else."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every statement of every policy document anywhere (trust, role, queue, bucket and topic policies)."""
    if isinstance(node, dict):
        if "Statement" in node and isinstance(node["Statement"], list | dict):
            yield from as_list(node["Statement"])
        for value in node.values():
            yield from policy_statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from policy_statements(item)


def role_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """The permission statements of an IAM role's inline policies (not its trust policy)."""
    return [
        statement
        for policy in props(role).get("Policies", [])
        for statement in as_list(policy["PolicyDocument"]["Statement"])
    ]


def functions(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return of_type(resources, "AWS::Serverless::Function")


def snake_name(logical_id: str) -> str:
    base = logical_id.removesuffix("Function")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


def function_timeout(template: dict[str, Any], function: dict[str, Any]) -> int:
    timeout = props(function).get("Timeout", template["Globals"]["Function"].get("Timeout", 3))
    return int(timeout)


def sqs_consumers(resources: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(function logical id, queue logical id, event properties) for every SQS event source."""
    for name, function in functions(resources).items():
        for event in props(function).get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = ref_target(event["Properties"]["Queue"])
                assert queue is not None, f"{name}: the SQS event must name a queue of this template"
                yield name, queue, event["Properties"]


def dead_letter_queues(resources: dict[str, dict[str, Any]]) -> set[str]:
    targets = set()
    for queue in of_type(resources, "AWS::SQS::Queue").values():
        redrive = props(queue).get("RedrivePolicy")
        if redrive:
            target = ref_target(redrive["deadLetterTargetArn"])
            assert target is not None
            targets.add(target)
    return targets


# ------------------------------------------------------------------ the loader itself


def test_loader_turns_short_tags_into_long_form() -> None:
    doc = load_template(
        "a: !Ref X\nb: !GetAtt Q.Arn\nc: !Sub 'arn:${AWS::Partition}'\nd: !Not [!Equals [!Ref P, '']]\n"
    )
    assert doc == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["Q", "Arn"]},
        "c": {"Fn::Sub": "arn:${AWS::Partition}"},
        "d": {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]},
    }


# ------------------------------------------------------------------ cfn-lint


def test_cfn_lint_reports_nothing() -> None:
    """Errors, warnings and informational matches alike (the same rules as ``cfn-lint template.yaml``)."""
    matches = lint_file(TEMPLATE)
    assert [str(m) for m in matches] == []


# ------------------------------------------------------------------ shape


def test_is_a_sam_template_with_the_function_globals(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.11"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["MemorySize"] == 512
    assert globals_["Tracing"] == "Active"
    assert globals_["Layers"] == [{"Ref": "SharedLayer"}]


def test_environment_names_are_the_ones_settings_reads(template: dict[str, Any]) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    required = {
        "STATE_TABLE", "IDEMPOTENCY_TABLE", "EVENTS_QUEUE_URL", "WORK_QUEUE_URL", "DOCUMENTS_BUCKET",
        "SECRETS_PREFIX", "ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD_SECRET", "ODOO_PROTOCOL",
        "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL", "LOG_BOOK_RETENTION_DAYS",
    }  # fmt: skip
    assert required <= set(env)
    assert env["POWERTOOLS_SERVICE_NAME"] == "amazon-odoo"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "AmazonOdoo"
    # every variable is read by Settings, or by Powertools itself
    settings_names = {field.alias for field in Settings.model_fields.values()}
    assert set(env) - settings_names <= {"POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}
    # and nothing in it is a secret in clear
    assert "ODOO_PASSWORD" not in env


def test_parameters_agree_with_settings(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    assert set(params["OdooProtocol"]["AllowedValues"]) == {p.value for p in OdooProtocol}
    assert params["SecretsPrefix"]["Default"] == Settings.model_fields["secrets_prefix"].default
    assert 30 in params["LogRetentionDays"]["AllowedValues"]
    assert params["LogBookRetentionDays"]["MaxValue"] <= 3650
    assert params["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


def test_shared_layer_is_built_from_shared(resources: dict[str, dict[str, Any]]) -> None:
    layer = resources["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert props(layer)["ContentUri"] == "shared/"
    assert props(layer)["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Metadata"]["BuildMethod"] == "python3.11"
    assert REQUIREMENTS.is_file()


def test_every_function_lives_in_functions_snake_name(resources: dict[str, dict[str, Any]]) -> None:
    found = functions(resources)
    assert {"AmazonEventsFunction", "CheckConnectionsFunction"} <= set(found)
    missing = []
    for name, function in found.items():
        snake = snake_name(name)
        assert props(function)["CodeUri"] == f"functions/{snake}/", name
        if not (ROOT / "functions" / snake / "handler.py").is_file():
            missing.append(f"functions/{snake}/handler.py")
    if missing:
        pytest.skip(f"CodeUri paths are right, but these handlers are not written yet: {missing}")


def test_every_schedule_names_its_own_job(resources: dict[str, dict[str, Any]]) -> None:
    schedules = 0
    for name, function in functions(resources).items():
        for event in props(function).get("Events", {}).values():
            if event["Type"] in {"Schedule", "ScheduleV2"}:
                schedules += 1
                assert json.loads(event["Properties"]["Input"]) == {"job": snake_name(name)}, name
                assert event["Properties"]["Schedule"].startswith(("rate(", "cron("))
    assert schedules >= 1
    check = props(resources["CheckConnectionsFunction"])["Events"]
    assert [e["Properties"]["Schedule"] for e in check.values()] == ["rate(1 hour)"]


# ------------------------------------------------------------------ queues


def test_every_sqs_event_source_reports_batch_item_failures(resources: dict[str, dict[str, Any]]) -> None:
    consumers = list(sqs_consumers(resources))
    assert consumers, "the Amazon events queue must have a consumer"
    for name, _queue, event in consumers:
        assert event.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], name


def test_amazon_events_consumer_batching(resources: dict[str, dict[str, Any]]) -> None:
    [(name, _queue, event)] = [c for c in sqs_consumers(resources) if c[1] == "AmazonEventsQueue"]
    assert name == "AmazonEventsFunction"
    assert event["BatchSize"] == 10
    assert event["MaximumBatchingWindowInSeconds"] == 1
    assert function_timeout({"Globals": {"Function": {}}}, resources[name]) == 60


def test_visibility_timeout_is_six_times_the_consumer_timeout(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    for name, queue, _event in sqs_consumers(resources):
        visibility = int(props(resources[queue])["VisibilityTimeout"])
        assert visibility >= 6 * function_timeout(template, resources[name]), (queue, name)
    # the work queue's consumer (issue 3) may take up to 120 s
    assert int(props(resources["WorkQueue"])["VisibilityTimeout"]) >= 6 * 120


def test_every_queue_has_a_dead_letter_queue_and_every_dead_letter_queue_an_alarm(
    resources: dict[str, dict[str, Any]],
) -> None:
    queues = of_type(resources, "AWS::SQS::Queue")
    dlqs = dead_letter_queues(resources)
    assert {"AmazonEventsDeadLetterQueue", "WorkDeadLetterQueue"} <= dlqs
    for name, queue in queues.items():
        assert props(queue).get("SqsManagedSseEnabled") is True, name
        if name in dlqs:
            assert "RedrivePolicy" not in props(queue), name
            assert props(queue)["MessageRetentionPeriod"] == 14 * 24 * 3600, name
        else:
            redrive = props(queue)["RedrivePolicy"]
            assert ref_target(redrive["deadLetterTargetArn"]) in dlqs, name
            assert redrive["maxReceiveCount"] == 5, name

    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    for dlq in dlqs:
        matching = [
            a
            for a in alarms
            if props(a)["MetricName"] == "ApproximateNumberOfMessagesVisible"
            and props(a)["Namespace"] == "AWS/SQS"
            and any(ref_target(d["Value"]) == dlq for d in props(a)["Dimensions"])
        ]
        assert len(matching) == 1, f"{dlq} needs one alarm on visible messages"
        alarm = props(matching[0])
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert {"Ref": "AlarmTopic"} in alarm["AlarmActions"]


def test_events_queue_age_alarm(resources: dict[str, dict[str, Any]]) -> None:
    [alarm] = [
        props(a)
        for a in of_type(resources, "AWS::CloudWatch::Alarm").values()
        if props(a)["MetricName"] == "ApproximateAgeOfOldestMessage"
        and ref_target(props(a)["Dimensions"][0]["Value"]) == "AmazonEventsQueue"
    ]
    assert alarm["Threshold"] == 300
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_events_queue_policy_admits_only_amazon_and_this_accounts_rules(
    resources: dict[str, dict[str, Any]],
) -> None:
    policies = [
        p for p in of_type(resources, "AWS::SQS::QueuePolicy").values()
        if {"Ref": "AmazonEventsQueue"} in props(p)["Queues"]
    ]  # fmt: skip
    assert len(policies) == 1, "one policy, or the second would replace the first"
    assert props(policies[0])["Queues"] == [{"Ref": "AmazonEventsQueue"}]
    statements = as_list(props(policies[0])["PolicyDocument"]["Statement"])
    allows = [s for s in statements if s["Effect"] == "Allow"]
    denies = [s for s in statements if s["Effect"] == "Deny"]

    by_principal = {json.dumps(s["Principal"], sort_keys=True): s for s in allows}
    assert set(by_principal) == {
        json.dumps({"AWS": AMAZON_NOTIFICATIONS_PRINCIPAL}),
        json.dumps({"Service": "events.amazonaws.com"}),
    }
    amazon = by_principal[json.dumps({"AWS": AMAZON_NOTIFICATIONS_PRINCIPAL})]
    assert set(as_list(amazon["Action"])) == {"sqs:SendMessage", "sqs:GetQueueAttributes"}
    assert ref_target(amazon["Resource"]) == "AmazonEventsQueue"

    events = by_principal[json.dumps({"Service": "events.amazonaws.com"})]
    assert as_list(events["Action"]) == ["sqs:SendMessage"]
    assert events["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}

    assert any(
        d["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and "sqs:SendMessage" in as_list(d["Action"])
        and "sqs:ReceiveMessage" in as_list(d["Action"])
        for d in denies
    )


def test_every_queue_is_tls_only(resources: dict[str, dict[str, Any]]) -> None:
    covered: set[str] = set()
    for policy in of_type(resources, "AWS::SQS::QueuePolicy").values():
        for statement in as_list(props(policy)["PolicyDocument"]["Statement"]):
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                covered.update(str(ref_target(r)) for r in as_list(statement["Resource"]))
    assert covered == set(of_type(resources, "AWS::SQS::Queue"))


# ------------------------------------------------------------------ IAM


def test_no_policy_statement_has_a_wildcard_action(template: dict[str, Any]) -> None:
    statements = list(policy_statements(template["Resources"]))
    assert len(statements) > 10
    for statement in statements:
        for key in ("Action", "NotAction"):
            for action in as_list(statement.get(key, [])):
                assert isinstance(action, str), statement
                assert not action.endswith("*"), f"wildcard action {action!r} in {statement.get('Sid')}"


def test_only_xray_is_granted_on_every_resource(template: dict[str, Any]) -> None:
    for statement in policy_statements(template["Resources"]):
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", [])):
            assert set(as_list(statement["Action"])) <= UNSCOPABLE_ACTIONS, statement.get("Sid")


def test_every_function_has_its_own_explicit_role(resources: dict[str, dict[str, Any]]) -> None:
    """An explicit role stops SAM from attaching AWS managed policies we cannot see or check."""
    roles = of_type(resources, "AWS::IAM::Role")
    for name, function in functions(resources).items():
        p = props(function)
        assert "Policies" not in p, name
        role = ref_target(p["Role"])
        assert role in roles, name
        assert "ManagedPolicyArns" not in props(roles[role]), role
        actions = {
            action
            for statement in role_statements(roles[role])
            if statement["Effect"] == "Allow"
            for action in as_list(statement["Action"])
        }
        assert actions >= XRAY_ACTIONS, name
        assert {"logs:CreateLogStream", "logs:PutLogEvents"} <= actions, name
        assert "secretsmanager:GetSecretValue" in actions, name
    # one role per function
    role_ids = [ref_target(props(f)["Role"]) for f in functions(resources).values()]
    assert len(role_ids) == len(set(role_ids))


def test_consumers_may_read_and_delete_from_their_queue(resources: dict[str, dict[str, Any]]) -> None:
    for name, queue, _event in sqs_consumers(resources):
        role = resources[str(ref_target(props(resources[name])["Role"]))]
        granted = {
            action
            for s in role_statements(role)
            if s["Effect"] == "Allow" and ref_target(s["Resource"]) == queue
            for action in as_list(s["Action"])
        }
        assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} <= granted, name


def test_amazon_events_role_grants_what_the_brief_lists(resources: dict[str, dict[str, Any]]) -> None:
    by_resource: dict[str, set[str]] = {}
    for s in role_statements(resources["AmazonEventsRole"]):
        for resource in as_list(s["Resource"]):
            key = ref_target(resource) or json.dumps(resource)
            by_resource.setdefault(key, set()).update(as_list(s["Action"]))
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= by_resource[
        "StateTable"
    ]
    assert {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    } <= by_resource["IdempotencyTable"]
    assert by_resource["WorkQueue"] == {"sqs:SendMessage"}
    secrets = [k for k, v in by_resource.items() if "secretsmanager:GetSecretValue" in v]
    assert any("${SecretsPrefix}*" in k for k in secrets)
    assert all(v == {"secretsmanager:GetSecretValue"} for k, v in by_resource.items() if k in secrets)


# ------------------------------------------------------------------ logs and alarms


def test_every_function_logs_to_its_own_log_group_with_retention(
    resources: dict[str, dict[str, Any]],
) -> None:
    groups = of_type(resources, "AWS::Logs::LogGroup")
    used = []
    for name, function in functions(resources).items():
        group = ref_target(props(function)["LoggingConfig"]["LogGroup"])
        assert group in groups, name
        assert props(groups[group])["RetentionInDays"] == {"Ref": "LogRetentionDays"}, group
        used.append(group)
        role = resources[str(ref_target(props(function)["Role"]))]
        log_statements = [s for s in role_statements(role) if "logs:PutLogEvents" in as_list(s["Action"])]
        assert [ref_target(s["Resource"]) for s in log_statements] == [group], name
    assert len(used) == len(set(used))


def test_every_function_has_errors_and_throttles_alarms(resources: dict[str, dict[str, Any]]) -> None:
    alarms = [props(a) for a in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    for name in functions(resources):
        for metric in ("Errors", "Throttles"):
            matching = [
                a
                for a in alarms
                if a["Namespace"] == "AWS/Lambda"
                and a["MetricName"] == metric
                and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
            ]
            assert len(matching) == 1, f"{name} needs one {metric} alarm"
            assert matching[0]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
            assert matching[0]["Threshold"] == 0


def test_alarm_topic_mails_only_when_an_address_is_given(resources: dict[str, dict[str, Any]]) -> None:
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    [subscription] = of_type(resources, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert props(subscription)["Protocol"] == "email"
    assert props(subscription)["Endpoint"] == {"Ref": "AlarmEmail"}


# ------------------------------------------------------------------ data


def test_state_table(resources: dict[str, dict[str, Any]]) -> None:
    table = resources["StateTable"]
    p = props(table)
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]} == {
        "PK": "S",
        "SK": "S",
    }
    assert p["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["SSESpecification"] == {"SSEEnabled": True}


def test_idempotency_table(resources: dict[str, dict[str, Any]]) -> None:
    p = props(resources["IdempotencyTable"])
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert p["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_documents_bucket_is_private_encrypted_expiring_and_tls_only(
    resources: dict[str, dict[str, Any]],
) -> None:
    p = props(resources["DocumentsBucket"])
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(p["PublicAccessBlockConfiguration"].values())
    assert len(p["PublicAccessBlockConfiguration"]) == 4
    [rule] = p["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == {"Ref": "DocumentsRetentionDays"}
    [policy] = [
        props(b) for b in of_type(resources, "AWS::S3::BucketPolicy").values()
        if props(b)["Bucket"] == {"Ref": "DocumentsBucket"}
    ]  # fmt: skip
    [deny] = as_list(policy["PolicyDocument"]["Statement"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"s3:GetObject", "s3:PutObject", "s3:ListBucket"} <= set(deny["Action"])


def test_outputs_name_everything_an_operator_needs(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    outputs = {name: out["Value"] for name, out in template["Outputs"].items()}
    referenced = {ref_target(v) for v in outputs.values()}
    expected = {
        "AmazonEventsQueue", "AmazonEventsDeadLetterQueue", "WorkQueue", "WorkDeadLetterQueue",
        "StateTable", "IdempotencyTable", "DocumentsBucket", "SharedLayer", *functions(resources),
    }  # fmt: skip
    assert expected <= referenced
    assert outputs["AmazonEventsQueueArn"] == {"Fn::GetAtt": ["AmazonEventsQueue", "Arn"]}


# ------------------------------------------------------------------ the layer's dependencies


def _requirements() -> dict[str, Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines()]
    reqs = [Requirement(line) for line in lines if line]
    return {metadata.metadata(r.name)["Name"].lower(): r for r in reqs}


def test_layer_requirements_are_pinned_to_the_tested_versions() -> None:
    reqs = _requirements()
    for name, req in reqs.items():
        [spec] = list(req.specifier)
        assert spec.operator == "==", f"{name}: pin one version so sam build is reproducible"
        assert metadata.version(name) in req.specifier, f"{name}: .venv has {metadata.version(name)}"


def test_layer_requirements_cover_the_project_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = _requirements()
    for line in project:
        dep = Requirement(line)
        name = metadata.metadata(dep.name)["Name"].lower()
        assert name in reqs, f"{dep.name} is a runtime dependency but not in shared/requirements.txt"
        [pin] = list(reqs[name].specifier)
        assert dep.specifier.contains(pin.version), f"{name}=={pin.version} is outside {dep.specifier}"
