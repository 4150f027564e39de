"""Shared fixtures of the contract suites. Each adapter keeps its fixtures in its own module, imported here."""

from tests.contract.conftest_odoo import odoo_gateway, odoo_target  # noqa: F401  (Odoo: fixtures)
