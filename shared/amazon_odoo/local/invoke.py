"""Invoke a Lambda handler in-process with a real event shape and a Lambda context.

``amazon-odoo invoke FUNCTION --event infrastructure/events/X.json`` does here what
``sam local invoke FUNCTION -e infrastructure/events/X.json`` does where Docker exists.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from amazon_odoo.domain.errors import ConfigError


def project_root() -> Path:
    """The checkout holding ``functions/`` (editable install), else the current directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "functions").is_dir() and (parent / "template.yaml").is_file():
            return parent
    return Path.cwd()


def function_names() -> list[str]:
    root = project_root() / "functions"
    return sorted(p.parent.name for p in root.glob("*/handler.py"))


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 60
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


def load_handler_module(name: str) -> ModuleType:
    path = project_root() / "functions" / name / "handler.py"
    if not path.is_file():
        known = ", ".join(function_names()) or "(none)"
        raise ConfigError(f"no function named {name!r}", record=name, resolution=f"known functions: {known}")
    module_name = f"functions.{name}.handler"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {path}", record=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def invoke(name: str, event: dict[str, Any], *, timeout_seconds: int = 60) -> Any:
    module = load_handler_module(name)
    handler = module.lambda_handler
    context = LocalLambdaContext(function_name=f"amazon-odoo-{name}", timeout_seconds=timeout_seconds)
    return handler(event, context)


def read_event(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read event file {path}: {exc}", record=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"event file {path} must hold a JSON object", record=str(path))
    return data
