"""The README's first command: `amazon-odoo demo` on the embedded defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_every_job_and_prints_what_it_did() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "AWS_", "SP_API", "LWA_"))}
    done = subprocess.run(
        [sys.executable, "-m", "amazon_odoo.cli", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "stored 1 seller(s): mugs-us" in out
    assert "mugs-us: partial" in out  # the check ran against the sandbox and the Odoo double
    assert "amazon_events: 3 delivered, 0 left for redelivery" in out
    assert "feed 50046018675 (JSON_LISTINGS_FEED) was not submitted by this connector" in out
    # both doors: the poll's unshipped order and the ORDER_CHANGE sample's order, each once
    assert "Odoo now holds 2 Amazon sale order(s):" in out
    assert "114-5820417-3390021" in out and "114-3941689-8772232" in out
    assert "check_connections    on" in out
