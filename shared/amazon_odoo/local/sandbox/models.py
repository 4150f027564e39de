"""Amazon's SP-API models (Swagger 2.0) and JSON schemas, loaded lazily, used to hold the sandbox honest.

Requests are checked against an operation's parameters and body schema (a failure is a 400 with Amazon's
error shape); responses the sandbox produces are checked against the documented response schema (a
failure is a *violation*: a bug in the sandbox or its scenario). Nothing is read before it is needed,
and every compiled validator is cached.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from amazon_odoo.local.sandbox.core import ApiRequest, JsonObject, invalid_input, parse_time

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_lenient_formats = FormatChecker(formats=())
_strict_formats = FormatChecker(formats=())


@_lenient_formats.checks("date-time", raises=ValueError)
def _lenient_date_time(value: object) -> bool:
    if isinstance(value, str):
        parse_time(value)
    return True


@_strict_formats.checks("date-time")
def _strict_date_time(value: object) -> bool:
    return not isinstance(value, str) or _RFC3339.match(value) is not None


@_strict_formats.checks("date")
def _strict_date(value: object) -> bool:
    return not isinstance(value, str) or _DATE.match(value) is not None


_PARAM_SCHEMA_KEYS = (
    "type",
    "items",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "uniqueItems",
)


@dataclass(frozen=True)
class OperationSpec:
    model: str
    operation_id: str
    method: str
    path: str
    parameters: tuple[JsonObject, ...]
    responses: JsonObject
    description: str

    @property
    def body_parameter(self) -> JsonObject | None:
        return next((p for p in self.parameters if p.get("in") == "body"), None)


def _error_path(error: ValidationError) -> str:
    return "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    ).lstrip(".")


def _best(errors: list[ValidationError]) -> ValidationError:
    return sorted(errors, key=lambda e: (len(list(e.absolute_path)), e.message))[0]


class ModelCatalog:
    """The models directory (``models/…/*.json`` and ``schemas/…``); ``None`` disables all checks."""

    def __init__(self, models_dir: str | Path | None) -> None:
        root = Path(models_dir) if models_dir else None
        self.root = root if root is not None and (root / "models").is_dir() else None
        self._lock = threading.RLock()
        self._specs: dict[str, JsonObject] = {}
        self._operations: dict[tuple[str, str], OperationSpec | None] = {}
        self._validators: dict[tuple[str, str, str], Validator] = {}

    @property
    def available(self) -> bool:
        return self.root is not None

    # -- loading -------------------------------------------------------------------------------------

    def spec(self, model: str) -> JsonObject | None:
        """A model by its path under ``models/`` (e.g. ``feeds-api-model/feeds_2021-06-30.json``)."""
        if self.root is None:
            return None
        with self._lock:
            if model not in self._specs:
                path = self.root / "models" / model
                if not path.is_file():
                    return None
                self._specs[model] = json.loads(path.read_text(encoding="utf-8"))
            return self._specs[model]

    def operation(self, model: str, operation_id: str) -> OperationSpec | None:
        with self._lock:
            key = (model, operation_id)
            if key not in self._operations:
                self._operations[key] = self._find_operation(model, operation_id)
            return self._operations[key]

    def _find_operation(self, model: str, operation_id: str) -> OperationSpec | None:
        spec = self.spec(model)
        if spec is None:
            return None
        for path, item in spec.get("paths", {}).items():
            shared = [p for p in item.get("parameters", []) if isinstance(p, dict)]
            for method, op in item.items():
                if not isinstance(op, dict) or op.get("operationId") != operation_id:
                    continue
                params = {(p.get("in"), p.get("name")): p for p in shared}
                params.update({(p.get("in"), p.get("name")): p for p in op.get("parameters", [])})
                return OperationSpec(
                    model=model,
                    operation_id=operation_id,
                    method=method.upper(),
                    path=path,
                    parameters=tuple(params.values()),
                    responses=op.get("responses", {}),
                    description=str(op.get("description", "")),
                )
        return None

    def _validator(self, model: str, pointer: str, schema: JsonObject, *, strict: bool) -> Validator:
        key = (model, pointer, "strict" if strict else "lenient")
        with self._lock:
            if key not in self._validators:
                spec = self.spec(model) or {}
                root = dict(schema)
                root["definitions"] = spec.get("definitions", {})
                checker = _strict_formats if strict else _lenient_formats
                self._validators[key] = Draft4Validator(root, format_checker=checker)
            return self._validators[key]

    def schema_validator(self, relative: str, *, relax: dict[str, Any] | None = None) -> Validator | None:
        """A draft-07 validator for a JSON schema under ``schemas/`` (feeds, notifications)."""
        if self.root is None:
            return None
        key = ("schemas", relative, json.dumps(relax, sort_keys=True) if relax else "")
        with self._lock:
            if key not in self._validators:
                path = self.root / "schemas" / relative
                if not path.is_file():
                    return None
                schema = json.loads(path.read_text(encoding="utf-8"))
                if relax:
                    schema = _relaxed(schema, relax)
                self._validators[key] = Draft7Validator(schema, format_checker=_strict_formats)
            return self._validators[key]

    # -- checks ----------------------------------------------------------------------------------------

    def validate_request(self, op: OperationSpec, request: ApiRequest) -> None:
        """Raise a 400 ApiError when a parameter or the body breaks the operation's model."""
        for param in op.parameters:
            where, name = param.get("in"), str(param.get("name"))
            if where == "body":
                self._validate_body(op, param, request)
                continue
            if where == "path":
                raw: list[str] | None = [request.path_param(name)] if name in request.path_params else None
            elif where == "query":
                raw = request.query.get(name)
            elif where == "header":
                value = request.headers.get(name.lower())
                raw = [value] if value is not None else None
            else:
                continue
            if not raw or raw == [""]:
                if param.get("required"):
                    raise invalid_input(f"Missing required parameter: {name}.", f"'{name}' is required.")
                continue
            value = _convert(param, raw, name)
            schema = {k: copy.deepcopy(param[k]) for k in _PARAM_SCHEMA_KEYS if k in param}
            errors = list(Draft4Validator(schema, format_checker=_lenient_formats).iter_errors(value))
            if errors:
                raise invalid_input(f"Invalid value for parameter {name}.", _best(errors).message)

    def _validate_body(self, op: OperationSpec, param: JsonObject, request: ApiRequest) -> None:
        if not request.raw_body.strip():
            if param.get("required"):
                raise invalid_input("The request body is missing.", "A JSON request body is required.")
            return
        try:
            request.json_body = json.loads(request.raw_body)
        except ValueError as exc:
            raise invalid_input("The request body is not valid JSON.", str(exc)) from exc
        schema = param.get("schema") or {}
        pointer = str(schema.get("$ref", f"{op.operation_id}#body"))
        errors = list(self._validator(op.model, pointer, schema, strict=False).iter_errors(request.json_body))
        if errors:
            error = _best(errors)
            where = _error_path(error) or "body"
            raise invalid_input(f"Invalid request body: {where}.", error.message)

    def response_violations(self, op: OperationSpec, status: int, body: Any) -> list[str]:
        """What is wrong with a response the sandbox produced, per the operation's model."""
        response = op.responses.get(str(status)) or op.responses.get("default")
        label = f"{op.operation_id} {status}"
        if response is None:
            return [f"{label}: status {status} is not documented for {op.operation_id}"]
        schema = response.get("schema")
        if schema is None or body is None:
            return []
        pointer = str(schema.get("$ref", f"{op.operation_id}#{status}"))
        validator = self._validator(op.model, pointer, schema, strict=True)
        return [
            f"{label}: {_error_path(error) or '<root>'}: {error.message}"
            for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))[
                :10
            ]
        ]


def _convert(param: JsonObject, raw: list[str], name: str) -> Any:
    kind = param.get("type", "string")
    if kind == "array":
        # csv (Amazon's default) and repeated keys (how HTTP clients send lists) are both accepted.
        item_kind = str(param.get("items", {}).get("type", "string"))
        values = [part for value in raw for part in value.split(",") if part != ""]
        return [_scalar(item_kind, v, name) for v in values]
    return _scalar(str(kind), raw[-1], name)


def _scalar(kind: str, value: str, name: str) -> Any:
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError as exc:
        raise invalid_input(
            f"Invalid value for parameter {name}.", f"{value!r} is not a valid {kind}."
        ) from exc
    if kind == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise invalid_input(f"Invalid value for parameter {name}.", f"{value!r} is not a valid boolean.")
        return lowered == "true"
    return value


def _relaxed(schema: Any, relax: dict[str, Any]) -> Any:
    """Copy of ``schema`` where every ``enum`` holding one of ``relax``'s keys also admits its value."""
    if isinstance(schema, dict):
        out = {k: _relaxed(v, relax) for k, v in schema.items()}
        enum = out.get("enum")
        if isinstance(enum, list):
            for wrong, right in relax.items():
                if wrong in enum and right not in enum:
                    out["enum"] = [*enum, right]
        return out
    if isinstance(schema, list):
        return [_relaxed(item, relax) for item in schema]
    return schema
