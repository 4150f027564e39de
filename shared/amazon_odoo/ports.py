"""Interfaces the services depend on. Adapters implement them; every port has an in-memory fake
(``tests/fakes``) held honest by a contract suite that also runs against the real adapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from amazon_odoo.config import SellerConfig
from amazon_odoo.domain.marketplaces import MarketplaceParticipation, SellerAccount
from amazon_odoo.domain.state import Checkpoint, JobRun, LogEntry, LogLevel


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


class SecretStore(Protocol):
    """Credentials (Secrets Manager in AWS). Values never reach logs or the state table."""

    def put_secret(self, name: str, value: str) -> None: ...
    def get_secret(self, name: str) -> str: ...


class WorkQueue(Protocol):
    """Internal work queue (SQS): one message per unit of work so one bad record never blocks others."""

    def send(self, body: Mapping[str, Any], *, group: str = "", dedup_id: str = "") -> None: ...
    def send_batch(self, bodies: Sequence[Mapping[str, Any]]) -> int: ...


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
