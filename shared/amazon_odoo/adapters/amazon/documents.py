"""Amazon's documents through their pre-signed URLs: feed uploads, feed result and report downloads.

createFeedDocument answers an S3 URL to PUT the feed to (with the content type given to
createFeedDocument), getFeedDocument / getReportDocument a URL to GET it from, plus
``compressionAlgorithm: GZIP`` when the document is compressed. The URLs carry their own signature and
expire after five minutes: no access token is sent. An answer >= 400 is :class:`DocumentHttpError` (S3's
XML ``<Error><Code>`` and ``<Message>`` when there are some), which the failure table classifies
(source ``document``); no answer at all is the transport's own error (source ``network``).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Mapping
from typing import Any, BinaryIO

from sp_api.base._transport_httpx import HttpxTransport

from amazon_odoo.adapters.amazon.clients import HTTP_TIMEOUT_SECONDS
from amazon_odoo.domain.errors import PermanentError

GZIP = "GZIP"
DOWNLOAD_CHUNK = 1 << 16  # bytes read at a time when a document is streamed to a file
_S3_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_S3_MESSAGE = re.compile(r"<Message>([^<]{1,300})</Message>")


class DocumentHttpError(Exception):
    """A pre-signed document URL answered >= 400 (``code``/``message`` from S3's XML error, if any)."""

    def __init__(self, status: int, method: str, body: bytes, headers: Mapping[str, str]) -> None:
        text = body[:2000].decode("utf-8", errors="replace")
        code = _S3_CODE.search(text)
        message = _S3_MESSAGE.search(text)
        self.status = status
        self.method = method
        self.code = code.group(1) if code else ""
        self.message = message.group(1) if message else ""
        self.headers = dict(headers)
        super().__init__(f"{method} document: HTTP {status} {self.code} {self.message}".rstrip())


def decompress(content: bytes, compression: str | None, *, record: str = "") -> bytes:
    """The document's bytes, un-gzipped when Amazon declared ``GZIP``."""
    if not compression:
        return content
    if compression.upper() != GZIP:
        raise PermanentError(
            f"the document is compressed with {compression}, which this connector cannot read",
            record=record,
            resolution="report it: Amazon documents only GZIP",
            source="amazon",
            code="UnsupportedCompression",
        )
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:
        raise PermanentError(
            f"the document is declared GZIP but does not decompress ({exc})",
            record=record,
            resolution="fetch it again later; report it if it stays broken",
            source="amazon",
            code="BadGzip",
        ) from None


class DocumentTransfer:
    """PUT and GET on pre-signed URLs with a timeout; one HTTP client, built on first use."""

    def __init__(self, *, timeout: float = HTTP_TIMEOUT_SECONDS, transport: Any = None) -> None:
        self._timeout = timeout
        self._transport: Any = transport

    def _http(self) -> Any:
        if self._transport is None:
            self._transport = HttpxTransport(timeout=self._timeout)
        return self._transport

    def upload(self, url: str, content: bytes, content_type: str) -> None:
        response = self._http().request("PUT", url, content=content, headers={"Content-Type": content_type})
        if int(response.status_code) >= 400:
            raise DocumentHttpError(int(response.status_code), "PUT", response.content, response.headers)

    def download(self, url: str) -> bytes:
        response = self._http().request("GET", url)
        if int(response.status_code) >= 400:
            raise DocumentHttpError(int(response.status_code), "GET", response.content, response.headers)
        content: bytes = response.content
        return content

    def download_to(
        self, url: str, target: BinaryIO, compression: str | None = None, *, record: str = ""
    ) -> str:
        """Stream a document into ``target`` (un-gzipped on the way when ``compression`` is GZIP; reports,
        settlements: issue 6) and answer its Content-Type. Only one chunk is in memory at a time."""
        if compression and compression.upper() != GZIP:
            decompress(b"", compression, record=record)  # raises: only GZIP is documented
        inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS) if compression else None
        with self._http().stream("GET", url) as response:
            status = int(response.status_code)
            if status >= 400:
                raise DocumentHttpError(status, "GET", response.read(), response.headers)
            content_type = str(response.headers.get("content-type", ""))
            try:
                for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                    while inflate is not None and chunk:
                        target.write(inflate.decompress(chunk))
                        chunk = inflate.unused_data  # a further gzip member follows
                        if chunk:
                            inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                    if inflate is None:
                        target.write(chunk)
                if inflate is not None:
                    target.write(inflate.flush())
                    if not inflate.eof:
                        raise zlib.error("the compressed stream ends early")
            except zlib.error as exc:
                raise PermanentError(
                    f"the document is declared GZIP but does not decompress ({exc})",
                    record=record,
                    resolution="fetch it again later; report it if it stays broken",
                    source="amazon",
                    code="BadGzip",
                ) from None
        return content_type

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
