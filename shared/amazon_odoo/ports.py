"""Interfaces the services depend on. Adapters implement them; every port has an in-memory fake
(``tests/fakes``) held honest by a contract suite that also runs against the real adapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

# Annotations only (postponed): the services import this module at cold start, the models load when used.
if TYPE_CHECKING:
    from amazon_odoo.config import SellerConfig
    from amazon_odoo.domain.documents import BuyerDocument, OdooDocument  # buyer documents (issue 8)
    from amazon_odoo.domain.feeds import AmazonFeed, AmazonFeedDocument, FailedItem, FeedRecord, FeedStatus
    from amazon_odoo.domain.listings import ListingBinding, ListingsSubmission  # listings out (issue 5)
    from amazon_odoo.domain.marketplaces import MarketplaceParticipation, SellerAccount
    from amazon_odoo.domain.onboarding import Check, OdooRecord  # issue 9
    from amazon_odoo.domain.products import CatalogItem, ListingsItemView  # products (issue 7)
    from amazon_odoo.domain.refunds import CreditLine, RefundRecord  # refunds at Amazon (issue 8)
    from amazon_odoo.domain.schedules import JobSchedule  # per-seller schedules (issue 9)
    from amazon_odoo.domain.settlements import (  # settlements (issue 6)
        AmazonReport,
        ReportDownload,
        ReportPage,
        ReportState,
        SettlementRecord,
    )
    from amazon_odoo.domain.shipments import ShipmentRecord
    from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel, ParkedOrder
    from amazon_odoo.domain.subscriptions import Destination, DestinationKind, Subscription  # issue 9
    from amazon_odoo.mapping.listings import OdooStock, PricelistPrices  # listings out (issue 5)
    from amazon_odoo.mapping.product_sync import OdooProduct  # sync products (issue 7)
    from amazon_odoo.mapping.settlements import (  # settlements (issue 6)
        LineMatch,
        OdooStatement,
        OpenItem,
        OpenStatementLine,
        SettlementJournal,
    )
    from amazon_odoo.mapping.shipments import OdooDelivery


class StateStore(Protocol):
    """The connector's own state (DynamoDB in AWS). No personal data is ever stored here."""

    # seller configuration (the validated sellers file)
    def replace_sellers(self, sellers: Sequence[SellerConfig]) -> None: ...
    def get_seller(self, seller_id: str) -> SellerConfig | None: ...
    def list_sellers(self) -> list[SellerConfig]: ...

    # checkpoints with optimistic locking: ``save`` succeeds only if the stored version equals
    # ``checkpoint.version`` (0 = must not exist yet) and returns the saved copy with version + 1;
    # otherwise raises ConflictError.
    def get_checkpoint(self, seller_id: str, job: str, scope: str = "") -> Checkpoint | None: ...
    def save_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint: ...

    # leases: True when acquired (free, expired, or already ours); renewing extends it.
    def acquire_lease(self, key: str, owner: str, ttl_seconds: int, now: datetime | None = None) -> bool: ...
    def release_lease(self, key: str, owner: str) -> None: ...

    # job runs
    def start_run(self, run: JobRun) -> JobRun: ...
    def finish_run(self, run: JobRun) -> JobRun: ...
    def last_runs(self, seller_id: str) -> dict[str, JobRun]: ...
    def list_runs(self, seller_id: str, job: str | None = None, limit: int = 20) -> list[JobRun]: ...

    # the log book
    def add_log(self, entry: LogEntry) -> None: ...
    def list_logs(
        self,
        seller_id: str | None = None,
        job: str | None = None,
        level: LogLevel | None = None,
        limit: int = 100,
    ) -> list[LogEntry]: ...

    # parked orders (unknown SKU): one record per (seller, Amazon order id), no order data, no buyer.
    # ``park_order`` creates it (first_seen = last_seen = now, attempts 1) or, when it exists, replaces its
    # SKUs, marketplace and reason, moves last_seen and adds 1 to attempts; it returns the stored record.
    # ``list_parked_orders(None)``: every configured seller's, by seller then first_seen.
    # ``unpark_order`` is True when there was one.
    def park_order(
        self,
        seller_id: str,
        order_id: str,
        *,
        missing_skus: Sequence[str],
        marketplace_id: str = "",
        reason: str = "",
        now: datetime | None = None,
    ) -> ParkedOrder: ...
    def get_parked_order(self, seller_id: str, order_id: str) -> ParkedOrder | None: ...
    def list_parked_orders(self, seller_id: str | None = None) -> list[ParkedOrder]: ...
    def unpark_order(self, seller_id: str, order_id: str) -> bool: ...

    # feeds (domain/feeds.py, services/feeds.py): one record per submission, keyed by its submission id
    # and found by Amazon's feed id too. ``save_feed`` locks optimistically like ``save_checkpoint``
    # (``record.version`` 0 = must not exist yet) and returns the saved copy with version + 1.
    # ``get_feed`` takes Amazon's feed id or the submission id. ``list_feeds``: newest first.
    # ``pending_feeds``: records whose tracking is not finished (``done_at`` unset), oldest first, found
    # without reading the others. Failed items: one marker per (seller, job, scope, key), replaced by
    # ``save_failed_items`` and removed by ``clear_failed_items``.
    def save_feed(self, record: FeedRecord) -> FeedRecord: ...
    def get_feed(self, seller_id: str, feed_id: str) -> FeedRecord | None: ...
    def list_feeds(
        self, seller_id: str, status: FeedStatus | None = None, limit: int = 50
    ) -> list[FeedRecord]: ...
    def pending_feeds(self, seller_id: str) -> list[FeedRecord]: ...
    def save_failed_items(
        self, seller_id: str, job: str, scope: str, items: Sequence[FailedItem]
    ) -> None: ...
    def clear_failed_items(self, seller_id: str, job: str, scope: str, keys: Sequence[str]) -> None: ...
    def failed_items(self, seller_id: str, job: str, scope: str) -> list[FailedItem]: ...

    # shipments out (issue 4): one record per Odoo delivery (picking) of an Amazon order, keyed by (seller,
    # Amazon order id, picking id). ``save_shipment`` locks optimistically like ``save_checkpoint``
    # (``record.version`` 0 = must not exist yet) and returns the saved copy with version + 1.
    # ``get_shipments``: the records of these (order id, picking id) keys that exist, in one batched read.
    # ``open_shipments``: records not done, oldest first, found without reading the done ones.
    # ``order_shipments``: every record of one Amazon order. Done records expire with the log book.
    def save_shipment(self, record: ShipmentRecord) -> ShipmentRecord: ...
    def get_shipments(self, seller_id: str, keys: Sequence[tuple[str, int]]) -> dict[int, ShipmentRecord]: ...
    def open_shipments(self, seller_id: str) -> list[ShipmentRecord]: ...
    def order_shipments(self, seller_id: str, order_id: str) -> list[ShipmentRecord]: ...

    # buyer documents (issue 8): one record per (seller, Odoo move id), never expiring (a document is sent
    # once). ``save_buyer_document`` locks optimistically like ``save_checkpoint`` (``record.version`` 0 =
    # must not exist yet: the claim before a feed) and returns the saved copy with version + 1.
    # ``get_buyer_documents``: the records of these move ids that exist, in one batched read.
    # ``list_buyer_documents``: a seller's records, newest move first.
    def save_buyer_document(self, record: BuyerDocument) -> BuyerDocument: ...
    def get_buyer_documents(self, seller_id: str, move_ids: Sequence[int]) -> dict[int, BuyerDocument]: ...
    def list_buyer_documents(self, seller_id: str, limit: int = 100) -> list[BuyerDocument]: ...

    # refunds at Amazon (issue 8): one record per (seller, Amazon order id, refund id), never expiring (a
    # refund is sent once). ``save_refund`` locks optimistically like ``save_checkpoint`` (``record.version``
    # 0 = must not exist yet: the claim before the feed) and returns the saved copy with version + 1.
    # ``order_refunds``: every refund of one Amazon order, oldest first (one query).
    def save_refund(self, record: RefundRecord) -> RefundRecord: ...
    def order_refunds(self, seller_id: str, order_id: str) -> list[RefundRecord]: ...

    # listings out (issue 5): bindings SKU -> Odoo product (internal reference), one per (seller, marketplace,
    # SKU), replaced whole by ``save_bindings``; ``list_bindings`` gives a marketplace's, by SKU;
    # ``get_bindings`` those of some SKUs in one batched read. Last accepted values: per (seller, job,
    # marketplace, SKU) the text of the value Amazon last accepted (``quantity 5``), replaced by
    # ``save_listing_values`` and read whole per (seller, job, marketplace) by ``listing_values``.
    def save_bindings(self, bindings: Sequence[ListingBinding]) -> None: ...
    def list_bindings(self, seller_id: str, marketplace_id: str) -> list[ListingBinding]: ...
    def get_bindings(
        self, seller_id: str, marketplace_id: str, skus: Sequence[str]
    ) -> dict[str, ListingBinding]: ...
    def listing_values(self, seller_id: str, job: str, marketplace_id: str) -> dict[str, str]: ...
    def save_listing_values(
        self, seller_id: str, job: str, marketplace_id: str, values: Mapping[str, str]
    ) -> None: ...

    # settlements (issue 6): one record per (seller, settlement report id), never expiring (a report is
    # processed once). ``save_settlement`` locks optimistically like ``save_checkpoint`` (``record.version``
    # 0 = must not exist yet) and returns the saved copy with version + 1. ``list_settlements``: newest
    # report first, optionally only those in ``states``.
    def save_settlement(self, record: SettlementRecord) -> SettlementRecord: ...
    def get_settlement(self, seller_id: str, report_id: str) -> SettlementRecord | None: ...
    def list_settlements(
        self, seller_id: str, states: Sequence[ReportState] = (), limit: int = 100
    ) -> list[SettlementRecord]: ...


