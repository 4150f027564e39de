"""A local stand-in for Amazon's Selling Partner API and Login with Amazon, for tests and the demo.

Usage::

    from amazon_odoo.local.sandbox import SpApiSandbox

    with SpApiSandbox() as sb:                      # the default scenario (scenarios/default.json)
        SP_API_ENDPOINT = sb.url                     # e.g. http://127.0.0.1:53211
        LWA_ENDPOINT = sb.url + "/auth/o2/token"     # also sb.lwa_endpoint
        sb.inject("searchOrders", 503, times=2)      # the next two searchOrders calls answer 503
        ...
        assert sb.violations == []                   # nothing the sandbox sent broke Amazon's models

    python -m amazon_odoo.local.sandbox --port 8765 --scenario FILE     # standalone

``SpApiSandbox(scenario=None | dict | path, models_dir=None, enforce_rate_limits=True, clock=time.monotonic)``
serves, on 127.0.0.1 (ephemeral port unless given to ``start(port=…)``):

- ``POST /auth/o2/token`` (LWA): ``grant_type=refresh_token`` (client id/secret + a seller's refresh token)
  or ``client_credentials`` (scope ``sellingpartnerapi::notifications``: a grantless token). Tokens live
  3600 s on the sandbox clock; errors use LWA's shape ``{"error": "invalid_grant", "error_description"}``.
- The SP-API operations of ``routing.build_routes()`` (Sellers, Orders 2026-01-01 + v0 confirmShipment,
  Feeds, Reports, Listings Items, Notifications), every call authorised by ``x-amz-access-token``:
  the token names the seller whose state is used and whose token buckets are drained.
- ``/_documents/<id>``: the "pre-signed" URLs of feed uploads (PUT) and document downloads (GET).

Every SP-API response carries ``x-amzn-RequestId`` and ``x-amzn-RateLimit-Limit``. With the models
(``models_dir``, else ``SPAPI_MODELS_DIR``, else ``shared/spapi-models`` beside the checkout; silently
skipped when absent) requests that break the operation's model get a 400 ``InvalidInput`` and every JSON
response is checked: failures land in ``sb.violations``. Notifications the sandbox sends are checked
against ``schemas/notifications``.

Attributes: ``url``, ``requests`` (``RecordedCall``: operation, method, path, query, body, status,
seller_id, response), ``violations``, ``notifications`` (``{"destination", "payload"}`` for each
notification sent to a subscribed seller's destination; set ``sb.state.on_notification(destination,
payload)`` to deliver them, e.g. to an SQS queue), ``state`` (``SandboxState``), ``rate_limiter``.
Methods: ``start()``, ``stop()``, ``inject(operation, status, *, times=1, body=None, headers=None)``
(``lwaToken`` and ``document`` target the token endpoint and the document URLs), ``calls(operation)``,
``complete_pending()`` (finish every feed and report now), ``reset_rate_limits()``.

State helpers (``sb.state``; ``seller = sb.state.seller()`` is the first seller):
``seller.add_order(order_dict)``, ``seller.build_order([(sku, qty, "12.99")], created=..., status=...)``,
``seller.set_order_status(order_id, "CANCELLED")``, ``seller.add_report(report_type, content, ...)``,
``seller.put_listing({...})``, ``seller.listing_quantity(sku)``, ``seller.listing_price(sku, market)``,
``seller.orders`` / ``listings`` / ``feeds`` / ``reports`` / ``subscriptions`` / ``feed_results``,
``sb.state.destinations``, ``sb.state.documents``.

Behaviour worth knowing:

- searchOrders needs exactly one of createdAfter / lastUpdatedAfter, refuses a "before" bound later than
  two minutes ago, filters on fulfillmentStatuses, marketplaceIds, fulfilledBy, pages with
  ``pagination.nextToken`` (pass it back as ``paginationToken`` with the same filters). Orders carry only
  their core fields unless ``includedData`` names datasets (BUYER, RECIPIENT, PROCEEDS, FULFILLMENT,
  PACKAGES, TAX, PROMOTION, ...); the status is in ``fulfillment``, so ask for FULFILLMENT.
- confirmShipment answers 204 and records a package; 400 ``InvalidInput`` with Amazon's messages when the
  order is cancelled, already shipped ("Failed to create package due to not finding a matching package or
  order already fulfilled."), an item id is unknown, or the packageReferenceId is not a positive number.
- Feeds and reports step IN_QUEUE -> IN_PROGRESS -> DONE on each getFeed/getFeeds (getReport/getReports)
  call (``processing.polls_to_done``, default 2) or at once after ``processing.delay_seconds``.
  JSON_LISTINGS_FEED messages are applied to the listings; order feeds (acknowledgement with
  StatusCode Failure cancels the order, payment adjustment, fulfilment) are applied and recorded in
  ``seller.feed_results``. Removed feed types end FATAL.
- patchListingsItem applies ``merge``/``replace``/``add``/``delete`` on ``/attributes/<name>``;
  ``mode=VALIDATION_PREVIEW`` answers VALID without applying; bad quantity/price answers INVALID.
- Catalog Items 2022-04-01 (issue 7): searchCatalogItems by identifiers (ASIN, EAN, UPC, GTIN) or keywords
  and getCatalogItem over ``sb.state.catalog`` (asin -> item; the scenario's ``catalog`` list, else
  ``apis/catalog.py``'s DEFAULT_CATALOG: the four sample ASINs plus two the seller does not list yet).
  putListingsItem with ``requirements=LISTING_OFFER_ONLY`` needs ``merchant_suggested_asin`` (an ASIN of
  the catalogue in the marketplace; else issue 8541) and a valid ``condition_type``; the listing takes the
  ASIN; an offer without price or quantity is ACCEPTED with a WARNING kept as the listing's issue (shown by
  getListingsItem ``includedData=issues``); image locators need an http(s) ``media_location`` (90244).

Scenario format (JSON; ``scenarios/default.json`` is the reference)::

    {
      "application": {"client_id": "...", "client_secret": "...", "application_id": "amzn1.sp.solution..."},
      "processing": {"polls_to_done": 2, "delay_seconds": null},
      "usage_plans": {"searchOrders": {"rate": 1, "burst": 50}},            # optional overrides
      "destinations": [],                                                     # optional, as createDestination
      "sellers": [{
        "selling_partner_id": "A3MUGSUS8ACCPT",
        "refresh_token": "Atzr|...",
        "store_name": "Blue Mug Co.",
        "account": {"businessType": "PRIVATE_LIMITED", "sellingPlan": "PROFESSIONAL", "business": {...}},
        "marketplaces": ["ATVPDKIKX0DER", {"id": "A2EUQ1WTGCTBG2", "hasSuspendedListings": false}],
        "listings": [{"sku", "productType", "asin", "itemName", "conditionType", "marketplaceIds",
                      "createdDate", "attributes": {"fulfillment_availability": [...],
                                                    "purchasable_offer": [...], ...}}],
        "orders": [ <Orders API v2026-01-01 Order objects, all datasets filled> ],
        "reports": [{"reportType", "reportId", "createdTime", "dataStartTime", "dataEndTime",
                     "marketplaceIds", "document": "file beside the scenario" | "content": "text",
                     "compressionAlgorithm": "GZIP" (optional)}],
        "subscriptions": {"ORDER_CHANGE": {"subscriptionId", "payloadVersion", "destinationId"}}
      }]
    }

Any timestamp in orders, listings and reports may be relative: ``"now"``, ``"now-3d"``, ``"now-1d-4h"``
(resolved when the scenario is loaded), so a scenario keeps producing recent orders.
"""

from amazon_odoo.local.sandbox.server import RecordedCall, SpApiSandbox
from amazon_odoo.local.sandbox.state import SandboxState, SellerState

__all__ = ["RecordedCall", "SandboxState", "SellerState", "SpApiSandbox"]
