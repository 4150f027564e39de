"""services/buyer_documents.py on the in-memory fakes, a scripted Amazon and a scripted Odoo: which documents
are sent, sent once (crashes and lost answers included), skipped marketplaces, documents Odoo cannot render,
Amazon's refusals and throttling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from amazon_odoo.config import SellerConfig, parse_sellers_file
from amazon_odoo.domain.documents import (
    BuyerDocument,
    DocumentStatus,
    DocumentType,
    OdooDocument,
)
from amazon_odoo.domain.errors import ConfigError, PermanentError, ThrottledError
from amazon_odoo.domain.feeds import FeedStatus, SubmissionUncertainError
from amazon_odoo.domain.state import LogLevel, RunStatus
from amazon_odoo.ports import AmazonGateway, OdooGateway
from amazon_odoo.services.buyer_documents import (
    CLAIM_GRACE,
    MAX_ATTEMPTS,
    SEND_CREDIT_NOTES,
    SEND_INVOICES,
    buyer_documents_listener,
    send_buyer_documents,
)
from amazon_odoo.services.feeds import LOST_AFTER, FeedTracker
from amazon_odoo.services.jobs import JobContext, run_job
from tests.fakes import InMemoryDocumentStore, InMemoryStateStore
from tests.unit.test_feeds_service import Clock, ScriptedAmazon

EXAMPLE = Path(__file__).resolve().parents[2] / "infrastructure" / "sellers.example.yaml"
DE, FR, TR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A33AVAJ2PDY3EV"
PDF = b"%PDF-1.4\n% a small invoice\n%%EOF\n"


def xml_report(error: str = "") -> bytes:
    result = (
        "<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18028"
        f"</ResultMessageCode><ResultDescription>{error}</ResultDescription></Result>"
        if error
        else ""
    )
    return (
        "<AmazonEnvelope><MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID>"
        "<ProcessingReport><StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>1"
        f"</MessagesProcessed><MessagesSuccessful>{0 if error else 1}</MessagesSuccessful><MessagesWithError>"
        f"{1 if error else 0}</MessagesWithError></ProcessingSummary>{result}</ProcessingReport></Message>"
        "</AmazonEnvelope>"
    ).encode()


class ScriptedOdoo:
    """What the job asks of Odoo: the documents, and a PDF per move (or a refusal)."""

    def __init__(self) -> None:
        self.documents: list[OdooDocument] = []
        self.refuse: dict[int, str] = {}
        self.rendered: list[int] = []
        self.asked: list[tuple[str, date, tuple[str, ...]]] = []

    def add(self, move_id: int, marketplace: str = DE, move_type: str = "out_invoice") -> OdooDocument:
        prefix = "RINV" if move_type == "out_refund" else "INV"
        document = OdooDocument(
            move_id=move_id,
            name=f"{prefix}/2026/{move_id:05d}",
            move_type=move_type,
            order_id=f"304-{move_id:07d}-0000001",
            marketplace_id=marketplace,
            amount_total=Decimal("23.80"),
            amount_tax=Decimal("3.80"),
            currency="EUR",
        )
        self.documents.append(document)
        return document

    def company_id(self, name: str) -> int:
        return 1

    def buyer_documents(
        self, company_id: int, move_type: str, since: date, marketplace_ids: Sequence[str]
    ) -> list[OdooDocument]:
        self.asked.append((move_type, since, tuple(marketplace_ids)))
        return [d for d in self.documents if d.move_type == move_type and d.marketplace_id in marketplace_ids]

    def document_pdf(self, move_id: int, name: str = "") -> bytes:
        if move_id in self.refuse:
            raise PermanentError(
                f"Odoo cannot render the PDF of move {move_id} ({name}): {self.refuse[move_id]}",
                record=f"move {move_id} ({name})",
                resolution="make the invoice printable in Odoo; the next run tries again",
            )
        self.rendered.append(move_id)
        return PDF


def eu_seller(**documents: bool) -> SellerConfig:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    entry = raw["sellers"][0]
    entry["id"], entry["region"] = "mugs-de", "EU"
    entry["marketplaces"] = [{"id": DE}, {"id": FR, "amazon_issues_invoices": True}, {"id": TR}]
    entry["documents"] = {"send_invoices": True, "send_credit_notes": True, **documents}
    return parse_sellers_file(raw).sellers[0]


class World:
    def __init__(self, seller: SellerConfig | None = None) -> None:
        self.seller = seller or eu_seller()
        self.clock = Clock()
        self.state = InMemoryStateStore(clock=self.clock)
        self.state.replace_sellers([self.seller])
        self.documents = InMemoryDocumentStore()
        self.amazon = ScriptedAmazon(self.clock)
        self.odoo = ScriptedOdoo()
        listener = buyer_documents_listener(self.state, self.clock)
        self.tracker = FeedTracker(
            self.state,
            self.documents,
            lambda s: cast(AmazonGateway, self.amazon),
            listeners={SEND_INVOICES: listener, SEND_CREDIT_NOTES: listener},
            clock=self.clock,
        )

    def run(self, job: str = SEND_INVOICES, **options: Any) -> Any:
        kind = DocumentType.INVOICE if job == SEND_INVOICES else DocumentType.CREDIT_NOTE
        odoo = cast(OdooGateway, self.odoo)

        def body(ctx: JobContext) -> None:
            send_buyer_documents(ctx, odoo, self.tracker, kind, self.clock(), **options)

        return run_job(self.state, self.seller, job, body)

    def record(self, move_id: int) -> BuyerDocument:
        return self.state.get_buyer_documents(self.seller.id, [move_id])[move_id]

    def finish_all(self, status: str = "DONE", error: str = "") -> None:
        """Amazon finishes every feed in its queue; the tracker (track_feeds) collects the results."""
        for feed_id, feed in list(self.amazon.feeds.items()):
            if feed.status is FeedStatus.IN_QUEUE:
                self.amazon.finish(feed_id, status, xml_report(error) if status == "DONE" else b"bad PDF")
        for record in self.state.pending_feeds(self.seller.id):
            self.tracker.refresh(self.seller, record)

    def created(self) -> int:
        return self.amazon.calls.count("createFeed")

    def logs(self, job: str = SEND_INVOICES) -> list[Any]:
        return list(reversed(self.state.list_logs(self.seller.id, job=job)))


@pytest.fixture
def world() -> World:
    return World()


def test_each_invoice_goes_in_its_own_feed_with_its_metadata_and_is_sent_once(world: World) -> None:
    world.odoo.add(11)
    world.odoo.add(12)
    world.odoo.add(13, move_type="out_refund")  # a credit note: not this job's
    run = world.run()
    assert run.status is RunStatus.SUCCEEDED and run.counts["documents_sent"] == 2
    assert world.created() == 2 and list(world.amazon.uploads.values()) == [(PDF, "application/pdf")] * 2
    [(move_type, since, markets)] = world.odoo.asked
    assert move_type == "out_invoice" and markets == (DE, FR, TR)
    assert since == (world.clock() - timedelta(days=90)).date()
    feeds = sorted(world.state.list_feeds(world.seller.id), key=lambda f: f.scope)
    assert [(f.feed_type, f.marketplace_ids, f.scope, f.job) for f in feeds] == [
        ("UPLOAD_VAT_INVOICE", (DE,), "11", SEND_INVOICES),
        ("UPLOAD_VAT_INVOICE", (DE,), "12", SEND_INVOICES),
    ]
    assert (
        world.record(11).status is DocumentStatus.SUBMITTED and world.record(11).feed_id == feeds[0].feed_id
    )

    world.run()  # still in Amazon's queue: nothing sent again
    assert world.created() == 2
    world.finish_all()
    assert world.record(11).status is DocumentStatus.SENT and world.record(12).sent_at is not None
    again = world.run()
    assert world.created() == 2 and again.counts["already_sent"] == 2
    assert world.odoo.rendered == [11, 12]  # a sent document's PDF is not even asked for again


def test_the_feed_options_carry_amazons_metadata_keys(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, str]] = []
    original = world.amazon.create_feed

    def create_feed(
        feed_type: str, markets: Sequence[str], document_id: str, feed_options: Any = None
    ) -> str:
        sent.append(dict(feed_options or {}))
        return original(feed_type, markets, document_id, feed_options)

    monkeypatch.setattr(world.amazon, "create_feed", create_feed)
    world.odoo.add(21, move_type="out_refund")
    world.run(SEND_CREDIT_NOTES)
    assert sent == [
        {
            "metadata:orderid": "304-0000021-0000001",
            "metadata:invoicenumber": "RINV/2026/00021",
            "metadata:documenttype": "CreditNote",
            "metadata:totalamount": "23.80",
            "metadata:totalvatamount": "3.80",
        }
    ]


def test_marketplaces_where_amazon_issues_invoices_or_takes_none_are_skipped_with_one_log_entry(
    world: World,
) -> None:
    world.odoo.add(31, marketplace=FR)
    world.odoo.add(32, marketplace=TR)
    run = world.run()
    assert run.counts["skipped"] == 2 and world.created() == 0 and world.odoo.rendered == []
    entries = [e for e in world.logs() if e.record_ref.startswith("move 3")]
    assert [(e.record_ref, e.level) for e in entries] == [
        ("move 31", LogLevel.INFO),
        ("move 32", LogLevel.INFO),
    ]
    assert (
        "Amazon issues the buyers' invoices" in entries[0].message
        and "no invoice uploads" in entries[1].message
    )
    assert world.record(31).status is DocumentStatus.SKIPPED
    world.run()
    assert len([e for e in world.logs() if e.record_ref.startswith("move 3")]) == 2  # not logged again


def test_a_document_odoo_cannot_render_is_refused_in_the_log_book_and_nothing_is_sent(world: World) -> None:
    world.odoo.add(41)
    world.odoo.refuse[41] = "Unable to find Wkhtmltopdf on this system. The PDF can not be created."
    run = world.run()
    assert run.status is RunStatus.PARTIAL and run.counts["not_rendered"] == 1 and world.created() == 0
    [entry] = [e for e in world.logs() if e.level is LogLevel.ERROR]
    assert entry.record_ref == "move 41 (INV/2026/00041)" and "Wkhtmltopdf" in entry.message
    assert "printable" in entry.resolution
    assert world.record(41).status is DocumentStatus.NOT_RENDERED
    world.run()  # same reason: tried again, not logged again
    assert len([e for e in world.logs() if e.level is LogLevel.ERROR]) == 1 and world.created() == 0
    del world.odoo.refuse[41]  # wkhtmltopdf installed
    world.run()
    assert world.created() == 1 and world.record(41).status is DocumentStatus.SUBMITTED


def test_a_lost_createfeed_answer_is_never_sent_again_and_the_tracker_settles_it(world: World) -> None:
    world.odoo.add(51)
    world.amazon.create_then_lose_answer = True  # Amazon creates the feed, its answer is lost
    world.amazon.raise_on["createFeed"] = SubmissionUncertainError("createFeed: no answer (timeout)")
    run = world.run()
    assert world.created() == 1 and run.counts["uncertain"] == 1
    assert world.record(51).status is DocumentStatus.SUBMITTING
    world.clock.advance(minutes=30)
    world.run()  # the claim names a feed record: it is followed, not sent again
    assert world.created() == 1 and world.record(51).status is DocumentStatus.SUBMITTING
    world.finish_all()  # the tracker finds the lost feed at Amazon (getFeeds) and finishes it
    assert world.record(51).status is DocumentStatus.SENT
    assert timedelta(minutes=30) >= LOST_AFTER


def test_a_claim_that_never_became_a_feed_is_sent_again_after_the_grace(world: World) -> None:
    document = world.odoo.add(61)
    now = world.clock()
    world.state.save_buyer_document(  # a worker claimed it and died before submit_feed wrote its record
        BuyerDocument(
            seller_id=world.seller.id,
            move_id=61,
            name=document.name,
            document_type=DocumentType.INVOICE,
            order_id=document.order_id,
            marketplace_id=DE,
            status=DocumentStatus.SUBMITTING,
            submission_id="20261120T100000000000Z-deadbeef",
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    )
    world.run()
    assert world.created() == 0  # it may still be at it
    world.clock.advance(seconds=CLAIM_GRACE.total_seconds() + 1)
    world.run()
    assert world.created() == 1 and world.record(61).attempts == 2


def test_a_refused_or_fatal_document_is_sent_again_up_to_the_limit(world: World) -> None:
    world.odoo.add(71)
    world.run()
    world.finish_all(error="The invoice number was already used for another order.")
    record = world.record(71)
    assert record.status is DocumentStatus.FAILED and "already used" in record.message
    [refusal] = [e for e in world.logs() if e.level is LogLevel.ERROR]  # written by the feed tracker
    assert refusal.record_ref == "document 71" and "already used" in refusal.message
    assert "send_invoices run sends the document again" in refusal.resolution
    for _ in range(MAX_ATTEMPTS - 1):
        world.run()
        world.finish_all(status="FATAL")
    assert world.created() == MAX_ATTEMPTS and world.record(71).status is DocumentStatus.FAILED
    gave_up = world.run()
    assert world.created() == MAX_ATTEMPTS and gave_up.counts["given_up"] == 1


def test_throttling_leaves_the_rest_for_the_next_run(world: World) -> None:
    for move_id in (81, 82, 83):
        world.odoo.add(move_id)
    calls = {"n": 0}

    def throttle_second(operation: str) -> None:
        if operation == "createFeed":
            calls["n"] += 1
            if calls["n"] == 2:
                raise ThrottledError("createFeed: rate limit", retry_after=120)

    world.amazon.before_call = throttle_second
    run = world.run()
    assert run.counts["documents_sent"] == 1 and run.counts["left_for_next_run"] == 2
    assert world.record(82).status is DocumentStatus.FAILED and world.record(82).attempts == 0
    assert 83 not in world.state.get_buyer_documents(world.seller.id, [83])
    world.amazon.before_call = lambda operation: None
    world.run()
    assert world.created() == 4 and world.record(83).status is DocumentStatus.SUBMITTED


def test_at_most_max_per_run_documents_a_run(world: World) -> None:
    for move_id in range(100, 105):
        world.odoo.add(move_id)
    run = world.run(max_per_run=3)
    assert world.created() == 3 and run.counts["left_for_next_run"] == 2


def test_the_job_refuses_when_the_sellers_switch_is_off() -> None:
    world = World(eu_seller(send_credit_notes=False))
    world.odoo.add(91, move_type="out_refund")
    run = world.run(SEND_CREDIT_NOTES)
    assert run.status is RunStatus.FAILED and "send_credit_notes is off" in run.message
    assert world.created() == 0
    with pytest.raises(ConfigError):
        eu_seller(send_invoices=True).marketplace("ATVPDKIKX0DER")
