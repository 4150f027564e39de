"""Transports: what goes on the wire, and how network trouble is classified (all on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from amazon_odoo.adapters.odoo.transports import (
    Json2Transport,
    JsonRpcTransport,
    XmlRpcTransport,
    make_transport,
    split_url,
    transport_from_settings,
)
from amazon_odoo.domain.errors import PermanentError, RetryableError
from amazon_odoo.local.odoo_double import OdooDouble
from amazon_odoo.settings import OdooProtocol, Settings


@pytest.fixture(scope="module")
def double() -> Iterator[OdooDouble]:
    d = OdooDouble().start()
    yield d
    d.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Status(BaseHTTPRequestHandler):
    status = 502

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "11")
        self.end_headers()
        self.wfile.write(b"Bad Gateway")

    do_GET = _reply
    do_POST = _reply


@pytest.fixture
def bad_gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


ALL = [OdooProtocol.XMLRPC, OdooProtocol.JSONRPC, OdooProtocol.JSON2]


@pytest.mark.parametrize("protocol", ALL)
def test_connection_refused_is_retryable(protocol: OdooProtocol) -> None:
    transport = make_transport(protocol, f"http://127.0.0.1:{free_port()}", "db", "admin", "admin", timeout=2)
    with pytest.raises(RetryableError) as caught:
        transport.call("res.partner", "search_count", domain=[])
    assert caught.value.code == "odoo.unreachable"


@pytest.mark.parametrize("protocol", ALL)
def test_a_timeout_is_retryable(protocol: OdooProtocol, silent_server: str) -> None:
    transport = make_transport(protocol, silent_server, "db", "admin", "admin", timeout=0.3)
    with pytest.raises(RetryableError) as caught:
        transport.version()
    assert caught.value.code == "odoo.timeout"


@pytest.mark.parametrize("protocol", ALL)
def test_a_proxy_502_is_retryable(protocol: OdooProtocol, bad_gateway: str) -> None:
    transport = make_transport(protocol, bad_gateway, "db", "admin", "admin", timeout=2)
    with pytest.raises(RetryableError) as caught:
        transport.version()
    assert caught.value.code == "odoo.unavailable"


def test_create_values_travel_positionally_over_the_legacy_rpcs(double: OdooDouble) -> None:
    """Odoo 17's call_kw reads args[0] for create: keyword-only create fails there (verified on 17)."""
    transport = XmlRpcTransport(double.url, "amazon", "admin", "admin")
    with pytest.raises(PermanentError, match="index out of range"):
        transport.execute_kw("res.partner", "create", [], {"vals_list": [{"name": "x"}]})
    assert transport.call("res.partner", "create", vals_list=[{"name": "Jane"}])[0] > 0


def test_json2_refuses_positional_arguments() -> None:
    transport = Json2Transport("http://127.0.0.1:1", "db", "admin", "key")
    with pytest.raises(PermanentError, match="keyword arguments only"):
        transport.execute_kw("res.partner", "search_read", [[["name", "=", "x"]]], {})


def test_login_happens_once_and_counts_round_trips(double: OdooDouble) -> None:
    transport = JsonRpcTransport(double.url, "amazon", "admin", "admin")
    assert transport.authenticate() == transport.authenticate() == double.uid_for("admin")
    before = transport.calls
    transport.call("res.partner", "search_count", domain=[])
    assert transport.calls == before + 1


def test_split_url() -> None:
    assert split_url("https://odoo.example.com") == ("odoo.example.com", 443, True)
    assert split_url("http://127.0.0.1:8069") == ("127.0.0.1", 8069, False)


def test_transport_from_settings_needs_odoo_configured() -> None:
    with pytest.raises(PermanentError, match="not configured"):
        transport_from_settings(Settings())
    settings = Settings(
        ODOO_URL="http://127.0.0.1:8069",
        ODOO_DB="x",
        ODOO_USERNAME="bot",
        ODOO_PROTOCOL="json2",
        ODOO_TIMEOUT=7,
    )
    transport = transport_from_settings(settings, password="key")
    assert isinstance(transport, Json2Transport)
    assert (transport.db, transport.username, transport.timeout) == ("x", "bot", 7)
    assert "key" not in repr(transport)
