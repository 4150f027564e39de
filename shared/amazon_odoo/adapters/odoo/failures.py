"""The Odoo adapter's failure table: every raw failure (an Odoo fault, an HTTP status, a dropped connection)
becomes a :class:`ConnectorError` of the right disposition, with a resolution a person can act on.

The transports describe what went wrong as an :class:`OdooFailure` (protocol-neutral); :func:`classify`
walks :data:`RULES` top to bottom and the first matching rule decides. The table is data: add a row,
not a branch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from amazon_odoo.domain.errors import ConnectorError, PermanentError, RetryableError

#: XML-RPC raises this (after the server committed) when a method returns None; ODOO.md §0.
CANNOT_MARSHAL_NONE = "cannot marshal None"

#: Groups the connector needs, by the model whose access fails without them (ODOO.md §0, §9).
GROUP_FOR_MODEL: dict[str, str] = {
    "account.bank.statement": "account.group_account_user",
    "account.bank.statement.line": "account.group_account_user",
    "account.move": "account.group_account_invoice",
    "account.move.line": "account.group_account_invoice",
    "account.payment": "account.group_account_invoice",
    "account.payment.register": "account.group_account_invoice",
    "sale.order": "sales_team.group_sale_salesman",
    "sale.order.line": "sales_team.group_sale_salesman",
    "stock.picking": "stock.group_stock_user",
    "stock.move": "stock.group_stock_user",
    "stock.quant": "stock.group_stock_manager",
    "product.product": "sales_team.group_sale_manager",
    "product.template": "sales_team.group_sale_manager",
}


class FailureKind(StrEnum):
    FAULT = "fault"  # the server ran the call and raised (XML-RPC Fault, JSON-RPC error, JSON-2 4xx/5xx)
    HTTP = "http"  # an HTTP error outside Odoo's own error envelope (proxy 502, 503 ...)
    CONNECTION = "connection"  # refused, reset, DNS
    TIMEOUT = "timeout"
    AUTH = "auth"  # login refused / API key invalid


@dataclass(frozen=True)
class OdooFailure:
    """What a transport saw, before classification.

    ``exception`` is Odoo's exception class name when known (``odoo.exceptions.AccessError``,
    ``psycopg2.errors.SerializationFailure``); ``status`` the HTTP status when there was one.
    """

    kind: FailureKind
    message: str
    exception: str = ""
    status: int | None = None

    @property
    def short_exception(self) -> str:
        return self.exception.rsplit(".", 1)[-1]


Resolution = str | Callable[[OdooFailure], str]


@dataclass(frozen=True)
class Rule:
    """One row of the table. Every given criterion must hold; empty criteria match anything."""

    error: type[ConnectorError]
    resolution: Resolution
    kinds: frozenset[FailureKind] = frozenset()
    exceptions: frozenset[str] = frozenset()  # short names: AccessError, ValidationError ...
    pattern: re.Pattern[str] | None = None  # searched in the message
    statuses: frozenset[int] = frozenset()
    code: str = ""
    keep_message: bool = True
    name: str = field(default="", compare=False)

    def matches(self, failure: OdooFailure) -> bool:
        return (
            (not self.kinds or failure.kind in self.kinds)
            and (not self.exceptions or failure.short_exception in self.exceptions)
            and (not self.statuses or failure.status in self.statuses)
            and (self.pattern is None or bool(self.pattern.search(failure.message)))
        )


_MODEL_IN_MESSAGE = re.compile(r"\(([a-z0-9_]+(?:\.[a-z0-9_]+)+)\)")
_GROUP_LINES = re.compile(r"^\s*-\s*(.+?)\s*$", re.MULTILINE)


def missing_group_hint(failure: OdooFailure) -> str:
    """Name the group the API user lacks: the connector's own table first, then Odoo's list."""
    for model in _MODEL_IN_MESSAGE.findall(failure.message):
        if model in GROUP_FOR_MODEL:
            return (
                f"add the Odoo API user to the group {GROUP_FOR_MODEL[model]} "
                f"(Settings > Users; it is needed to work with {model})"
            )
    listed = failure.message.split("following groups:", 1)
    if len(listed) == 2:
        groups = [g for g in _GROUP_LINES.findall(listed[1]) if not g.lower().startswith("contact")]
        if groups:
            return "add the Odoo API user to one of these groups: " + ", ".join(groups)
    return "give the Odoo API user the access rights named in the message (Settings > Users)"


def _ci(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


_AUTH_RESOLUTION = "check ODOO_USERNAME / password / API key (ODOO_PASSWORD or its secret) and ODOO_DB"

RULES: tuple[Rule, ...] = (
    Rule(
        name="login refused",
        kinds=frozenset({FailureKind.AUTH}),
        error=PermanentError,
        code="odoo.auth",
        resolution=_AUTH_RESOLUTION,
    ),
    Rule(
        name="access denied (bad credentials on a call)",
        exceptions=frozenset({"AccessDenied", "Unauthorized"}),
        error=PermanentError,
        code="odoo.auth",
        resolution=_AUTH_RESOLUTION,
    ),
    Rule(
        name="HTTP 401",
        statuses=frozenset({401}),
        error=PermanentError,
        code="odoo.auth",
        resolution=_AUTH_RESOLUTION,
    ),
    Rule(
        name="concurrent update",
        pattern=_ci(r"could not serialize access|concurrent update|deadlock detected|could not obtain lock"),
        error=RetryableError,
        code="odoo.concurrency",
        resolution="another transaction changed the same records; retry",
    ),
    Rule(
        name="private method",
        pattern=_ci(r"Private methods \(such as"),
        error=PermanentError,
        code="odoo.private_method",
        resolution="call a public method instead (connector bug; report it)",
    ),
    Rule(
        name="access rights",
        exceptions=frozenset({"AccessError"}),
        error=PermanentError,
        code="odoo.access",
        resolution=missing_group_hint,
    ),
    Rule(
        name="access rights (text only)",
        pattern=_ci(r"access rights|You are not allowed to"),
        error=PermanentError,
        code="odoo.access",
        resolution=missing_group_hint,
    ),
    Rule(
        name="HTTP 403",
        statuses=frozenset({403}),
        error=PermanentError,
        code="odoo.access",
        resolution=missing_group_hint,
    ),
    Rule(
        name="record gone",
        exceptions=frozenset({"MissingError"}),
        error=PermanentError,
        code="odoo.missing",
        resolution="the Odoo record was deleted; recreate it or remove the reference",
    ),
    Rule(
        name="validation",
        exceptions=frozenset({"ValidationError", "UserError", "RedirectWarning", "UnprocessableEntity"}),
        error=PermanentError,
        code="odoo.user_error",
        resolution="fix the data or the Odoo configuration named in the message",
    ),
    Rule(
        name="HTTP 404 / 422",
        kinds=frozenset({FailureKind.FAULT, FailureKind.HTTP}),
        statuses=frozenset({404, 422}),
        error=PermanentError,
        code="odoo.user_error",
        resolution="fix the data or the Odoo configuration named in the message",
    ),
    Rule(
        name="timeout",
        kinds=frozenset({FailureKind.TIMEOUT}),
        error=RetryableError,
        code="odoo.timeout",
        resolution="Odoo did not answer in time (ODOO_TIMEOUT); retry",
    ),
    Rule(
        name="connection",
        kinds=frozenset({FailureKind.CONNECTION}),
        error=RetryableError,
        code="odoo.unreachable",
        resolution="Odoo is unreachable; retry (check ODOO_URL if it lasts)",
    ),
    Rule(
        name="server busy",
        statuses=frozenset({429, 500, 502, 503, 504}),
        kinds=frozenset({FailureKind.HTTP}),
        error=RetryableError,
        code="odoo.unavailable",
        resolution="Odoo or its proxy is unavailable; retry",
    ),
    Rule(
        name="HTTP 429 / 502 / 503 / 504 from Odoo",
        statuses=frozenset({429, 502, 503, 504}),
        error=RetryableError,
        code="odoo.unavailable",
        resolution="Odoo or its proxy is unavailable; retry",
    ),
    Rule(
        name="other HTTP error",
        kinds=frozenset({FailureKind.HTTP}),
        error=PermanentError,
        code="odoo.http",
        resolution="check ODOO_URL and ODOO_PROTOCOL",
    ),
    Rule(
        name="anything else the server raised",
        error=PermanentError,
        code="odoo.server_error",
        resolution="read the Odoo server log for this call",
    ),
)


def _last_line(message: str) -> str:
    """Odoo XML-RPC puts the whole traceback in the fault text; the last line says what happened."""
    lines = [line for line in message.strip().splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Traceback"):
        return lines[-1].strip()
    return message.strip()


def classify(failure: OdooFailure, *, record: str = "", rules: tuple[Rule, ...] = RULES) -> ConnectorError:
    """Turn a raw Odoo failure into a classified connector error (first matching rule wins)."""
    rule = next(r for r in rules if r.matches(failure))
    resolution = rule.resolution(failure) if callable(rule.resolution) else rule.resolution
    message = _last_line(failure.message) or failure.exception or failure.kind.value
    return rule.error(message, resolution=resolution, record=record, source="odoo", code=rule.code)
