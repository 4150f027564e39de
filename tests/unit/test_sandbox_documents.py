"""The SP-API sandbox: feeds, reports and their documents, listings, notifications."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from amazon_odoo.local.sandbox import SpApiSandbox
from amazon_odoo.local.sandbox.notifications import notification_violations
from amazon_odoo.local.sandbox.state import DEFAULT_SCENARIO

SELLER = "A3MUGSUS8ACCPT"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
SETTLEMENT = DEFAULT_SCENARIO.parent / "settlement-v2-us.tsv"
ITEM = f"/listings/2021-08-01/items/{SELLER}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[SpApiSandbox]:
    with SpApiSandbox(clock=clock) as sandbox:
        yield sandbox
        assert sandbox.violations == []


def _token(sb: SpApiSandbox, **form: str) -> str:
    base = {"client_id": sb.state.client_id, "client_secret": sb.state.client_secret}
    response = httpx.post(sb.lwa_endpoint, data={**base, **form})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def api(sb: SpApiSandbox) -> Iterator[httpx.Client]:
    token = _token(sb, grant_type="refresh_token", refresh_token=sb.state.seller().refresh_token)
    with httpx.Client(base_url=sb.url, headers={"x-amz-access-token": token}) as client:
        yield client


@pytest.fixture
def grantless(sb: SpApiSandbox) -> Iterator[httpx.Client]:
    token = _token(sb, grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    with httpx.Client(base_url=sb.url, headers={"x-amz-access-token": token}) as client:
        yield client


def submit_feed(api: httpx.Client, feed_type: str, content: bytes, content_type: str) -> str:
    document = api.post("/feeds/2021-06-30/documents", json={"contentType": content_type})
    assert document.status_code == 201
    upload = httpx.put(document.json()["url"], content=content, headers={"content-type": content_type})
    assert upload.status_code == 200
    feed = api.post(
        "/feeds/2021-06-30/feeds",
        json={
            "feedType": feed_type,
            "marketplaceIds": [US],
            "inputFeedDocumentId": document.json()["feedDocumentId"],
        },
    )
    assert feed.status_code == 202, feed.text
    return str(feed.json()["feedId"])


def result_document(api: httpx.Client, feed: dict[str, Any]) -> str:
    document = api.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
    return httpx.get(document["url"]).text


# -- feeds ------------------------------------------------------------------------------------------------


def test_json_listings_feed_lifecycle(sb: SpApiSandbox, api: httpx.Client) -> None:
    feed_body = {
        "header": {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": 1,
                "sku": "MUG-BLUE-12",
                "operationType": "PATCH",
                "productType": "DRINKING_CUP",
                "patches": [
                    {
                        "op": "merge",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}],
                    }
                ],
            },
            {
                "messageId": 2,
                "sku": "COASTER-SET-4",
                "operationType": "PATCH",
                "productType": "COASTER",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/purchasable_offer",
                        "value": [
                            {
                                "marketplace_id": US,
                                "currency": "USD",
                                "our_price": [{"schedule": [{"value_with_tax": 8.75}]}],
                            }
                        ],
                    }
                ],
            },
            {
                "messageId": 3,
                "sku": "MUG-RED-12",
                "operationType": "PATCH",
                "productType": "DRINKING_CUP",
                "patches": [
                    {
                        "op": "merge",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": -1}],
                    }
                ],
            },
            {
                "messageId": 4,
                "sku": "NO-SUCH-SKU",
                "operationType": "PATCH",
                "productType": "X",
                "patches": [{"op": "delete", "path": "/attributes/item_name"}],
            },
        ],
    }
    feed_id = submit_feed(
        api, "JSON_LISTINGS_FEED", json.dumps(feed_body).encode(), "application/json; charset=UTF-8"
    )
    statuses = [api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()["processingStatus"] for _ in range(2)]
    assert statuses == ["IN_PROGRESS", "DONE"]
    feed = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE"
    assert "processingEndTime" in feed
    report = json.loads(result_document(api, feed))
    schema_path = (
        sb.models.root / "schemas/feeds/listings-feed-processing-report-schema-v2.json"
        if sb.models.root
        else None
    )
    if schema_path is not None:
        assert list(Draft7Validator(json.loads(schema_path.read_text())).iter_errors(report)) == []
    assert report["header"]["feedId"] == feed_id
    assert report["summary"]["messagesProcessed"] == 4
    assert report["summary"]["messagesAccepted"] == 2
    assert report["summary"]["messagesInvalid"] == 2
    assert {i["sku"] for i in report["issues"]} == {"MUG-RED-12", "NO-SUCH-SKU"}
    seller = sb.state.seller()
    assert seller.listing_quantity("MUG-BLUE-12") == 5
    assert str(seller.listing_price("COASTER-SET-4", US)) == "8.75"
    assert seller.listing_quantity("MUG-RED-12") == 12


def test_order_acknowledgement_feed_cancels_the_order(sb: SpApiSandbox, api: httpx.Client) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{SELLER}</MerchantIdentifier></Header>
  <MessageType>OrderAcknowledgement</MessageType>
  <Message><MessageID>1</MessageID><OrderAcknowledgement>
    <AmazonOrderID>114-5820417-3390021</AmazonOrderID><StatusCode>Failure</StatusCode>
    <Item><AmazonOrderItemCode>60217734910021</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason></Item>
  </OrderAcknowledgement></Message>
  <Message><MessageID>2</MessageID><OrderAcknowledgement>
    <AmazonOrderID>114-0000000-0000000</AmazonOrderID><StatusCode>Failure</StatusCode>
  </OrderAcknowledgement></Message>
</AmazonEnvelope>"""
    feed_id = submit_feed(api, "POST_ORDER_ACKNOWLEDGEMENT_DATA", xml.encode(), "text/xml; charset=UTF-8")
    sb.complete_pending()
    feed = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE"
    report = ET.fromstring(result_document(api, feed).encode())  # noqa: S314 - the sandbox's own report
    assert report.findtext(".//MessagesProcessed") == "2"
    assert report.findtext(".//MessagesSuccessful") == "1"
    assert report.findtext(".//MessagesWithError") == "1"
    assert report.findtext(".//Result/AdditionalInfo/AmazonOrderID") == "114-0000000-0000000"
    order = sb.state.seller().orders["114-5820417-3390021"]
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"


