"""The sellers file: every option with its default, refused whole with seller/field/reason."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.config import (
    Job,
    OrderNaming,
    Schedule,
    SellerConfig,
    StockCap,
    StockField,
    Unit,
    parse_sellers_file,
)
from amazon_odoo.domain.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def minimal() -> dict[str, Any]:
    return {
        "sellers": [
            {
                "id": "s1",
                "name": "Seller One",
                "merchant_id": "A1B2C3D4E5",
                "region": "EU",
                "credentials": {
                    "lwa_client_id": "env:ID",
                    "lwa_client_secret": "env:SECRET",
                    "refresh_token": "secret:amazon-odoo/s1/refresh-token",
                },
                "odoo": {"company": "My Company"},
                "marketplaces": [{"id": "A1PA6795UKMFR9"}],
            }
        ]
    }


def test_example_file_is_valid_and_keeps_every_option(raw: dict[str, Any]) -> None:
    seller = parse_sellers_file(raw).sellers[0]
    assert seller.orders.name is OrderNaming.AMAZON_ID and seller.orders.prefix == "US-"
    assert seller.journal_code("ATVPDKIKX0DER") == "AMZcom"
    assert seller.marketplaces[0].stock_caps["MUG-BLUE-12"] == StockCap(type="fixed", value=Decimal(5))
    assert seller.schedules.process_settlements.next_run == datetime(2026, 12, 1, 2, tzinfo=UTC)
    assert seller.settlements.fee_accounts[0].match.amount_description == "Commission"


def test_defaults_named_by_features() -> None:
    seller = parse_sellers_file(minimal()).sellers[0]
    assert seller.orders.first_import_days == 30
    assert seller.orders.auto_import is True
    assert seller.orders.payment_term == "Immediate Payment"
    assert seller.orders.product_condition.value == "new"
    assert seller.orders.name is OrderNaming.ODOO_SEQUENCE
    mp = seller.marketplaces[0]
    assert mp.stock_field is StockField.ON_HAND
    assert mp.ending_balance_description == "Transfer to Bank"
    assert mp.default_language == "de_DE" and mp.currency == "EUR"
    assert seller.journal_code("A1PA6795UKMFR9") == "AMZde"
    assert seller.service_products.shipping == "Amazon Shipping"
    assert seller.service_products.marketplace_tax == "Marketplace Facilitator Tax"
    assert mp.effective_tax_mode.value == "price_included"  # EU prices include VAT
    assert seller.schedules.import_orders.enabled and seller.schedules.import_orders.every == "15 minutes"
    assert [job for job, _ in seller.schedules.items()] == list(Job)


def test_invalid_file_lists_every_problem_with_seller_and_field(raw: dict[str, Any]) -> None:
    bad = copy.deepcopy(raw)
    seller = bad["sellers"][0]
    seller["credentials"]["refresh_token"] = "Atzr|IwEBIA-a-real-token"
    seller["marketplaces"][0]["stock_field"] = "lots"
    seller["schedules"]["import_orders"]["every"] = "often"
    seller["workflow"]["register_payment"] = True
    with pytest.raises(ConfigError) as info:
        parse_sellers_file(bad)
    text = str(info.value)
    assert "seller mugs-us: credentials.refresh_token: must reference a secret" in text
    assert "seller mugs-us: marketplaces[0].stock_field" in text
    assert "seller mugs-us: schedules.import_orders: every: 'often'" in text
    assert "payment_journal is required when register_payment is on" in text
    assert "Atzr|IwEBIA" not in text  # a secret pasted by mistake is never echoed back
    assert "too_short" not in text and "at least 1 item" not in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(region="NA"), "is in region EU, not NA"),
        (lambda s: s["marketplaces"].append({"id": "A1PA6795UKMFR9"}), "listed twice"),
        (lambda s: s["marketplaces"][0].update(id="XXXX"), "not an Amazon marketplace id"),
        (lambda s: s.update(id="bad id!"), "letters, digits and '-' only"),
        (lambda s: s.update(unknown_option=1), "unknown_option: Extra inputs are not permitted"),
        (lambda s: s.update(orders={"import_shipped": True}), "shipped_since is required"),
        (
            lambda s: s.update(schedules={"import_orders": {"enabled": True, "every": "1 minutes"}}),
            "at least 5",
        ),
        (
            lambda s: s["marketplaces"][0].update(stock_caps={"X": {"type": "percentage", "value": 150}}),
            "between 0 and 100",
        ),
    ],
)
def test_each_rule_names_the_field(change: Any, expected: str) -> None:
    data = minimal()
    change(data["sellers"][0])
    with pytest.raises(ConfigError, match=expected):
        parse_sellers_file(data)


def test_duplicate_seller_ids_refused() -> None:
    data = minimal()
    data["sellers"].append(copy.deepcopy(data["sellers"][0]))
    with pytest.raises(ConfigError, match="s1 appear more than once"):
        parse_sellers_file(data)


def test_not_a_mapping() -> None:
    with pytest.raises(ConfigError, match="mapping with a 'sellers' list"):
        parse_sellers_file(["nope"])


@pytest.mark.parametrize(
    ("cap", "available", "sent"),
    [
        (StockCap(type="fixed", value=Decimal(5)), Decimal(10), 5),
        (StockCap(type="fixed", value=Decimal(5)), Decimal(4), 4),
        (StockCap(type="fixed", value=Decimal(5)), Decimal(-3), 0),
        (StockCap(type="percentage", value=Decimal(50)), Decimal(7), 3),
        (StockCap(type="percentage", value=Decimal(100)), Decimal("2.5"), 2),
    ],
)
def test_stock_caps_never_exceed_available_nor_go_negative(
    cap: StockCap, available: Decimal, sent: int
) -> None:
    assert cap.apply(available) == sent


def test_schedule_every_and_next_run() -> None:
    schedule = Schedule.model_validate({"enabled": True, "every": "2 hours"})
    assert (schedule.interval, schedule.unit) == (2, Unit.HOURS)
    assert schedule.rate_expression() == "rate(2 hours)"
    assert Schedule.model_validate({"every": "1 day"}).rate_expression() == "rate(1 day)"
    assert Schedule.model_validate({"every": "1 months"}).rate_expression() == "rate(30 days)"
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert schedule.next_after(None, now) == now
    assert schedule.next_after(now - timedelta(hours=1), now) == now + timedelta(hours=1)
    # a long pause does not produce a backlog of missed runs
    assert schedule.next_after(now - timedelta(days=3), now) >= now - timedelta(hours=2)


def test_seller_config_is_frozen() -> None:
    seller = parse_sellers_file(minimal()).sellers[0]
    with pytest.raises(ValueError, match="frozen"):
        seller.name = "other"  # type: ignore[misc]
    assert isinstance(seller, SellerConfig)


def test_tax_mode_defaults_by_region_and_can_be_set() -> None:
    data = minimal()
    data["sellers"][0].update(region="NA")
    data["sellers"][0]["marketplaces"] = [
        {"id": "ATVPDKIKX0DER"},
        {"id": "A2EUQ1WTGCTBG2", "tax_mode": "price_included"},
    ]
    us, ca = parse_sellers_file(data).sellers[0].marketplaces
    assert us.effective_tax_mode.value == "price_excluded"
    assert ca.effective_tax_mode.value == "price_included"
