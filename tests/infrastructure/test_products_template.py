"""template.yaml's route for Amazon's listings notifications (issue 7): EventBridge only, so a rule on the
partner event bus (when its name is given) forwards them to the events queue, which lets EventBridge in."""

from __future__ import annotations

from typing import Any

from tests.infrastructure.test_template import TEMPLATE, load_template


def test_listings_notifications_rule_targets_the_events_queue_only_when_a_bus_is_named() -> None:
    template: dict[str, Any] = load_template(TEMPLATE.read_text())
    parameter = template["Parameters"]["ListingsEventBusName"]
    assert parameter["Default"] == ""
    assert template["Conditions"]["HasListingsEventBus"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ListingsEventBusName"}, ""]}]
    }
    rule = template["Resources"]["ListingsNotificationsRule"]
    assert rule["Type"] == "AWS::Events::Rule" and rule["Condition"] == "HasListingsEventBus"
    properties = rule["Properties"]
    assert properties["EventBusName"] == {"Ref": "ListingsEventBusName"}
    assert properties["EventPattern"] == {"source": [{"prefix": "aws.partner/sellingpartnerapi.amazon"}]}
    [target] = properties["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["AmazonEventsQueue", "Arn"]}


def test_the_events_queue_lets_eventbridge_rules_of_this_account_send() -> None:
    resources: dict[str, Any] = load_template(TEMPLATE.read_text())["Resources"]
    statements = resources["AmazonEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [allowed] = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert allowed["Effect"] == "Allow" and allowed["Action"] == "sqs:SendMessage"
    assert allowed["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