def test_feed_processing_after_a_delay_and_cancel(clock: FakeClock) -> None:
    scenario = json.loads(DEFAULT_SCENARIO.read_text())
    scenario["processing"] = {"polls_to_done": 100, "delay_seconds": 30}
    scenario["sellers"][0]["reports"] = []
    with SpApiSandbox(scenario, clock=clock) as sandbox:
        token = _token(
            sandbox, grant_type="refresh_token", refresh_token=sandbox.state.seller().refresh_token
        )
        api = httpx.Client(base_url=sandbox.url, headers={"x-amz-access-token": token})
        first = submit_feed(api, "POST_PAYMENT_ADJUSTMENT_DATA", b"<AmazonEnvelope/>", "text/xml")
        second = submit_feed(api, "POST_PAYMENT_ADJUSTMENT_DATA", b"<AmazonEnvelope/>", "text/xml")
        assert api.delete(f"/feeds/2021-06-30/feeds/{second}").status_code == 200
        assert api.delete(f"/feeds/2021-06-30/feeds/{second}").status_code == 400
        assert api.get(f"/feeds/2021-06-30/feeds/{first}").json()["processingStatus"] == "IN_PROGRESS"
        clock.now += 31
        listed = api.get(
            "/feeds/2021-06-30/feeds", params={"feedTypes": "POST_PAYMENT_ADJUSTMENT_DATA"}
        ).json()
        assert {f["feedId"]: f["processingStatus"] for f in listed["feeds"]} == {
            first: "DONE",
            second: "CANCELLED",
        }
        done = api.get(
            "/feeds/2021-06-30/feeds",
            params={"feedTypes": "POST_PAYMENT_ADJUSTMENT_DATA", "processingStatuses": "DONE"},
        ).json()["feeds"]
        assert [f["feedId"] for f in done] == [first]
        assert sandbox.violations == []


