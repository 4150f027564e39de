"""How the connector speaks to Odoo: one interface, three wire protocols (DESIGN.md §5).

- :class:`XmlRpcTransport` (default): ``/xmlrpc/2/common`` + ``/xmlrpc/2/object``, standard library only.
- :class:`JsonRpcTransport`: ``/jsonrpc`` through odoorpc.
- :class:`Json2Transport`: ``/json/2/<model>/<method>`` (Odoo 19+), bearer API key, httpx.

Callers use :meth:`OdooTransport.call` with keyword arguments only and the record ids apart, so the same call
maps one to one onto all three protocols. Every failure leaves a transport classified by the failure table
(:mod:`amazon_odoo.adapters.odoo.failures`); nothing protocol-specific escapes.
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import xmlrpc.client
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx
import odoorpc

from amazon_odoo.adapters.odoo.failures import (
    CANNOT_MARSHAL_NONE,
    FailureKind,
    OdooFailure,
    classify,
)
from amazon_odoo.domain.errors import ConnectorError, PermanentError
from amazon_odoo.settings import OdooProtocol, Settings

T = TypeVar("T")

#: Methods whose first parameter must travel positionally over XML-RPC / JSON-RPC on Odoo 17/18:
#: ``api.call_kw`` reads ``args[0]`` for ``create`` (``_call_kw_model_create``), so ``create(vals_list=...)``
#: fails there. JSON-2 binds keywords, so it takes them as they are.
POSITIONAL_FIRST: dict[str, str] = {"create": "vals_list"}

#: XML-RPC ``/xmlrpc/2`` fault codes (odoo/addons/base/controllers/rpc.py) -> Odoo exception class.
XMLRPC_FAULT_CODES: dict[int, str] = {
    2: "odoo.exceptions.UserError",
    3: "odoo.exceptions.AccessDenied",
    4: "odoo.exceptions.AccessError",
}


class OdooTransport(Protocol):
    """One protocol to one Odoo database, as one user."""

    calls: int

    def version(self) -> dict[str, Any]:
        """``common.version()``: ``server_version`` ('17.0') and ``server_version_info`` ([17, 0, ...])."""
        ...

    def authenticate(self) -> int:
        """Log in (once; cached) and return the user id. PermanentError when refused."""
        ...

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any: ...

    def call(self, model: str, method: str, ids: list[int] | None = None, /, **kwargs: Any) -> Any:
        """Call ``model.method`` on ``ids`` (None for model-level methods) with keyword arguments."""
        ...


def _record(model: str, method: str) -> str:
    return f"{model}.{method}"


class _BaseTransport(ABC):
    """What the three share: lazy login, call counting, ids kept apart from keyword arguments."""

    protocol: OdooProtocol

    def __init__(self, url: str, db: str, username: str, password: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.db = db
        self.username = username
        self._password = password
        self.timeout = timeout
        self.calls = 0
        self._uid: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, db={self.db!r}, username={self.username!r})"

    def authenticate(self) -> int:
        with self._lock:
            if self._uid is None:
                self._uid = self._login()
            return self._uid

    @abstractmethod
    def _login(self) -> int: ...

    @abstractmethod
    def version(self) -> dict[str, Any]: ...

    def _refused(self) -> ConnectorError:
        return classify(
            OdooFailure(
                FailureKind.AUTH, f"Odoo refused the login of {self.username!r} on database {self.db!r}"
            ),
            record=f"odoo user {self.username}",
        )

    @abstractmethod
    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any: ...

    def call(self, model: str, method: str, ids: list[int] | None = None, /, **kwargs: Any) -> Any:
        args: list[Any] = [] if ids is None else [list(ids)]
        first = POSITIONAL_FIRST.get(method)
        if ids is None and first is not None and first in kwargs:
            args.append(kwargs.pop(first))
        return self.execute_kw(model, method, args, kwargs)


# ----------------------------------------------------------------------------------------------- XML-RPC


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        """Send once. The stdlib sends a request again when the connection drops before the answer —
        after Odoo may have run it (a second invoice, a second payment). A dropped call is a
        RetryableError instead, and the retry reads what Odoo holds before it writes."""
        return self.single_request(host, handler, request_body, verbose)


class _TimeoutSafeTransport(xmlrpc.client.SafeTransport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPSConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        """Send once (see ``_TimeoutTransport.request``)."""
        return self.single_request(host, handler, request_body, verbose)


def xmlrpc_fault_failure(fault: xmlrpc.client.Fault) -> OdooFailure:
    """A ``/xmlrpc/2`` fault: the code names the exception class; code 1 carries a traceback."""
    text = str(fault.faultString)
    name = XMLRPC_FAULT_CODES.get(fault.faultCode, "") if isinstance(fault.faultCode, int) else ""
    if not name:
        last = text.strip().splitlines()[-1] if text.strip() else ""
        head = last.split(":", 1)[0].strip()
        name = head if head and " " not in head else ""
    return OdooFailure(FailureKind.FAULT, text, exception=name)


def _network_failure(exc: BaseException) -> OdooFailure:
    if isinstance(exc, TimeoutError | socket.timeout | httpx.TimeoutException):
        return OdooFailure(FailureKind.TIMEOUT, f"timed out: {exc}")
    if isinstance(exc, urllib.error.HTTPError):
        return OdooFailure(FailureKind.HTTP, f"HTTP {exc.code}: {exc.reason}", status=exc.code)
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError | socket.timeout):
        return OdooFailure(FailureKind.TIMEOUT, f"timed out: {exc.reason}")
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return OdooFailure(FailureKind.HTTP, f"HTTP {exc.errcode}: {exc.errmsg}", status=exc.errcode)
    return OdooFailure(FailureKind.CONNECTION, f"{type(exc).__name__}: {exc}")


_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    http.client.HTTPException,
    xmlrpc.client.ProtocolError,
    httpx.TransportError,
)


class XmlRpcTransport(_BaseTransport):
    """``/xmlrpc/2``, standard library. A method that returns None is a success (ODOO.md §0)."""

    protocol = OdooProtocol.XMLRPC

    def __init__(self, url: str, db: str, username: str, password: str, timeout: float = 60.0) -> None:
        super().__init__(url, db, username, password, timeout)
        self._local = threading.local()

    def _proxy(self, service: str) -> xmlrpc.client.ServerProxy:
        proxies: dict[str, xmlrpc.client.ServerProxy] | None = getattr(self._local, "proxies", None)
        if proxies is None:
            proxies = self._local.proxies = {}
        if service not in proxies:
            transport: xmlrpc.client.Transport = (
                _TimeoutSafeTransport(self.timeout)
                if self.url.startswith("https://")
                else _TimeoutTransport(self.timeout)
            )
            proxies[service] = xmlrpc.client.ServerProxy(
                f"{self.url}/xmlrpc/2/{service}", transport=transport, allow_none=True
            )
        return proxies[service]

    def _guard(self, record: str, fn: Callable[[], T]) -> T | None:
        self.calls += 1
        try:
            return fn()
        except xmlrpc.client.Fault as fault:
            if CANNOT_MARSHAL_NONE in str(fault.faultString):
                return None  # the server committed; the method returned None
            raise classify(xmlrpc_fault_failure(fault), record=record) from fault
        except _NETWORK_ERRORS as exc:
            self._local.proxies = {}  # a broken keep-alive connection must not be reused
            raise classify(_network_failure(exc), record=record) from exc

    def version(self) -> dict[str, Any]:
        result = self._guard("odoo version", lambda: self._proxy("common").version())
        return dict(result) if isinstance(result, dict) else {}

    def _login(self) -> int:
        uid = self._guard(
            f"odoo user {self.username}",
            lambda: self._proxy("common").authenticate(self.db, self.username, self._password, {}),
        )
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
            raise self._refused()
        return uid

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any:
        uid = self.authenticate()
        return self._guard(
            _record(model, method),
            lambda: self._proxy("object").execute_kw(
                self.db, uid, self._password, model, method, args, kwargs or {}
            ),
        )


# ----------------------------------------------------------------------------------------------- JSON-RPC


def split_url(url: str) -> tuple[str, int, bool]:
    """``https://odoo.example.com`` -> (host, port, ssl)."""
    parts = urlsplit(url)
    ssl = parts.scheme == "https"
    host = parts.hostname or "localhost"
    port = parts.port or (443 if ssl else 80)
    return host, port, ssl


