"""Shipment confirmations (issue 4): what the connector told Amazon about each done Odoo delivery. Pure.

One :class:`ShipmentRecord` per Odoo delivery (``stock.picking``) of an Amazon order, with one
:class:`PackageConfirmation` per package it confirms with Orders API v0 ``confirmShipment``. A package is
marked ``SENDING`` and saved *before* the call and ``DONE`` *after* it, so a run that dies in between
leaves ``SENDING`` behind: the next run asks Amazon (``getOrder`` with its packages) whether the package
arrived before it sends anything again. Nothing about the buyer is kept: ids, SKUs' order item ids,
quantities, carrier and tracking number only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from amazon_odoo.domain.errors import RetryableError


class ShipmentStatus(StrEnum):
    PENDING = "pending"  # known, nothing sent yet (e.g. the run stopped on Amazon's rate limit first)
    SENDING = "sending"  # a confirmShipment call may have reached Amazon: look before sending again
    DONE = "done"  # Amazon has it (confirmed now, or already shipped there)
    REFUSED = "refused"  # Amazon refused it: tried again once the delivery changes, or after a while
    INVALID = "invalid"  # the Odoo delivery lacks something Amazon needs: nothing sent until it changes


class Outcome(StrEnum):
    """How a package (or a delivery) came to be done."""

    CONFIRMED = "confirmed"  # confirmShipment accepted it
    ALREADY_SHIPPED = "already_shipped"  # Amazon answered that the items are already shipped
    SHIPPED_AT_AMAZON = "shipped_at_amazon"  # getOrder showed it shipped (e.g. an order imported shipped)
    NOTHING_TO_CONFIRM = "nothing_to_confirm"  # e.g. only some components of a kit left in this delivery


class ShippedItem(BaseModel):
    """An Amazon order item and how many of it a package carries."""

    model_config = ConfigDict(frozen=True)

    order_item_id: str
    quantity: int = Field(ge=1)


class PackageConfirmation(BaseModel):
    """One ``confirmShipment`` call: ``reference`` is its ``packageReferenceId`` (positive, numeric)."""

    model_config = ConfigDict(frozen=True)

    reference: str
    items: tuple[ShippedItem, ...]
    carrier_code: str
    carrier_name: str = ""
    tracking_number: str = ""
    package_name: str = ""  # the Odoo package (stock.quant.package), when the delivery was packed
    status: ShipmentStatus = ShipmentStatus.PENDING
    outcome: Outcome | None = None
    sent_at: AwareDatetime | None = None
    done_at: AwareDatetime | None = None


class ShipmentRecord(BaseModel):
    """Everything the connector knows about the confirmation of one Odoo delivery of an Amazon order.

    ``fingerprint`` digests what was (or would be) sent, or what was wrong with the delivery: a refused or
    invalid delivery is looked at again as soon as its fingerprint changes (someone fixed it in Odoo).
    ``version`` is bumped on every save (optimistic locking, 0 = not stored yet)."""

    model_config = ConfigDict(frozen=True)

    seller_id: str
    order_id: str  # the Amazon order id
    picking_id: int
    picking_name: str = ""
    marketplace_id: str = ""
    status: ShipmentStatus = ShipmentStatus.PENDING
    outcome: Outcome | None = None
    packages: tuple[PackageConfirmation, ...] = ()
    fingerprint: str = ""
    message: str = ""  # Amazon's refusal, or what is wrong with the delivery
    resolution: str = ""
    attempts: int = 0  # confirmShipment calls made for this delivery
    created_at: AwareDatetime
    updated_at: AwareDatetime
    done_at: AwareDatetime | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """Not done yet: the job reads its delivery again on every run."""
        return self.status is not ShipmentStatus.DONE

    @property
    def label(self) -> str:
        return f"{self.picking_name or f'picking {self.picking_id}'} (order {self.order_id})"

    def confirmed_quantities(self) -> dict[str, int]:
        """Order item id -> quantity Amazon has (or may have) from this delivery's packages."""
        out: dict[str, int] = {}
        for package in self.packages:
            if package.status in (ShipmentStatus.DONE, ShipmentStatus.SENDING):
                for item in package.items:
                    out[item.order_item_id] = out.get(item.order_item_id, 0) + item.quantity
        return out

    def touched(self, now: datetime, **changes: object) -> ShipmentRecord:
        return self.model_copy(update={**changes, "updated_at": now})


class ConfirmationUncertainError(RetryableError):
    """confirmShipment got no clear answer (a timeout, a 5xx): Amazon may or may not have the package.

    Never sent again blindly: the record stays ``SENDING`` and the next run looks at the order first."""
