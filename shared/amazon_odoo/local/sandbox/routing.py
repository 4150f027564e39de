"""The routing table: every operation the sandbox answers, with its model and its handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from amazon_odoo.local.sandbox.core import Context, Reply


class Grant(StrEnum):
    """Which LWA tokens an operation accepts."""

    SELLER = "seller"  # a token from a seller's refresh token
    GRANTLESS = "grantless"  # a client_credentials token (scope sellingpartnerapi::notifications)
    EITHER = "either"


Handler = Callable[[Context], Reply]


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    path: str  # the model's path template, e.g. /orders/2026-01-01/orders/{orderId}
    model: str  # the model file under models/, e.g. orders-api-model/orders_2026-01-01.json
    handler: Handler
    grant: Grant = Grant.SELLER
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.match(path)
        return found.groupdict() if found else None


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.by_operation = {route.operation: route for route in routes}

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | tuple[None, bool]:
        """The route and its path parameters; or ``(None, path_exists_with_other_method)``."""
        other_method = False
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
            if route.pattern.match(path):
                other_method = True
        return None, other_method


def build_routes() -> RouteTable:
    from amazon_odoo.local.sandbox.apis import (  # catalog: products (issue 7)
        catalog,
        feeds,
        listings,
        notifications,
        orders,
        reports,
        sellers,
    )

    routes: list[Route] = []
    for module in (sellers, orders, feeds, reports, listings, notifications, catalog):
        routes.extend(module.ROUTES)
    return RouteTable(routes)
