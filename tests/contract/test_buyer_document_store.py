"""The StateStore's buyer document records (issue 8), against the in-memory fake and DynamoDB on moto server:
the version-0 put is the claim a second worker loses, records never expire, newest move first."""

from __future__ import annotations

from typing import Any

import pytest

from amazon_odoo.domain.documents import BuyerDocument, DocumentStatus, DocumentType
from amazon_odoo.domain.errors import ConflictError
from amazon_odoo.ports import StateStore
from tests.contract.aws_fixtures import Clock


def document(clock: Clock, move_id: int, **changes: Any) -> BuyerDocument:
    base = BuyerDocument(
        seller_id="mugs-de",
        move_id=move_id,
        name=f"INV/2026/{move_id:05d}",
        document_type=DocumentType.INVOICE,
        order_id="304-1234567-7654321",
        marketplace_id="A1PA6795UKMFR9",
        status=DocumentStatus.SUBMITTING,
        submission_id="20261127T050000000000Z-abcd1234",
        attempts=1,
        created_at=clock.now,
        updated_at=clock.now,
    )
    return base.model_copy(update=changes)


def test_the_claim_is_won_once_and_versions_lock(state_store: StateStore, clock: Clock) -> None:
    claimed = state_store.save_buyer_document(document(clock, 7))
    assert claimed.version == 1
    with pytest.raises(ConflictError):
        state_store.save_buyer_document(document(clock, 7))  # a second worker's claim
    sent = state_store.save_buyer_document(
        claimed.model_copy(update={"status": DocumentStatus.SENT, "feed_id": "50001", "sent_at": clock.now})
    )
    assert sent.version == 2
    with pytest.raises(ConflictError):
        state_store.save_buyer_document(claimed.model_copy(update={"status": DocumentStatus.FAILED}))
    assert state_store.get_buyer_documents("mugs-de", [7]) == {7: sent}


def test_records_are_read_in_batches_and_listed_newest_move_first(
    state_store: StateStore, clock: Clock
) -> None:
    for move_id in (3, 120, 45):
        state_store.save_buyer_document(document(clock, move_id))
    state_store.save_buyer_document(document(clock, 9, seller_id="other"))
    found = state_store.get_buyer_documents("mugs-de", [3, 45, 120, 999, 9])
    assert sorted(found) == [3, 45, 120] and found[45].name == "INV/2026/00045"
    assert [d.move_id for d in state_store.list_buyer_documents("mugs-de")] == [120, 45, 3]
    assert [d.move_id for d in state_store.list_buyer_documents("mugs-de", limit=2)] == [120, 45]
    clock.advance(days=400)  # never expires: a document is sent once, ever
    assert sorted(state_store.get_buyer_documents("mugs-de", [3, 45, 120])) == [3, 45, 120]
