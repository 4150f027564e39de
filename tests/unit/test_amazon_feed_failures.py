"""The feed parts of the Amazon adapter that the sandbox cannot stage: lost createFeed answers, S3's error
bodies, the document rows of the failure table, and gzip."""

from __future__ import annotations

import gzip
import random
from typing import Any

import httpx
import pytest

from amazon_odoo.adapters.amazon.clients import SellerCredentials, SpApiHttpError
from amazon_odoo.adapters.amazon.documents import DocumentHttpError, DocumentTransfer, decompress
from amazon_odoo.adapters.amazon.failures import DOCUMENT, describe, to_error
from amazon_odoo.adapters.amazon.gateway import SpApiGateway
from amazon_odoo.adapters.amazon.rate_limit import RateLimiter
from amazon_odoo.domain.errors import PermanentError, RetryableError, ThrottledError
from amazon_odoo.domain.feeds import SubmissionUncertainError
from amazon_odoo.settings import Settings

CREDENTIALS = SellerCredentials("amzn1.application-oa2-client.x", "secret-value", "Atzr|refresh-value")
S3_EXPIRED = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"


def gateway(sleeps: list[float]) -> SpApiGateway:
    return SpApiGateway(
        "seller-1",
        CREDENTIALS,
        "NA",
        Settings(AMAZON_MAX_ATTEMPTS=4, AMAZON_MAX_WAIT_SECONDS=5),
        limiter=RateLimiter(clock=lambda: 0.0),
        sleep=sleeps.append,
        rng=random.Random(1),
    )


def raising(*errors: BaseException) -> tuple[Any, list[int]]:
    calls: list[int] = []
    pending = list(errors)

    def fn() -> str:
        calls.append(1)
        if pending:
            raise pending.pop(0)
        return "ok"

    return fn, calls


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
        SpApiHttpError(503, [], {}),
        SpApiHttpError(500, [{"code": "InternalFailure", "message": "oops"}], {}),
    ],
)
def test_a_lost_create_feed_answer_is_uncertain_and_never_repeated(lost: BaseException) -> None:
    sleeps: list[float] = []
    gw = gateway(sleeps)
    fn, calls = raising(lost)
    guarded = gw._final_when_unsure("createFeed", "JSON_LISTINGS_FEED feed", fn)
    with pytest.raises(SubmissionUncertainError, match="may have created it") as raised:
        gw.call("createFeed", guarded, record="JSON_LISTINGS_FEED feed")
    assert calls == [1] and sleeps == []
    assert raised.value.retryable and "track_feeds" in raised.value.resolution


@pytest.mark.parametrize(
    ("certain", "expected"),
    [
        (httpx.ConnectError("connection refused"), RetryableError),  # never reached Amazon: retried
        (SpApiHttpError(400, [{"code": "InvalidInput", "message": "bad"}], {}), PermanentError),
    ],
)
def test_create_feed_failures_that_created_nothing_keep_the_usual_handling(
    certain: BaseException, expected: type[Exception]
) -> None:
    sleeps: list[float] = []
    gw = gateway(sleeps)
    fn, calls = raising(certain)
    guarded = gw._final_when_unsure("createFeed", "feed", fn)
    if expected is RetryableError:
        assert gw.call("createFeed", guarded) == "ok" and calls == [1, 1] and len(sleeps) == 1
    else:
        with pytest.raises(expected) as raised:
            gw.call("createFeed", guarded)
        assert not isinstance(raised.value, SubmissionUncertainError)


def test_s3_error_bodies_are_read() -> None:
    error = DocumentHttpError(403, "PUT", S3_EXPIRED, {"x-amz-request-id": "1"})
    assert (error.status, error.code, error.message) == (403, "AccessDenied", "Request has expired")
    bare = DocumentHttpError(500, "GET", b"", {})
    assert (bare.code, bare.message) == ("", "")


@pytest.mark.parametrize(
    ("status", "error_class", "words"),
    [
        (403, RetryableError, "expired"),
        (404, PermanentError, "no longer there"),
        (503, RetryableError, "server error"),
        (400, PermanentError, "refused the transfer"),
    ],
)
def test_document_rows_of_the_failure_table(status: int, error_class: type[Exception], words: str) -> None:
    failure = describe(DocumentHttpError(status, "GET", S3_EXPIRED, {}))
    assert failure is not None and failure.source == DOCUMENT
    error = to_error(failure, "downloadFeedDocument", "feed document d-1")
    assert type(error) is error_class and not isinstance(error, ThrottledError)
    assert words in error.resolution and error.record == "feed document d-1"


def test_gzip_only_when_declared() -> None:
    packed = gzip.compress(b"report")
    assert decompress(packed, "GZIP") == b"report"
    assert decompress(packed, None) == packed
    with pytest.raises(PermanentError, match="does not decompress"):
        decompress(b"plain", "GZIP")
    with pytest.raises(PermanentError, match="ZSTD"):
        decompress(b"x", "ZSTD")


class FakeTransport:
    def __init__(self, status: int, content: bytes) -> None:
        self.status, self.content, self.requests = status, content, []  # type: ignore[var-annotated]

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.requests.append((method, url, kwargs))
        return httpx.Response(self.status, content=self.content)

    def close(self) -> None:
        pass


def test_transfers_send_the_content_type_and_raise_on_errors() -> None:
    ok = FakeTransport(200, b"")
    DocumentTransfer(transport=ok).upload("https://s3/x", b"{}", "application/json; charset=UTF-8")
    assert ok.requests == [
        (
            "PUT",
            "https://s3/x",
            {"content": b"{}", "headers": {"Content-Type": "application/json; charset=UTF-8"}},
        )
    ]
    with pytest.raises(DocumentHttpError) as raised:
        DocumentTransfer(transport=FakeTransport(403, S3_EXPIRED)).download("https://s3/y")
    assert raised.value.code == "AccessDenied"
    assert DocumentTransfer(transport=FakeTransport(200, b"data")).download("https://s3/z") == b"data"