def jsonrpc_error_failure(info: Any, fallback: str) -> OdooFailure:
    """Odoo's JSON-RPC error envelope: ``{'code': 200, 'message': ..., 'data': {'name', 'message', ...}}``."""
    if isinstance(info, Mapping):
        data = info.get("data")
        if isinstance(data, Mapping):
            return OdooFailure(
                FailureKind.FAULT,
                str(data.get("message") or info.get("message") or fallback),
                exception=str(data.get("name") or ""),
            )
        return OdooFailure(FailureKind.FAULT, str(info.get("message") or fallback))
    return OdooFailure(FailureKind.FAULT, fallback)


class JsonRpcTransport(_BaseTransport):
    """``/jsonrpc`` through odoorpc (its ORM layer is never used: it reads every field)."""

    protocol = OdooProtocol.JSONRPC

    def __init__(self, url: str, db: str, username: str, password: str, timeout: float = 60.0) -> None:
        super().__init__(url, db, username, password, timeout)
        self._odoo: odoorpc.ODOO | None = None

    def _guard(self, record: str, fn: Callable[[], T]) -> T:
        self.calls += 1
        try:
            return fn()
        except odoorpc.error.RPCError as exc:
            raise classify(jsonrpc_error_failure(exc.info, str(exc)), record=record) from exc
        except _NETWORK_ERRORS as exc:
            raise classify(_network_failure(exc), record=record) from exc

    def _client(self) -> odoorpc.ODOO:
        if self._odoo is None:
            host, port, ssl = split_url(self.url)
            self._odoo = self._guard(
                "odoo version",
                lambda: odoorpc.ODOO(
                    host, protocol="jsonrpc+ssl" if ssl else "jsonrpc", port=port, timeout=self.timeout
                ),
            )
        return self._odoo

    def version(self) -> dict[str, Any]:
        client = self._client()
        data = self._guard(
            "odoo version",
            lambda: client.json("/jsonrpc", {"service": "common", "method": "version", "args": []}),
        )
        result = data.get("result") if isinstance(data, dict) else None
        return dict(result) if isinstance(result, dict) else {}

    def _login(self) -> int:
        client = self._client()
        try:
            self._guard(
                f"odoo user {self.username}", lambda: client.login(self.db, self.username, self._password)
            )
        except PermanentError as exc:
            if "Wrong login" in exc.message or exc.code == "odoo.auth":
                raise self._refused() from exc
            raise
        uid = client.env.uid
        if not isinstance(uid, int) or uid <= 0:
            raise self._refused()
        return uid

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any:
        self.authenticate()
        client = self._client()
        return self._guard(
            _record(model, method), lambda: client.execute_kw(model, method, args, kwargs or {})
        )