class DocumentStore(Protocol):
    """Documents too large for a state item (S3 DocumentsBucket in AWS): submitted feed documents, their
    item manifests, processing reports and parsed results. ``get_document`` of a missing key raises
    PermanentError."""

    def put_document(
        self, key: str, content: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...
    def get_document(self, key: str) -> bytes: ...


class SecretStore(Protocol):
    """Credentials (Secrets Manager in AWS). Values never reach logs or the state table."""

    def put_secret(self, name: str, value: str) -> None: ...
    def get_secret(self, name: str) -> str: ...


class WorkQueue(Protocol):
    """Internal work queue (SQS): one message per unit of work so one bad record never blocks others."""

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None: ...
    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int: ...


class JobLauncher(Protocol):
    """Starts a job's run elsewhere and returns at once (its own Lambda function, with the function's own
    timeout; in-process where there is no Lambda). The run it starts is the scheduled one's:
    ``{"job", "seller_id", "marketplace", "trigger"}``. Raises RetryableError when the start may be tried
    again, ConfigError when this deployment has no function for the job."""

    def launch(self, job: str, seller_id: str, *, marketplace_id: str | None = None) -> None: ...


class Scheduler(Protocol):
    """Per-seller job schedules (EventBridge Scheduler): the connector's schedules in its own group."""

    def list_schedules(self) -> list[JobSchedule]: ...
    def create_schedule(self, schedule: JobSchedule) -> None: ...
    def update_schedule(self, schedule: JobSchedule) -> None: ...
    def delete_schedule(self, name: str) -> None: ...


@dataclass(frozen=True)
class OrderRefsQuery:
    """What one order needs from Odoo besides its products and partner (names/codes as configured)."""

    company: str
    service_prefix: str  # service products are ``__amazon__.service_<prefix>_<role>``
    service_products: Mapping[str, str]  # role -> product name (roles as in ``config.ServiceProducts``)
    price_include: bool  # the marketplace's tax mode: price-included (True) or excluded sales taxes
    pricelist: str | None = None
    warehouse: str | None = None  # stock.warehouse code
    sales_team: str | None = None
    payment_term: str | None = None
    fiscal_position: str | None = None
    language: str | None = None  # res.lang code; ignored when that language is not active in Odoo
    countries: tuple[str, ...] = ()  # ISO codes of the addresses
    states: tuple[tuple[str, str], ...] = ()  # (country code, state code or name)


@dataclass(frozen=True)
class OrderRefs:
    """Database ids and settings answering :class:`OrderRefsQuery` (``None`` = not asked / not found)."""

    company_id: int
    currency: str  # the pricelist's currency, else the company's
    currency_digits: int
    price_digits: int  # decimal.precision "Product Price"
    tax_rounding: str  # res.company tax_calculation_rounding_method
    service_products: Mapping[str, int]
    taxes: Mapping[Decimal, int]  # percent rate -> account.tax id (sale, percent, the asked price_include)
    delivery_lines: bool  # sale.order.line has is_delivery (the delivery module)
    pricelist_id: int | None = None
    warehouse_id: int | None = None
    team_id: int | None = None
    payment_term_id: int | None = None
    fiscal_position_id: int | None = None
    language: str | None = None
    countries: Mapping[str, int] = field(default_factory=dict)
    states: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceStatus:
    """One customer invoice (or credit note) of a sale order."""

    id: int
    state: str  # draft | posted | cancel
    payment_state: str  # not_paid | partial | in_payment | paid | reversed ...
    move_type: str = "out_invoice"

    @property
    def settled(self) -> bool:
        """Paid, or paid and waiting for the bank match (Enterprise, Odoo 18: ``in_payment``)."""
        return self.payment_state in ("paid", "in_payment")


@dataclass(frozen=True)
class SaleOrderStatus:
    """Where an Odoo sale order stands: enough to decide confirm / cancel and the next workflow step.

    ``open_pickings`` is known only when read with ``deliveries``, ``invoiced``/``invoices`` with
    ``invoices``."""

    id: int
    name: str
    state: str  # draft | sent | sale | cancel
    delivered: bool = False  # some outgoing delivery is done
    invoiced: bool = False  # some invoice is posted
    open_pickings: tuple[int, ...] = ()  # outgoing deliveries neither done nor cancelled
    invoices: tuple[InvoiceStatus, ...] = ()  # customer invoices, not credit notes

    @property
    def invoice_ids(self) -> list[int]:
        return [inv.id for inv in self.invoices if inv.state != "cancel"]


class OdooGateway(Protocol):
    """Odoo at intent level (``adapters.odoo.gateway.OdooGateway``; tests use the Odoo double).

    Keyword arguments only on the wire; failures arrive classified (Retryable/PermanentError).
    """

    @property
    def uid(self) -> int: ...
    @property
    def calls(self) -> int: ...
    def server_version(self) -> tuple[int, str]: ...
    def call(self, model: str, method: str, ids: Sequence[int] | None = None, /, **kwargs: Any) -> Any: ...
    def check_user(self, required_groups: Sequence[str]) -> list[str]: ...
    def company_id(self, name: str) -> int: ...
    def search_read(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        limit: int | None = None,
        order: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]: ...
    def read(
        self, model: str, ids: Sequence[int], fields: Sequence[str], context: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...
    def search_count(
        self, model: str, domain: Sequence[Any], context: Mapping[str, Any] | None = None
    ) -> int: ...
    def create(
        self, model: str, vals_list: Sequence[Mapping[str, Any]], context: Mapping[str, Any] | None = None
    ) -> list[int]: ...
    def write(
        self,
        model: str,
        ids: Sequence[int],
        vals: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
    ) -> bool: ...
    def load(
        self,
        model: str,
        fields: Sequence[str],
        rows: Sequence[Sequence[str]],
        context: Mapping[str, Any] | None = None,
    ) -> list[int]: ...
    def xmlid_map(self, names: Sequence[str], module: str = "__amazon__") -> dict[str, int]: ...
    def ensure_service_products(
        self, company_id: int, prefix: str, names: Mapping[str, str]
    ) -> dict[str, int]: ...
    def post_note(self, model: str, res_id: int, body: str) -> int: ...

    # orders in (issue 3): static references are cached per process (per gateway)
    def order_refs(self, query: OrderRefsQuery) -> OrderRefs: ...
    def products_by_sku(self, company_id: int, skus: Sequence[str]) -> dict[str, int]: ...
    def create_products(self, company_id: int, products: Mapping[str, str]) -> dict[str, int]: ...
    def forget_products(self, company_id: int) -> None: ...
    def load_partner(
        self,
        external_id: str,
        vals: Mapping[str, Any],
        children: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> int: ...
    def sale_order_status(
        self, order_id: int, *, deliveries: bool = False, invoices: bool = False
    ) -> SaleOrderStatus: ...
    def confirm_orders(self, order_ids: Sequence[int]) -> None: ...
    def cancel_orders(self, order_ids: Sequence[int]) -> None: ...
    # order workflow (issue 3): invoice, post, pay, deliver
    def journal_id(self, company_id: int, name: str, types: Sequence[str]) -> int: ...
    def create_invoices(self, order_ids: Sequence[int]) -> dict[int, list[int]]: ...
    def prepare_invoices(self, invoice_ids: Sequence[int], vals: Mapping[str, Any]) -> None: ...
    def post_invoices(self, invoice_ids: Sequence[int]) -> None: ...
    def register_payment(
        self, invoice_ids: Sequence[int], journal_id: int, when: date, memo: str
    ) -> None: ...
    def validate_deliveries(self, picking_ids: Sequence[int]) -> None: ...
    def cancel_deliveries(self, picking_ids: Sequence[int]) -> None: ...

    # shipments out (issue 4): done deliveries in one read (pickings with moves, move lines, carrier and
    # the sale order's Amazon ids), notes in one write
    def done_deliveries(
        self, company: str, since: datetime, picking_ids: Sequence[int] = (), limit: int = 500
    ) -> list[OdooDelivery]: ...
    def post_notes(self, notes: Sequence[tuple[str, int, str]]) -> list[int]: ...

    # buyer documents (issue 8, ODOO.md §11): posted customer invoices (``out_invoice``) or credit notes
    # (``out_refund``) dated ``since`` or later whose reference, payment reference or reversed invoice's
    # reference is the Amazon order id of one of this seller's imported orders (``__amazon__`` external id
    # in one of ``marketplace_ids``), 3 calls; ``document_pdf``: the PDF Odoo renders for a move (the Send &
    # Print wizard without e-mail, then its frozen attachment), PermanentError naming the move when Odoo
    # cannot render it.
    def buyer_documents(
        self, company_id: int, move_type: str, since: date, marketplace_ids: Sequence[str]
    ) -> list[OdooDocument]: ...
    def document_pdf(self, move_id: int, name: str = "") -> bytes: ...

    # listings out (issue 5, ODOO.md §7-8): products by internal reference with their stock in a warehouse
    # (on hand and forecast) or their price in some pricelists (by name; the products read once for all),
    # one read per 2,000 references; every product of a reference comes back (archived ones too) so the
    # caller can tell missing, archived and ambiguous apart. A pricelist name that matches nothing raises
    # PermanentError with ``record`` ``pricelist <name>``. ``product_references``: the internal
    # references of the company's saleable products; ``warehouse_id``: a warehouse code (None: the
    # company's first warehouse) resolved, so marketplaces that share a warehouse share its read.
    def stock_by_reference(
        self, company: str, references: Sequence[str], *, warehouse: str | None
    ) -> dict[str, list[OdooStock]]: ...
    def pricelist_prices(
        self, company: str, pricelists: Sequence[str], references: Sequence[str]
    ) -> dict[str, PricelistPrices]: ...
    def product_references(self, company: str) -> list[str]: ...
    # sync products (issue 7): products by internal reference, archived ones too (``active`` tells), one
    # search_read per 2,000 references
    def products_by_reference(
        self, company: str, references: Sequence[str]
    ) -> dict[str, list[OdooProduct]]: ...
    def warehouse_id(self, company: str, code: str | None) -> int: ...

    # settlements (issue 6, ODOO.md §9): the marketplace's settlement journal (found by code, else created as
    # a bank journal), accounts by code, the statement of a settlement (by journal and reference), the open
    # items of Amazon orders (invoices, credit notes, payments), statement lines written in batches (open
    # items marked first, so Odoo reconciles them when it posts the lines), the balance closed, and lines
    # left on the suspense account matched later.
    def settlement_journal(
        self, company_id: int, code: str, name: str, currency: str
    ) -> SettlementJournal: ...
    def account_ids(self, company_id: int, codes: Sequence[str]) -> dict[str, int]: ...
    def currency_rates(
        self, company_id: int, currency_id: int, since: date, until: date
    ) -> dict[date, Decimal]: ...
    def find_statement(self, journal_id: int, reference: str) -> OdooStatement | None: ...
    def open_items(
        self, company_id: int, order_ids: Sequence[str], journal: SettlementJournal
    ) -> dict[str, list[OpenItem]]: ...
    def write_statement_lines(
        self,
        journal: SettlementJournal,
        statement_id: int | None,
        header: Mapping[str, Any],
        lines: Sequence[Mapping[str, Any]],
        markers: Mapping[int, str],
    ) -> int: ...
    def close_statement(self, statement_id: int, lines_total: Decimal) -> OdooStatement: ...
    def open_statement_lines(
        self, statement_id: int, journal: SettlementJournal
    ) -> list[OpenStatementLine]: ...
    def match_open_lines(self, matches: Sequence[LineMatch]) -> None: ...

    # refunds at Amazon (issue 8): the posted credit note of an invoice (partial: only the lines of the sale
    # lines given, with their quantity / unit price), and validated return pickings of delivered units; both
    # find what a previous attempt made (by reference / origin) instead of making it twice.
    def refund_invoice(
        self, invoice_id: int, *, reason: str, ref: str, lines: Mapping[int, CreditLine] | None = None
    ) -> int: ...
    def return_deliveries(
        self, sale_order_id: int, quantities: Mapping[int, Decimal], *, origin: str
    ) -> list[int]: ...


class AmazonGateway(Protocol):
    """One seller's SP-API. The adapter applies rate limits, retries and its failure table: methods raise
    SkipError, RetryableError (ThrottledError with ``retry_after`` when Amazon's rate limit needs a longer
    wait than a Lambda should sleep) or PermanentError with a resolution."""

    def marketplace_participations(self) -> list[MarketplaceParticipation]: ...
    def account(self) -> SellerAccount: ...

    # Orders API v2026-01-01; answers are Amazon's JSON (no ``payload`` wrapper), models come with issue 3.
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
    ) -> dict[str, Any]: ...
    def get_order(self, order_id: str, included_data: Sequence[str] = ()) -> dict[str, Any]: ...

    # Feeds API 2021-06-30 (services/feeds.py). ``create_feed`` raises SubmissionUncertainError (retryable,
    # never retried inside) when Amazon's answer is lost or a 5xx: the feed may exist. Documents move
    # through their pre-signed URLs; ``get_feed_document`` downloads and un-gzips when Amazon says GZIP.
    def create_feed_document(self, content_type: str) -> AmazonFeedDocument: ...
    def upload_feed_document(
        self, document: AmazonFeedDocument, content: bytes, content_type: str
    ) -> None: ...
    def create_feed(
        self,
        feed_type: str,
        marketplace_ids: Sequence[str],
        input_document_id: str,
        feed_options: Mapping[str, str] | None = None,
    ) -> str: ...
    def get_feed(self, feed_id: str) -> AmazonFeed: ...
    def get_feeds(
        self,
        *,
        feed_types: Sequence[str],
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        created_until: datetime | None = None,
    ) -> list[AmazonFeed]: ...
    def get_feed_document(self, document_id: str) -> bytes: ...

    # Orders API v0 confirmShipment (issue 4; 2/s, burst 10): ``package_detail`` is the request's
    # ``packageDetail``. Raises SkipError (code ``AlreadyShipped``) when Amazon answers that the items are
    # already shipped, ConfirmationUncertainError when its answer is lost or a 5xx (it may have the package:
    # never resent blindly), ThrottledError, or PermanentError with Amazon's message.
    def confirm_shipment(
        self, order_id: str, marketplace_id: str, package_detail: Mapping[str, Any]
    ) -> None: ...

    # Listings Items API 2021-08-01 patchListingsItem (listings out, issue 5; 5/s, burst 5): Amazon's answer
    # (ACCEPTED or INVALID with its issues); throttling and failures as above. Idempotent: a patch sent
    # twice sets the same value twice.
    def patch_listings_item(
        self,
        merchant_id: str,
        sku: str,
        marketplace_id: str,
        product_type: str,
        patches: Sequence[Mapping[str, Any]],
    ) -> ListingsSubmission: ...

    # products (issue 7): catalogue items by ASIN/EAN/UPC (searchCatalogItems 2022-04-01, 2/s burst 2), an
    # offer put (putListingsItem, 5/s burst 10; ``validation_preview``: VALID/INVALID, nothing changes), a
    # listing with its current issues (getListingsItem; a SKU Amazon does not list: PermanentError).
    def search_catalog_items(
        self, marketplace_id: str, identifiers: Sequence[str], identifiers_type: str
    ) -> list[CatalogItem]: ...
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
    ) -> ListingsSubmission: ...
    def get_listings_item(self, merchant_id: str, sku: str, marketplace_id: str) -> ListingsItemView: ...

    # Reports API 2021-06-30 (settlements, issue 6). ``get_reports`` is one page (newest first; with
    # ``next_token`` only the token is sent); ``download_report_document`` writes the document to ``target``
    # (un-gzipped when Amazon says GZIP) and says its content type, which names its character set.
    def get_reports(
        self,
        *,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] = (),
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        created_until: datetime | None = None,
        next_token: str | None = None,
    ) -> ReportPage: ...
    def get_report(self, report_id: str) -> AmazonReport: ...
    # createReport (sync products, issue 7): Amazon's report id of a requested report
    def create_report(self, report_type: str, marketplace_ids: Sequence[str]) -> str: ...
    def download_report_document(self, document_id: str, target: BinaryIO) -> ReportDownload: ...


