"""A done Odoo delivery → Orders API v0 ``confirmShipment`` requests, one per package (pure: no I/O).

The delivery arrives as :class:`OdooDelivery` (read in one batched call by the Odoo gateway); the result
is a :class:`ShipmentPlan`: the packages to confirm, or the :class:`ShipmentProblem` list that says what to
fix in Odoo first — a plan with problems sends nothing at all (never half a delivery).

**Items.** Every done move of the delivery belongs to a sale order line whose external id
``__amazon__.oline_<order>_<item>`` carries the Amazon order item id (``mapping.orders``); a move
without one (a product added in Odoo, a service line) is a problem. The quantity confirmed is what the
delivery shipped (the moves' done quantities), so a partial delivery confirms what left and its backorder
confirms the rest when it is done.

**Kits** (phantom BoM: the order line sells a kit, the delivery moves its components). Amazon knows the kit
only, so it is confirmed once all its components have shipped. Odoo computes exactly that as the kit
line's ``qty_delivered`` (complete kits delivered, from the BoM); :func:`kit_quantities` confirms the
kits delivered and not confirmed yet with the latest delivery of the run that moved components of that
line, in the last package holding them. No BoM is read (the ``mrp`` module need not be installed).

**Packages.** One confirmation per Odoo package (``stock.move.line.result_package_id``, sorted by package
name; what left unpacked is one more package, last). Tracking numbers come from the delivery's tracking
reference: one per package separated by commas (what Odoo's carrier integrations write for multi-package
shipments), or one for all. ``packageReferenceId`` is ``picking id x 100 + package number``: positive,
numeric, unique within the order and the same on every run.

**Carrier.** ``carrierCode`` is one of Amazon's carrier codes (:data:`AMAZON_CARRIER_CODES`), found from the
Odoo carrier's name or provider (:func:`carrier_code`); a carrier Amazon does not list is sent as
``Other`` with its name in ``carrierName``. ``shippingMethod`` is the Odoo carrier's name, ``shipDate`` the
delivery's done date in UTC. A listed carrier needs a tracking number (Amazon checks it: valid tracking
rate); an ``Other`` carrier may go without one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from amazon_odoo.domain.shipments import PackageConfirmation, ShippedItem
from amazon_odoo.mapping.orders import XMLID_MODULE, order_item_id_from_external_id, xmlid_part

MAX_PACKAGES = 99  # packageReferenceId = picking id x 100 + package number
OTHER = "Other"

# ------------------------------------------------------------------------------------------- carriers

#: Amazon's carrier codes (``CarrierCode`` of ``amzn-base.xsd``, as Seller Central lists them), the ones
#: sellers meet most; any other carrier goes as ``Other`` with its name, which Amazon accepts.
AMAZON_CARRIER_CODES: frozenset[str] = frozenset(
    {
        "Amazon Shipping", "APC", "Aramex", "Arrow XL", "Asendia", "Australia Post", "BlueDart", "BPOST",
        "BRT", "Canada Post", "China Post", "Chronopost", "City Link", "Colis Prive", "Colissimo",
        "Correios", "Correos", "Correos Express", "Couriers Please", "DB Schenker", "Delhivery",
        "Deutsche Post", "DHL", "DHL Express", "DHL eCommerce", "DHL Global Mail", "DHL-Paket", "DPD",
        "DPD Local", "DTDC", "DX", "Estafeta", "Fastway", "FedEx", "FedEx SmartPost", "FEDEX_JP",
        "First Flight", "GLS", "GO!", "Hermes", "Hermes Logistik Gruppe", "Hermes UK", "Hongkong Post",
        "India Post", "InPost", "Interlink", "JP_EXPRESS", "La Poste", "Lasership", "Newgistics",
        "NipponExpress", "NITTSU", "OnTrac", "OSM", "Overnite Express", "Parcelforce", "Poste Italiane",
        "Professional", "Royal Mail", "SAGAWA", "SagawaExpress", "SDA", "Streamlite", "Target", "TNT",
        "UPS", "UPS Mail Innovations", "UPSMI", "USPS", "YAMATO", "YamatoTransport", "Yodel", OTHER,
    }
)  # fmt: skip

#: Odoo carrier provider (``delivery.carrier.delivery_type``, from Odoo's shipping connectors) → code.
PROVIDER_CODES: dict[str, str] = {
    "fedex": "FedEx",
    "fedex_rest": "FedEx",
    "ups": "UPS",
    "ups_rest": "UPS",
    "usps": "USPS",
    "usps_rest": "USPS",
    "dhl": "DHL Express",
    "dhl_rest": "DHL Express",
    "bpost": "BPOST",
}

#: Words in an Odoo carrier's name → code; the longest match wins ("DHL Express Worldwide" → DHL Express).
NAME_CODES: dict[str, str] = {
    "amazon shipping": "Amazon Shipping",
    "australia post": "Australia Post",
    "auspost": "Australia Post",
    "blue dart": "BlueDart",
    "bluedart": "BlueDart",
    "bpost": "BPOST",
    "bartolini": "BRT",
    "brt": "BRT",
    "canada post": "Canada Post",
    "postes canada": "Canada Post",
    "chronopost": "Chronopost",
    "colis prive": "Colis Prive",
    "colissimo": "Colissimo",
    "correios": "Correios",
    "correos express": "Correos Express",
    "correos": "Correos",
    "deutsche post": "Deutsche Post",
    "dhl express": "DHL Express",
    "dhl ecommerce": "DHL eCommerce",
    "dhl paket": "DHL-Paket",
    "dhl": "DHL",
    "dpd local": "DPD Local",
    "dpd": "DPD",
    "fedex smartpost": "FedEx SmartPost",
    "fedex": "FedEx",
    "gls": "GLS",
    "hermes": "Hermes",
    "india post": "India Post",
    "inpost": "InPost",
    "la poste": "La Poste",
    "lasership": "Lasership",
    "ontrac": "OnTrac",
    "parcelforce": "Parcelforce",
    "poste italiane": "Poste Italiane",
    "royal mail": "Royal Mail",
    "tnt": "TNT",
    "ups mail innovations": "UPS Mail Innovations",
    "ups": "UPS",
    "usps": "USPS",
    "us postal service": "USPS",
    "yamato": "YamatoTransport",
    "yodel": "Yodel",
}
_WORDS = re.compile(r"[^a-z0-9!]+")


def _words(text: str) -> str:
    return f" {_WORDS.sub(' ', text.lower()).strip()} "


def carrier_code(
    name: str, provider: str = "", overrides: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """``(carrierCode, carrierName)`` for an Odoo carrier; ``carrierName`` is set for ``Other`` only.

    Looked up in order: ``overrides`` (Odoo carrier name → Amazon code, case-insensitive), the name
    being an Amazon code itself, the provider (FedEx, UPS… connectors), words of the name; else Other."""
    clean = name.strip()
    for odoo_name, code in (overrides or {}).items():
        if odoo_name.strip().casefold() == clean.casefold():
            return (code, clean) if code == OTHER else (code, "")
    for code in AMAZON_CARRIER_CODES:
        if code.casefold() == clean.casefold() and code != OTHER:
            return code, ""
    if provider in PROVIDER_CODES:
        return PROVIDER_CODES[provider], ""
    words = _words(clean)
    hits = [(len(key), code) for key, code in NAME_CODES.items() if f" {key} " in words]
    if hits:
        return max(hits)[1], ""
    return OTHER, clean


def needs_tracking(code: str) -> bool:
    """Amazon validates tracking numbers of the carriers it lists; an ``Other`` carrier may have none."""
    return code != OTHER


# ----------------------------------------------------------------------------------- Odoo deliveries


class OdooCarrier(BaseModel):
    """``delivery.carrier``: name and provider (``delivery_type``: fixed, base_on_rule, fedex, ups…)."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    delivery_type: str = ""


