"""Services on the in-memory fakes: loading sellers, running jobs, routing notifications."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from amazon_odoo.domain.errors import ConfigError, PermanentError, RetryableError, SkipError
from amazon_odoo.domain.marketplaces import MarketplaceParticipation
from amazon_odoo.domain.notifications import Notification
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.services.check_connections import check_connections, required_odoo_groups
from amazon_odoo.services.jobs import JobContext, run_job
from amazon_odoo.services.notifications import NotificationRouter, Outcome
from amazon_odoo.services.sellers import load_sellers
from tests.fakes import InMemorySecretStore, InMemoryStateStore

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
ENV = {"LWA_CLIENT_ID": "amzn1.application-oa2-client.x", "LWA_CLIENT_SECRET": "amzn1.oa2-cs.v1.y"}


def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return data


def load(data: dict[str, Any], state: InMemoryStateStore, secrets: InMemorySecretStore, **kw: Any) -> Any:
    return load_sellers(
        data, state=state, secrets=secrets, read_env=ENV.get, secrets_prefix="amazon-odoo/", **kw
    )


@pytest.fixture
def stores() -> tuple[InMemoryStateStore, InMemorySecretStore]:
    secrets = InMemorySecretStore()
    secrets.put_secret("amazon-odoo/mugs-us/refresh-token", "Atzr|token")
    return InMemoryStateStore(), secrets


def test_load_moves_env_credentials_into_secrets(stores: Any) -> None:
    state, secrets = stores
    report = load(raw(), state, secrets)
    assert report.stored == ["mugs-us"]
    assert sorted(report.secrets_written) == [
        "amazon-odoo/mugs-us/lwa_client_id",
        "amazon-odoo/mugs-us/lwa_client_secret",
    ]
    stored = state.get_seller("mugs-us")
    assert stored is not None
    assert stored.credentials.references() == {  # issue 9: authorized_on is not a reference
        "lwa_client_id": "secret:amazon-odoo/mugs-us/lwa_client_id",
        "lwa_client_secret": "secret:amazon-odoo/mugs-us/lwa_client_secret",
        "refresh_token": "secret:amazon-odoo/mugs-us/refresh-token",
    }
    assert secrets.get_secret("amazon-odoo/mugs-us/lwa_client_secret") == ENV["LWA_CLIENT_SECRET"]


def test_dry_run_and_removed_sellers(stores: Any) -> None:
    state, secrets = stores
    load(raw(), state, secrets)
    other = copy.deepcopy(raw())
    other["sellers"][0]["id"] = "mugs-us-2"
    secrets.put_secret("amazon-odoo/mugs-us/refresh-token", "Atzr|token")
    report = load(other, state, secrets, dry_run=True)
    assert report.removed == ["mugs-us"] and report.secrets_written == []
    assert [s.id for s in state.list_sellers()] == ["mugs-us"]  # dry run stored nothing
    load(other, state, secrets)
    assert [s.id for s in state.list_sellers()] == ["mugs-us-2"]


def test_missing_secret_and_env_refuse_the_whole_file(stores: Any) -> None:
    state, _ = stores
    data = raw()
    data["sellers"][0]["credentials"]["lwa_client_id"] = "env:NOT_SET"
    with pytest.raises(ConfigError) as info:
        load(data, state, InMemorySecretStore())
    text = str(info.value)
    assert "seller mugs-us: credentials.lwa_client_id: environment variable NOT_SET is not set" in text
    assert (
        "seller mugs-us: credentials.refresh_token: secret amazon-odoo/mugs-us/refresh-token cannot be read"
        in text
    )
    assert state.list_sellers() == []


def seller() -> Any:
    state, secrets = InMemoryStateStore(), InMemorySecretStore()
    secrets.put_secret("amazon-odoo/mugs-us/refresh-token", "t")
    load(raw(), state, secrets)
    return state.get_seller("mugs-us")


def fresh_state() -> InMemoryStateStore:
    state = InMemoryStateStore()
    state.replace_sellers([seller()])
    return state


def test_run_job_records_counts_and_problems() -> None:
    state = fresh_state()

    def body(ctx: JobContext) -> None:
        ctx.counts["orders_imported"] += 2
        ctx.log("SKU X is unknown", level=LogLevel.WARNING, record="order 1", resolution="bind the SKU")

    run = run_job(state, seller(), "import_orders", body, trigger="schedule")
    assert (run.status, run.counts, run.trigger) == (RunStatus.PARTIAL, {"orders_imported": 2}, "schedule")
    (entry,) = state.list_logs(job="import_orders")
    assert entry.details["run_id"] == run.run_id and entry.resolution == "bind the SKU"


def test_permanent_failure_ends_the_run_without_raising() -> None:
    state = fresh_state()

    def body(ctx: JobContext) -> None:
        raise PermanentError("refresh token revoked", record="seller mugs-us", resolution="re-authorise")

    run = run_job(state, seller(), "import_orders", body)
    assert run.status is RunStatus.FAILED and "re-authorise" in run.message
    assert state.list_logs(level=LogLevel.ERROR)[0].resolution == "re-authorise"


def test_retryable_failure_is_recorded_and_raised() -> None:
    state = fresh_state()

    def body(ctx: JobContext) -> None:
        raise RetryableError("Amazon throttled", retry_after=120)

    with pytest.raises(RetryableError):
        run_job(state, seller(), "import_orders", body)
    assert state.last_runs("mugs-us")["import_orders"].status is RunStatus.FAILED
    assert state.list_logs(level=LogLevel.WARNING)[0].message == "Amazon throttled"


def notification(merchant: str = "A3MUGSUS8ACCPT", kind: str = "ORDER_CHANGE") -> Notification:
    return Notification(notification_id="n-1", notification_type=kind, payload={}, merchant_id=merchant)


def test_router_outcomes() -> None:
    state = InMemoryStateStore()
    state.replace_sellers([seller()])
    seen: list[str] = []

    def ok(n: Notification, s: Any) -> str:
        seen.append(s.id)
        return Outcome.HANDLED.value

    def permanent(n: Notification, s: Any) -> str:
        raise PermanentError("SKU X is not bound", record="order 1", resolution="bind SKU X")

    def skip(n: Notification, s: Any) -> str:
        raise SkipError("already imported")

    router = NotificationRouter(
        state, {"order_change": ok, "FEED_PROCESSING_FINISHED": permanent, "SKIP": skip}
    )
    assert router.types == ["FEED_PROCESSING_FINISHED", "ORDER_CHANGE", "SKIP"]
    assert router.handle(notification()) == "handled" and seen == ["mugs-us"]
    assert router.handle(notification(merchant="AOTHER")) == "unknown-seller"
    assert router.handle(notification(kind="ANY_OFFER_CHANGED")) == "ignored-type"
    assert router.handle(notification(kind="FEED_PROCESSING_FINISHED")) == "failed"
    assert router.handle(notification(kind="SKIP")) == "handled"
    errors = state.list_logs(level=LogLevel.ERROR)
    assert errors[0].seller_id == "mugs-us" and errors[0].resolution == "bind SKU X"
    assert "AOTHER" in state.list_logs(level=LogLevel.WARNING)[0].message


class FakeAmazon:
    def __init__(self, participations: list[MarketplaceParticipation] | Exception) -> None:
        self.participations = participations

    def marketplace_participations(self) -> list[MarketplaceParticipation]:
        if isinstance(self.participations, Exception):
            raise self.participations
        return self.participations


class FakeOdoo:
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        self.asked: list[str] = []

    def server_version(self) -> tuple[int, str]:
        return 17, "17.0"

    def company_id(self, name: str) -> int:
        return 1

    def check_user(self, groups: list[str]) -> list[str]:
        self.asked = list(groups)
        return self.missing


def participation(mp: str, *, participating: bool = True) -> MarketplaceParticipation:
    return MarketplaceParticipation.model_validate(
        {
            "marketplace": {
                "id": mp,
                "name": "Amazon.com",
                "countryCode": "US",
                "defaultCurrencyCode": "USD",
                "defaultLanguageCode": "en_US",
                "domainName": "www.amazon.com",
            },
            "participation": {"isParticipating": participating, "hasSuspendedListings": False},
        }
    )


def test_check_connections_both_sides() -> None:
    state = fresh_state()
    odoo = FakeOdoo(missing=[])
    run = run_job(
        state,
        seller(),
        "check_connections",
        lambda ctx: check_connections(ctx, FakeAmazon([participation("ATVPDKIKX0DER")]), odoo),
    )
    assert run.status is RunStatus.SUCCEEDED
    assert odoo.asked == required_odoo_groups(seller()) and "account.group_account_user" in odoo.asked


def test_check_connections_logs_amazon_refusal_and_still_checks_odoo() -> None:
    state = fresh_state()
    amazon = FakeAmazon(
        PermanentError(
            "Access to requested resource is denied.",
            record="seller mugs-us",
            resolution="re-authorise the app in Seller Central",
        )
    )
    run = run_job(
        state,
        seller(),
        "check_connections",
        lambda ctx: check_connections(ctx, amazon, FakeOdoo(["stock.group_stock_user"])),
    )
    assert run.status is RunStatus.PARTIAL  # the Amazon side failed, the Odoo side was still checked
    assert run.counts["amazon_ok"] == 0 and run.counts["odoo_ok"] == 1
    messages = [e.message for e in state.list_logs()]
    assert "the Odoo user lacks the group stock.group_stock_user" in messages
    assert "Access to requested resource is denied." in messages


def test_check_connections_retries_when_a_side_is_down() -> None:
    state = fresh_state()
    amazon = FakeAmazon(RetryableError("Service Unavailable"))
    with pytest.raises(RetryableError):
        run_job(
            state, seller(), "check_connections", lambda ctx: check_connections(ctx, amazon, FakeOdoo([]))
        )