# ------------------------------------------------------------ onboarding, notifications, doctor (issue 9)


class NotificationsApi(Protocol):
    """Notifications API v1 of one seller (``adapters.amazon.notifications``). Destinations are the
    application's (grantless); a create answers None when Amazon says it exists (409); ``subscription``
    answers None when there is none (404)."""

    def destinations(self) -> list[Destination]: ...
    def create_destination(self, name: str, kind: DestinationKind, target: str) -> Destination | None: ...
    def subscription(self, notification_type: str, payload_version: str = "") -> Subscription | None: ...
    def create_subscription(
        self, notification_type: str, destination_id: str, payload_version: str
    ) -> Subscription | None: ...


class OdooSetupGateway(Protocol):
    """What onboarding and the doctor need of Odoo (``adapters.odoo.setup.OdooSetup``); every ``ensure_*``
    finds first (archived records too) and creates, activates or unarchives only what is missing."""

    def server_version(self) -> tuple[int, str]: ...
    def company_id(self, name: str) -> int: ...
    def ensure_currency(self, code: str) -> OdooRecord: ...
    def ensure_language(self, code: str) -> OdooRecord | None: ...
    def ensure_pricelist(self, company_id: int, name: str, currency_id: int, currency: str) -> OdooRecord: ...
    def ensure_sales_team(self, company_id: int, name: str) -> OdooRecord: ...
    def default_warehouse(self, company_id: int) -> OdooRecord: ...
    def ensure_bank_journal(self, company_id: int, code: str, name: str, currency: str) -> OdooRecord: ...
    def access_rights(self, checks: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]: ...


class StackResources(Protocol):
    """The stack's AWS resources, read-only (``adapters.aws.resources.AwsResources``)."""

    def events_queue_arn(self) -> str: ...
    def check(self, secret_names: Sequence[str] = ()) -> list[Check]: ...
    def secret_dates(self, name: str) -> tuple[datetime | None, datetime | None]: ...
    def dead_letters(self) -> dict[str, int]: ...
