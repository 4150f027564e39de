"""The HTTP server: LWA token endpoint, SP-API routes, document URLs; auth, rate limits, validation."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from amazon_odoo.domain.errors import ConfigError
from amazon_odoo.local.sandbox import auth
from amazon_odoo.local.sandbox.apis import documents, feeds, reports
from amazon_odoo.local.sandbox.core import (
    QUOTA_EXCEEDED,
    ApiError,
    ApiRequest,
    Context,
    JsonObject,
    Reply,
    error_body,
)
from amazon_odoo.local.sandbox.models import ModelCatalog
from amazon_odoo.local.sandbox.notifications import notification_violations
from amazon_odoo.local.sandbox.ratelimit import RateLimiter, format_rate, plan_from_description
from amazon_odoo.local.sandbox.routing import Route, RouteTable, build_routes
from amazon_odoo.local.sandbox.state import SandboxState, load_scenario
from amazon_odoo.local.serving import LoopbackServer
from amazon_odoo.settings import load_settings

LWA_OPERATION = "lwaToken"
DOCUMENT_OPERATION = "document"


@dataclass
class RecordedCall:
    """One call the sandbox answered (``body`` is the parsed JSON request body, text, or None)."""

    operation: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    seller_id: str | None = None
    response: Any = None


@dataclass
class Injection:
    status: int
    times: int
    body: JsonObject | str | None
    headers: dict[str, str] = field(default_factory=dict)


def _default_models_dir() -> str | None:
    try:
        return load_settings().spapi_models_dir or None
    except ConfigError:
        return None


class SpApiSandbox:
    """A local stand-in for Amazon's SP-API and LWA; see the package docstring."""

    def __init__(
        self,
        scenario: JsonObject | str | Path | None = None,
        models_dir: str | None = None,
        enforce_rate_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        data, base_dir = load_scenario(scenario)
        self.clock = clock
        self.enforce_rate_limits = enforce_rate_limits
        self.models = ModelCatalog(models_dir if models_dir is not None else _default_models_dir())
        self.state = SandboxState(data, base_dir=base_dir, clock=clock)
        self.state.set_notification_check(lambda message: notification_violations(self.models, message))
        self.state.schema_violations = self._schema_violations
        self.routes: RouteTable = build_routes()
        self.rate_limiter = RateLimiter(clock)
        for operation, (rate, burst) in self.state.usage_plans.items():
            self.rate_limiter.set_plan(operation, rate, burst)
        self.requests: list[RecordedCall] = []
        self._injections: dict[str, deque[Injection]] = {}
        self._lock = threading.Lock()
        self._serving: LoopbackServer | None = None
        self.url = ""

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> SpApiSandbox:
        self._serving = LoopbackServer(
            _make_handler(self), name="spapi-sandbox", host=host, port=port, poll_interval=0.05
        )
        self.url = self._serving.url
        self.state.base_url = self.url
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()
            self._serving = None

    def __enter__(self) -> SpApiSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- test controls -------------------------------------------------------------------------------------

    @property
    def violations(self) -> list[str]:
        return self.state.violations

    @property
    def notifications(self) -> list[JsonObject]:
        return self.state.notifications

    @property
    def lwa_endpoint(self) -> str:
        return f"{self.url}/auth/o2/token"

    def inject(
        self,
        operation: str,
        status: int,
        *,
        times: int = 1,
        body: JsonObject | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next ``times`` calls of ``operation`` answer ``status`` with ``body`` (default: Amazon's
        error shape for that status) and ``headers``. ``lwaToken`` targets the LWA endpoint."""
        with self._lock:
            self._injections.setdefault(operation, deque()).append(
                Injection(status=status, times=times, body=body, headers=dict(headers or {}))
            )

    def calls(self, operation: str) -> list[RecordedCall]:
        with self._lock:
            return [call for call in self.requests if call.operation == operation]

    def complete_pending(self) -> None:
        """Finish every feed and report still in progress (as if Amazon had caught up)."""
        for seller in self.state.sellers.values():
            with self.state.lock:
                for feed in list(seller.feeds.values()):
                    feeds.advance(self.state, seller, feed, force=True)
                for report in list(seller.reports.values()):
                    reports.advance(self.state, seller, report, force=True)

    def reset_rate_limits(self) -> None:
        self.rate_limiter.reset()

    def _schema_violations(self, relative: str, document: Any) -> list[str]:
        validator = self.models.schema_validator(relative)
        if validator is None:
            return []
        return [
            f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(document)
        ]

    # -- dispatch ------------------------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        request = ApiRequest(method=method, path=path, query=query, headers=headers, raw_body=body)
        request_id = str(uuid.uuid4())
        route: Route | None = None
        rate: float | None = None
        validate = False
        if path == "/auth/o2/token":
            request.operation = LWA_OPERATION
            reply = self._take_injection(LWA_OPERATION) or auth.token(self.state, request)
        elif path.startswith("/_documents/"):
            request.operation = DOCUMENT_OPERATION
            reply = self._take_injection(DOCUMENT_OPERATION) or documents.serve(self.state, request)
        else:
            resolved, params = self.routes.resolve(method, path)
            if resolved is None:
                status = 405 if params else 404
                message = (
                    "Method not allowed." if params else f"No operation is available at {method} {path}."
                )
                reply = Reply(
                    status,
                    error_body(status, message, code="NotFound" if status == 404 else "MethodNotAllowed"),
                )
            else:
                route = resolved
                request.path_params = params if isinstance(params, dict) else {}
                request.operation = route.operation
                rate = self._rate_for(route)
                injected = self._take_injection(route.operation)
                reply = injected if injected is not None else self._call(route, request)
                validate = injected is None
        if route is not None:
            reply.headers.setdefault("x-amzn-RequestId", request_id)
            if rate is not None:
                reply.headers.setdefault("x-amzn-RateLimit-Limit", format_rate(rate))
        if (
            validate
            and route is not None
            and isinstance(reply.body, dict | type(None))
            and reply.content_type is None
        ):
            spec = self.models.operation(route.model, route.operation)
            if spec is not None:
                self.state.violations.extend(self.models.response_violations(spec, reply.status, reply.body))
        payload, content_type = reply.encoded()
        out_headers = {"Content-Type": content_type, **reply.headers}
        self._record(request, reply)
        return reply.status, out_headers, payload

    def _rate_for(self, route: Route) -> float:
        spec = self.models.operation(route.model, route.operation) if self.models.available else None
        if spec is not None:
            plan = plan_from_description(spec.description)
            if plan is not None:
                self.rate_limiter.learn_plan(route.operation, plan)
        return self.rate_limiter.plan(route.operation)[0]

    def _call(self, route: Route, request: ApiRequest) -> Reply:
        try:
            request.grant = auth.authorize(self.state, request, route.grant)
            principal = request.grant.seller_id or f"app:{request.grant.client_id}"
            if not self.rate_limiter.acquire(principal, route.operation) and self.enforce_rate_limits:
                return Reply(429, json.loads(json.dumps(QUOTA_EXCEEDED)))
            spec = self.models.operation(route.model, route.operation)
            if spec is not None:
                self.models.validate_request(spec, request)
            elif request.raw_body.strip():
                try:
                    request.json_body = json.loads(request.raw_body)
                except ValueError as exc:
                    raise ApiError(400, "The request body is not valid JSON.", details=str(exc)) from exc
            context = Context(state=self.state, base_url=self.url, clock=self.clock, request=request)
            with self.state.lock:
                return route.handler(context)
        except ApiError as exc:
            return Reply(exc.status, exc.body)
        except Exception as exc:  # noqa: BLE001 - a sandbox bug must answer 500 and be reported, not hang
            self.state.violations.append(f"{route.operation}: unhandled {type(exc).__name__}: {exc}")
            return Reply(500, error_body(500))

    def _take_injection(self, operation: str) -> Reply | None:
        with self._lock:
            queue = self._injections.get(operation)
            if not queue:
                return None
            injection = queue[0]
            injection.times -= 1
            if injection.times <= 0:
                queue.popleft()
        body: JsonObject | str | None = injection.body
        if body is None and injection.status >= 400:
            body = error_body(injection.status)
        return Reply(injection.status, body, headers=dict(injection.headers))

    def _record(self, request: ApiRequest, reply: Reply) -> None:
        body: Any = request.json_body
        if body is None and request.raw_body:
            body = request.raw_body.decode("utf-8", errors="replace")
        call = RecordedCall(
            operation=request.operation,
            method=request.method,
            path=request.path,
            query={k: list(v) for k, v in request.query.items()},
            body=body,
            status=reply.status,
            seller_id=request.grant.seller_id if request.grant else None,
            response=reply.body if isinstance(reply.body, dict) else None,
        )
        with self._lock:
            self.requests.append(call)


def _make_handler(sandbox: SpApiSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SpApiSandbox/1.0"
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, payload = sandbox.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in out_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
