"""One seller's SP-API behind the ``AmazonGateway`` port: every call through :meth:`SpApiGateway.call`.

``call(operation, fn, *args, **kwargs)`` is the only way out to Amazon. For ONE call it

1. takes a token from the (seller, operation) bucket, sleeping when the token is due within
   ``AMAZON_MAX_WAIT_SECONDS`` and raising :class:`ThrottledError` (``retry_after``) when not;
2. makes the call; on success adopts the live ``x-amzn-RateLimit-Limit`` rate and returns the answer;
3. on failure looks the failure up in the failure table (``failures.py``): skip and permanent are raised
   at once; retryable ones (429, 5xx, no answer) are retried up to ``AMAZON_MAX_ATTEMPTS`` calls in all,
   after a full-jitter exponential backoff (``uniform(0, min(max_wait, base * 2**n))``). A 429 drains the
   bucket and waits at least until a token is due: when that is longer than the max wait the call ends in
   ``ThrottledError(retry_after=...)`` and the work goes back to its queue.

New operations are one line each, e.g.
``self.call("getFeed", self.client(Feeds).get_feed, feed_id, record=f"feed {feed_id}")``.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote

from pydantic import ValidationError
from sp_api.api import Sellers
from sp_api.api.catalog_items.catalog_items_2022_04_01 import CatalogItemsV20220401  # products (issue 7)
from sp_api.api.feeds.feeds_2021_06_30 import FeedsV20210630
from sp_api.api.listings_items.listings_items_2021_08_01 import ListingsItemsV20210801  # listings (issue 5)
from sp_api.api.orders.orders_2026_01_01 import OrdersV20260101
from sp_api.api.orders.orders_v0 import OrdersV0
from sp_api.api.reports.reports import Reports  # reports (issue 6)

from amazon_odoo.adapters.amazon.clients import ClientFactory, ClientT, SellerCredentials
from amazon_odoo.adapters.amazon.documents import DocumentTransfer, decompress
from amazon_odoo.adapters.amazon.failures import NETWORK, SP_API, describe, is_throttling, to_error
from amazon_odoo.adapters.amazon.rate_limit import USAGE_PLANS, RateLimiter, default_limiter
from amazon_odoo.domain.errors import ConnectorError, PermanentError, SkipError
from amazon_odoo.domain.feeds import AmazonFeed, AmazonFeedDocument, SubmissionUncertainError
from amazon_odoo.domain.listings import ListingsSubmission  # listings out (issue 5)
from amazon_odoo.domain.marketplaces import MarketplaceParticipation, SellerAccount
from amazon_odoo.domain.products import CatalogItem, ListingsItemView  # products (issue 7)
from amazon_odoo.domain.settlements import AmazonReport, ReportDownload, ReportPage  # reports (issue 6)
from amazon_odoo.domain.shipments import ConfirmationUncertainError
from amazon_odoo.observability import THROTTLED_CALLS, count  # throttled calls per seller (issue 9)
from amazon_odoo.settings import Settings

T = TypeVar("T")

log = logging.getLogger(__name__)

# Amazon's refusal of a confirmShipment for items it has shipped already (shipments out, issue 4).
_ALREADY_SHIPPED = re.compile(r"already (?:been )?(?:fulfilled|shipped|confirmed)", re.IGNORECASE)

# The first retry waits up to this long; each further one up to twice as long (capped by the max wait).
BACKOFF_BASE_SECONDS = 0.5


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as Amazon's date-time parameters want it (aware datetimes only)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes sent to Amazon must be timezone-aware")
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def response_body(response: Any) -> Any:
    """The JSON body of an answer as Amazon sent it."""
    body = getattr(response, "body", None)
    if body is None:  # a library response that did not come through our client subclass
        body = getattr(response, "payload", None)
    return body


def response_payload(response: Any) -> Any:
    """The ``payload`` of APIs that wrap their answer in one (Sellers, Orders v0, ...)."""
    body = response_body(response)
    return body.get("payload") if isinstance(body, dict) else body


class SpApiGateway:
    """The ``AmazonGateway`` of one seller (selling partner) in one region.

    Buckets and tokens may be shared between threads; the library's clients may not (each keeps the
    method of its last request on itself), so use one gateway per thread when calling concurrently.
    """

    def __init__(
        self,
        seller_id: str,
        credentials: SellerCredentials,
        region: str,
        settings: Settings,
        *,
        clients: ClientFactory | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        backoff_base: float = BACKOFF_BASE_SECONDS,
    ) -> None:
        self.seller_id = seller_id
        self.region = str(region)
        self.settings = settings
        self._credentials = credentials
        self._clients = clients or ClientFactory(settings)
        self._limiter = limiter or default_limiter()
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not cryptography
        self._backoff_base = backoff_base
        self._documents: DocumentTransfer | None = None

    def __repr__(self) -> str:
        return f"SpApiGateway(seller_id={self.seller_id!r}, region={self.region!r})"

    # -- plumbing --------------------------------------------------------------------------------------

    def client(self, api: type[ClientT]) -> ClientT:
        """This seller's client of a library API class (built on first use, then reused)."""
        return self._clients.client(api, self.seller_id, self.region, self._credentials)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff before retry number ``attempt`` (1, 2, ...)."""
        cap = min(self.settings.amazon_max_wait_seconds, self._backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, cap)

    def call(self, operation: str, fn: Callable[..., T], *args: Any, record: str = "", **kwargs: Any) -> T:
        """Make ONE SP-API call guarded by the bucket, the retries and the failure table.

        ``operation`` is Amazon's operation id (it names the bucket and the failure rules); ``record``
        (consumed here, not passed on) names what the call concerns in errors, e.g. ``"order 113-..."``.
        """
        max_wait = self.settings.amazon_max_wait_seconds
        max_attempts = self.settings.amazon_max_attempts
        bucket = self._limiter.bucket(self.seller_id, operation)
        attempt = 0
        while True:
            attempt += 1
            wait = bucket.reserve(max_wait, what=operation, record=record)
            if wait > 0:
                self._sleep(wait)
            try:
                result = fn(*args, **kwargs)
            except ConnectorError:
                raise
            except Exception as exc:  # classified below; anything unknown is re-raised as is
                failure = describe(exc)
                if failure is None:
                    raise
                self._limiter.observe(self.seller_id, operation, failure.headers)
                error = to_error(failure, operation, record)
                if not error.retryable:
                    raise error from exc
                delay = self.backoff(attempt)
                if is_throttling(failure) and failure.source == SP_API:
                    bucket.drain()  # Amazon's bucket for this operation is empty: so is ours
                    count(THROTTLED_CALLS, seller=self.seller_id)  # published with the run's metrics
                    delay = max(delay, bucket.wait_time())
                if delay > max_wait or attempt >= max_attempts:
                    if is_throttling(failure) or delay > max_wait:
                        error.retry_after = delay
                    log.warning(
                        "amazon call failed, handing back",
                        extra={"operation": operation, "attempt": attempt, "code": error.code},
                    )
                    raise error from exc
                log.info(
                    "amazon call retried",
                    extra={"operation": operation, "attempt": attempt, "code": error.code, "delay": delay},
                )
                self._sleep(delay)
                continue
            self._limiter.observe(self.seller_id, operation, getattr(result, "headers", None))
            return result

    def _parsed(self, operation: str, parse: Callable[[], T], record: str = "") -> T:
        try:
            return parse()
        except (ValidationError, TypeError, AttributeError) as exc:
            raise PermanentError(
                f"{operation}: Amazon's answer does not have the documented shape ({type(exc).__name__})",
                resolution="report it: the SP-API model may have changed",
                record=record,
                source="amazon",
                code="UnexpectedAnswer",
            ) from exc

    # -- Sellers API -----------------------------------------------------------------------------------

    def marketplace_participations(self) -> list[MarketplaceParticipation]:
        operation = "getMarketplaceParticipations"
        response = self.call(operation, self.client(Sellers).get_marketplace_participation)
        payload = response_payload(response)
        return self._parsed(
            operation, lambda: [MarketplaceParticipation.model_validate(item) for item in payload]
        )

    def account(self) -> SellerAccount:
        operation = "getAccount"
        response = self.call(operation, self.client(Sellers).get_account)
        payload = response_payload(response)
        return self._parsed(operation, lambda: SellerAccount.model_validate(payload))

    # -- Orders API v2026-01-01 ------------------------------------------------------------------------

    def search_orders(
        self,
        *,
        marketplace_ids: Sequence[str],
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        last_updated_after: datetime | None = None,
        last_updated_before: datetime | None = None,
        fulfillment_statuses: Sequence[str] = (),
        fulfilled_by: Sequence[str] = (),
        included_data: Sequence[str] = (),
        max_results_per_page: int | None = None,
        pagination_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of ``searchOrders``: Amazon's JSON (``orders``, ``pagination.nextToken`` when more)."""
        if not marketplace_ids:
            raise ValueError("searchOrders needs at least one marketplace id")
        params: dict[str, Any] = {"marketplaceIds": list(marketplace_ids)}
        for name, moment in (
            ("createdAfter", created_after),
            ("createdBefore", created_before),
            ("lastUpdatedAfter", last_updated_after),
            ("lastUpdatedBefore", last_updated_before),
        ):
            if moment is not None:
                params[name] = iso_utc(moment)
        for name, values in (
            ("fulfillmentStatuses", fulfillment_statuses),
            ("fulfilledBy", fulfilled_by),
            ("includedData", included_data),
        ):
            if values:
                params[name] = list(values)
        if max_results_per_page is not None:
            params["maxResultsPerPage"] = max_results_per_page
        if pagination_token:
            params["paginationToken"] = pagination_token
        response = self.call("searchOrders", self.client(OrdersV20260101).search_orders, **params)
        return self._parsed("searchOrders", lambda: dict(response_body(response)))

    def get_order(self, order_id: str, included_data: Sequence[str] = ()) -> dict[str, Any]:
        """``getOrder``: Amazon's JSON (``{"order": {...}}``), items always included."""
        record = f"order {order_id}"
        params: dict[str, Any] = {"includedData": list(included_data)} if included_data else {}
        response = self.call(
            "getOrder", self.client(OrdersV20260101).get_order, order_id, record=record, **params
        )
        return self._parsed("getOrder", lambda: dict(response_body(response)), record)

    # -- Feeds API 2021-06-30 ----------------------------------------------------------------------------
    # Requests are made with the library client's ``_request`` and exact bodies: its ``create_feed`` and
    # ``create_feed_document`` copy their own ``path`` into the JSON body, and its ``get_feed_document``
    # downloads the document itself (no timeout, no failure table). The pre-signed URLs go through
    # :class:`DocumentTransfer` as the pseudo-operations ``uploadFeedDocument`` / ``downloadFeedDocument``
    # (buckets of the default plan: S3 has no usage plan, the failure table and the retries still apply).

    @property
    def documents(self) -> DocumentTransfer:
        if self._documents is None:
            self._documents = DocumentTransfer()
        return self._documents

    def _feeds_request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        record: str = "",
        final_when_unsure: bool = False,
    ) -> Any:
        client = self.client(FeedsV20210630)

        def attempt() -> Any:  # fresh dicts each time: the library pops ``method`` out of them
            if method == "GET":
                return client._request(
                    path, params={**(params or {}), "method": method}, add_marketplace=False
                )
            return client._request(path, data={**(body or {}), "method": method}, add_marketplace=False)

        fn = self._final_when_unsure(operation, record, attempt) if final_when_unsure else attempt
        return response_body(self.call(operation, fn, record=record))

    def _final_when_unsure(self, operation: str, record: str, fn: Callable[[], T]) -> Callable[[], T]:
        """``fn`` whose lost answers (timeouts, resets, 5xx) end in SubmissionUncertainError at once.

        A call that Amazon may have carried out is never repeated blindly; a connection that was never made
        (``ConnectError``) and a 429 are certain not to have created anything and keep the usual retries.
        """

        def guarded() -> T:
            try:
                return fn()
            except ConnectorError:
                raise
            except Exception as exc:  # classified below; anything unknown is re-raised as is
                failure = describe(exc)
                never_sent = failure is not None and failure.code in ("ConnectError", "ConnectTimeout")
                unsure = failure is not None and (
                    (failure.source == NETWORK and not never_sent)
                    or (failure.source == SP_API and (failure.status or 0) >= 500)
                )
                if failure is None or not unsure:
                    raise
                error = to_error(failure, operation, record)
                raise SubmissionUncertainError(
                    f"{error.message} (Amazon may have created it)",
                    resolution="nothing is sent again blindly: track_feeds looks the feed up at Amazon "
                    "(getFeeds) and adopts it, or marks its items to be sent again",
                    record=record,
                    source="amazon",
                    code=error.code,
                ) from exc

        return guarded

    def create_feed_document(self, content_type: str) -> AmazonFeedDocument:
        """``createFeedDocument``: the document id and the pre-signed URL to upload the feed to."""
        operation = "createFeedDocument"
        body = self._feeds_request(
            operation, "POST", "/feeds/2021-06-30/documents", body={"contentType": content_type}
        )
        return self._parsed(operation, lambda: AmazonFeedDocument.model_validate(body))

    def upload_feed_document(self, document: AmazonFeedDocument, content: bytes, content_type: str) -> None:
        """PUT the feed to its pre-signed URL with the content type given to createFeedDocument."""
        self.call(
            "uploadFeedDocument",
            self.documents.upload,
            document.url,
            content,
            content_type,
            record=f"feed document {document.document_id}",
        )

    def create_feed(
        self,
        feed_type: str,
        marketplace_ids: Sequence[str],
        input_document_id: str,
        feed_options: Mapping[str, str] | None = None,
    ) -> str:
        """``createFeed`` (0.0083/s; JSON_LISTINGS_FEED also 5 per 5 minutes): Amazon's feed id.

        Raises SubmissionUncertainError when the answer is lost (see :meth:`_final_when_unsure`).
        """
        operation = "createFeed"
        record = f"{feed_type} feed"
        if not marketplace_ids:
            raise ValueError("createFeed needs at least one marketplace id")
        submissions = f"{operation}:{feed_type}"
        if submissions in USAGE_PLANS:
            wait = self._limiter.bucket(self.seller_id, submissions).reserve(
                self.settings.amazon_max_wait_seconds, what=f"{feed_type} submissions", record=record
            )
            if wait > 0:
                self._sleep(wait)
        body: dict[str, Any] = {
            "feedType": feed_type,
            "marketplaceIds": list(marketplace_ids),
            "inputFeedDocumentId": input_document_id,
        }
        if feed_options:
            body["feedOptions"] = dict(feed_options)
        answer = self._feeds_request(
            operation, "POST", "/feeds/2021-06-30/feeds", body=body, record=record, final_when_unsure=True
        )
        feed_id = answer.get("feedId") if isinstance(answer, dict) else None
        if not isinstance(feed_id, str) or not feed_id:
            raise SubmissionUncertainError(
                "createFeed answered without a feedId",
                resolution="track_feeds looks the feed up at Amazon (getFeeds)",
                record=record,
                source="amazon",
                code="UnexpectedAnswer",
            )
        return feed_id

    def get_feed(self, feed_id: str) -> AmazonFeed:
        """``getFeed`` (2/s): status, timestamps and the result document id once processed."""
        operation, record = "getFeed", f"feed {feed_id}"
        body = self._feeds_request(
            operation, "GET", f"/feeds/2021-06-30/feeds/{quote(feed_id, safe='')}", record=record
        )
        return self._parsed(operation, lambda: AmazonFeed.model_validate(body), record)

    def get_feeds(
        self,
        *,
        feed_types: Sequence[str],
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        created_until: datetime | None = None,
    ) -> list[AmazonFeed]:
        """``getFeeds`` (0.0222/s): one page of up to 100 feeds, newest first (enough to find a lost one)."""
        operation = "getFeeds"
        if not feed_types:
            raise ValueError("getFeeds needs at least one feed type")
        params: dict[str, Any] = {"feedTypes": ",".join(feed_types), "pageSize": 100}
        if marketplace_ids:
            params["marketplaceIds"] = ",".join(marketplace_ids)
        if created_since is not None:
            params["createdSince"] = iso_utc(created_since)
        if created_until is not None:
            params["createdUntil"] = iso_utc(created_until)
        body = self._feeds_request(operation, "GET", "/feeds/2021-06-30/feeds", params=params)
        return self._parsed(
            operation, lambda: [AmazonFeed.model_validate(feed) for feed in body.get("feeds", [])]
        )

    def get_feed_document(self, document_id: str) -> bytes:
        """``getFeedDocument`` (0.0222/s) and the download, un-gzipped when Amazon declares GZIP."""
        operation, record = "getFeedDocument", f"feed document {document_id}"
        body = self._feeds_request(
            operation, "GET", f"/feeds/2021-06-30/documents/{quote(document_id, safe='')}", record=record
        )
        document = self._parsed(operation, lambda: AmazonFeedDocument.model_validate(body), record)
        content = self.call("downloadFeedDocument", self.documents.download, document.url, record=record)
        return decompress(content, document.compression, record=record)

    # -- shipments out (issue 4): Orders API v0 confirmShipment ------------------------------------------

    def confirm_shipment(self, order_id: str, marketplace_id: str, package_detail: Mapping[str, Any]) -> None:
        """``confirmShipment`` (2/s, burst 10): one package of an order; Amazon answers 204.

        A lost answer or a 5xx raises ConfirmationUncertainError at once (Amazon may have the package; the
        caller looks at the order before sending again); 429 keeps the usual retries (nothing was done).
        Amazon's "already fulfilled / already shipped" refusal is SkipError ``AlreadyShipped``: the items are
        shipped at Amazon, which is what the call was for."""
        operation, record = "confirmShipment", f"order {order_id}"
        client = self.client(OrdersV0)

        def attempt() -> Any:
            return client.confirm_shipment(
                order_id, marketplaceId=marketplace_id, packageDetail=dict(package_detail)
            )

        try:
            self.call(operation, self._final_when_unsure(operation, record, attempt), record=record)
        except SubmissionUncertainError as error:
            raise ConfirmationUncertainError(
                error.message.replace("(Amazon may have created it)", "(Amazon may have the package)"),
                resolution="nothing is sent again blindly: the next run looks at the order (getOrder) "
                "and confirms the package only if Amazon does not have it",
                record=record,
                source="amazon",
                code=error.code,
            ) from error
        except PermanentError as error:
            if _ALREADY_SHIPPED.search(error.message):
                raise SkipError(
                    f"{operation}: Amazon already has order {order_id}'s items as shipped ({error.message})",
                    record=record,
                    source="amazon",
                    code="AlreadyShipped",
                ) from error
            raise

    # -- listings out (issue 5): Listings Items API 2021-08-01 patchListingsItem ---------------------------

    def patch_listings_item(
        self,
        merchant_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        patches: Sequence[Mapping[str, Any]],
    ) -> ListingsSubmission:
        """``patchListingsItem`` (5/s, burst 5): Amazon's submission answer, ACCEPTED or INVALID with its
        issues. Setting a quantity or a price twice does no harm, so a lost answer is simply retried."""
        operation, record = "patchListingsItem", f"sku {sku}"
        client = self.client(ListingsItemsV20210801)
        body = {"productType": product_type, "patches": [dict(patch) for patch in patches]}
        response = self.call(
            operation,
            client.patch_listings_item,
            merchant_id,
            sku,
            marketplaceIds=marketplace_id,
            includedData="issues",
            body=body,
            record=record,
        )
        answer = response_body(response)
        return self._parsed(operation, lambda: ListingsSubmission.model_validate(answer), record)

    # -- products (issue 7): catalogue look-up, offer-only puts, listings items with their issues ------------

    def search_catalog_items(
        self, marketplace_id: str, identifiers: Sequence[str], identifiers_type: str
    ) -> list[CatalogItem]:
        """``searchCatalogItems`` (Catalog Items 2022-04-01, 2/s burst 2) by ASIN, EAN or UPC (at most 20):
        each item's summary, identifiers and product type in the marketplace."""
        operation, record = "searchCatalogItems", f"{identifiers_type} {','.join(identifiers)}"
        response = self.call(
            operation,
            self.client(CatalogItemsV20220401).search_catalog_items,
            identifiers=",".join(identifiers),
            identifiersType=identifiers_type,
            marketplaceIds=marketplace_id,
            includedData="summaries,identifiers,productTypes",
            record=record,
        )
        body = response_body(response) or {}
        return self._parsed(
            operation,
            lambda: [CatalogItem.from_amazon(item, marketplace_id) for item in body.get("items", [])],
            record,
        )

    def put_listings_item(
        self,
        merchant_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        attributes: Mapping[str, Any],
        *,
        requirements: str | None = None,
        validation_preview: bool = False,
    ) -> ListingsSubmission:
        """``putListingsItem`` (5/s, burst 10): creates or fully replaces the SKU's listing;
        ``validation_preview`` only checks it (Amazon answers VALID or INVALID with its issues). The same
        put twice leaves the same listing, so a lost answer is simply retried."""
        operation, record = "putListingsItem", f"sku {sku}"
        body: dict[str, Any] = {"productType": product_type, "attributes": dict(attributes)}
        if requirements:
            body["requirements"] = requirements
        extra = {"mode": "VALIDATION_PREVIEW"} if validation_preview else {}
        response = self.call(
            operation,
            self.client(ListingsItemsV20210801).put_listings_item,
            merchant_id,
            sku,
            marketplaceIds=marketplace_id,
            includedData="issues",
            body=body,
            record=record,
            **extra,
        )
        answer = response_body(response)
        return self._parsed(operation, lambda: ListingsSubmission.model_validate(answer), record)

    def get_listings_item(self, merchant_id: str, sku: str, marketplace_id: str) -> ListingsItemView:
        """``getListingsItem`` (5/s, burst 10) with summaries, attributes and issues. A SKU Amazon does not
        list is a PermanentError (404)."""
        operation, record = "getListingsItem", f"sku {sku}"
        response = self.call(
            operation,
            self.client(ListingsItemsV20210801).get_listings_item,
            merchant_id,
            sku,
            marketplaceIds=marketplace_id,
            includedData="summaries,attributes,issues",
            record=record,
        )
        answer = response_body(response)
        return self._parsed(operation, lambda: ListingsItemView.from_amazon(answer, marketplace_id), record)

    # -- reports (issue 6): Reports API 2021-06-30 -----------------------------------------------------------
    # Settlement reports are generated by Amazon and only listed (getReports), never requested. Requests go
    # through the library client's ``_request`` with exact parameters, as for feeds; the document is streamed
    # from its pre-signed URL into a file (pseudo-operation ``downloadReportDocument``), un-gzipped on the way.

    def _reports_request(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None, record: str = ""
    ) -> Any:
        client = self.client(Reports)

        def attempt() -> Any:  # fresh dicts each time: the library pops ``method`` out of them
            return client._request(path, params={**(params or {}), "method": "GET"}, add_marketplace=False)

        return response_body(self.call(operation, attempt, record=record))

    def get_reports(
        self,
        *,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] = (),
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        next_token: str | None = None,
    ) -> ReportPage:
        """``getReports`` (0.0222/s, burst 10): one page of up to 100 reports, newest first."""
        operation = "getReports"
        params: dict[str, Any]
        if next_token:
            params = {"nextToken": next_token}  # Amazon wants the token alone
        else:
            if not report_types:
                raise ValueError("getReports needs at least one report type")
            params = {"reportTypes": ",".join(report_types), "pageSize": 100}
            if processing_statuses:
                params["processingStatuses"] = ",".join(processing_statuses)
            if marketplace_ids:
                params["marketplaceIds"] = ",".join(marketplace_ids)
            if created_since is not None:
                params["createdSince"] = iso_utc(created_since)
            if created_until is not None:
                params["createdUntil"] = iso_utc(created_until)
        body = self._reports_request(operation, "/reports/2021-06-30/reports", params)
        return self._parsed(
            operation,
            lambda: ReportPage(
                reports=tuple(AmazonReport.model_validate(r) for r in body.get("reports") or []),
                next_token=body.get("nextToken") or None,
            ),
        )

    def create_report(self, report_type: str, marketplace_ids: Sequence[str]) -> str:
        """``createReport`` (0.0167/s, burst 15): Amazon's report id (sync products, issue 7). Only reads:
        a retry after a lost answer at worst makes Amazon build one more report nobody tracks."""
        operation, record = "createReport", f"{report_type} report"
        if not marketplace_ids:
            raise ValueError("createReport needs at least one marketplace id")
        client = self.client(Reports)
        body = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}

        def attempt() -> Any:  # fresh dicts each time: the library pops ``method`` out of them
            return client._request(
                "/reports/2021-06-30/reports", data={**body, "method": "POST"}, add_marketplace=False
            )

        answer = response_body(self.call(operation, attempt, record=record))
        report_id = answer.get("reportId") if isinstance(answer, dict) else None
        if not isinstance(report_id, str) or not report_id:
            raise PermanentError(
                f"{operation}: Amazon's answer has no reportId",
                resolution="report it: the SP-API model may have changed",
                record=record,
                source="amazon",
                code="UnexpectedAnswer",
            )
        return report_id

    def get_report(self, report_id: str) -> AmazonReport:
        """``getReport`` (2/s): status and document id of one report."""
        operation, record = "getReport", f"report {report_id}"
        body = self._reports_request(
            operation, f"/reports/2021-06-30/reports/{quote(report_id, safe='')}", record=record
        )
        return self._parsed(operation, lambda: AmazonReport.model_validate(body), record)

    def download_report_document(self, document_id: str, target: BinaryIO) -> ReportDownload:
        """``getReportDocument`` (0.0167/s, burst 15), then the document streamed into ``target`` from its
        pre-signed URL (un-gzipped when Amazon says GZIP; a retry starts the file over)."""
        operation, record = "getReportDocument", f"report document {document_id}"
        body = self._reports_request(
            operation, f"/reports/2021-06-30/documents/{quote(document_id, safe='')}", record=record
        )
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url:
            raise PermanentError(
                f"{operation}: Amazon's answer has no document URL",
                resolution="report it: the SP-API model may have changed",
                record=record,
                source="amazon",
                code="UnexpectedAnswer",
            )
        compression = body.get("compressionAlgorithm") or None

        def fetch() -> str:
            target.seek(0)
            target.truncate()
            return self.documents.download_to(url, target, compression, record=record)

        content_type = self.call("downloadReportDocument", fetch, record=record)
        target.flush()
        return ReportDownload(content_type=content_type, size=target.tell())

    def close(self) -> None:
        """Close this gateway's HTTP connections (clients are rebuilt on next use)."""
        self._clients.close()
        if self._documents is not None:
            self._documents.close()
