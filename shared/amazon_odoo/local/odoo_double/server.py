"""The Odoo double's HTTP face: XML-RPC (``/xmlrpc/2/common``, ``/xmlrpc/2/object``), JSON-RPC (``/jsonrpc``,
``/web/webclient/version_info``) and JSON-2 (``/json/2/<model>/<method>``, ``/web/version``), each answering
errors the way Odoo does (fault codes and texts, the JSON-RPC error envelope, JSON-2 status + error object).
"""

from __future__ import annotations

import inspect
import json
import traceback
import xmlrpc.client
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

from amazon_odoo.local.odoo_double.errors import AccessDenied, InternalError, OdooError, UserError
from amazon_odoo.local.odoo_double.models import check_private, seed
from amazon_odoo.local.odoo_double.orm import Database, Model
from amazon_odoo.local.serving import LoopbackServer

RPC_VERSION = 1


class OdooDouble:
    """An in-memory Odoo on 127.0.0.1, for tests and the local demo.

    >>> double = OdooDouble(users={"admin": "admin"}).start()
    >>> double.url, double.db.name, double.api_key("admin")
    """

    def __init__(
        self,
        db: str = "amazon",
        users: Mapping[str, str] | None = None,
        version: str = "17.0",
        api_keys: Mapping[str, str] | None = None,
        company: str = "My Company",
    ) -> None:
        users = dict(users or {"admin": "admin"})
        keys = dict(api_keys or {login: f"{login}-api-key-{db}" for login in users})
        self.db = Database(name=db, version=version)
        self._keys = keys
        seed(self.db, users, keys, company=company)
        self._serving: LoopbackServer | None = None

    # ------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> OdooDouble:
        if self._serving is None:
            handler = type("Handler", (_Handler,), {"double": self})
            self._serving = LoopbackServer(handler, name="odoo-double")
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()
            self._serving = None

    def __enter__(self) -> OdooDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._serving is None:
            raise RuntimeError("the Odoo double is not started")
        return self._serving.url

    # ------------------------------------------------------------------------------------------ helpers

    def api_key(self, login: str) -> str:
        return self._keys[login]

    @property
    def version(self) -> dict[str, Any]:
        return {
            "server_version": self.db.version,
            "server_version_info": self.db.version_info,
            "server_serie": self.db.version,
            "protocol_version": RPC_VERSION,
        }

    @property
    def calls(self) -> int:
        """execute_kw / JSON-2 calls served (round trips that reach the ORM)."""
        return sum(self.db.calls.values())

    def reset_counts(self) -> None:
        self.db.calls.clear()
        self.db.requests = 0

    def inject(self, model: str, method: str, error: OdooError, times: int = 1) -> None:
        """Make the next ``times`` calls of ``model.method`` fail with ``error``.

        ``load`` reports it as an error message, as Odoo does for database errors."""
        self.db.injected.setdefault((model, method), []).extend([error] * times)

    def uid_for(self, login: str) -> int:
        for uid, row in self.db.table("res.users").items():
            if row.get("login") == login:
                return uid
        raise KeyError(login)

    def grant(self, login: str, group_xmlid: str) -> None:
        """Add a user to a group (and what it implies), as an administrator would."""
        env = self.db.env(1, su=True)
        uid = self.uid_for(login)
        field = "group_ids" if self.db.major >= 19 else "groups_id"
        with self.db.transaction():
            env["res.users"].browse(uid).write({field: [(4, env.ref(group_xmlid))]})

    def env(self, login: str = "admin") -> Any:
        """An ORM environment (superuser) to inspect or arrange data in tests."""
        return self.db.env(self.uid_for(login), su=True)

    # ------------------------------------------------------------------------------------------ services

    def authenticate(self, db: str, login: str, password: str) -> int | bool:
        if db != self.db.name:
            return False
        for uid, row in self.db.table("res.users").items():
            known = password == row.get("password") or self.db.api_keys.get(password) == uid
            if row.get("login") == login and row.get("active", True) and known:
                return uid
        return False

    def check(self, db: str, uid: int, password: str) -> None:
        row = self.db.table("res.users").get(uid)
        if (
            db != self.db.name
            or row is None
            or not (password == row.get("password") or self.db.api_keys.get(password) == uid)
        ):
            raise AccessDenied()

    def execute_kw(
        self,
        db: str,
        uid: int,
        password: str,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> Any:
        """``object.execute_kw`` with Odoo's calling conventions (``api.call_kw``)."""
        self.check(db, uid, password)
        args, kwargs = list(args or []), dict(kwargs or {})
        return self._call(uid, model, method, legacy=True, args=args, kwargs=kwargs)

    def json2(self, uid: int, model: str, method: str, body: dict[str, Any]) -> Any:
        """``/json/2``: ids apart, everything else by keyword."""
        ids = body.pop("ids", None)
        return self._call(uid, model, method, legacy=False, args=[] if ids is None else [ids], kwargs=body)

    def _call(
        self, uid: int, model: str, method: str, *, legacy: bool, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        check_private(method)
        context = kwargs.pop("context", None) or {}
        with self.db.transaction():
            self.db.calls[(model, method)] += 1
            env = self.db.env(uid, context)
            records = env[model]
            func = getattr(type(records), method, None)
            api = getattr(func, "_api", None)
            if func is None or api is None:
                raise InternalError(
                    f"The method '{method}' does not exist on the model '{model}'",
                    name="builtins.AttributeError",
                )
            api = records._api_of(method, api)
            injected = self.db.pop_injected(model, method)
            if injected is not None:
                if method == "load":
                    return {
                        "ids": False,
                        "messages": [
                            {"type": "error", "message": str(injected), "rows": {"from": 0, "to": 0}}
                        ],
                        "nextrow": 0,
                    }
                raise injected
            return _invoke(records, func, api, legacy, args, kwargs)


def _invoke(
    records: Model, func: Any, api: str, legacy: bool, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    if api == "multi":
        if not args:
            if legacy:
                raise InternalError("tuple index out of range", name="builtins.IndexError")
            args = [[]]
        ids, rest = args[0], args[1:]
        if isinstance(ids, int):
            ids = [ids]
        target = records.browse(list(ids or []))
        result = _bind_and_call(func, target, rest, kwargs)
    else:
        if not legacy and args:
            raise UserError(f"cannot call {records._name}.{func.__name__} with ids")
        if api == "model_create" and legacy and not args:
            raise InternalError("tuple index out of range", name="builtins.IndexError")
        result = _bind_and_call(func, records, args, kwargs)
        if api == "model_create":
            single = isinstance(args[0], Mapping) if args else isinstance(kwargs.get("vals_list"), Mapping)
            return result.ids[0] if single and legacy else result.ids
    if isinstance(result, Model):
        return result.ids
    return result


def _bind_and_call(func: Any, target: Model, args: list[Any], kwargs: dict[str, Any]) -> Any:
    signature = inspect.signature(func)
    params = signature.parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        for name in kwargs:  # Python names an unknown keyword first, as Odoo's traceback then shows
            if name not in params or params[name].kind is inspect.Parameter.POSITIONAL_ONLY:
                raise InternalError(
                    f"{func.__qualname__}() got an unexpected keyword argument '{name}'",
                    name="builtins.TypeError",
                )
    try:
        signature.bind(target, *args, **kwargs)
    except TypeError as exc:
        raise InternalError(f"{func.__name__}() {exc}", name="builtins.TypeError") from None
    try:
        return func(target, *args, **kwargs)
    except OdooError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise InternalError(str(exc), name=f"builtins.{type(exc).__name__}") from exc


# ---------------------------------------------------------------------------------------------- HTTP


def _fault_text(exc: OdooError) -> str:
    """Generic faults carry a traceback, like Odoo's ``xmlrpc_handle_exception_int``."""
    if exc.fault_code != 1:
        return exc.message
    return (
        "Traceback (most recent call last):\n"
        '  File "/odoo-double/odoo/service/model.py", line 1, in execute_kw\n'
        f"{exc.name}: {exc.message}\n"
    )


def _serialize(exc: OdooError) -> dict[str, Any]:
    return {
        "name": exc.name,
        "debug": "".join(traceback.format_exception(exc)),
        "message": exc.message,
        "arguments": [exc.message],
        "context": {},
    }


def _as_error(exc: Exception) -> OdooError:
    if isinstance(exc, OdooError):
        return exc
    return InternalError(str(exc), name=f"builtins.{type(exc).__name__}")


class _Handler(BaseHTTPRequestHandler):
    double: OdooDouble
    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/3.0 odoo-double"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the double's counters, not its access log."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value, default=str).encode(), "application/json; charset=utf-8")

    def do_GET(self) -> None:
        self.double.db.requests += 1
        if self.path.rstrip("/") == "/web/version":
            self._json(200, {"version_info": self.double.db.version_info, "version": self.double.db.version})
        else:
            self._json(404, {"name": "werkzeug.exceptions.NotFound", "message": "Not Found"})

    def do_POST(self) -> None:
        self.double.db.requests += 1
        body = self._body()
        path = self.path.split("?", 1)[0]
        if path in ("/xmlrpc/2/common", "/xmlrpc/2/object"):
            self._xmlrpc(path.rsplit("/", 1)[-1], body)
        elif path == "/jsonrpc" or path == "/web/webclient/version_info":
            self._jsonrpc(path, body)
        elif path.startswith("/json/2/"):
            self._json2(path, body)
        else:
            self._send(404, b"Not Found", "text/plain")

    # -- XML-RPC
    def _xmlrpc(self, service: str, body: bytes) -> None:
        try:
            params, method = xmlrpc.client.loads(body)
            result = self._dispatch(service, str(method), list(params))
            payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except TypeError as exc:  # e.g. cannot marshal None: the call has committed already
            payload = xmlrpc.client.dumps(
                xmlrpc.client.Fault(1, _fault_text(_as_error(exc))), allow_none=False
            )
        except OdooError as exc:
            payload = xmlrpc.client.dumps(
                xmlrpc.client.Fault(exc.fault_code, _fault_text(exc)), allow_none=False
            )
        except (ValueError, KeyError, IndexError) as exc:
            error = _as_error(exc)
            payload = xmlrpc.client.dumps(xmlrpc.client.Fault(1, _fault_text(error)), allow_none=False)
        self._send(200, payload.encode(), "text/xml")

    def _dispatch(self, service: str, method: str, params: list[Any]) -> Any:
        double = self.double
        if service == "common":
            if method == "version":
                return double.version
            if method == "login":
                return double.authenticate(params[0], params[1], params[2])
            if method == "authenticate":
                return double.authenticate(params[0], params[1], params[2])
            raise InternalError(f"Method not available {method}", name="builtins.NameError")
        if service == "object":
            if method == "execute_kw":
                db, uid, password, model, name = params[:5]
                args = params[5] if len(params) > 5 else []
                kwargs = params[6] if len(params) > 6 else {}
                return double.execute_kw(db, int(uid), password, model, name, args, kwargs or {})
            if method == "execute":
                db, uid, password, model, name = params[:5]
                return double.execute_kw(db, int(uid), password, model, name, list(params[5:]), {})
            raise InternalError(f"Method not available {method}", name="builtins.NameError")
        raise InternalError(f"No such service: {service}", name="builtins.KeyError")

    # -- JSON-RPC
    def _jsonrpc(self, path: str, body: bytes) -> None:
        request_id: Any = None
        try:
            request = json.loads(body or b"{}")
            request_id = request.get("id")
            params = request.get("params") or {}
            if path == "/web/webclient/version_info":
                result = self.double.version
            else:
                result = self._dispatch(
                    str(params.get("service")), str(params.get("method")), list(params.get("args") or [])
                )
            response = {"jsonrpc": "2.0", "id": request_id, "result": result}
        except (OdooError, ValueError, KeyError, IndexError, TypeError) as exc:
            error = _as_error(exc)
            response = {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": 200, "message": "Odoo Server Error", "data": _serialize(error)},
            }
        self._json(200, response)

    # -- JSON-2
    def _json2(self, path: str, body: bytes) -> None:
        parts = path.split("/")
        if len(parts) != 5 or not parts[3] or not parts[4]:
            self._json(404, {"name": "werkzeug.exceptions.NotFound", "message": "Not Found"})
            return
        model, method = parts[3], parts[4]
        if self.double.db.major < 19:
            self._json(404, {"name": "werkzeug.exceptions.NotFound", "message": "Not Found"})
            return
        auth = self.headers.get("Authorization") or ""
        scheme, _, key = auth.partition(" ")
        uid = self.double.db.api_keys.get(key.strip()) if scheme.lower() == "bearer" else None
        database = self.headers.get("X-Odoo-Database")
        if uid is None or (database and database != self.double.db.name):
            self._json(
                401,
                {
                    "name": "werkzeug.exceptions.Unauthorized",
                    "message": "Invalid apikey",
                    "arguments": ["Invalid apikey", 401],
                    "context": {},
                    "debug": "",
                },
            )
            return
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise UserError("could not parse the body, expecting a json object")
            if model not in self.double.db.registry:
                self._json(
                    404,
                    {
                        "name": "werkzeug.exceptions.NotFound",
                        "message": f"the model {model!r} does not exist",
                    },
                )
                return
            result = self.double.json2(uid, model, method, payload)
            self._json(200, result)
        except (OdooError, ValueError, KeyError, IndexError, TypeError) as exc:
            error = _as_error(exc)
            status = error.http_code
            if isinstance(error, InternalError) and error.name in ("builtins.TypeError",):
                status = 422
            if isinstance(error, InternalError) and "does not exist on the model" in error.message:
                status = 404
            self._json(status, _serialize(error))
