"""The pre-signed document URLs (``/_documents/<id>``): PUT uploads a feed, GET downloads a document.

They stand in for Amazon's S3 URLs, so they need no access token, as S3's pre-signed URLs need none.
"""

from __future__ import annotations

from urllib.parse import unquote

from amazon_odoo.local.sandbox.core import ApiRequest, Reply
from amazon_odoo.local.sandbox.state import SandboxState

_S3_NOT_FOUND = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    "<Message>The specified key does not exist.</Message></Error>"
)


def serve(state: SandboxState, request: ApiRequest) -> Reply:
    document_id = unquote(request.path.removeprefix("/_documents/"))
    with state.lock:
        document = state.documents.get(document_id)
        if document is None:
            return Reply(404, _S3_NOT_FOUND, content_type="application/xml")
        if request.method == "PUT":
            document.content = request.raw_body
            document.content_type = request.headers.get("content-type", document.content_type)
            return Reply(200, b"", content_type="text/plain")
        if request.method in ("GET", "HEAD"):
            if document.content is None:
                return Reply(404, _S3_NOT_FOUND, content_type="application/xml")
            return Reply(200, document.content, content_type=document.content_type)
    return Reply(405, "<Error><Code>MethodNotAllowed</Code></Error>", content_type="application/xml")
