"""Issue 9: onboarding (marketplaces), subscriptions and the doctor, with in-memory fakes of their ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml

from amazon_odoo.cli_setup import add_to_sellers_file, marketplace_entry
from amazon_odoo.config import MarketplaceConfig, SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import ConfigError, PermanentError
from amazon_odoo.domain.marketplaces import MarketplaceParticipation
from amazon_odoo.domain.onboarding import Check, OdooRecord, Verdict
from amazon_odoo.domain.subscriptions import Destination, DestinationKind, Subscription, account_of_arn
from amazon_odoo.services.doctor import (
    check_authorisation,
    check_aws,
    check_odoo,
    exit_code,
    required_access,
)
from amazon_odoo.services.onboarding import add_marketplaces, seller_marketplaces
from amazon_odoo.services.subscriptions import subscribe, subscription_status
from tests.fakes.aws import InMemoryStateStore

QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:amazon-odoo-events"
DE, FR, US = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "ATVPDKIKX0DER"


def seller(**changes: Any) -> SellerConfig:
    raw: dict[str, Any] = {
        "id": "s1",
        "name": "Seller One",
        "merchant_id": "A1B2C3D4E5",
        "region": "EU",
        "credentials": {
            "lwa_client_id": "secret:amazon-odoo/s1/lwa_client_id",
            "lwa_client_secret": "secret:amazon-odoo/s1/lwa_client_secret",
            "refresh_token": "secret:amazon-odoo/s1/refresh-token",
        },
        "odoo": {"company": "My Company"},
        "marketplaces": [{"id": DE}],
        **changes,
    }
    return parse_sellers_file({"sellers": [raw]}).sellers[0]


def participation(
    marketplace_id: str, name: str, country: str, currency: str, lang: str
) -> MarketplaceParticipation:
    return MarketplaceParticipation(
        marketplace_id=marketplace_id,
        name=name,
        country_code=country,
        default_currency_code=currency,
        default_language_code=lang,
        domain_name=f"www.{name.lower()}",
        is_participating=True,
        has_suspended_listings=False,
    )


class FakeAmazon:
    def __init__(self, *participations: MarketplaceParticipation) -> None:
        self.participations = list(participations)

    def marketplace_participations(self) -> list[MarketplaceParticipation]:
        return self.participations


class FakeOdooSetup:
    """Odoo as a dict of (model, name) -> (id, active); counts what it creates."""

    def __init__(self, *, languages: Sequence[str] = ("en_US", "de_DE", "fr_FR")) -> None:
        self.records: dict[tuple[str, str], int] = {("res.currency", "EUR"): 1, ("stock.warehouse", "WH"): 1}
        self.languages = set(languages)
        self.created: list[tuple[str, str]] = []
        self.rights: dict[tuple[str, str], bool] = {}

    def _ensure(self, model: str, name: str) -> OdooRecord:
        key = (model, name)
        if key in self.records:
            return OdooRecord(model, self.records[key], name)
        self.records[key] = len(self.records) + 1
        self.created.append(key)
        return OdooRecord(model, self.records[key], name, created=True)

    def server_version(self) -> tuple[int, str]:
        return 17, "17.0"

    def company_id(self, name: str) -> int:
        return 1

    def ensure_currency(self, code: str) -> OdooRecord:
        return self._ensure("res.currency", code)

    def ensure_language(self, code: str) -> OdooRecord | None:
        return self._ensure("res.lang", code) if code in self.languages else None

    def ensure_pricelist(self, company_id: int, name: str, currency_id: int, currency: str) -> OdooRecord:
        return self._ensure("product.pricelist", name)

    def ensure_sales_team(self, company_id: int, name: str) -> OdooRecord:
        return self._ensure("crm.team", name)

    def default_warehouse(self, company_id: int) -> OdooRecord:
        return OdooRecord("stock.warehouse", 1, "WH")

    def ensure_bank_journal(self, company_id: int, code: str, name: str, currency: str) -> OdooRecord:
        return self._ensure("account.journal", code)

    def access_rights(self, checks: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        return {c: self.rights.get(c, True) for c in checks}


# ------------------------------------------------------------------------------------------ marketplaces


def amazon_eu() -> FakeAmazon:
    return FakeAmazon(
        participation(DE, "Amazon.de", "DE", "EUR", "de_DE"),
        participation(FR, "Amazon.fr", "FR", "EUR", "fr_FR"),
        participation(US, "Amazon.com", "US", "USD", "en_US"),
    )


def test_marketplaces_say_which_can_be_added() -> None:
    rows = {r.participation.marketplace_id: r.status for r in seller_marketplaces(seller(), amazon_eu())}
    assert rows == {DE: "integrated", FR: "available", US: "other region (add it as a seller of that region)"}


def test_add_marketplace_creates_defaults_once_and_stores_the_seller() -> None:
    state, odoo, before = InMemoryStateStore(), FakeOdooSetup(), seller()
    state.replace_sellers([before])
    report = add_marketplaces(before, [FR], amazon=amazon_eu(), odoo=odoo, state=state)
    [setup] = report.marketplaces
    assert setup.config == MarketplaceConfig(
        id=FR, warehouse="WH", language="fr_FR", pricelist="Amazon.fr (EUR)", sales_team="Amazon FR"
    )
    assert sorted(odoo.created) == [
        ("account.journal", "AMZfr"),
        ("crm.team", "Amazon FR"),
        ("product.pricelist", "Amazon.fr (EUR)"),
        ("res.lang", "fr_FR"),
    ]
    stored = state.get_seller("s1")
    assert stored is not None and [m.id for m in stored.marketplaces] == [DE, FR] and report.stored
    odoo.created.clear()
    again = add_marketplaces(stored, [FR], amazon=amazon_eu(), odoo=odoo, state=state)
    assert odoo.created == [] and not again.stored and not again.marketplaces[0].created


def test_an_existing_marketplace_keeps_its_own_settings() -> None:
    state, odoo = InMemoryStateStore(), FakeOdooSetup()
    mine = seller(marketplaces=[{"id": DE, "pricelist": "My EUR list", "settlement_journal": "AMZX"}])
    report = add_marketplaces(mine, [DE], amazon=amazon_eu(), odoo=odoo, state=state)
    config = report.marketplaces[0].config
    assert (config.pricelist, config.settlement_journal, config.sales_team) == (
        "My EUR list",
        "AMZX",
        "Amazon DE",
    )
    assert ("account.journal", "AMZX") in odoo.created


def test_a_language_odoo_lacks_is_left_unset_with_a_note() -> None:
    odoo = FakeOdooSetup(languages=("en_US",))
    report = add_marketplaces(seller(), [FR], amazon=amazon_eu(), odoo=odoo, state=InMemoryStateStore())
    assert report.marketplaces[0].config.language is None
    assert "fr_FR" in report.marketplaces[0].notes[0]


@pytest.mark.parametrize(
    ("marketplace", "message"),
    [("A1F83G8C2ARO7P", "does not list"), (US, "other region")],
)
def test_marketplaces_amazon_does_not_offer_are_refused(marketplace: str, message: str) -> None:
    odoo = FakeOdooSetup()
    with pytest.raises(ConfigError) as caught:
        add_marketplaces(seller(), [marketplace], amazon=amazon_eu(), odoo=odoo, state=InMemoryStateStore())
    assert message in caught.value.message and marketplace in caught.value.record
    assert odoo.created == []


def test_add_marketplace_needs_odoo() -> None:
    with pytest.raises(ConfigError, match="Odoo is not configured"):
        add_marketplaces(seller(), [FR], amazon=amazon_eu(), odoo=None, state=InMemoryStateStore())


# ------------------------------------------------------------------------------------------ the sellers file

FILE = """\
# the sellers file
sellers:
  - id: s1                  # first seller
    name: Seller One
    marketplaces:
      - id: A1PA6795UKMFR9  # Amazon.de
        stock_field: on_hand
        # stock caps come later
    short_code: AMZ
  - id: s2
    name: Seller Two
    marketplaces:
      - id: A1PA6795UKMFR9
