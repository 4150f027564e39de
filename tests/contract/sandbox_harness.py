"""The Amazon adapter against the project's SP-API sandbox, as the contract tests drive it: the default
scenario's seller, its LWA credentials, the gateway with the documented rate limits and the failure table;
sleeps are recorded, not slept. ``harness`` (conftest.py) gives one per test, checking that no request or
answer broke Amazon's models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.clients import ClientFactory, SellerCredentials, TokenCache
from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.domain.feeds import JSON_LISTINGS_FEED
from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.settings import Settings

SELLER = "A3MUGSUS8ACCPT"
US = "ATVPDKIKX0DER"
SCENARIO = (
    Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
)


class Harness:
    def __init__(self, sandbox: SpApiSandbox, *, attempts: int = 3, max_wait: float = 5.0) -> None:
        data = json.loads(SCENARIO.read_text(encoding="utf-8"))
        seller = next(s for s in data["sellers"] if s["selling_partner_id"] == SELLER)
        self.credentials = SellerCredentials(
            lwa_client_id=data["application"]["client_id"],
            lwa_client_secret=data["application"]["client_secret"],
            refresh_token=seller["refresh_token"],
        )
        self.sandbox = sandbox
        self.sleeps: list[float] = []
        self.settings = Settings(
            SP_API_ENDPOINT=sandbox.url,
            LWA_ENDPOINT=sandbox.url + "/auth/o2/token",
            AMAZON_MAX_ATTEMPTS=attempts,
            AMAZON_MAX_WAIT_SECONDS=max_wait,
        )
        self.limiter = RateLimiter()
        self.gateway = SpApiGateway(
            SELLER,
            self.credentials,
            "NA",
            self.settings,
            clients=ClientFactory(self.settings, token_cache=TokenCache()),
            limiter=self.limiter,
            sleep=self.sleeps.append,
        )

    def calls(self, operation: str) -> list[Any]:
        return self.sandbox.calls(operation)

    def submit(self, content: bytes, content_type: str, feed_type: str = JSON_LISTINGS_FEED) -> str:
        target = self.gateway.create_feed_document(content_type)
        self.gateway.upload_feed_document(target, content, content_type)
        return self.gateway.create_feed(feed_type, [US], target.document_id)


@pytest.fixture
def harness() -> Iterator[Harness]:
    with SpApiSandbox() as sandbox:
        h = Harness(sandbox)
        yield h
        h.gateway.close()
        assert sandbox.violations == []
