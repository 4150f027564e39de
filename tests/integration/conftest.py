"""The local stack (moto server, SP-API sandbox, Odoo double) for tests that go end to end."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.adapters.amazon.clients import SellerCredentials
from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.aws.clients import clear_clients
from amazon_odoo.bootstrap import compose
from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.local.stack import LocalStack, local_stack
from amazon_odoo.settings import get_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"


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


@pytest.fixture
def sandbox() -> Iterator[SpApiSandbox]:
    """A fresh SP-API sandbox with the default scenario."""
    with SpApiSandbox() as sb:
        yield sb


def example_sellers(seller_id: str | None = None) -> dict[str, Any]:
    """The example sellers file; with ``seller_id``, its first seller alone under that id (a test module's own
    seller: what other modules left in the shared state store is not in its way)."""
    raw: dict[str, Any] = yaml.safe_load((ROOT / "infrastructure" / "sellers.example.yaml").read_text())
    if seller_id is not None:
        raw["sellers"] = raw["sellers"][:1]
        raw["sellers"][0]["id"] = seller_id
    return raw


@pytest.fixture
def seller() -> SellerConfig:
    raw = example_sellers()
    raw["sellers"][0]["marketplaces"].append({"id": "A2EUQ1WTGCTBG2"})
    return parse_sellers_file(raw).sellers[0]


@pytest.fixture
def amazon(sandbox: SpApiSandbox) -> SpApiGateway:
    scenario = json.loads(SCENARIO.read_text())
    credentials = SellerCredentials(
        lwa_client_id=scenario["application"]["client_id"],
        lwa_client_secret=scenario["application"]["client_secret"],
        refresh_token=scenario["sellers"][0]["refresh_token"],
    )
    settings = load_settings(
        {
            "SP_API_ENDPOINT": sandbox.url,
            "LWA_ENDPOINT": f"{sandbox.url}/auth/o2/token",
            "AMAZON_MAX_WAIT_SECONDS": "0",
        }
    )
    return SpApiGateway("mugs-us", credentials, "NA", settings)
