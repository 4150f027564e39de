"""SpApiGateway.confirm_shipment against the SP-API sandbox (which validates requests against ordersV0.json)."""

from __future__ import annotations

import pytest

from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.domain.errors import PermanentError, SkipError
from amazon_odoo.domain.shipments import ConfirmationUncertainError
from amazon_odoo.local.sandbox import SpApiSandbox
from tests.integration.shipment_fixtures import seller_gateway

ORDER = "114-5820417-3390021"  # unshipped in the default scenario: 1 x MUG-BLUE-12, 2 x COASTER-SET-4
MUG_ITEM = "60217734910021"


@pytest.fixture
def amazon_gateway(sandbox: SpApiSandbox) -> SpApiGateway:
    return seller_gateway(sandbox)


def detail(reference: str = "1", quantity: int = 1, **extra: object) -> dict[str, object]:
    return {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "trackingNumber": "1Z999AA10123456784",
        "shipDate": "2026-11-20T14:05:09Z",
        "orderItems": [{"orderItemId": MUG_ITEM, "quantity": quantity}],
        **extra,
    }


def test_a_package_is_confirmed_and_the_request_follows_the_model(
    sandbox: SpApiSandbox, amazon_gateway: SpApiGateway
) -> None:
    amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail(shippingMethod="UPS Ground"))
    [call] = sandbox.calls("confirmShipment")
    assert call.status == 204 and call.path == f"/orders/v0/orders/{ORDER}/shipmentConfirmation"
    assert call.body == {
        "marketplaceId": "ATVPDKIKX0DER",
        "packageDetail": detail(shippingMethod="UPS Ground"),
    }
    [package] = sandbox.state.seller().orders[ORDER]["packages"]
    assert package["packageReferenceId"] == "1" and package["trackingNumber"] == "1Z999AA10123456784"
    assert sandbox.violations == []


def test_already_shipped_is_a_skip(sandbox: SpApiSandbox, amazon_gateway: SpApiGateway) -> None:
    amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail("1"))
    with pytest.raises(SkipError) as caught:
        amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail("2"))  # the only mug has shipped
    assert caught.value.code == "AlreadyShipped" and "already fulfilled" in caught.value.message


def test_a_lost_answer_is_uncertain_and_never_retried_blindly(
    sandbox: SpApiSandbox, amazon_gateway: SpApiGateway
) -> None:
    sandbox.inject("confirmShipment", 503)
    with pytest.raises(ConfirmationUncertainError) as caught:
        amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail())
    assert len(sandbox.calls("confirmShipment")) == 1 and caught.value.retryable
    assert "getOrder" in caught.value.resolution


def test_throttling_is_retried_then_sent_once(sandbox: SpApiSandbox, amazon_gateway: SpApiGateway) -> None:
    sandbox.inject("confirmShipment", 429)
    amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail())
    assert [c.status for c in sandbox.calls("confirmShipment")] == [429, 204]


def test_refusals_are_permanent_with_amazons_message(
    sandbox: SpApiSandbox, amazon_gateway: SpApiGateway
) -> None:
    sandbox.state.seller().set_order_status(ORDER, "CANCELLED")
    with pytest.raises(PermanentError) as caught:
        amazon_gateway.confirm_shipment(ORDER, "ATVPDKIKX0DER", detail())
    assert "has been cancelled" in caught.value.message and not isinstance(caught.value, SkipError)
