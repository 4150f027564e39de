"""The local stack (moto server, SP-API sandbox, Odoo double) for tests that go end to end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from amazon_odoo.adapters.aws.clients import clear_clients
from amazon_odoo.bootstrap import compose
from amazon_odoo.local.stack import LocalStack, local_stack
from amazon_odoo.settings import get_settings


def _reset() -> None:
    get_settings.cache_clear()
    compose.cache_clear()
    clear_clients()


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    saved = dict(os.environ)
    for name in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD", "ODOO_PASSWORD_SECRET"):
        os.environ.pop(name, None)  # always the double here; the Odoo contract suite covers a real Odoo
    _reset()
    try:
        with local_stack(use_real_odoo=False, odoo_company="Blue Mug Co.") as running:
            yield running
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _reset()
