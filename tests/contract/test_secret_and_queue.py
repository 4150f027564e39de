"""SecretStore and WorkQueue contracts, run against the fakes and Secrets Manager / SQS on moto server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from amazon_odoo.adapters.aws.secrets import resolve_secret_ref
from amazon_odoo.domain.errors import PermanentError


def test_secrets_put_get_overwrite_and_missing(secret_store: Any) -> None:
    secret_store.put_secret("seller/refresh_token", "Atzr|one")
    assert secret_store.get_secret("seller/refresh_token") == "Atzr|one"
    secret_store.put_secret("seller/refresh_token", "Atzr|two")
    assert secret_store.get_secret("seller/refresh_token") == "Atzr|two"
    with pytest.raises(PermanentError) as info:
        secret_store.get_secret("seller/nothing")
    assert "seller/nothing" in info.value.record and info.value.resolution
    assert "Atzr" not in str(info.value)


def test_secret_references(secret_store: Any) -> None:
    secret_store.put_secret("s/id", "client-id")
    assert resolve_secret_ref("secret:s/id", secret_store, {}) == "client-id"
    assert resolve_secret_ref("env:LWA_ID", secret_store, {"LWA_ID": "from-env"}) == "from-env"
    with pytest.raises(PermanentError, match="LWA_ID is not set"):
        resolve_secret_ref("env:LWA_ID", secret_store, {})
    with pytest.raises(PermanentError, match="not a credential reference"):
        resolve_secret_ref("Atzr|plain", secret_store, {})


def test_work_queue_send_and_batches_beyond_ten(work_queue: tuple[Any, Callable[[], list[Any]]]) -> None:
    queue, received = work_queue
    queue.send({"kind": "order", "order_id": "114-0000001-0000001"})
    assert queue.send_batch([{"kind": "order", "n": n} for n in range(23)]) == 23
    messages = received()
    assert len(messages) == 24
    assert {"kind": "order", "order_id": "114-0000001-0000001"} in messages
    assert sorted(m["n"] for m in messages if "n" in m) == list(range(23))
