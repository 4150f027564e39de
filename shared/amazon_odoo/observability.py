"""Structured JSON logs and CloudWatch metrics (Powertools), one logger and one metrics object per process.

Tracing: the functions run with X-Ray active tracing (template.yaml), which records each invocation without
the X-Ray SDK. Powertools' Tracer is deliberately not used: importing aws_xray_sdk costs ~250 ms of cold start,
most of the 300 ms budget (measured with ``python -X importtime``).

Logs carry the Amazon order id (or feed / report id) as correlation id and never personal data: log
identifiers and counts, not buyer names or addresses.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

__all__ = ["MetricUnit", "get_logger", "get_metrics"]

NAMESPACE = "AmazonOdoo"


@cache
def get_logger() -> Logger:
    return Logger(service="amazon-odoo")


@cache
def get_metrics() -> Metrics:
    return Metrics(namespace=NAMESPACE, service="amazon-odoo")
