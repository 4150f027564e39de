"""``python -m amazon_odoo.local.sandbox --port 8765 --scenario FILE``: run the sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from amazon_odoo.local.sandbox.server import SpApiSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m amazon_odoo.local.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--scenario", default=None, help="scenario JSON file (default: scenarios/default.json)"
    )
    parser.add_argument("--models-dir", default=None, help="SP-API models directory (default: auto)")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    args = parser.parse_args(argv)
    sandbox = SpApiSandbox(
        args.scenario, models_dir=args.models_dir, enforce_rate_limits=not args.no_rate_limits
    )
    sandbox.start(port=args.port)
    seller = sandbox.state.seller()
    sys.stdout.write(
        f"SP-API sandbox on {sandbox.url}\n"
        f"  SP_API_ENDPOINT={sandbox.url}\n  LWA_ENDPOINT={sandbox.lwa_endpoint}\n"
        f"  LWA client id {sandbox.state.client_id}, seller {seller.seller_id}\n"
        f"  models: {sandbox.models.root or 'absent (no validation)'}\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        if sandbox.violations:
            sys.stdout.write("violations:\n" + "\n".join(f"  {v}" for v in sandbox.violations) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
