"""Login with Amazon: ``POST /auth/o2/token`` and the ``x-amz-access-token`` check of every call."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from amazon_odoo.local.sandbox.core import ApiError, ApiRequest, JsonObject, Reply, TokenGrant
from amazon_odoo.local.sandbox.routing import Grant
from amazon_odoo.local.sandbox.state import GRANTLESS_SCOPES, SandboxState

TOKEN_LIFETIME = 3600


@dataclass(frozen=True)
class _Issued:
    grant: TokenGrant
    issuer: int  # id() of the issuing state
    wall_expiry: float


# Tokens issued by every sandbox of this process. python-amazon-sp-api caches access tokens per refresh
# token at module level, so a client may present a token another sandbox issued; it is honoured when the
# application and the seller exist here and it is less than an hour old.
_ISSUED: dict[str, _Issued] = {}
_ISSUED_LOCK = threading.Lock()


def _lwa_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error_description": description, "error": error})


def _form(request: ApiRequest) -> dict[str, str]:
    text = request.raw_body.decode("utf-8", errors="replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def token(state: SandboxState, request: ApiRequest) -> Reply:
    """LWA's token endpoint: ``refresh_token`` (seller) and ``client_credentials`` (grantless) grants."""
    if request.method != "POST":
        return _lwa_error(400, "invalid_request", "The request must use POST.")
    form = _form(request)
    request.json_body = {
        k: ("***" if k in ("client_secret", "refresh_token") else v) for k, v in form.items()
    }
    grant_type = form.get("grant_type")
    if not grant_type:
        return _lwa_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
    if grant_type not in ("refresh_token", "client_credentials"):
        return _lwa_error(
            400, "unsupported_grant_type", f"The authorization grant type is not supported : {grant_type}"
        )
    for required in ("client_id", "client_secret"):
        if not form.get(required):
            return _lwa_error(
                400, "invalid_request", f"The request is missing a required parameter : {required}"
            )
    if form["client_id"] != state.client_id or form["client_secret"] != state.client_secret:
        return _lwa_error(401, "invalid_client", "Client authentication failed")
    expires_at = state.clock() + TOKEN_LIFETIME
    access_token = "Atza|" + secrets.token_urlsafe(48)
    if grant_type == "refresh_token":
        refresh_token = form.get("refresh_token", "")
        if not refresh_token:
            return _lwa_error(
                400, "invalid_request", "The request is missing a required parameter : refresh_token"
            )
        seller = state.seller_by_refresh_token(refresh_token)
        if seller is None:
            return _lwa_error(
                400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
            )
        grant = TokenGrant(access_token, state.client_id, expires_at, seller_id=seller.seller_id)
        body: JsonObject = {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
        }
    else:
        scope = form.get("scope", "")
        if not scope:
            return _lwa_error(400, "invalid_request", "The request is missing a required parameter : scope")
        if scope not in GRANTLESS_SCOPES:
            return _lwa_error(400, "invalid_scope", "An unknown scope was requested")
        grant = TokenGrant(access_token, state.client_id, expires_at, scope=scope)
        body = {
            "access_token": access_token,
            "scope": scope,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME,
        }
    with state.lock:
        state.tokens[access_token] = grant
    with _ISSUED_LOCK:
        _ISSUED[access_token] = _Issued(grant, id(state), time.time() + TOKEN_LIFETIME)
    return Reply(200, body)


def _foreign_grant(state: SandboxState, access_token: str) -> TokenGrant | None:
    with _ISSUED_LOCK:
        issued = _ISSUED.get(access_token)
    if issued is None or issued.issuer == id(state) or time.time() >= issued.wall_expiry:
        return None
    grant = issued.grant
    if grant.client_id != state.client_id or (
        grant.seller_id is not None and grant.seller_id not in state.sellers
    ):
        return None
    adopted = TokenGrant(
        access_token, grant.client_id, state.clock() + TOKEN_LIFETIME, grant.seller_id, grant.scope
    )
    with state.lock:
        state.tokens[access_token] = adopted
    return adopted


def authorize(state: SandboxState, request: ApiRequest, accepted: Grant) -> TokenGrant:
    """The live token of the call, or a 403 in Amazon's words."""
    access_token = request.headers.get("x-amz-access-token", "")
    if not access_token:
        raise ApiError(403, "Access to requested resource is denied.", details="", code="Unauthorized")
    with state.lock:
        grant = state.tokens.get(access_token)
    if grant is None:
        grant = _foreign_grant(state, access_token)
    if grant is None:
        raise ApiError(
            403,
            "Access to requested resource is denied.",
            details="The access token you provided is revoked, malformed or invalid.",
            code="Unauthorized",
        )
    if state.clock() >= grant.expires_at:
        raise ApiError(
            403,
            "Access to requested resource is denied.",
            details="The access token you provided has expired.",
            code="Unauthorized",
        )
    if grant.grantless and accepted is Grant.SELLER:
        raise ApiError(
            403,
            "Access to requested resource is denied.",
            details="This operation requires a selling partner authorization, not a grantless token.",
            code="Unauthorized",
        )
    if not grant.grantless and accepted is Grant.GRANTLESS:
        raise ApiError(
            403,
            "Access to requested resource is denied.",
            details="This is a grantless operation: use a client_credentials token "
            "(scope sellingpartnerapi::notifications).",
            code="Unauthorized",
        )
    return grant
