"""Load the sellers file: validate all of it, check every credential reference, then store.

An invalid file is refused whole (every problem listed with seller, field and reason) and nothing is
stored. ``env:NAME`` credentials are read from the loading environment and written to Secrets Manager
(``<prefix><seller>/<field>``), so the functions never need them in their environment; ``secret:NAME``
credentials must already exist. The stored configuration only ever holds ``secret:`` references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from amazon_odoo.config import Credentials, SellerConfig, parse_sellers_file
from amazon_odoo.domain.errors import ConfigError, ConnectorError, Disposition
from amazon_odoo.ports import SecretStore, StateStore


@dataclass
class LoadReport:
    stored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    secrets_written: list[str] = field(default_factory=list)
    dry_run: bool = False


def load_sellers(
    raw: Any,
    *,
    state: StateStore,
    secrets: SecretStore,
    read_env: Callable[[str], str | None],
    secrets_prefix: str,
    dry_run: bool = False,
) -> LoadReport:
    parsed = parse_sellers_file(raw)
    problems: list[str] = []
    to_write: dict[str, str] = {}
    sellers: list[SellerConfig] = []
    for seller in parsed.sellers:
        refs: dict[str, str] = {}
        for name, ref in seller.credentials.references().items():
            kind, _, target = str(ref).partition(":")
            where = f"seller {seller.id}: credentials.{name}"
            if kind == "env":
                value = read_env(target)
                if not value:
                    problems.append(f"{where}: environment variable {target} is not set")
                    continue
                secret_name = f"{secrets_prefix}{seller.id}/{name}"
                to_write[secret_name] = value
                refs[name] = f"secret:{secret_name}"
            else:
                try:
                    secrets.get_secret(target)
                except ConnectorError as error:
                    if error.disposition is Disposition.RETRY:
                        raise
                    problems.append(f"{where}: secret {target} cannot be read ({error.message})")
                    continue
                refs[name] = str(ref)
        if len(refs) == 3:
            credentials = Credentials(**refs, authorized_on=seller.credentials.authorized_on)
            sellers.append(seller.model_copy(update={"credentials": credentials}))
    if problems:
        raise ConfigError(
            "the sellers file is invalid; nothing was stored:\n  " + "\n  ".join(problems),
            record="sellers file",
            resolution="set the variables / create the secrets named above and load the file again",
        )
    report = LoadReport(dry_run=dry_run, stored=[s.id for s in sellers])
    existing = {s.id for s in state.list_sellers()}
    report.removed = sorted(existing - set(report.stored))
    if dry_run:
        return report
    for name, value in to_write.items():
        secrets.put_secret(name, value)
        report.secrets_written.append(name)
    state.replace_sellers(sellers)
    return report
