"""Shipments out (issue 4): done Odoo deliveries of Amazon orders confirmed at Amazon, each package once.

A run (per seller, on its schedule when ``shipments.auto_update_status`` is on, or by hand with
``amazon-odoo run export-shipments``):

1. reads, in one batched Odoo query, the done outgoing deliveries of Amazon orders done since the
   checkpoint (minus an overlap) plus those still open in the state store (refused, invalid, interrupted),
   and the state records of all of them in one batched read;
2. plans each delivery (``mapping.shipments``): items and quantities it shipped (partial deliveries
   confirm what left; kits once complete), one package per Odoo package, carrier code, tracking number,
   ship date — or the problems to fix in Odoo, in which case nothing at all is sent for it;
3. confirms each package with ``confirmShipment``: the record is saved ``SENDING`` before the call and
   ``DONE`` after it. A record found ``SENDING`` (the run died between the call and the save, or Amazon's
   answer was lost) is resolved by looking at the order at Amazon (``getOrder`` with its packages) first:
   a package Amazon has is done; one it has not is sent again. Amazon answering "already shipped" is done;
4. writes a note on the delivery and a log book line for each confirmation and each refusal (Amazon's
   message); refused and invalid deliveries stay open and are tried again as soon as they change in Odoo
   (their fingerprint), refused ones also after :data:`REFUSED_RETRY_AFTER`.

Amazon is asked about an order (``getOrder``, 0.5/s) only when it must be: to resolve a ``SENDING`` record,
and once for a delivery without carrier or tracking — the deliveries the connector itself validated for
orders imported already shipped, which must not be confirmed again.

Costs: Odoo 2 round trips per run (+1 for the notes, +3 on a cold process), whatever the number of
deliveries; Amazon 1 ``confirmShipment`` per package; DynamoDB 2 writes per package.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from amazon_odoo.domain.errors import (
    ConnectorError,
    PermanentError,
    RetryableError,
    SkipError,
)
from amazon_odoo.domain.shipments import (
    ConfirmationUncertainError,
    Outcome,
    PackageConfirmation,
    ShipmentRecord,
    ShipmentStatus,
)
from amazon_odoo.domain.state import Checkpoint, LogLevel
from amazon_odoo.mapping.shipments import (
    OdooDelivery,
    ShipmentPlan,
    describe_packages,
    kit_quantities,
    plan_shipment,
)
from amazon_odoo.ports import AmazonGateway, OdooGateway, StateStore
from amazon_odoo.services.jobs import JobContext

JOB = "export_shipments"
OVERLAP = timedelta(minutes=30)  # a delivery validated in a long transaction commits with an older date_done
FIRST_RUN_LOOKBACK = timedelta(days=7)
REFUSED_RETRY_AFTER = timedelta(hours=6)  # an unchanged refused delivery is sent again this often
PAGE_SIZE = 500  # deliveries per run; a full page resumes exactly where it stopped
LEASE_SECONDS = 900
TIME_BUDGET_SECONDS = 240.0  # of the function's 300 s: getOrder at 0.5/s may make Amazon calls wait
FULL_PAGE = "full-page"  # checkpoint.next_token: the last run read a full page, resume without overlap
ORDER_DATA = ("FULFILLMENT", "PACKAGES")
PICKING = "stock.picking"


class _Stop(Exception):
    """Amazon cannot take more now (rate limit, unreachable): the rest waits for the next run."""

    def __init__(self, delivery: OdooDelivery, error: ConnectorError) -> None:
        super().__init__(str(error))
        self.delivery = delivery
        self.error = error


@dataclass
class ShipmentExport:
    """One run of ``export_shipments`` for one seller (see the module's docstring)."""

    ctx: JobContext
    odoo: OdooGateway
    amazon: AmazonGateway
    state: StateStore
    now: datetime
    carrier_overrides: Mapping[str, str] = field(default_factory=dict)
    deadline: float | None = None  # on ``clock``: no new delivery is started after it
    clock: Callable[[], float] = time.monotonic
    notes: list[tuple[str, int, str]] = field(default_factory=list)
    _orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # getOrder answers of this run

    # ------------------------------------------------------------------------------------------ the run

    def run(self) -> None:
        seller = self.ctx.seller
        checkpoint = self.state.get_checkpoint(seller.id, JOB) or Checkpoint(seller_id=seller.id, job=JOB)
        since = self._since(checkpoint)
        open_records = self.state.open_shipments(seller.id)
        deliveries = self.odoo.done_deliveries(
            seller.odoo.company, since, [r.picking_id for r in open_records], PAGE_SIZE
        )
        self.ctx.counts["deliveries_read"] = len(deliveries)
        marketplaces = {mp.id for mp in seller.marketplaces}
        ours: list[tuple[OdooDelivery, str]] = []
        for delivery in sorted(deliveries, key=lambda d: d.sort_key):
            amazon = delivery.amazon_order()
            if amazon is None or amazon[1] not in marketplaces:
                self.ctx.counts["not_amazon"] += 1
                continue
            ours.append((delivery, amazon[0]))
        records = self.state.get_shipments(seller.id, [(order, d.id) for d, order in ours])
        todo = [d for d, _ in ours if d.id not in records or records[d.id].is_open]
        self.ctx.counts["done_before"] += len(ours) - len(todo)
        kits = kit_quantities(todo, self._confirmed_elsewhere(todo))
        stopped: _Stop | None = None
        try:
            for delivery in todo:
                if self.deadline is not None and self.clock() >= self.deadline:
                    raise _Stop(delivery, RetryableError("this run's time is up", code="TimeBudget"))
                self._deliver(delivery, records.get(delivery.id), kits.get(delivery.id, {}))
        except _Stop as stop:
            stopped = stop
        self._advance(checkpoint, since, deliveries, stopped)
        if stopped is not None:
            left = len(todo) - todo.index(stopped.delivery)
            self.ctx.counts["left_for_next_run"] = left
            self.ctx.log(
                f"stopped before {stopped.delivery.name}: {stopped.error.message}; "
                f"{left} deliveries wait for the next run",
                level=LogLevel.WARNING,
                record=f"picking {stopped.delivery.name}",
                resolution="nothing to do: the next run carries on from there",
            )

    def _since(self, checkpoint: Checkpoint) -> datetime:
        if checkpoint.cursor is None:
            return self.now - FIRST_RUN_LOOKBACK
        if checkpoint.next_token == FULL_PAGE:
            return checkpoint.cursor
        return checkpoint.cursor - OVERLAP

    def _advance(
        self,
        checkpoint: Checkpoint,
        since: datetime,
        deliveries: Sequence[OdooDelivery],
        stopped: _Stop | None,
    ) -> None:
        """Move the cursor to the latest done date read (never past a delivery left for the next run)."""
        dates = [d.date_done for d in deliveries if d.date_done is not None]
        cursor = max(dates) if dates else (checkpoint.cursor or since)
        if stopped is not None and stopped.delivery.date_done is not None:
            cursor = min(cursor, stopped.delivery.date_done)
        full = len(deliveries) >= PAGE_SIZE and stopped is None
        if checkpoint.cursor is not None and cursor < checkpoint.cursor and stopped is None:
            cursor = checkpoint.cursor
        self.state.save_checkpoint(
            checkpoint.model_copy(update={"cursor": cursor, "next_token": FULL_PAGE if full else None})
        )

    def _confirmed_elsewhere(self, todo: Sequence[OdooDelivery]) -> dict[str, dict[str, int]]:
        """For orders with kits among ``todo``: order item id -> quantity confirmed by their other
        deliveries (one state query per such order; none without kits)."""
        planned = {d.id for d in todo}
        out: dict[str, dict[str, int]] = {}
        for delivery in todo:
            amazon = delivery.amazon_order()
            if amazon is None or amazon[0] in out or not any(m.is_kit_component for m in delivery.moves):
                continue
            totals: dict[str, int] = {}
            for record in self.state.order_shipments(self.ctx.seller.id, amazon[0]):
                if record.picking_id in planned:
                    continue
                for item, quantity in record.confirmed_quantities().items():
                    totals[item] = totals.get(item, 0) + quantity
            out[amazon[0]] = totals
        return out

    # ------------------------------------------------------------------------------------ one delivery

    def _deliver(
        self, delivery: OdooDelivery, record: ShipmentRecord | None, kits: Mapping[int, int]
    ) -> None:
        if record is not None and record.status is ShipmentStatus.SENDING:
            record = self._resolve_sending(delivery, record)
            if record.status is ShipmentStatus.DONE:
                return
        plan = plan_shipment(delivery, kits=kits, carrier_overrides=self.carrier_overrides)
        fingerprint = plan.fingerprint
        if record is not None and record.fingerprint == fingerprint:
            waiting = record.status is ShipmentStatus.INVALID or (
                record.status is ShipmentStatus.REFUSED and self.now - record.updated_at < REFUSED_RETRY_AFTER
            )
            if waiting:
                self.ctx.counts["waiting_for_fix"] += 1
                return
        if not plan.ok:
            self._invalid(delivery, record, plan)
        elif not plan.packages:
            self._save(
                self._record(delivery, record, plan).touched(
                    self.now,
                    status=ShipmentStatus.DONE,
                    outcome=Outcome.NOTHING_TO_CONFIRM,
                    done_at=self.now,
                    message="nothing to confirm (e.g. a kit whose other components are still to ship)",
                )
            )
            self.ctx.counts["nothing_to_confirm"] += 1
        else:
            self._send(delivery, self._record(delivery, record, plan), plan)

    def _record(
        self, delivery: OdooDelivery, record: ShipmentRecord | None, plan: ShipmentPlan
    ) -> ShipmentRecord:
        """The delivery's record for this plan: packages already done keep their state (never resent)."""
        done = {
            p.reference: p for p in (record.packages if record else ()) if p.status is ShipmentStatus.DONE
        }
        packages = tuple(done.get(p.reference) or p.confirmation() for p in plan.packages)
        base = record or ShipmentRecord(
            seller_id=self.ctx.seller.id,
            order_id=plan.order_id,
            picking_id=delivery.id,
            created_at=self.now,
            updated_at=self.now,
        )
        return base.touched(
            self.now,
            picking_name=delivery.name,
            marketplace_id=plan.marketplace_id,
            packages=packages,
            fingerprint=plan.fingerprint,
        )

    def _invalid(self, delivery: OdooDelivery, record: ShipmentRecord | None, plan: ShipmentPlan) -> None:
        """Nothing is sent. A delivery without carrier or tracking may be one the connector validated for
        an order Amazon reported shipped: one look at the order tells."""
        if all(p.may_be_shipped_at_amazon for p in plan.problems) and plan.shipped:
            order = self._order_at_amazon(delivery, plan.order_id)
            if order is not None and _shipped_at_amazon(order, plan):
                self._save(
                    self._record(delivery, record, plan).touched(
                        self.now,
                        status=ShipmentStatus.DONE,
                        outcome=Outcome.SHIPPED_AT_AMAZON,
                        done_at=self.now,
                        message="Amazon has the order shipped already: nothing sent",
                    )
                )
                self.notes.append(
                    (
                        PICKING,
                        delivery.id,
                        f"Amazon has order {plan.order_id} shipped already: nothing was sent.",
                    )
                )
                self.ctx.counts["shipped_at_amazon"] += 1
                return
        message, resolution = plan.problem_text()
        self._save(
            self._record(delivery, record, plan).touched(
                self.now, status=ShipmentStatus.INVALID, message=message, resolution=resolution
            )
        )
        self.ctx.counts["invalid"] += 1
        self.ctx.log(
            f"{delivery.name} not confirmed at Amazon: {message}",
            level=LogLevel.WARNING,
            record=f"order {plan.order_id}",
            resolution=resolution,
            details={"picking": delivery.name, "problems": [p.kind.value for p in plan.problems]},
        )

    def _send(self, delivery: OdooDelivery, record: ShipmentRecord, plan: ShipmentPlan) -> None:
        bodies = {p.reference: p.body(plan.marketplace_id) for p in plan.packages}
        for index, package in enumerate(record.packages):
            if package.status is ShipmentStatus.DONE:
                continue
            record = self._save(
                _with_package(
                    record.touched(
                        self.now, status=ShipmentStatus.SENDING, attempts=record.attempts + 1, message=""
                    ),
                    index,
                    status=ShipmentStatus.SENDING,
                    sent_at=self.now,
                )
            )
            try:
                self.amazon.confirm_shipment(
                    plan.order_id, plan.marketplace_id, bodies[package.reference]["packageDetail"]
                )
            except SkipError:
                outcome = Outcome.ALREADY_SHIPPED
            except ConfirmationUncertainError as error:
                self._save(record.touched(self.now, message=error.message))
                self.ctx.counts["uncertain"] += 1
                self.ctx.log_error(error)
                return
            except RetryableError as error:  # throttled or unreachable: Amazon certainly has nothing
                self._save(
                    _with_package(
                        record.touched(self.now, status=ShipmentStatus.PENDING),
                        index,
                        status=ShipmentStatus.PENDING,
                    )
                )
                raise _Stop(delivery, error) from error
            except PermanentError as error:
                self._refused(delivery, record, index, plan, error)
                return
            else:
                outcome = Outcome.CONFIRMED
            record = self._save(
                _with_package(record, index, status=ShipmentStatus.DONE, outcome=outcome, done_at=self.now)
            )
            self.ctx.counts[
                "packages_confirmed" if outcome is Outcome.CONFIRMED else "packages_already_shipped"
            ] += 1
        self._done(delivery, record)

    def _done(self, delivery: OdooDelivery, record: ShipmentRecord) -> ShipmentRecord:
        confirmed = any(p.outcome is Outcome.CONFIRMED for p in record.packages)
        outcome = Outcome.CONFIRMED if confirmed else Outcome.ALREADY_SHIPPED
        record = self._save(
            record.touched(self.now, status=ShipmentStatus.DONE, outcome=outcome, done_at=self.now)
        )
        what = describe_packages(record.packages)
        if confirmed:
            self.ctx.counts["deliveries_confirmed"] += 1
            text = f"Shipment confirmed at Amazon (order {record.order_id}): {what}."
        else:
            self.ctx.counts["already_shipped"] += 1
            text = f"Amazon has order {record.order_id} shipped already; nothing more to confirm ({what})."
        self.notes.append((PICKING, delivery.id, text))
        self.ctx.log(
            f"{delivery.name}: {text}",
            record=f"order {record.order_id}",
            details={"picking": delivery.name, "packages": [p.reference for p in record.packages]},
        )
        return record

    def _refused(
        self,
        delivery: OdooDelivery,
        record: ShipmentRecord,
        index: int,
        plan: ShipmentPlan,
        error: ConnectorError,
    ) -> None:
        resolution = (
            f"fix what Amazon names on {delivery.name} in Odoo (carrier, tracking, quantities): it is sent "
            f"again as soon as it changes, or in {int(REFUSED_RETRY_AFTER.total_seconds() // 3600)} hours"
        )
        self._save(
            _with_package(
                record.touched(
                    self.now, status=ShipmentStatus.REFUSED, message=error.message, resolution=resolution
                ),
                index,
                status=ShipmentStatus.REFUSED,
            )
        )
        self.ctx.counts["refused"] += 1
        self.notes.append(
            (
                PICKING,
                delivery.id,
                f"Amazon refused the shipment confirmation of order {plan.order_id}: {error.message}\n{resolution}.",
            )
        )
        self.ctx.log(
            f"{delivery.name}: Amazon refused the shipment confirmation: {error.message}",
            level=LogLevel.ERROR,
            record=f"order {plan.order_id}",
            resolution=resolution,
            details={"picking": delivery.name, "code": error.code},
        )

    # ------------------------------------------------------------------- Amazon's side of the order

    def _order_at_amazon(self, delivery: OdooDelivery, order_id: str) -> dict[str, Any] | None:
        """The order with its fulfilment and packages (``getOrder``, once per order and run); None when
        Amazon does not know it. Throttled or unreachable stops the run."""
        if order_id not in self._orders:
            try:
                answer = self.amazon.get_order(order_id, included_data=ORDER_DATA)
            except RetryableError as error:
                raise _Stop(delivery, error) from error
            except (PermanentError, SkipError):
                return None
            self.ctx.counts["orders_checked"] += 1
            order = answer.get("order") if isinstance(answer, Mapping) else None
            self._orders[order_id] = dict(order) if isinstance(order, Mapping) else {}
        return self._orders[order_id] or None

    def _resolve_sending(self, delivery: OdooDelivery, record: ShipmentRecord) -> ShipmentRecord:
        """A call may have reached Amazon without its record being completed: ask Amazon what it has."""
        order = self._order_at_amazon(delivery, record.order_id) or {}
        status = _fulfillment_status(order)
        at_amazon = {
            str(p.get("packageReferenceId")) for p in order.get("packages") or [] if isinstance(p, Mapping)
        }
        packages = list(record.packages)
        for index, package in enumerate(packages):
            if package.status is not ShipmentStatus.SENDING:
                continue
            if package.reference in at_amazon:
                changes: dict[str, Any] = {"status": ShipmentStatus.DONE, "outcome": Outcome.CONFIRMED}
            elif status == "SHIPPED":
                changes = {"status": ShipmentStatus.DONE, "outcome": Outcome.ALREADY_SHIPPED}
            elif status == "CANCELLED":
                changes = {"status": ShipmentStatus.REFUSED}
            else:
                changes = {"status": ShipmentStatus.PENDING}  # Amazon has nothing: send it again
            if changes["status"] is ShipmentStatus.DONE:
                changes["done_at"] = self.now
            packages[index] = package.model_copy(update=changes)
        self.ctx.counts["resolved"] += 1
        if status == "CANCELLED" and any(p.status is ShipmentStatus.REFUSED for p in packages):
            record = self._save(
                record.touched(
                    self.now,
                    packages=tuple(packages),
                    status=ShipmentStatus.REFUSED,
                    message=f"Amazon order {record.order_id} is cancelled",
                    resolution="the order was cancelled at Amazon: take the goods back if they left",
                )
            )
            return record
        record = self._save(record.touched(self.now, packages=tuple(packages), status=ShipmentStatus.PENDING))
        if record.packages and all(p.status is ShipmentStatus.DONE for p in record.packages):
            return self._done(delivery, record)
        return record

    # ------------------------------------------------------------------------------------------ helpers

    def _save(self, record: ShipmentRecord) -> ShipmentRecord:
        return self.state.save_shipment(record)

    def flush_notes(self) -> None:
        """The run's notes on their deliveries, in one Odoo call; a failure leaves a log book line."""
        if not self.notes:
            return
        try:
            self.odoo.post_notes(self.notes)
        except ConnectorError as error:
            self.ctx.log(
                f"{len(self.notes)} note(s) could not be written on their deliveries: {error.message}",
                level=LogLevel.WARNING,
                record="odoo notes",
                resolution="nothing to do: the log book has the same lines",
            )
        self.ctx.counts["notes"] += len(self.notes)
        self.notes.clear()


def export_shipments(
    ctx: JobContext,
    odoo: OdooGateway,
    amazon: AmazonGateway,
    state: StateStore,
    now: datetime,
    *,
    carrier_overrides: Mapping[str, str] | None = None,
    time_budget: float | None = TIME_BUDGET_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """The job body: confirm the seller's done deliveries at Amazon (see the module's docstring). One run
    per seller at a time (a lease); another run finding it taken does nothing. No delivery is started
    after ``time_budget`` seconds (the rest waits for the next run), so a Lambda never times out midway."""
    lease = f"{JOB}:{ctx.seller.id}"
    if not state.acquire_lease(lease, ctx.run_id, LEASE_SECONDS, now):
        ctx.counts["busy"] = 1
        ctx.log(
            "another export_shipments run of this seller is going on: this one did nothing",
            record=f"seller {ctx.seller.id}",
        )
        return
    deadline = None if time_budget is None else clock() + time_budget
    export = ShipmentExport(
        ctx, odoo, amazon, state, now, dict(carrier_overrides or {}), deadline=deadline, clock=clock
    )
    try:
        export.run()
    finally:
        export.flush_notes()
        state.release_lease(lease, ctx.run_id)


def _with_package(record: ShipmentRecord, index: int, **changes: Any) -> ShipmentRecord:
    packages: list[PackageConfirmation] = list(record.packages)
    packages[index] = packages[index].model_copy(update=changes)
    return record.model_copy(update={"packages": tuple(packages)})


def _fulfillment_status(order: Mapping[str, Any]) -> str:
    fulfillment = order.get("fulfillment")
    return str(fulfillment.get("fulfillmentStatus") or "") if isinstance(fulfillment, Mapping) else ""


def _shipped_at_amazon(order: Mapping[str, Any], plan: ShipmentPlan) -> bool:
    """Amazon has every item this delivery shipped as shipped (the whole order, or these items)."""
    status = _fulfillment_status(order)
    if status == "SHIPPED":
        return True
    if status != "PARTIALLY_SHIPPED":
        return False
    unfulfilled: dict[str, int] = {}
    for item in order.get("orderItems") or []:
        if isinstance(item, Mapping):
            fulfillment = item.get("fulfillment") or {}
            unfulfilled[str(item.get("orderItemId"))] = int(fulfillment.get("quantityUnfulfilled") or 0)
    return all(unfulfilled.get(item.order_item_id, 1) == 0 for item in plan.shipped)