def test_removed_feed_types_end_fatal(sb: SpApiSandbox, api: httpx.Client) -> None:
    feed_id = submit_feed(api, "POST_INVENTORY_AVAILABILITY_DATA", b"<AmazonEnvelope/>", "text/xml")
    sb.complete_pending()
    feed = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "FATAL"
    assert "no longer supported" in result_document(api, feed)


# -- reports ---------------------------------------------------------------------------------------------


def test_seeded_settlement_report_is_listed_and_downloaded(api: httpx.Client) -> None:
    listed = api.get(
        "/reports/2021-06-30/reports",
        params={
            "reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
            "processingStatuses": "DONE",
            "createdSince": "2026-01-01T00:00:00Z",
        },
    ).json()["reports"]
    assert len(listed) == 1
    report = api.get(f"/reports/2021-06-30/reports/{listed[0]['reportId']}").json()
    assert report["processingStatus"] == "DONE"
    document = api.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
    assert "compressionAlgorithm" not in document
    assert httpx.get(document["url"]).content == SETTLEMENT.read_bytes()


def test_gzip_report_documents(sb: SpApiSandbox, api: httpx.Client) -> None:
    report = sb.state.seller().add_report(
        "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        SETTLEMENT.read_bytes(),
        compression="GZIP",
        data_start="now-14d",
        data_end="now",
    )
    document = api.get(f"/reports/2021-06-30/documents/{report.document_id}").json()
    assert document["compressionAlgorithm"] == "GZIP"
    assert gzip.decompress(httpx.get(document["url"]).content) == SETTLEMENT.read_bytes()


def test_requested_reports(sb: SpApiSandbox, api: httpx.Client) -> None:
    refused = api.post(
        "/reports/2021-06-30/reports",
        json={"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "marketplaceIds": [US]},
    )
    assert refused.status_code == 400
    created = api.post(
        "/reports/2021-06-30/reports",
        json={"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]},
    )
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    first = api.get(f"/reports/2021-06-30/reports/{report_id}").json()
    assert first["processingStatus"] == "IN_PROGRESS"
    done = api.get(f"/reports/2021-06-30/reports/{report_id}").json()
    assert done["processingStatus"] == "DONE"
    url = api.get(f"/reports/2021-06-30/documents/{done['reportDocumentId']}").json()["url"]
    lines = httpx.get(url).text.splitlines()
    assert lines[0].split("\t")[3] == "seller-sku"
    rows = {line.split("\t")[3]: line.split("\t") for line in lines[1:]}
    assert set(rows) == {"MUG-BLUE-12", "MUG-RED-12", "COASTER-SET-4", "TEAPOT-WHITE"}
    assert rows["TEAPOT-WHITE"][-1] == "Inactive"
    assert rows["MUG-BLUE-12"][5] == "37"


# -- listings --------------------------------------------------------------------------------------------


def test_listing_patches_apply_quantity_and_price(sb: SpApiSandbox, api: httpx.Client) -> None:
    quantity = {
        "productType": "DRINKING_CUP",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}],
            }
        ],
    }
    preview = api.patch(
        f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US, "mode": "VALIDATION_PREVIEW"}, json=quantity
    )
    assert preview.json()["status"] == "VALID"
    assert sb.state.seller().listing_quantity("MUG-BLUE-12") == 37
    applied = api.patch(f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US}, json=quantity)
    assert applied.status_code == 200
    assert applied.json()["status"] == "ACCEPTED"
    assert applied.json()["submissionId"]
    price = {
        "productType": "DRINKING_CUP",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": [
                    {
                        "marketplace_id": US,
                        "currency": "USD",
                        "our_price": [{"schedule": [{"value_with_tax": 11.49}]}],
                    }
                ],
            }
        ],
    }
    assert (
        api.patch(f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US}, json=price).json()["status"]
        == "ACCEPTED"
    )
    item = api.get(
        f"{ITEM}/MUG-BLUE-12",
        params={"marketplaceIds": US, "includedData": "summaries,offers,fulfillmentAvailability"},
    ).json()
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 3}]
    assert item["offers"][0]["price"] == {"currencyCode": "USD", "amount": "11.49"}
    assert str(sb.state.seller().listing_price("MUG-BLUE-12", CA)) == "16.5"  # the other marketplace kept
    zero = {
        "productType": "DRINKING_CUP",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
            }
        ],
    }
    api.patch(f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US}, json=zero)
    summary = api.get(f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US}).json()["summaries"][0]
    assert summary["status"] == ["DISCOVERABLE"]