# ----------------------------------------------------------------------------------------------- JSON-2


def json2_error_failure(status: int, body: Any) -> OdooFailure:
    """A JSON-2 error: ``{'name', 'message', 'arguments', 'context', 'debug'}`` (or a bare message string)."""
    if isinstance(body, Mapping) and ("name" in body or "message" in body):
        return OdooFailure(
            FailureKind.FAULT,
            str(body.get("message") or f"HTTP {status}"),
            exception=str(body.get("name") or ""),
            status=status,
        )
    if isinstance(body, str) and body:
        return OdooFailure(FailureKind.FAULT, body, status=status)
    return OdooFailure(FailureKind.HTTP, f"HTTP {status}", status=status)


class Json2Transport(_BaseTransport):
    """``POST /json/2/<model>/<method>`` (Odoo 19+): body ``{"ids": [...], **kwargs}``, bearer API key.

    The password given is the API key. ``execute_kw`` accepts the legacy shape only as far as it maps:
    ``args`` may hold the ids and nothing else.
    """

    protocol = OdooProtocol.JSON2

    def __init__(
        self,
        url: str,
        db: str,
        username: str,
        password: str,
        timeout: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, db, username, password, timeout)
        self._http = client

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.url,
                timeout=self.timeout,
                headers={
                    "Authorization": f"bearer {self._password}",
                    "X-Odoo-Database": self.db,
                    "User-Agent": "amazon-odoo",
                },
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _request(self, record: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.calls += 1
        try:
            if body is None:
                response = self._client().request(method, path)
            else:
                response = self._client().request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise classify(_network_failure(exc), record=record) from exc
        if response.status_code == 200:
            return response.json()
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        raise classify(json2_error_failure(response.status_code, payload), record=record)

    def version(self) -> dict[str, Any]:
        data = self._request("odoo version", "GET", "/web/version")
        if not isinstance(data, dict):
            return {}
        return {
            "server_version": data.get("version", ""),
            "server_version_info": data.get("version_info", []),
        }

    def _login(self) -> int:
        try:
            rows = self._request(
                f"odoo user {self.username}",
                "POST",
                "/json/2/res.users/search_read",
                {"domain": [["login", "=", self.username]], "fields": ["id"], "limit": 1},
            )
        except PermanentError as exc:
            if exc.code == "odoo.auth":
                raise self._refused() from exc
            raise
        if not rows:
            raise self._refused()
        return int(rows[0]["id"])

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any:
        if len(args) > 1 or (args and not _is_id_list(args[0])):
            raise PermanentError(
                f"JSON-2 takes keyword arguments only; {model}.{method} was given positional arguments",
                record=_record(model, method),
                source="odoo",
                resolution="connector bug: pass the parameters by name",
            )
        return self.call(model, method, args[0] if args else None, **(kwargs or {}))

    def call(self, model: str, method: str, ids: list[int] | None = None, /, **kwargs: Any) -> Any:
        body: dict[str, Any] = dict(kwargs)
        if ids is not None:
            body["ids"] = list(ids)
        return self._request(_record(model, method), "POST", f"/json/2/{model}/{method}", body)


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


TRANSPORTS: dict[OdooProtocol, type[_BaseTransport]] = {
    OdooProtocol.XMLRPC: XmlRpcTransport,
    OdooProtocol.JSONRPC: JsonRpcTransport,
    OdooProtocol.JSON2: Json2Transport,
}


def make_transport(
    protocol: OdooProtocol | str, url: str, db: str, username: str, password: str, timeout: float = 60.0
) -> OdooTransport:
    """Build the transport for ``protocol`` (nothing touches the network until the first call)."""
    return TRANSPORTS[OdooProtocol(protocol)](url, db, username, password, timeout)


def transport_from_settings(settings: Settings, password: str | None = None) -> OdooTransport:
    """The transport ODOO_PROTOCOL names. ``password`` overrides ODOO_PASSWORD (e.g. read from a secret)."""
    if not settings.odoo_configured or settings.odoo_url is None or settings.odoo_db is None:
        raise PermanentError(
            "Odoo is not configured",
            record="environment",
            resolution="set ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD (or ODOO_PASSWORD_SECRET)",
        )
    return make_transport(
        settings.odoo_protocol,
        settings.odoo_url,
        settings.odoo_db,
        settings.odoo_username or "",
        password if password is not None else settings.odoo_password or "",
        settings.odoo_timeout,
    )
