"""A fault-injecting HTTP hop in front of the Odoo double, for the invariant tests.

The connector talks to ``OdooWire.url`` exactly as it talks to Odoo (XML-RPC); the wire forwards every
request to the double unless told otherwise:

- ``down = True``: every request is dropped without an answer (the connection closes), as when Odoo is
  stopped or unreachable behind its proxy;
- ``drop_responses(model, method, times)``: the next ``times`` such calls run in Odoo (committed) but their
  answer is lost on the way back;
- ``hold(model, method, parties)``: the next ``parties`` such calls wait for each other before any of them
  reaches Odoo (a barrier: every worker has read what it reads before anyone writes).

Only ``object.execute_kw`` calls are matched (by model and method); login and version calls always pass
(except when ``down``).
"""

from __future__ import annotations

import http.client
import threading
import xmlrpc.client
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from amazon_odoo.local.serving import LoopbackServer

Call = tuple[str, str]  # (model, method)


class OdooWire:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.down = False
        self.forwarded: Counter[Call] = Counter()  # calls that reached Odoo
        self.dropped: Counter[Call] = Counter()  # calls whose answer was lost (after Odoo ran them)
        self.refused = 0  # requests dropped while down
        self.barrier_broken = False
        self._drops: Counter[Call] = Counter()
        self._holds: dict[Call, tuple[threading.Barrier, list[int]]] = {}
        self._lock = threading.Lock()
        self._serving: LoopbackServer | None = None

    def start(self) -> OdooWire:
        if self._serving is None:
            self._serving = LoopbackServer(type("Handler", (_Handler,), {"wire": self}), name="odoo-wire")
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()
            self._serving = None

    @property
    def url(self) -> str:
        if self._serving is None:
            raise RuntimeError("the Odoo wire is not started")
        return self._serving.url

    def reset(self) -> None:
        """Back to a plain wire: up, nothing dropped or held."""
        with self._lock:
            self.down = False
            self._drops.clear()
            self._holds.clear()
            self.barrier_broken = False

    def drop_responses(self, model: str, method: str, times: int = 1) -> None:
        with self._lock:
            self._drops[(model, method)] += times

    def hold(self, model: str, method: str, parties: int, timeout: float = 20.0) -> None:
        with self._lock:
            self._holds[(model, method)] = (threading.Barrier(parties, timeout=timeout), [parties])

    # -- used by the handler
    def _take_drop(self, call: Call) -> bool:
        with self._lock:
            if self._drops[call] > 0:
                self._drops[call] -= 1
                return True
            return False

    def _wait_hold(self, call: Call) -> None:
        with self._lock:
            held = self._holds.get(call)
            if held is None:
                return
            barrier, left = held
            left[0] -= 1
            if left[0] == 0:
                del self._holds[call]
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            self.barrier_broken = True

    def _forward(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(), response.getheader("Content-Type") or "text/xml"
        finally:
            conn.close()


def _execute_kw_call(path: str, body: bytes) -> Call | None:
    if not path.startswith("/xmlrpc/2/object"):
        return None
    try:
        params, name = xmlrpc.client.loads(body)
    except (xmlrpc.client.ResponseError, ValueError, TypeError):
        return None
    if name in ("execute_kw", "execute") and len(params) >= 5:
        return str(params[3]), str(params[4])
    return None


class _Handler(BaseHTTPRequestHandler):
    wire: OdooWire
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _drop(self) -> None:
        self.close_connection = True  # no status line: the client sees the connection close

    def _relay(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        wire = self.wire
        if wire.down:
            with wire._lock:
                wire.refused += 1
            self._drop()
            return
        call = _execute_kw_call(self.path, body)
        if call is not None:
            wire._wait_hold(call)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "content-length")}
        status, payload, content_type = wire._forward(method, self.path, body, headers)
        if call is not None:
            with wire._lock:
                wire.forwarded[call] += 1
            if wire._take_drop(call):
                with wire._lock:
                    wire.dropped[call] += 1
                self._drop()
                return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        self._relay("POST")

    def do_GET(self) -> None:
        self._relay("GET")
