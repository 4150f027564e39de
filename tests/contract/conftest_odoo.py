"""Fixtures for the Odoo contract suite: the same tests against the Odoo double (one per transport) and,
when ODOO_URL / ODOO_DB / ODOO_USERNAME / ODOO_PASSWORD are set, against that real Odoo.

``odoo_gateway`` is an :class:`~amazon_odoo.adapters.odoo.gateway.OdooGateway`; ``odoo_target`` says what it
points at and can open a gateway as another user.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from amazon_odoo.adapters.odoo import OdooGateway, make_transport
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.settings import OdooProtocol

#: (target id, protocol, double version or None for the real Odoo)
ODOO_TARGETS: tuple[tuple[str, OdooProtocol, str | None], ...] = (
    ("double-xmlrpc", OdooProtocol.XMLRPC, "17.0"),
    ("double-jsonrpc", OdooProtocol.JSONRPC, "17.0"),
    ("double-json2", OdooProtocol.JSON2, "19.0"),
    ("real-xmlrpc", OdooProtocol.XMLRPC, None),
    ("real-jsonrpc", OdooProtocol.JSONRPC, None),
)

REAL_ENV = ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD")


def real_odoo_configured() -> bool:
    return all(os.environ.get(name) for name in REAL_ENV)


@dataclass
class OdooTarget:
    name: str
    protocol: OdooProtocol
    url: str
    db: str
    username: str
    password: str
    double: OdooDouble | None = None

    @property
    def is_double(self) -> bool:
        return self.double is not None

    def gateway(self, username: str | None = None, password: str | None = None) -> OdooGateway:
        """A fresh gateway (own transport, own caches), as the main user or another one."""
        return OdooGateway(
            make_transport(
                self.protocol,
                self.url,
                self.db,
                username or self.username,
                self.password if password is None else password,
                timeout=30.0,
            )
        )

    def secret_for(self, login: str, password: str) -> str:
        """What ``login`` authenticates with on this protocol (JSON-2 takes an API key, not a password)."""
        if self.protocol is OdooProtocol.JSON2 and self.double is not None:
            key = f"{login}-test-key"
            self.double.db.api_keys[key] = self.double.uid_for(login)
            return key
        return password


@pytest.fixture(scope="module", params=[t[0] for t in ODOO_TARGETS])
def odoo_target(request: pytest.FixtureRequest) -> Iterator[OdooTarget]:
    name, protocol, version = next(t for t in ODOO_TARGETS if t[0] == request.param)
    if version is None:
        if not real_odoo_configured():
            pytest.skip("real Odoo: set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD")
        yield OdooTarget(
            name,
            protocol,
            os.environ["ODOO_URL"].rstrip("/"),
            os.environ["ODOO_DB"],
            os.environ["ODOO_USERNAME"],
            os.environ["ODOO_PASSWORD"],
        )
        return
    double = OdooDouble(db="amazon", users={"admin": "admin"}, version=version).start()
    try:
        secret = double.api_key("admin") if protocol is OdooProtocol.JSON2 else "admin"
        yield OdooTarget(name, protocol, double.url, "amazon", "admin", secret, double=double)
    finally:
        double.stop()


@pytest.fixture
def odoo_gateway(odoo_target: OdooTarget) -> OdooGateway:
    return odoo_target.gateway()