class OdooSaleLine(BaseModel):
    """The ``sale.order.line`` a move delivers; ``external_id`` is its ``__amazon__`` xmlid, if any."""

    model_config = ConfigDict(frozen=True)

    id: int
    product_id: int
    external_id: str | None = None
    qty_ordered: float = 0.0
    qty_delivered: float = 0.0  # complete kits for a kit line (Odoo computes it from the BoM)


class OdooMove(BaseModel):
    """A ``stock.move`` of the delivery: ``quantity`` is what it moved once done."""

    model_config = ConfigDict(frozen=True)

    id: int
    product_id: int
    product_name: str = ""
    quantity: float
    state: str = "done"
    sale_line: OdooSaleLine | None = None

    @property
    def is_kit_component(self) -> bool:
        """The line sells another product: this move carries a component of a kit (phantom BoM)."""
        return self.sale_line is not None and self.sale_line.product_id != self.product_id


class OdooMoveLine(BaseModel):
    """A ``stock.move.line``: which package (``result_package_id``) how much of a move went into."""

    model_config = ConfigDict(frozen=True)

    id: int
    move_id: int
    quantity: float
    package_id: int | None = None
    package_name: str = ""


class OdooDelivery(BaseModel):
    """A done outgoing ``stock.picking`` with its sale order's Amazon ids, moves and move lines."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    date_done: AwareDatetime | None = None
    carrier: OdooCarrier | None = None
    tracking_ref: str = ""
    sale_order_id: int
    client_order_ref: str = ""
    order_external_id: str | None = None  # __amazon__.order_<marketplace>_<order id>, when imported
    moves: tuple[OdooMove, ...] = ()
    move_lines: tuple[OdooMoveLine, ...] = ()

    def amazon_order(self) -> tuple[str, str] | None:
        """``(Amazon order id, marketplace id)`` when the sale order came from Amazon, else None."""
        if not self.order_external_id or not self.client_order_ref:
            return None
        name = self.order_external_id.removeprefix(f"{XMLID_MODULE}.")
        suffix = f"_{xmlid_part(self.client_order_ref)}"
        if not name.startswith("order_") or not name.endswith(suffix):
            return None
        marketplace = name[len("order_") : -len(suffix)]
        if not marketplace.isalnum():
            return None
        return self.client_order_ref, marketplace

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.date_done or datetime.min.replace(tzinfo=UTC), self.id)


# --------------------------------------------------------------------------------------------- plans


class ProblemKind(StrEnum):
    NO_CARRIER = "no_carrier"
    NO_TRACKING = "no_tracking"
    TRACKING_COUNT = "tracking_count"
    NOT_AN_AMAZON_LINE = "not_an_amazon_line"
    NOT_WHOLE = "not_whole"
    TOO_MANY_PACKAGES = "too_many_packages"
    NO_DATE = "no_date"


@dataclass(frozen=True)
class ShipmentProblem:
    """Something Amazon needs that the delivery lacks: ``message`` says what, ``resolution`` what to do."""

    kind: ProblemKind
    message: str
    resolution: str

    @property
    def may_be_shipped_at_amazon(self) -> bool:
        """Deliveries the connector validated for orders Amazon reported shipped have neither carrier nor
        tracking: worth one look at the order before calling it a problem."""
        return self.kind in (ProblemKind.NO_CARRIER, ProblemKind.NO_TRACKING)


class PlannedPackage(BaseModel):
    """One ``confirmShipment`` request to make."""

    model_config = ConfigDict(frozen=True)

    reference: str
    items: tuple[ShippedItem, ...]
    carrier_code: str
    carrier_name: str = ""  # for carrier code Other
    shipping_method: str = ""
    tracking_number: str = ""
    ship_date: AwareDatetime
    package_name: str = ""

    def body(self, marketplace_id: str) -> dict[str, Any]:
        """The ``ConfirmShipmentRequest`` (ordersV0.json)."""
        detail: dict[str, Any] = {
            "packageReferenceId": self.reference,
            "carrierCode": self.carrier_code,
            "trackingNumber": self.tracking_number,
            "shipDate": iso_utc(self.ship_date),
            "orderItems": [{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in self.items],
        }
        if self.carrier_name:
            detail["carrierName"] = self.carrier_name
        if self.shipping_method:
            detail["shippingMethod"] = self.shipping_method
        return {"marketplaceId": marketplace_id, "packageDetail": detail}

    def confirmation(self) -> PackageConfirmation:
        return PackageConfirmation(
            reference=self.reference,
            items=self.items,
            carrier_code=self.carrier_code,
            carrier_name=self.carrier_name,
            tracking_number=self.tracking_number,
            package_name=self.package_name,
        )


class ShipmentPlan(BaseModel):
    """What to send for one delivery: packages, or the problems that keep it from being sent."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    marketplace_id: str
    picking_id: int
    picking_name: str
    packages: tuple[PlannedPackage, ...] = ()
    problems: tuple[ShipmentProblem, ...] = ()
    shipped: tuple[ShippedItem, ...] = ()  # what the delivery shipped (known even when it has problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fingerprint(self) -> str:
        """Digest of what would be sent (or of what is wrong): changes when the delivery is fixed."""
        content: Any = (
            [[p.kind.value, p.message] for p in self.problems]
            if self.problems
            else [p.body(self.marketplace_id) for p in self.packages]
        )
        raw = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def items(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for package in self.packages:
            for item in package.items:
                out[item.order_item_id] = out.get(item.order_item_id, 0) + item.quantity
        return out

    def problem_text(self) -> tuple[str, str]:
        """(message, resolution) of all problems, for the log book."""
        return (
            "; ".join(p.message for p in self.problems),
            "; ".join(dict.fromkeys(p.resolution for p in self.problems)),
        )


def iso_utc(moment: datetime) -> str:
    """``2026-11-27T02:44:29Z`` (ISO 8601, UTC), as Amazon's date-times are written."""
    spec = "milliseconds" if moment.microsecond else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def split_tracking(ref: str) -> list[str]:
    """A tracking reference holding one number per package, separated by commas (or semicolons, lines)."""
    return [part.strip() for part in re.split(r"[,;\n]+", ref or "") if part.strip()]


@dataclass
class _Group:
    """One physical package of the delivery (or what left unpacked)."""

    package_id: int | None
    name: str
    quantities: dict[str, float] = field(default_factory=dict)  # order item id -> quantity
    kit_lines: set[int] = field(default_factory=set)  # kit sale lines with components in it


def kit_quantities(
    deliveries: Iterable[OdooDelivery], confirmed: Mapping[str, Mapping[str, int]]
) -> dict[int, dict[int, int]]:
    """Kits each delivery confirms: picking id → {kit sale line id: number of kits}.

    ``deliveries``: the deliveries planned now; ``confirmed``: Amazon order id → {order item id: quantity
    already confirmed (or being confirmed) by other deliveries}. A kit line's complete kits not confirmed
    yet (its ``qty_delivered`` minus those) go with the latest of these deliveries that moved any of its
    components; none while the kits are incomplete."""
    latest: dict[int, tuple[tuple[datetime, int], int]] = {}  # kit line id -> (sort key, picking id)
    lines: dict[int, tuple[OdooSaleLine, str]] = {}
    for delivery in deliveries:
        amazon = delivery.amazon_order()
        if amazon is None:
            continue
        for move in delivery.moves:
            if move.state != "done" or not move.is_kit_component or move.sale_line is None:
                continue
            line = move.sale_line
            lines[line.id] = (line, amazon[0])
            if line.id not in latest or latest[line.id][0] < delivery.sort_key:
                latest[line.id] = (delivery.sort_key, delivery.id)
    out: dict[int, dict[int, int]] = {}
    for line_id, (line, order_id) in lines.items():
        item = order_item_id_from_external_id(line.external_id or "", order_id)
        if item is None:
            continue  # planning names the problem
        done_kits = int(line.qty_delivered + 1e-9)
        remaining = done_kits - int(confirmed.get(order_id, {}).get(item, 0))
        if remaining > 0:
            out.setdefault(latest[line_id][1], {})[line_id] = remaining
    return out


def plan_shipment(
    delivery: OdooDelivery,
    *,
    kits: Mapping[int, int] | None = None,
    carrier_overrides: Mapping[str, str] | None = None,
) -> ShipmentPlan:
    """The confirmations for one done delivery of an Amazon order (``delivery.amazon_order()`` must not be
    None). ``kits``: kit sale line id → kits this delivery confirms (from :func:`kit_quantities`)."""
    amazon = delivery.amazon_order()
    if amazon is None:
        raise ValueError(f"{delivery.name} is not a delivery of an Amazon order")
    order_id, marketplace_id = amazon
    problems: list[ShipmentProblem] = []
    name = delivery.name

    groups: dict[int | None, _Group] = {}
    lines_by_move: dict[int, list[OdooMoveLine]] = {}
    for move_line in delivery.move_lines:
        lines_by_move.setdefault(move_line.move_id, []).append(move_line)
    kit_items: dict[int, str] = {}
    for move in delivery.moves:
        if move.state != "done" or move.quantity <= 0:
            continue
        item = None
        if move.sale_line is not None:
            item = order_item_id_from_external_id(move.sale_line.external_id or "", order_id)
        if item is None or move.sale_line is None:
            problems.append(
                ShipmentProblem(
                    ProblemKind.NOT_AN_AMAZON_LINE,
                    f"{name} ships {move.product_name or f'product {move.product_id}'}, which is not an "
                    f"item of Amazon order {order_id} (no Amazon order item id on its sale order line)",
                    "take it out of the delivery (return it) or confirm this shipment in Seller Central",
                )
            )
            continue
        parts = lines_by_move.get(move.id) or [OdooMoveLine(id=0, move_id=move.id, quantity=move.quantity)]
        for part in parts:
            if part.quantity <= 0:
                continue
            group = groups.setdefault(part.package_id, _Group(part.package_id, part.package_name))
            if move.is_kit_component:
                group.kit_lines.add(move.sale_line.id)
                kit_items[move.sale_line.id] = item
            else:
                group.quantities[item] = group.quantities.get(item, 0.0) + part.quantity

    ordered = sorted(
        (g for g in groups.values() if g.package_id is not None), key=lambda g: (g.name, g.package_id or 0)
    )
    if None in groups:
        ordered.append(groups[None])
    for line_id, count in (kits or {}).items():
        holders = [g for g in ordered if line_id in g.kit_lines]
        if count > 0 and holders and line_id in kit_items:
            target = holders[-1]
            item = kit_items[line_id]
            target.quantities[item] = target.quantities.get(item, 0.0) + count

    if len(ordered) > MAX_PACKAGES:
        problems.append(
            ShipmentProblem(
                ProblemKind.TOO_MANY_PACKAGES,
                f"{name} has {len(ordered)} packages; at most {MAX_PACKAGES} can be confirmed per delivery",
                "split the delivery, or confirm it in Seller Central",
            )
        )

    carrier = delivery.carrier
    code, other_name = ("", "")
    shipping: list[ShipmentProblem] = []  # they matter only when there is something to confirm
    if carrier is None:
        shipping.append(
            ShipmentProblem(
                ProblemKind.NO_CARRIER,
                f"{name} has no carrier",
                f"set the carrier (shipping method) and the tracking reference on {name} in Odoo; "
                "the next run confirms it",
            )
        )
    else:
        code, other_name = carrier_code(carrier.name, carrier.delivery_type, carrier_overrides)

    refs = split_tracking(delivery.tracking_ref)
    tracking: list[str] = [""] * len(ordered)
    if len(refs) == len(ordered) and ordered:
        tracking = refs
    elif len(refs) == 1:
        tracking = refs * len(ordered)
    elif not refs:
        if carrier is not None and needs_tracking(code):
            shipping.append(
                ShipmentProblem(
                    ProblemKind.NO_TRACKING,
                    f"{name} has no tracking reference (carrier {carrier.name}, Amazon code {code})",
                    f"enter the tracking reference on {name} in Odoo (one per package, separated by "
                    "commas); the next run confirms it",
                )
            )
    else:
        shipping.append(
            ShipmentProblem(
                ProblemKind.TRACKING_COUNT,
                f"{name} has {len(ordered)} package(s) but {len(refs)} tracking numbers",
                f"give {name} one tracking number for all packages or one per package, separated by "
                "commas, in the order of the package names (unpacked goods last)",
            )
        )

    packages: list[PlannedPackage] = []
    for number, group in enumerate(ordered, start=1):
        items: list[ShippedItem] = []
        for item, quantity in group.quantities.items():
            whole = round(quantity)
            if abs(quantity - whole) > 1e-6:
                problems.append(
                    ShipmentProblem(
                        ProblemKind.NOT_WHOLE,
                        f"{name} ships {quantity:g} of Amazon order item {item}: not a whole number",
                        "Amazon counts units: correct the quantities (units of measure) of the delivery",
                    )
                )
                continue
            if whole > 0:
                items.append(ShippedItem(order_item_id=item, quantity=whole))
        if not items:
            continue
        if delivery.date_done is None:
            problems.append(
                ShipmentProblem(ProblemKind.NO_DATE, f"{name} has no done date", "validate it in Odoo")
            )
            break
        packages.append(
            PlannedPackage(
                reference=str(delivery.id * 100 + number),
                items=tuple(items),
                carrier_code=code,
                carrier_name=other_name,
                shipping_method=carrier.name if carrier is not None else "",
                tracking_number=tracking[number - 1],
                ship_date=delivery.date_done,
                package_name=group.name,
            )
        )
    if packages:
        problems[:0] = shipping
    totals: dict[str, int] = {}
    for group in ordered:
        for item, quantity in group.quantities.items():
            if round(quantity) > 0:
                totals[item] = totals.get(item, 0) + round(quantity)
    return ShipmentPlan(
        order_id=order_id,
        marketplace_id=marketplace_id,
        picking_id=delivery.id,
        picking_name=name,
        packages=() if problems else tuple(packages),
        problems=tuple(problems),
        shipped=tuple(ShippedItem(order_item_id=i, quantity=q) for i, q in totals.items()),
    )


def describe_packages(packages: Sequence[PackageConfirmation | PlannedPackage]) -> str:
    """``FedEx 1Z999 (2 x 5020…, 1 x 5021…)``, one per package, for notes and the log book."""
    parts = []
    for package in packages:
        carrier = package.carrier_name or package.carrier_code
        items = ", ".join(f"{i.quantity} x {i.order_item_id}" for i in package.items)
        tracking = f" {package.tracking_number}" if package.tracking_number else ""
        box = f" [{package.package_name}]" if package.package_name else ""
        parts.append(f"{carrier}{tracking}{box} ({items})")
    return "; ".join(parts)