def test_invalid_listing_patches(api: httpx.Client) -> None:
    negative = {
        "productType": "DRINKING_CUP",
        "patches": [
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": -2}],
            }
        ],
    }
    response = api.patch(f"{ITEM}/MUG-BLUE-12", params={"marketplaceIds": US}, json=negative).json()
    assert response["status"] == "INVALID"
    assert response["issues"][0]["severity"] == "ERROR"
    unknown = api.patch(f"{ITEM}/NOPE-1", params={"marketplaceIds": US}, json=negative).json()
    assert unknown["status"] == "INVALID"
    no_patches = api.patch(
        f"{ITEM}/MUG-BLUE-12",
        params={"marketplaceIds": US},
        json={"productType": "DRINKING_CUP", "patches": []},
    )
    assert no_patches.status_code == 400
    other_seller = api.get(
        "/listings/2021-08-01/items/AOTHERSELLER/MUG-BLUE-12", params={"marketplaceIds": US}
    )
    assert other_seller.status_code == 403
    missing = api.get(f"{ITEM}/NOPE-1", params={"marketplaceIds": US})
    assert missing.status_code == 404


def test_put_search_delete_listings(sb: SpApiSandbox, api: httpx.Client) -> None:
    body = {
        "productType": "KETTLE",
        "requirements": "LISTING",  # a new item: offer-only would need an ASIN of the catalogue
        "attributes": {
            "item_name": [{"value": "Stainless Kettle 1.7 L", "language_tag": "en_US", "marketplace_id": US}],
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}],
            "purchasable_offer": [
                {
                    "marketplace_id": US,
                    "currency": "USD",
                    "our_price": [{"schedule": [{"value_with_tax": 119.0}]}],
                }
            ],
        },
    }
    assert (
        api.put(f"{ITEM}/KETTLE-STEEL", params={"marketplaceIds": US}, json=body).json()["status"]
        == "ACCEPTED"
    )
    assert sb.state.seller().listing_quantity("KETTLE-STEEL") == 5
    page = api.get(
        ITEM, params={"marketplaceIds": US, "pageSize": "2", "sortBy": "sku", "sortOrder": "ASC"}
    ).json()
    assert page["numberOfResults"] == 5
    assert [i["sku"] for i in page["items"]] == ["COASTER-SET-4", "KETTLE-STEEL"]
    second = api.get(
        ITEM,
        params={
            "marketplaceIds": US,
            "pageSize": "2",
            "sortBy": "sku",
            "sortOrder": "ASC",
            "pageToken": page["pagination"]["nextToken"],
        },
    ).json()
    assert [i["sku"] for i in second["items"]] == ["MUG-BLUE-12", "MUG-RED-12"]
    by_sku = api.get(
        ITEM,
        params={"marketplaceIds": US, "identifiers": "TEAPOT-WHITE,MUG-RED-12", "identifiersType": "SKU"},
    ).json()
    assert sorted(i["sku"] for i in by_sku["items"]) == ["MUG-RED-12", "TEAPOT-WHITE"]
    canada = api.get(ITEM, params={"marketplaceIds": CA}).json()
    assert sorted(i["sku"] for i in canada["items"]) == ["MUG-BLUE-12", "MUG-RED-12"]
    deleted = api.delete(f"{ITEM}/KETTLE-STEEL", params={"marketplaceIds": US})
    assert deleted.json()["status"] == "ACCEPTED"
    assert "KETTLE-STEEL" not in sb.state.seller().listings


# -- notifications ----------------------------------------------------------------------------------------


