"""What the shipments-out tests (issue 4) share."""

from __future__ import annotations

import json
from pathlib import Path

from amazon_odoo.adapters.amazon.clients import SellerCredentials
from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.settings import load_settings

SCENARIO = (
    Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
)
SELLER = "mugs-us"


def seller_gateway(sandbox: SpApiSandbox) -> SpApiGateway:
    """The seller's gateway with buckets of its own (the process-wide ones are shared with other tests)."""
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
            "AMAZON_MAX_WAIT_SECONDS": "5",
        }
    )
    return SpApiGateway(SELLER, credentials, "NA", settings, limiter=RateLimiter())
