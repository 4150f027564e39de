"""The Amazon adapter over HTTP against the project's SP-API sandbox (LWA and SP-API on 127.0.0.1).

Every call, the LWA token request included, goes to the sandbox through SP_API_ENDPOINT / LWA_ENDPOINT:
nothing reaches amazon.com. Faults are injected in the sandbox; sleeps are recorded, not slept.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from amazon_odoo.adapters.amazon.clients import ClientFactory, SellerCredentials, TokenCache
from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.domain.errors import PermanentError, RetryableError, ThrottledError
from amazon_odoo.settings import Settings

SELLER = "A3MUGSUS8ACCPT"
US = "ATVPDKIKX0DER"
SCENARIO = (
    Path(__file__).resolve().parents[2] / "shared" / "amazon_odoo" / "local" / "scenarios" / "default.json"
)


def scenario_credentials() -> SellerCredentials:
    """The default scenario's LWA client and its seller's refresh token."""
    data = json.loads(SCENARIO.read_text(encoding="utf-8"))
    app = data.get("application", {})
    seller = next(s for s in data["sellers"] if s["selling_partner_id"] == SELLER)
    return SellerCredentials(
        lwa_client_id=app.get("client_id", "amzn1.application-oa2-client.sandbox"),
        lwa_client_secret=app.get("client_secret", "sandbox-client-secret"),
        refresh_token=seller["refresh_token"],
    )


@pytest.fixture
def sandbox() -> Iterator[Any]:
    from amazon_odoo.local.sandbox import SpApiSandbox

    sb = SpApiSandbox(scenario=None, enforce_rate_limits=True).start()
    try:
        yield sb
    finally:
        sb.stop()


class Harness:
    def __init__(self, sandbox: Any, *, attempts: int = 3, max_wait: float = 5.0) -> None:
        self.sandbox = sandbox
        self.sleeps: list[float] = []
        self.settings = Settings(
            SP_API_ENDPOINT=sandbox.url,
            LWA_ENDPOINT=sandbox.url + "/auth/o2/token",
            AMAZON_MAX_ATTEMPTS=attempts,
            AMAZON_MAX_WAIT_SECONDS=max_wait,
        )
        self.clients = ClientFactory(self.settings, token_cache=TokenCache())
        self.limiter = RateLimiter()

    def gateway(self, credentials: SellerCredentials | None = None) -> SpApiGateway:
        return SpApiGateway(
            SELLER,
            credentials or scenario_credentials(),
            "NA",
            self.settings,
            clients=self.clients,
            limiter=self.limiter,
            sleep=self.sleeps.append,
        )

    def calls(self, operation: str) -> list[Any]:
        return [call for call in self.sandbox.requests if call.operation == operation]

    def close(self) -> None:
        self.clients.close()


@pytest.fixture
def harness(sandbox: Any) -> Iterator[Harness]:
    h = Harness(sandbox)
    yield h
    h.close()
    assert sandbox.violations == []


def test_token_comes_from_lwa_endpoint_and_participations_are_parsed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected: list[str] = []
    create_connection = socket.create_connection

    def recording(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        connected.append(address[0])
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    gateway = harness.gateway()
    participations = gateway.marketplace_participations()
    us = next(p for p in participations if p.marketplace_id == US)
    assert (us.country_code, us.default_currency_code, us.is_participating) == ("US", "USD", True)
    assert us.domain_name and us.name and us.default_language_code
    assert us.has_suspended_listings is False
    gateway.marketplace_participations()
    # one token request (cached afterwards), made to the sandbox; both API calls authorised by it
    assert len(harness.calls("lwaToken")) == 1
    assert [c.status for c in harness.calls("getMarketplaceParticipations")] == [200, 200]
    assert {c.seller_id for c in harness.calls("getMarketplaceParticipations")} == {SELLER}
    assert connected and set(connected) == {"127.0.0.1"}  # nothing went to amazon.com


def test_account_has_no_personal_data(harness: Harness) -> None:
    account = harness.gateway().account()
    assert account.business_type and account.selling_plan
    assert US in {p.marketplace_id for p in account.participations}
    assert set(type(account).model_fields) == {"business_type", "selling_plan", "participations"}


def test_503_is_retried_then_succeeds(harness: Harness) -> None:
    harness.sandbox.inject("getMarketplaceParticipations", 503, times=2)
    assert harness.gateway().marketplace_participations()
    assert [c.status for c in harness.calls("getMarketplaceParticipations")] == [503, 503, 200]
    assert len(harness.sleeps) == 2 and all(0 <= s <= 1.0 for s in harness.sleeps)


def test_500_with_empty_body_is_retryable(harness: Harness) -> None:
    harness.sandbox.inject("getMarketplaceParticipations", 500, times=5, body="")
    with pytest.raises(RetryableError) as caught:
        harness.gateway().marketplace_participations()
    assert type(caught.value) is RetryableError
    assert caught.value.code == "500" and "empty error body" in caught.value.message
    assert len(harness.calls("getMarketplaceParticipations")) == 3  # AMAZON_MAX_ATTEMPTS


def test_429_storm_hands_back_with_retry_after(harness: Harness) -> None:
    harness.sandbox.inject(
        "getMarketplaceParticipations",
        429,
        times=20,
        body={
            "errors": [
                {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
            ]
        },
        headers={"x-amzn-RateLimit-Limit": "0.016"},
    )
    with pytest.raises(ThrottledError) as caught:
        harness.gateway().marketplace_participations()
    assert caught.value.retry_after == pytest.approx(1 / 0.016)
    assert caught.value.code == "QuotaExceeded"
    assert len(harness.calls("getMarketplaceParticipations")) == 1  # a 62 s wait is not slept in a Lambda
    assert harness.sleeps == []


def test_our_bucket_stops_before_amazon_would_refuse(harness: Harness) -> None:
    gateway = harness.gateway()
    for _ in range(15):  # the documented burst of getMarketplaceParticipations
        gateway.marketplace_participations()
    with pytest.raises(ThrottledError) as caught:
        gateway.marketplace_participations()
    assert caught.value.retry_after is not None and caught.value.retry_after > 5
    assert [c.status for c in harness.calls("getMarketplaceParticipations")] == [200] * 15


def test_400_is_permanent_with_amazons_message(harness: Harness) -> None:
    harness.sandbox.inject(
        "getMarketplaceParticipations",
        400,
        body={"errors": [{"code": "InvalidInput", "message": "Invalid request: marketplace", "details": ""}]},
    )
    with pytest.raises(PermanentError) as caught:
        harness.gateway().marketplace_participations()
    assert caught.value.code == "InvalidInput"
    assert caught.value.resolution == "the request was refused: Invalid request: marketplace"
    assert len(harness.calls("getMarketplaceParticipations")) == 1


def test_invalid_value_refused_by_amazon_is_permanent(harness: Harness) -> None:
    with pytest.raises(PermanentError) as caught:
        harness.gateway().search_orders(marketplace_ids=[US], fulfillment_statuses=["NOT_A_STATUS"])
    call = harness.calls("searchOrders")[-1]
    amazon_message = call.response["errors"][0]["message"]
    assert call.status == 400
    assert caught.value.resolution.startswith(f"the request was refused: {amazon_message}")


def test_invalid_refresh_token_is_permanent_and_names_reauthorisation(harness: Harness) -> None:
    good = scenario_credentials()
    bad = SellerCredentials(good.lwa_client_id, good.lwa_client_secret, "Atzr|revoked-refresh-token-value")
    with pytest.raises(PermanentError) as caught:
        harness.gateway(bad).marketplace_participations()
    error = caught.value
    assert error.code == "invalid_grant"
    assert "re-authorise" in error.resolution and "refresh token" in error.resolution
    for secret in (bad.refresh_token, bad.lwa_client_secret):
        assert secret not in str(error) and secret not in repr(error.__cause__)
    assert harness.calls("getMarketplaceParticipations") == []


def test_search_orders_and_get_order(harness: Harness) -> None:
    gateway = harness.gateway()
    page = gateway.search_orders(
        marketplace_ids=[US],
        created_after=datetime.now(UTC) - timedelta(days=30),
        fulfillment_statuses=["UNSHIPPED", "PARTIALLY_SHIPPED"],
        fulfilled_by=["MERCHANT"],
        included_data=["BUYER", "RECIPIENT"],
        max_results_per_page=50,
    )
    assert isinstance(page["orders"], list)
    query = harness.calls("searchOrders")[-1].query
    assert query["marketplaceIds"] == [US]
    assert query["fulfillmentStatuses"] == ["UNSHIPPED,PARTIALLY_SHIPPED"]
    assert query["includedData"] == ["BUYER,RECIPIENT"]
    assert query["createdAfter"][0].endswith("Z")
    assert page["orders"], "the default scenario has unshipped merchant orders of the last days"
    order_id = page["orders"][0]["orderId"]
    order = gateway.get_order(order_id, included_data=["BUYER"])
    assert order["order"]["orderId"] == order_id
    assert harness.calls("getOrder")[-1].query == {"includedData": ["BUYER"]}


def test_unknown_order_is_permanent(harness: Harness) -> None:
    with pytest.raises(PermanentError) as caught:
        harness.gateway().get_order("999-0000000-0000000")
    assert caught.value.record == "order 999-0000000-0000000"
    assert harness.calls("getOrder")[-1].status == 404