def test_destinations_subscriptions_and_delivery(
    sb: SpApiSandbox, api: httpx.Client, grantless: httpx.Client
) -> None:
    delivered: list[dict[str, Any]] = []
    sb.state.on_notification = lambda destination, payload: delivered.append(payload)
    arn = "arn:aws:sqs:us-east-1:123456789012:amazon-odoo-events"
    created = grantless.post(
        "/notifications/v1/destinations",
        json={"name": "events", "resourceSpecification": {"sqs": {"arn": arn}}},
    )
    assert created.status_code == 200
    destination_id = created.json()["payload"]["destinationId"]
    assert (
        grantless.post(
            "/notifications/v1/destinations",
            json={"name": "again", "resourceSpecification": {"sqs": {"arn": arn}}},
        ).status_code
        == 409
    )
    assert [
        d["destinationId"] for d in grantless.get("/notifications/v1/destinations").json()["payload"]
    ] == [destination_id]
    subscribe = {"payloadVersion": "1.0", "destinationId": destination_id}
    first = api.post("/notifications/v1/subscriptions/ORDER_CHANGE", json=subscribe)
    assert first.status_code == 200
    subscription_id = first.json()["payload"]["subscriptionId"]
    conflict = api.post("/notifications/v1/subscriptions/ORDER_CHANGE", json=subscribe)
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["code"] == "Conflict"
    assert (
        api.get("/notifications/v1/subscriptions/ORDER_CHANGE").json()["payload"]["subscriptionId"]
        == subscription_id
    )
    bridge_only = api.post("/notifications/v1/subscriptions/LISTINGS_ITEM_STATUS_CHANGE", json=subscribe)
    assert bridge_only.status_code == 400
    removed = api.post("/notifications/v1/subscriptions/MFN_ORDER_STATUS_CHANGE", json=subscribe)
    assert removed.status_code == 400
    api.post(
        "/notifications/v1/subscriptions/FEED_PROCESSING_FINISHED",
        json={"payloadVersion": "2020-09-04", "destinationId": destination_id},
    )

    sb.state.seller().build_order([("TEAPOT-WHITE", 1, "34.00")], order_id="114-1111111-2222222")
    feed_id = submit_feed(api, "POST_ORDER_FULFILLMENT_DATA", b"<AmazonEnvelope/>", "text/xml")
    sb.complete_pending()
    kinds = [
        n["payload"].get("NotificationType") or n["payload"].get("notificationType") for n in sb.notifications
    ]
    assert kinds == ["ORDER_CHANGE", "FEED_PROCESSING_FINISHED"]
    order_change = sb.notifications[0]["payload"]
    assert order_change["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == "114-1111111-2222222"
    assert order_change["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] == "Unshipped"
    assert sb.notifications[0]["destination"]["resource"]["sqs"]["arn"] == arn
    assert (
        sb.notifications[1]["payload"]["payload"]["feedProcessingFinishedNotification"]["feedId"] == feed_id
    )
    assert delivered == [n["payload"] for n in sb.notifications]
    for notification in sb.notifications:
        assert notification_violations(sb.models, notification["payload"]) == []

    by_id = f"/notifications/v1/subscriptions/ORDER_CHANGE/{subscription_id}"
    assert grantless.get(by_id).json()["payload"]["destinationId"] == destination_id
    assert grantless.delete(by_id).status_code == 200
    assert api.get("/notifications/v1/subscriptions/ORDER_CHANGE").status_code == 404


def test_listings_status_change_schema_is_relaxed(sb: SpApiSandbox) -> None:
    message = {
        "NotificationVersion": "1.0",
        "NotificationType": "LISTINGS_ITEM_STATUS_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": "2026-11-20T18:59:30Z",
        "Payload": {
            "SellerId": SELLER,
            "MarketplaceId": US,
            "Asin": "B0CXM4K2Q1",
            "Sku": "MUG-BLUE-12",
            "Status": ["BUYABLE", "DISCOVERABLE"],
        },
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sp.solution.x",
            "SubscriptionId": "s",
            "PublishTime": "2026-11-20T18:59:31Z",
            "NotificationId": "n",
        },
    }
    assert notification_violations(sb.models, message) == []
    if sb.models.available:
        broken = {**message, "Payload": {"Sku": "MUG-BLUE-12"}}
        assert notification_violations(sb.models, broken) != []


def test_scenario_documents_are_beside_the_scenario() -> None:
    scenario = json.loads(DEFAULT_SCENARIO.read_text())
    documents = [r["document"] for s in scenario["sellers"] for r in s.get("reports", []) if "document" in r]
    assert documents
    assert all((Path(DEFAULT_SCENARIO).parent / d).is_file() for d in documents)
