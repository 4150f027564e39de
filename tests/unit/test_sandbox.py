"""The SP-API sandbox: LWA, auth, orders, sellers, model validation, rate limits, injection, recording."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.local.sandbox.models import ModelCatalog
from amazon_odoo.local.sandbox.routing import build_routes
from amazon_odoo.local.sandbox.state import DEFAULT_SCENARIO

SELLER = "A3MUGSUS8ACCPT"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT"
MODELS = ModelCatalog(SpApiSandbox().models.root)
needs_models = pytest.mark.skipif(not MODELS.available, reason="SP-API models not present")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[SpApiSandbox]:
    with SpApiSandbox(clock=clock) as sandbox:
        yield sandbox
        assert sandbox.violations == []


def seller_token(sb: SpApiSandbox) -> str:
    state = sb.state
    response = httpx.post(
        sb.lwa_endpoint,
        data={
            "grant_type": "refresh_token",
            "client_id": state.client_id,
            "client_secret": state.client_secret,
            "refresh_token": state.seller().refresh_token,
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def grantless_token(sb: SpApiSandbox) -> str:
    response = httpx.post(
        sb.lwa_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": sb.state.client_id,
            "client_secret": sb.state.client_secret,
            "scope": "sellingpartnerapi::notifications",
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def api(sb: SpApiSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.url, headers={"x-amz-access-token": seller_token(sb)}) as client:
        yield client


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- LWA and authorisation ------------------------------------------------------------------------------


def test_lwa_refresh_token_grant_gives_a_bearer_token(sb: SpApiSandbox) -> None:
    state = sb.state
    response = httpx.post(
        sb.lwa_endpoint,
        data={
            "grant_type": "refresh_token",
            "client_id": state.client_id,
            "client_secret": state.client_secret,
            "refresh_token": state.seller().refresh_token,
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == state.seller().refresh_token
    assert body["access_token"].startswith("Atza|")


def test_lwa_errors_use_lwa_shape(sb: SpApiSandbox) -> None:
    state = sb.state
    base = {"client_id": state.client_id, "client_secret": state.client_secret}
    bad_grant = httpx.post(
        sb.lwa_endpoint, data={**base, "grant_type": "refresh_token", "refresh_token": "Atzr|nope"}
    )
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "invalid_grant"
    assert "refresh_token" in bad_grant.json()["error_description"]
    bad_client = httpx.post(
        sb.lwa_endpoint,
        data={
            **base,
            "client_secret": "wrong",
            "grant_type": "refresh_token",
            "refresh_token": state.seller().refresh_token,
        },
    )
    assert bad_client.status_code == 401
    assert bad_client.json()["error"] == "invalid_client"
    unsupported = httpx.post(sb.lwa_endpoint, data={**base, "grant_type": "password"})
    assert unsupported.json()["error"] == "unsupported_grant_type"
    bad_scope = httpx.post(sb.lwa_endpoint, data={**base, "grant_type": "client_credentials", "scope": "x"})
    assert bad_scope.json()["error"] == "invalid_scope"


def test_calls_need_a_live_token(sb: SpApiSandbox, clock: FakeClock) -> None:
    url = sb.url + "/sellers/v1/account"
    missing = httpx.get(url)
    assert missing.status_code == 403
    assert missing.json()["errors"][0]["code"] == "Unauthorized"
    assert "x-amzn-RequestId" in missing.headers
    invalid = httpx.get(url, headers={"x-amz-access-token": "Atza|forged"})
    assert invalid.status_code == 403
    assert "invalid" in invalid.json()["errors"][0]["details"]
    token = seller_token(sb)
    assert httpx.get(url, headers={"x-amz-access-token": token}).status_code == 200
    clock.advance(3601)
    expired = httpx.get(url, headers={"x-amz-access-token": token})
    assert expired.status_code == 403
    assert "expired" in expired.json()["errors"][0]["details"]


def test_grantless_tokens_serve_destinations_only(sb: SpApiSandbox) -> None:
    grantless = {"x-amz-access-token": grantless_token(sb)}
    seller = {"x-amz-access-token": seller_token(sb)}
    assert httpx.get(sb.url + "/notifications/v1/destinations", headers=grantless).status_code == 200
    assert httpx.get(sb.url + "/notifications/v1/destinations", headers=seller).status_code == 403
    orders = httpx.get(
        sb.url + "/orders/2026-01-01/orders", params={"createdAfter": ago(days=30)}, headers=grantless
    )
    assert orders.status_code == 403


# -- Sellers and Orders ------------------------------------------------------------------------------------


def test_sellers_operations(api: httpx.Client) -> None:
    participations = api.get("/sellers/v1/marketplaceParticipations").json()["payload"]
    assert [p["marketplace"]["id"] for p in participations] == [US, CA]
    assert participations[0]["storeName"] == "Blue Mug Co."
    account = api.get("/sellers/v1/account").json()["payload"]
    assert account["sellingPlan"] == "PROFESSIONAL"
    assert len(account["marketplaceParticipationList"]) == 2


def test_search_orders_filters_and_included_data(api: httpx.Client) -> None:
    since = "2026-10-01T00:00:00Z"
    everything = api.get("/orders/2026-01-01/orders", params={"createdAfter": since}).json()
    assert len(everything["orders"]) == 6
    assert "createdBefore" in everything
    core = everything["orders"][0]
    assert "buyer" not in core and "fulfillment" not in core and "proceeds" not in core.get("orderItems")[0]
    unshipped = api.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": since, "fulfillmentStatuses": "UNSHIPPED", "includedData": ALL_DATA},
    ).json()["orders"]
    assert sorted(o["orderId"] for o in unshipped) == ["114-5820417-3390021", "702-3318840-1227604"]
    assert all(o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED" for o in unshipped)
    canada = api.get(
        "/orders/2026-01-01/orders",
        params=[
            ("createdAfter", since),
            ("marketplaceIds", CA),
            ("includedData", "BUYER"),
            ("includedData", "TAX"),
        ],
    ).json()["orders"]
    assert [o["orderId"] for o in canada] == ["702-3318840-1227604"]
    assert canada[0]["buyer"]["buyerCompanyName"] == "Maple Leaf Tea Room Inc."
    assert canada[0]["tax"]["taxRegistrations"][0]["taxRegistrationType"] == "VAT"
    updated = api.get("/orders/2026-01-01/orders", params={"lastUpdatedAfter": ago(days=2)}).json()["orders"]
    assert {o["orderId"] for o in updated} == {"114-5820417-3390021", "702-3318840-1227604"}


def test_search_orders_pages_with_pagination_token(sb: SpApiSandbox, api: httpx.Client) -> None:
    seller = sb.state.seller()
    added = {
        seller.build_order([("MUG-BLUE-12", 1, "12.99")], created=ago(hours=50 - i))["orderId"]
        for i in range(7)
    }
    params = {
        "createdAfter": ago(hours=51),
        "createdBefore": ago(hours=43),
        "maxResultsPerPage": "3",
        "includedData": "FULFILLMENT",
    }
    seen: list[str] = []
    pages = 0
    token = None
    while True:
        query = {**params, **({"paginationToken": token} if token else {})}
        response = api.get("/orders/2026-01-01/orders", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        seen.extend(o["orderId"] for o in body["orders"])
        token = body.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert pages == 3
    assert seen == sorted(added, key=lambda oid: seller.orders[oid]["createdTime"])
    assert len(seen) == len(set(seen)) == 7
    first = api.get("/orders/2026-01-01/orders", params=params).json()
    changed = api.get(
        "/orders/2026-01-01/orders",
        params={
            **params,
            "fulfillmentStatuses": "SHIPPED",
            "paginationToken": first["pagination"]["nextToken"],
        },
    )
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["code"] == "InvalidInput"


def test_search_orders_enforces_its_time_rules(api: httpx.Client) -> None:
    neither = api.get("/orders/2026-01-01/orders")
    assert neither.status_code == 400
    both = api.get(
        "/orders/2026-01-01/orders", params={"createdAfter": ago(days=2), "lastUpdatedAfter": ago(days=2)}
    )
    assert both.status_code == 400
    too_recent = api.get(
        "/orders/2026-01-01/orders", params={"createdAfter": ago(days=2), "createdBefore": ago(seconds=30)}
    )
    assert too_recent.status_code == 400
    assert "two minutes" in too_recent.json()["errors"][0]["message"]


def test_get_order(api: httpx.Client) -> None:
    order = api.get(
        "/orders/2026-01-01/orders/114-2208876-1153001", params={"includedData": ALL_DATA}
    ).json()["order"]
    coaster = order["orderItems"][1]
    assert coaster["promotion"]["breakdowns"][0]["promotionId"] == "PLM-20261101-TENOFF"
    assert coaster["fulfillment"]["packing"]["giftOption"]["giftWrapLevel"] == "Classic"
    assert order["proceeds"]["grandTotal"] == {"amount": "33.07", "currencyCode": "USD"}
    assert coaster["tax"]["taxCollections"][0]["model"] == "MARKETPLACE_FACILITATOR"
    missing = api.get("/orders/2026-01-01/orders/000-0000000-0000000")
    assert missing.status_code == 404


def _shipment(order_id_items: list[tuple[str, int]], reference: str = "1") -> dict[str, object]:
    return {
        "marketplaceId": US,
        "packageDetail": {
            "packageReferenceId": reference,
            "carrierCode": "UPS",
            "shippingMethod": "UPS Ground",
            "trackingNumber": "1Z999AA10123456785",
            "shipDate": ago(hours=1),
            "orderItems": [{"orderItemId": item, "quantity": qty} for item, qty in order_id_items],
        },
    }


def test_confirm_shipment_ships_then_refuses_again(api: httpx.Client) -> None:
    url = "/orders/2026-01-01/orders/114-5820417-3390021"
    confirm = "/orders/v0/orders/114-5820417-3390021/shipmentConfirmation"
    partial = api.post(confirm, json=_shipment([("60217734910021", 1)]))
    assert partial.status_code == 204
    assert partial.content == b""
    order = api.get(url, params={"includedData": "FULFILLMENT,PACKAGES"}).json()["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert order["packages"][0]["trackingNumber"] == "1Z999AA10123456785"
    rest = api.post(confirm, json=_shipment([("60217734910039", 2)], reference="2"))
    assert rest.status_code == 204
    order = api.get(url, params={"includedData": "FULFILLMENT"}).json()["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    again = api.post(confirm, json=_shipment([("60217734910039", 1)], reference="3"))
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "InvalidInput"
    assert "already fulfilled" in again.json()["errors"][0]["message"]


def test_confirm_shipment_refusals(api: httpx.Client) -> None:
    cancelled = api.post(
        "/orders/v0/orders/114-9041177-6652310/shipmentConfirmation", json=_shipment([("81166203457728", 1)])
    )
    assert cancelled.status_code == 400
    assert "cancelled" in cancelled.json()["errors"][0]["message"]
    confirm = "/orders/v0/orders/114-5820417-3390021/shipmentConfirmation"
    unknown_item = api.post(confirm, json=_shipment([("99999999999999", 1)]))
    assert unknown_item.status_code == 400
    assert "OrderItemId" in unknown_item.json()["errors"][0]["message"]
    bad_reference = api.post(confirm, json=_shipment([("60217734910021", 1)], reference="PKG-1"))
    assert bad_reference.status_code == 400
    assert "positive numeric" in bad_reference.json()["errors"][0]["message"]
    bad_date = _shipment([("60217734910021", 1)])
    bad_date["packageDetail"]["shipDate"] = "02/21/2026"  # type: ignore[index]
    assert api.post(confirm, json=bad_date).status_code == 400
    missing = api.post(
        "/orders/v0/orders/000-0000000-0000000/shipmentConfirmation", json=_shipment([("1", 1)])
    )
    assert missing.status_code == 404


# -- model validation, rate limits, injection, recording --------------------------------------------------


@needs_models
def test_requests_breaking_the_model_get_400(api: httpx.Client) -> None:
    bad_enum = api.get(
        "/orders/2026-01-01/orders", params={"createdAfter": ago(days=3), "fulfillmentStatuses": "LOST"}
    )
    assert bad_enum.status_code == 400
    error = bad_enum.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert "fulfillmentStatuses" in error["message"]
    assert "LOST" in error["details"]
    bad_int = api.get(
        "/orders/2026-01-01/orders", params={"createdAfter": ago(days=3), "maxResultsPerPage": "many"}
    )
    assert bad_int.status_code == 400
    missing_required = api.get(f"/listings/2021-08-01/items/{SELLER}/MUG-BLUE-12")
    assert missing_required.status_code == 400
    assert "marketplaceIds" in missing_required.json()["errors"][0]["message"]
    too_many = api.delete(
        f"/listings/2021-08-01/items/{SELLER}/MUG-BLUE-12", params={"marketplaceIds": f"{US},{CA}"}
    )
    assert too_many.status_code == 400
    bad_body = api.post("/feeds/2021-06-30/feeds", json={"marketplaceIds": [US], "inputFeedDocumentId": "x"})
    assert bad_body.status_code == 400
    assert "feedType" in bad_body.json()["errors"][0]["details"]
    not_json = api.post(
        "/feeds/2021-06-30/documents", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400


def test_quota_exceeded_after_the_burst(sb: SpApiSandbox, api: httpx.Client, clock: FakeClock) -> None:
    for _ in range(15):
        ok = api.get("/sellers/v1/account")
        assert ok.status_code == 200
        assert ok.headers["x-amzn-RateLimit-Limit"] == "0.016"
    throttled = api.get("/sellers/v1/account")
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
        ]
    }
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.016"
    assert api.get("/sellers/v1/marketplaceParticipations").status_code == 200  # another operation's bucket
    clock.advance(1 / 0.016 + 0.1)
    assert api.get("/sellers/v1/account").status_code == 200
    assert api.get("/sellers/v1/account").status_code == 429
    assert [c.status for c in sb.calls("getAccount")][-3:] == [429, 200, 429]


def test_rate_limits_can_be_disabled(clock: FakeClock) -> None:
    with (
        SpApiSandbox(enforce_rate_limits=False, clock=clock) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"x-amz-access-token": seller_token(sandbox)}) as client,
    ):
        statuses = {client.get("/sellers/v1/account").status_code for _ in range(20)}
        assert statuses == {200}
        assert sandbox.violations == []


def test_injection_answers_the_next_calls(sb: SpApiSandbox, api: httpx.Client) -> None:
    sb.inject("getAccount", 503, times=2, headers={"Retry-After": "1"})
    sb.inject("getMarketplaceParticipations", 500, body="<html>Bad gateway</html>")
    first, second, third = (api.get("/sellers/v1/account") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["Retry-After"] == "1"
    assert first.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert "x-amzn-RateLimit-Limit" in first.headers
    raw = api.get("/sellers/v1/marketplaceParticipations")
    assert raw.status_code == 500
    assert raw.text == "<html>Bad gateway</html>"
    sb.inject("lwaToken", 500)
    assert httpx.post(sb.lwa_endpoint, data={}).status_code == 500
    assert [c.status for c in sb.calls("getAccount")] == [503, 503, 200]


def test_requests_are_recorded(sb: SpApiSandbox, api: httpx.Client) -> None:
    api.get("/orders/2026-01-01/orders", params={"createdAfter": ago(days=1), "marketplaceIds": US})
    api.post("/feeds/2021-06-30/documents", json={"contentType": "application/json"})
    search, document = sb.requests[-2:]
    assert search.operation == "searchOrders"
    assert search.method == "GET"
    assert search.query["marketplaceIds"] == [US]
    assert search.seller_id == SELLER
    assert document.operation == "createFeedDocument"
    assert document.body == {"contentType": "application/json"}
    assert document.status == 201


def test_unknown_path_is_404(api: httpx.Client) -> None:
    response = api.get("/orders/v0/orders")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


# -- the models and the scenario ----------------------------------------------------------------------------


@needs_models
def test_every_route_is_the_models_path() -> None:
    for route in build_routes().routes:
        spec = MODELS.operation(route.model, route.operation)
        assert spec is not None, route.operation
        assert (spec.method, spec.path) == (route.method, route.path)


@needs_models
def test_default_scenario_orders_are_valid_orders(api: httpx.Client, sb: SpApiSandbox) -> None:
    spec = MODELS.operation("orders-api-model/orders_2026-01-01.json", "getOrder")
    assert spec is not None
    for order in sb.state.seller().orders.values():
        assert MODELS.response_violations(spec, 200, {"order": order}) == []
        response = api.get(f"/orders/2026-01-01/orders/{order['orderId']}", params={"includedData": ALL_DATA})
        assert response.json()["order"] == order


@needs_models
def test_a_response_breaking_the_model_is_a_violation(clock: FakeClock) -> None:
    scenario = json.loads(DEFAULT_SCENARIO.read_text())
    scenario["sellers"][0]["reports"] = []
    broken = scenario["sellers"][0]["orders"][0]
    del broken["salesChannel"]["channelName"]
    with SpApiSandbox(scenario, clock=clock) as sandbox:
        client = httpx.Client(base_url=sandbox.url, headers={"x-amz-access-token": seller_token(sandbox)})
        client.get(f"/orders/2026-01-01/orders/{broken['orderId']}")
        assert any("channelName" in v for v in sandbox.violations)


def test_models_load_lazily(tmp_path: Path) -> None:
    sandbox = SpApiSandbox()
    assert sandbox.models._specs == {}
    without = SpApiSandbox(models_dir=str(tmp_path))
    assert not without.models.available
    with (
        without,
        httpx.Client(base_url=without.url, headers={"x-amz-access-token": seller_token(without)}) as c,
    ):
        assert c.get("/sellers/v1/account").status_code == 200
        assert without.violations == []


def test_python_amazon_sp_api_client_works_against_the_sandbox(sb: SpApiSandbox) -> None:
    from sp_api.api import Sellers

    state = sb.state
    client = Sellers(
        credentials={"lwa_app_id": state.client_id, "lwa_client_secret": state.client_secret},
        refresh_token=state.seller().refresh_token,
    )
    client.endpoint = sb.url
    client._auth.scheme = "http://"
    client._auth.host = sb.url.removeprefix("http://")
    response = client.get_marketplace_participation()
    assert [p["marketplace"]["id"] for p in response.payload] == [US, CA]
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"


def test_standalone_command() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "amazon_odoo.local.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" on ")[1].strip()
        response = httpx.post(url + "/auth/o2/token", data={"grant_type": "refresh_token"})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
    finally:
        process.terminate()
        process.wait(timeout=10)