"""


def test_the_sellers_file_gets_new_marketplaces_and_missing_keys_with_comments_kept() -> None:
    entries = [
        marketplace_entry(MarketplaceConfig(id=DE, warehouse="WH", pricelist="Amazon.de (EUR)")),
        marketplace_entry(MarketplaceConfig(id=FR, warehouse="WH", language="fr_FR")),
    ]
    out = add_to_sellers_file(FILE, "s1", entries)
    assert "# Amazon.de" in out and "# stock caps come later" in out and "# first seller" in out
    data = yaml.safe_load(out)
    assert data["sellers"][0]["marketplaces"] == [
        {"id": DE, "stock_field": "on_hand", "warehouse": "WH", "pricelist": "Amazon.de (EUR)"},
        {"id": FR, "warehouse": "WH", "language": "fr_FR"},
    ]
    assert data["sellers"][0]["short_code"] == "AMZ"
    assert data["sellers"][1] == yaml.safe_load(FILE)["sellers"][1]
    assert add_to_sellers_file(out, "s1", entries) == out  # nothing left to add


def test_a_flow_style_list_is_not_edited() -> None:
    text = "sellers:\n  - id: s1\n    marketplaces: [{id: A1PA6795UKMFR9}]\n"
    with pytest.raises(ConfigError, match="block list"):
        add_to_sellers_file(text, "s1", [{"id": FR}])


# ------------------------------------------------------------------------------------------ subscriptions


class FakeNotifications:
    """Amazon's Notifications API: 409 (None) for a destination or subscription that exists."""

    def __init__(self) -> None:
        self.destinations_: dict[str, Destination] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.calls: list[str] = []

    def destinations(self) -> list[Destination]:
        self.calls.append("getDestinations")
        return list(self.destinations_.values())

    def create_destination(self, name: str, kind: DestinationKind, target: str) -> Destination | None:
        self.calls.append("createDestination")
        if any(d.kind is kind and d.target == target for d in self.destinations_.values()):
            return None
        made = Destination(f"d{len(self.destinations_) + 1}", name, kind, target)
        self.destinations_[made.destination_id] = made
        return made

    def subscription(self, notification_type: str, payload_version: str = "") -> Subscription | None:
        self.calls.append("getSubscription")
        return self.subscriptions.get(notification_type)

    def create_subscription(
        self, notification_type: str, destination_id: str, payload_version: str
    ) -> Subscription | None:
        self.calls.append("createSubscription")
        if notification_type in self.subscriptions:
            return None
        made = Subscription(notification_type, f"s-{notification_type}", payload_version, destination_id)
        self.subscriptions[notification_type] = made
        return made


