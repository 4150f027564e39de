"""Cold import time of each Lambda handler module (target < 300 ms).

Each measurement is a fresh interpreter that imports ``functions/<name>/handler.py`` the way the Lambda
runtime does (the layer on the path, nothing connected: clients are built lazily on first use). The
interpreter's own start-up (``python -c pass``) is measured in the same run and subtracted, so the
figure is what our imports add to a cold start. Prints the median of several runs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
TARGET_MS = 300.0

IMPORT = """
import importlib, importlib.util, sys, time
ADAPTERS = sys.argv[2].split(",")
t = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print((time.perf_counter() - t) * 1000)
t = time.perf_counter()
for name in ADAPTERS:
    importlib.import_module(name)
print((time.perf_counter() - t) * 1000)
"""

# What a first invocation adds when it builds every adapter (clients are made lazily on first use).
ADAPTERS = [
    "amazon_odoo.adapters.aws.state",
    "amazon_odoo.adapters.aws.idempotency",
    "amazon_odoo.adapters.amazon.gateway",
    "amazon_odoo.adapters.odoo.gateway",
]


def _env() -> dict[str, str]:
    return {
        "PYTHONPATH": str(ROOT / "shared"),
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "amazon-odoo",
        "PATH": "/usr/bin:/bin",
    }


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=_env(), capture_output=True)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    handlers = sorted((ROOT / "functions").glob("*/handler.py"))
    baseline = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(RUNS))
    print(f"interpreter start-up (baseline, python -c pass): {baseline:7.1f} ms")
    print(
        f"{'function':24} {'import ms':>10} {'wall ms':>9} {'wall-baseline':>14} {'of target':>10} "
        f"{'+adapters ms':>13}"
    )
    worst = 0.0
    for handler in handlers:
        imports, walls, adapters = [], [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", IMPORT, str(handler), ",".join(ADAPTERS)],
                check=True,
                env=_env(),
                capture_output=True,
                text=True,
            )
            walls.append((time.perf_counter() - start) * 1000)
            lines = out.stdout.strip().splitlines()
            imports.append(float(lines[-2]))
            adapters.append(float(lines[-1]))
        imp, wall, extra = statistics.median(imports), statistics.median(walls), statistics.median(adapters)
        worst = max(worst, imp)
        print(
            f"{handler.parent.name:24} {imp:10.1f} {wall:9.1f} {wall - baseline:14.1f} {imp / TARGET_MS:9.0%} {extra:13.1f}"
        )
    print(f"worst handler import: {worst:.1f} ms (target < {TARGET_MS:.0f} ms); '+adapters' is what a first")
    print("invocation that builds every adapter (boto3, idempotency, sp_api, Odoo transports) adds on top")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
