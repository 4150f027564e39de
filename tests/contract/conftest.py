"""Shared fixtures of the contract suites. Each adapter keeps its fixtures in its own module, imported here."""

from tests.contract.aws_fixtures import (  # noqa: F401  (AWS: fixtures)
    aws_target,
    clock,
    moto_server,
    secret_store,
    state_store,
    work_queue,
)
from tests.contract.conftest_odoo import odoo_gateway, odoo_target  # noqa: F401  (Odoo: fixtures)
from tests.contract.sandbox_harness import harness  # noqa: F401  (Amazon: the gateway on the sandbox)