def test_subscribe_creates_both_destinations_and_five_subscriptions_then_nothing() -> None:
    api = FakeNotifications()
    first = subscribe(api, QUEUE_ARN)
    assert sorted(first.destinations_created) == sorted(DestinationKind)
    assert api.destinations_["d2"].target == "123456789012/eu-west-1"
    assert all(s.ok and s.created for s in first.subscriptions)
    listings = [s for s in first.subscriptions if s.wanted.notification_type.startswith("LISTINGS_")]
    assert {s.subscription.destination_id for s in listings if s.subscription} == {"d2"}
    api.calls.clear()
    again = subscribe(api, QUEUE_ARN)
    assert again.destinations_created == [] and all(s.ok and not s.created for s in again.subscriptions)
    assert api.calls.count("getDestinations") == 2 and api.calls.count("getSubscription") == 5
    assert len(api.destinations_) == 2 and len(api.subscriptions) == 5


def test_a_conflict_amazon_cannot_show_is_permanent() -> None:
    api = FakeNotifications()
    api.create_destination = lambda name, kind, target: None  # type: ignore[method-assign]
    with pytest.raises(PermanentError, match="lists none"):
        subscribe(api, QUEUE_ARN)


def test_status_flags_a_subscription_to_another_destination() -> None:
    api = FakeNotifications()
    subscribe(api, QUEUE_ARN)
    api.subscriptions["ORDER_CHANGE"] = Subscription("ORDER_CHANGE", "x", "1.0", "elsewhere")
    status = subscription_status(api, QUEUE_ARN)
    bad = [s for s in status.subscriptions if not s.ok]
    assert [s.wanted.notification_type for s in bad] == ["ORDER_CHANGE"]
    assert "another destination" in bad[0].describe()


def test_arns_give_region_and_account() -> None:
    assert account_of_arn(QUEUE_ARN) == ("eu-west-1", "123456789012")
    with pytest.raises(ValueError):
        account_of_arn("not-an-arn")


# ------------------------------------------------------------------------------------------ doctor


class FakeResources:
    def __init__(self, *, changed: datetime | None = None, dead: int = 0) -> None:
        self.changed = changed
        self.dead = dead
        self.asked: list[str] = []

    def events_queue_arn(self) -> str:
        return QUEUE_ARN

    def check(self, secret_names: Sequence[str] = ()) -> list[Check]:
        self.asked = list(secret_names)
        return [Check("aws", f"secret {n}", Verdict.OK, "exists") for n in secret_names]

    def secret_dates(self, name: str) -> tuple[datetime | None, datetime | None]:
        return self.changed, self.changed

    def dead_letters(self) -> dict[str, int]:
        return {"amazon-odoo-events-dlq": self.dead, "amazon-odoo-work-dlq": 0}


TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("authorised", "verdict"),
    [(date(2026, 1, 1), Verdict.OK), (date(2025, 12, 20), Verdict.WARN), (date(2025, 11, 1), Verdict.FAIL)],
)
def test_authorisation_age_against_365_days(authorised: date, verdict: Verdict) -> None:
    s = seller(
        credentials={**seller().credentials.model_dump(mode="json"), "authorized_on": authorised.isoformat()}
    )
    check = check_authorisation(s, FakeResources(), TODAY)
    assert check.verdict is verdict
    assert "credentials.authorized_on" in check.detail
    assert bool(check.fix) is (verdict is not Verdict.OK)


def test_authorisation_date_falls_back_to_the_refresh_token_secret() -> None:
    changed = datetime(2026, 3, 1, 12, tzinfo=UTC)
    check = check_authorisation(seller(), FakeResources(changed=changed), TODAY)
    assert check.verdict is Verdict.OK
    assert "2026-03-01" in check.detail and "secret amazon-odoo/s1/refresh-token" in check.detail
    unknown = check_authorisation(seller(), FakeResources(), TODAY)
    assert unknown.verdict is Verdict.WARN and "authorized_on" in unknown.fix


def test_access_needed_follows_the_jobs_switched_on() -> None:
    plain = required_access(seller())
    assert ("sale.order", "create") in plain and ("stock.picking", "write") in plain
    assert ("account.bank.statement.line", "create") not in plain
    full = required_access(
        seller(
            fee_account="600000",
            settlements={"download_and_process": True},
            schedules={"process_settlements": {"enabled": True, "every": "1 days"}},
            workflow={"create_invoice": True, "post_invoice": True},
        )
    )
    assert full[("account.bank.statement.line", "create")] == ["process_settlements"]
    assert full[("account.move", "create")] == ["workflow.create_invoice"]


def test_odoo_rights_missing_fail_with_a_fix() -> None:
    odoo = FakeOdooSetup()
    odoo.rights[("stock.picking", "write")] = False
    checks = check_odoo(seller(), odoo)
    failed = [c for c in checks if c.verdict is Verdict.FAIL]
    assert [c.name for c in failed] == ["write stock.picking"]
    assert "export_shipments" in failed[0].detail and failed[0].fix
    assert exit_code(checks) == 1
    assert check_odoo(seller(), None)[0].verdict is Verdict.FAIL


def test_dead_letters_warn_and_secrets_are_checked() -> None:
    resources = FakeResources(dead=3)
    checks = check_aws(seller(), resources)
    assert resources.asked == [
        "amazon-odoo/s1/lwa_client_id",
        "amazon-odoo/s1/lwa_client_secret",
        "amazon-odoo/s1/refresh-token",
    ]
    warned = [c for c in checks if c.verdict is Verdict.WARN]
    assert [c.name for c in warned] == ["dead letters amazon-odoo-events-dlq"] and "3 message" in warned[
        0
    ].detail
    assert exit_code(checks) == 0


def test_an_expired_authorisation_says_since_when() -> None:
    s = seller(credentials={**seller().credentials.model_dump(mode="json"), "authorized_on": "2025-11-01"})
    check = check_authorisation(s, FakeResources(), TODAY)
    assert check.verdict is Verdict.FAIL and "expired 2026-11-01, 26 days ago" in check.detail


def test_the_authorisation_date_survives_loading() -> None:
    from amazon_odoo.services.sellers import load_sellers
    from tests.fakes.aws import InMemorySecretStore

    raw = {"sellers": [seller().model_dump(mode="json")]}
    raw["sellers"][0]["credentials"]["authorized_on"] = "2026-05-04"
    secrets = InMemorySecretStore()
    for ref in seller().secret_refs().values():
        secrets.put_secret(ref.removeprefix("secret:"), "value")
    state = InMemoryStateStore()
    load_sellers(raw, state=state, secrets=secrets, read_env=lambda name: None, secrets_prefix="amazon-odoo/")
    stored = state.get_seller("s1")
    assert stored is not None and stored.credentials.authorized_on == date(2026, 5, 4)
    assert set(stored.secret_refs()) == {"lwa_client_id", "lwa_client_secret", "refresh_token"}
