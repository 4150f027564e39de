"""Library clients: endpoints from settings, explicit credentials, error bodies never lost, token cache."""

from __future__ import annotations

import httpx
import pytest
from sp_api.api import Sellers
from sp_api.api.orders.orders_2026_01_01 import OrdersV20260101

from amazon_odoo.adapters.amazon.clients import (
    LWA_TOKEN_URL,
    REGION_ENDPOINTS,
    ClientFactory,
    LwaTokenClient,
    SellerCredentials,
    SpApiHttpError,
    SpApiResponse,
    TokenCache,
    redirected,
)
from amazon_odoo.settings import Settings

CREDENTIALS = SellerCredentials("amzn1.application-oa2-client.abc", "the-secret", "Atzr|the-refresh-token")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def factory(**env: str) -> ClientFactory:
    return ClientFactory(Settings.model_validate(env), token_cache=TokenCache())


def test_endpoints_come_from_settings() -> None:
    clients = factory(
        SP_API_ENDPOINT="http://127.0.0.1:8123", LWA_ENDPOINT="http://127.0.0.1:8123/auth/o2/token"
    )
    client = clients.client(Sellers, "S1", "EU", CREDENTIALS)
    assert client.endpoint == "http://127.0.0.1:8123"
    assert (
        client._headers_with("Atza|x")["host"] == "127.0.0.1:8123"
    )  # not the library's endpoint[8:] ("27.0.0.1:8123")
    auth = client._auth
    assert isinstance(auth, LwaTokenClient)
    assert auth.scheme + auth.host + auth.path == "http://127.0.0.1:8123/auth/o2/token"
    clients.close()


def test_production_endpoints_by_region() -> None:
    clients = factory()
    for region, endpoint in REGION_ENDPOINTS.items():
        client = clients.client(Sellers, "S1", region, CREDENTIALS)
        assert client.endpoint == endpoint
        assert client._auth.token_url == LWA_TOKEN_URL
    with pytest.raises(ValueError):
        clients.client(Sellers, "S1", "XX", CREDENTIALS)


def test_one_client_per_seller_region_and_api() -> None:
    clients = factory()
    first = clients.client(Sellers, "S1", "NA", CREDENTIALS)
    assert clients.client(Sellers, "S1", "NA", CREDENTIALS) is first
    assert clients.client(Sellers, "S2", "NA", CREDENTIALS) is not first
    assert clients.client(Sellers, "S1", "EU", CREDENTIALS) is not first
    assert isinstance(clients.client(OrdersV20260101, "S1", "NA", CREDENTIALS), OrdersV20260101)
    assert redirected(Sellers) is redirected(Sellers)


def test_environment_credentials_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LWA_APP_ID", "from-environment")
    monkeypatch.setenv("LWA_CLIENT_SECRET", "from-environment")
    monkeypatch.setenv("SP_API_REFRESH_TOKEN", "from-environment")
    monkeypatch.setenv("SP_API_DEFAULT_MARKETPLACE", "JP")
    client = factory().client(Sellers, "S1", "NA", CREDENTIALS)
    assert client.credentials.lwa_app_id == CREDENTIALS.lwa_client_id
    assert client._auth.cred.refresh_token == CREDENTIALS.refresh_token
    assert client.endpoint == REGION_ENDPOINTS["NA"] and client.marketplace_id == "ATVPDKIKX0DER"


def response(status: int, content: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers, request=httpx.Request("GET", "http://x"))


def test_error_without_errors_body_raises() -> None:
    client = factory().client(Sellers, "S1", "NA", CREDENTIALS)
    for body in (b"", b"<html>Bad Gateway</html>", b"{}", b'{"message": "oops"}'):
        with pytest.raises(SpApiHttpError) as caught:
            client._check_response(response(502, body))
        assert (caught.value.status, caught.value.code, caught.value.errors) == (502, "", [])


def test_error_with_amazons_errors() -> None:
    client = factory().client(Sellers, "S1", "NA", CREDENTIALS)
    body = b'{"errors": [{"code": "InvalidInput", "message": "bad", "details": "createdAfter"}]}'
    with pytest.raises(SpApiHttpError) as caught:
        client._check_response(response(400, body, {"x-amzn-RateLimit-Limit": "0.5"}))
    error = caught.value
    assert (error.status, error.code, error.message, error.details) == (
        400,
        "InvalidInput",
        "bad",
        "createdAfter",
    )
    assert error.headers["x-amzn-ratelimit-limit"] == "0.5"


def test_success_keeps_the_body_as_sent() -> None:
    client = factory().client(OrdersV20260101, "S1", "NA", CREDENTIALS)
    body = b'{"orders": [{"orderId": "1"}], "pagination": {"nextToken": "abc"}}'
    answer = client._check_response(response(200, body, {"x-amzn-RateLimit-Limit": "0.0056"}))
    assert isinstance(answer, SpApiResponse)
    assert answer.body == {"orders": [{"orderId": "1"}], "pagination": {"nextToken": "abc"}}
    assert answer.next_token == "abc" and answer.status_code == 200
    assert answer.rate_limit == "0.0056"


def test_token_cache_is_per_url_client_and_subject_and_expires() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    a = cache.key("http://127.0.0.1:1/auth/o2/token", "client", "refresh:r")
    b = cache.key("http://127.0.0.1:2/auth/o2/token", "client", "refresh:r")
    assert a != b and "refresh" not in a
    cache.put(a, {"access_token": "Atza|1", "expires_in": 3600})
    assert cache.get(a) == {"access_token": "Atza|1", "expires_in": 3600}
    assert cache.get(b) is None
    clock.now = 3600 - 121
    assert cache.get(a) is not None
    clock.now = 3600 - 119  # renewed two minutes before Amazon's expiry
    assert cache.get(a) is None


def test_credentials_repr_hides_secrets() -> None:
    text = repr(CREDENTIALS)
    assert "the-secret" not in text and "the-refresh-token" not in text and CREDENTIALS.lwa_client_id in text
