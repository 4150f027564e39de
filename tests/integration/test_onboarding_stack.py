"""Issue 9 end to end on the local stack (moto server, SP-API sandbox, Odoo double): a new seller is loaded,
its marketplaces listed and one added (Odoo records made once, the sellers file extended), its notifications
subscribed (twice: nothing new the second time), and the doctor goes from FAIL to all green."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from amazon_odoo.bootstrap import compose
from amazon_odoo.cli import main
from amazon_odoo.local import demo
from amazon_odoo.local.stack import LocalStack

CA = "A2EUQ1WTGCTBG2"
SELLERS = """\
# a new seller: Amazon.com only for a start
sellers:
  - id: mugs-us
    name: Blue Mug Co. (US)
    merchant_id: A3MUGSUS8ACCPT
    region: NA
    credentials:
      lwa_client_id: env:LWA_CLIENT_ID
      lwa_client_secret: env:LWA_CLIENT_SECRET
      refresh_token: secret:amazon-odoo/mugs-us/refresh-token
    odoo:
      company: Blue Mug Co.
    marketplaces:
      - id: ATVPDKIKX0DER   # Amazon.com
"""


def run(capsys: pytest.CaptureFixture[str], command: str) -> tuple[int, str]:
    code = main(shlex.split(command))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_new_seller_is_onboarded_and_the_doctor_agrees(
    stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sellers_file = tmp_path / "sellers.yaml"
    sellers_file.write_text(SELLERS)
    demo._demo_credentials(stack, "mugs-us")
    code, out = run(capsys, f"sellers load {sellers_file}")
    assert code == 0, out

    code, out = run(capsys, "sellers marketplaces --seller mugs-us")
    assert code == 0
    assert (
        "ATVPDKIKX0DER   Amazon.com  US       USD       en_US     yes            no         integrated" in out
    )
    assert f"add-marketplace --seller mugs-us {CA}" in out

    code, out = run(capsys, "doctor --seller mugs-us")  # nothing subscribed yet
    assert code == 1
    assert "FAIL  notifications ORDER_CHANGE: not subscribed" in out
    assert "fix: amazon-odoo notifications subscribe --seller mugs-us" in out

    code, out = run(capsys, f"sellers add-marketplace --seller mugs-us {CA} --file {sellers_file}")
    assert code == 0, out
    assert "product.pricelist 'Amazon.ca (CAD)'" in out and "res.lang 'en_CA'" in out and "activated" in out
    odoo = compose().odoo
    assert odoo is not None
    [pricelist] = odoo.search_read("product.pricelist", [("name", "=", "Amazon.ca (CAD)")], ["currency_id"])
    assert pricelist["currency_id"][1] == "CAD"
    [journal] = odoo.search_read("account.journal", [("code", "=", "AMZca")], ["type", "name"])
    assert journal == {"id": journal["id"], "type": "bank", "name": "Amazon.ca settlements (mugs-us)"}
    assert odoo.search_count("crm.team", [("name", "=", "Amazon CA")]) == 1
    assert odoo.search_count("res.lang", [("code", "=", "en_CA")]) == 1  # active now
    written = yaml.safe_load(sellers_file.read_text())["sellers"][0]["marketplaces"]
    assert written[1] == {
        "id": CA,
        "warehouse": "WH",
        "language": "en_CA",
        "pricelist": "Amazon.ca (CAD)",
        "sales_team": "Amazon CA",
    }
    assert "# Amazon.com" in sellers_file.read_text()
    stored = compose().seller("mugs-us")
    assert [m.id for m in stored.marketplaces] == ["ATVPDKIKX0DER", CA]

    code, out = run(capsys, f"sellers add-marketplace --seller mugs-us {CA} --file {sellers_file}")
    assert code == 0 and "nothing to create in Odoo" in out and "file unchanged" in out
    assert odoo.search_count("product.pricelist", [("name", "=", "Amazon.ca (CAD)")]) == 1

    code, out = run(capsys, "notifications subscribe --seller mugs-us")
    assert code == 0, out
    assert out.count("subscribed now") == 5 and out.count(": created, id") == 2
    sandbox = stack.sandbox.state
    destinations = dict(sandbox.destinations)
    subscriptions = dict(sandbox.seller().subscriptions)
    assert len(destinations) == 2 and len(subscriptions) == 5
    kinds = {d["destinationId"]: next(iter(d["resource"])) for d in destinations.values()}
    assert {kinds[s["destinationId"]] for k, s in subscriptions.items() if k.startswith("LISTINGS_")} == {
        "eventBridge"
    }

    code, out = run(capsys, "notifications subscribe --seller mugs-us")
    assert code == 0 and "subscribed now" not in out and out.count(": exists, id") == 2
    assert sandbox.destinations == destinations and sandbox.seller().subscriptions == subscriptions

    code, out = run(capsys, "notifications status")
    assert code == 0 and out.count("subscribed (id") == 5

    code, out = run(capsys, "doctor --seller mugs-us")
    assert code == 0, out
    assert "0 WARN, 0 FAIL" in out
    assert "OK    amazon        authorisation age" in out and "in 365 days" in out
    assert "OK    odoo          create sale.order: allowed (for import_orders)" in out
