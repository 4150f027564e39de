"""python-amazon-sp-api clients, one per (seller, region, API), built lazily and pointed where settings say.

What this module changes about the library, and why (python-amazon-sp-api 2.1.x):

- **Credentials are passed explicitly.** Only ``FromCodeCredentialProvider`` is consulted, so the library
  never reads ``SP_API_*`` / ``LWA_*`` environment variables, ``credentials.yml`` or AWS Secrets Manager.
- **Every call goes where the settings say.** ``SP_API_ENDPOINT`` replaces the client's ``endpoint``
  (set after the library's constructor, which would otherwise follow ``AWS_ENV`` /
  ``SP_API_DEFAULT_MARKETPLACE``); ``LWA_ENDPOINT`` is the full token URL used by :class:`LwaTokenClient`,
  a subclass of the library's ``AccessTokenClient`` whose scheme/host/path come from that URL. Nothing is
  patched globally: two gateways may point at two different servers in one process.
- **Access tokens are cached per (token URL, client id, refresh token)**, not in the library's module-wide
  cache keyed by the refresh token alone, so a token minted by one server is never sent to another.
- **HTTP errors are raised whatever their body.** The library turns an error response without a JSON
  ``errors`` list into an empty, successful-looking ``ApiResponse``; :class:`SpApiHttpError` carries the
  status, Amazon's errors (possibly none) and the headers instead. Successful responses are
  :class:`SpApiResponse`, which also keeps the JSON body untouched (``ApiResponse`` moves keys such as
  ``pagination`` out of its payload).
- **The Host header is the endpoint's host.** The library cuts ``https://`` off by position, which garbles
  ``http://`` endpoints such as the local sandbox.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from sp_api.auth import AccessTokenClient, AccessTokenResponse
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import ApiResponse, Client, Marketplaces
from sp_api.base._transport_httpx import HttpxTransport
from sp_api.base.credential_provider import FromCodeCredentialProvider

from amazon_odoo.settings import Settings

# The production SP-API endpoint of each selling region, and Login with Amazon's token URL.
REGION_ENDPOINTS: dict[str, str] = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
# The library wants a marketplace per client; any marketplace of the region will do (we always pass
# marketplace ids explicitly where an operation needs them).
REGION_MARKETPLACES: dict[str, str] = {"NA": "US", "EU": "DE", "FE": "JP"}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105  # a URL, not a secret

# Seconds an HTTP call may take (connect, read, write, pool) before it counts as a timeout (retryable).
HTTP_TIMEOUT_SECONDS = 30.0
# An access token is renewed this long before Amazon says it expires.
TOKEN_EXPIRY_MARGIN_SECONDS = 120.0


@dataclass(frozen=True)
class SellerCredentials:
    """A seller's resolved LWA credentials (the values, not the ``secret:`` references)."""

    lwa_client_id: str
    lwa_client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def library_credentials(self) -> dict[str, str]:
        """The dict ``FromCodeCredentialProvider`` expects."""
        return {
            "lwa_app_id": self.lwa_client_id,
            "lwa_client_secret": self.lwa_client_secret,
            "refresh_token": self.refresh_token,
        }


def sp_api_endpoint(region: str, settings: Settings) -> str:
    """Where SP-API calls of ``region`` go: ``SP_API_ENDPOINT`` when set, else Amazon's regional host."""
    if settings.sp_api_endpoint:
        return settings.sp_api_endpoint
    try:
        return REGION_ENDPOINTS[region]
    except KeyError:
        raise ValueError(
            f"unknown selling region {region!r}; expected one of {sorted(REGION_ENDPOINTS)}"
        ) from None


def lwa_token_url(settings: Settings) -> str:
    """Where LWA token requests go: ``LWA_ENDPOINT`` (the full token URL) when set, else Amazon's."""
    return settings.lwa_endpoint or LWA_TOKEN_URL


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, for the Host header."""
    return urlsplit(url).netloc


class SpApiHttpError(Exception):
    """An SP-API answer with status >= 400, whatever its body. ``errors`` is Amazon's list (may be empty)."""

    def __init__(self, status: int, errors: list[dict[str, Any]], headers: Mapping[str, str]) -> None:
        first = errors[0] if errors else {}
        self.status = status
        self.errors = errors
        self.headers = dict(headers)
        self.code = str(first.get("code") or "")
        self.message = str(first.get("message") or "")
        self.details = str(first.get("details") or "")
        super().__init__(f"HTTP {status} {self.code}: {self.message}".rstrip(": "))


class SpApiResponse(ApiResponse):  # type: ignore[misc]  # the library is untyped
    """The library's response plus the status code and the JSON body exactly as Amazon sent it."""

    def __init__(self, status_code: int, body: Any, headers: Mapping[str, str]) -> None:
        fields = dict(body) if isinstance(body, dict) else {"payload": body}
        super().__init__(**fields, headers=headers)
        self.status_code = status_code
        self.body = body


def _json_or_none(res: Any) -> Any:
    try:
        return res.json()
    except ValueError:  # JSONDecodeError and friends: an empty or non-JSON body
        return None


# -- Login with Amazon ---------------------------------------------------------------------------------


@dataclass
class _CachedToken:
    payload: dict[str, Any]
    expires_at: float


class TokenCache:
    """Access tokens per (token URL, client id, refresh token or grantless scope); thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, _CachedToken] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(token_url: str, client_id: str, subject: str) -> str:
        digest = hashlib.sha256(f"{token_url}\n{client_id}\n{subject}".encode()).hexdigest()
        return f"lwa:{digest}"

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            cached = self._tokens.get(key)
            if cached is None or cached.expires_at <= self._clock():
                self._tokens.pop(key, None)
                return None
            return cached.payload

    def put(self, key: str, payload: dict[str, Any]) -> None:
        try:
            lifetime = float(payload.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        with self._lock:
            self._tokens[key] = _CachedToken(
                payload, self._clock() + max(0.0, lifetime - TOKEN_EXPIRY_MARGIN_SECONDS)
            )

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


_token_cache: TokenCache | None = None
_token_cache_lock = threading.Lock()


def default_token_cache() -> TokenCache:
    """The process's token cache (created on first use): warm Lambda invocations reuse their tokens."""
    global _token_cache
    with _token_cache_lock:
        if _token_cache is None:
            _token_cache = TokenCache()
        return _token_cache


class LwaTokenClient(AccessTokenClient):  # type: ignore[misc]  # the library is untyped
    """The library's LWA client, sending its token requests to ``token_url`` and caching in ``cache``."""

    _transport: Any  # the library's HttpxTransport

    def __init__(
        self,
        refresh_token: str | None = None,
        credentials: Any = None,
        proxies: Any = None,
        verify: bool = True,
        *,
        token_url: str,
        cache: TokenCache,
        timeout: float = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(refresh_token=refresh_token, credentials=credentials, proxies=proxies, verify=verify)
        parts = urlsplit(token_url)
        # AccessTokenClient builds its URL as scheme + host + path: set all three on the instance.
        self.scheme = f"{parts.scheme}://"
        self.host = parts.netloc
        self.path = parts.path or "/"
        self.token_url = token_url
        self._cache = cache
        # the library's constructor gives its transport no timeout: replace it with one that has
        self._transport.close()
        self._transport = HttpxTransport(timeout=timeout, proxies=proxies, verify=verify)

    def _request(self, url: str, data: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = self._transport.request("POST", url, data=data, headers=headers)
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            details = body if isinstance(body, dict) else {}
            code = str(details.get("error") or ("invalid_response" if response.status_code == 200 else ""))
            raise AuthorizationError(code, str(details.get("error_description") or ""), response.status_code)
        return body

    def _token(self, subject: str, data: dict[str, Any]) -> AccessTokenResponse:
        key = self._cache.key(self.token_url, str(self.cred.client_id), subject)
        payload = self._cache.get(key)
        if payload is None:
            payload = self._request(self.token_url, data, self.headers)
            self._cache.put(key, payload)
        return AccessTokenResponse(**payload)

    def get_auth(self) -> AccessTokenResponse:
        return self._token(f"refresh:{self.cred.refresh_token}", self.data)

    def close(self) -> None:
        self._transport.close()

    def get_grantless_auth(self, scope: str = "sellingpartnerapi::notifications") -> AccessTokenResponse:
        return self._token(f"grantless:{scope}", self.grantless_data(scope))


# -- SP-API clients ------------------------------------------------------------------------------------


class _RedirectedClient(Client):  # type: ignore[misc]  # the library is untyped
    """Mixed in before a library API class: fixes the endpoint, the Host header and error detection."""

    def _finish_setup(self, endpoint: str, marketplace_id: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.marketplace_id = marketplace_id

    def _headers_with(self, access_token: str) -> dict[str, str]:
        return {
            "host": host_of(self.endpoint),
            "user-agent": self.user_agent,
            "x-amz-access-token": access_token,
            "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
            "content-type": "application/json",
        }

    @property
    def headers(self) -> dict[str, str]:
        return self._headers_with(self.restricted_data_token or self.auth.access_token)

    def _request_grantless_operation(
        self, path: str, *, data: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Any:
        headers = self._headers_with(self.grantless_auth.access_token)
        return self._request(path, data=data, params=params, headers=headers)

    def _check_response(
        self, res: Any, res_no_data: bool = False, bulk: bool = False, wrap_list: bool = False
    ) -> Any:
        status = int(res.status_code)
        body = _json_or_none(res)
        if status >= 400:
            errors = body.get("errors") if isinstance(body, dict) else None
            raise SpApiHttpError(status, [e for e in errors or [] if isinstance(e, dict)], dict(res.headers))
        if isinstance(body, dict) and body.get("errors"):
            # a 2xx carrying errors: let the library raise its exception for it
            return super()._check_response(res, res_no_data, bulk, wrap_list)
        if body is None:
            body = {"status_code": status} if (self.method == "DELETE" or res_no_data) else {}
        return SpApiResponse(status, body, res.headers)  # httpx's headers: case-insensitive


ClientT = TypeVar("ClientT", bound=Client)

_redirected_classes: dict[type[Any], type[Any]] = {}
_redirected_lock = threading.Lock()


def redirected(api: type[ClientT]) -> type[ClientT]:
    """The subclass of a library API class (``Sellers``, ``OrdersV20260101``, ``Feeds`` …) built here."""
    with _redirected_lock:
        cls = _redirected_classes.get(api)
        if cls is None:
            cls = type(f"Redirected{api.__name__}", (_RedirectedClient, api), {"__module__": __name__})
            _redirected_classes[api] = cls
        return cast(type[ClientT], cls)


class ClientFactory:
    """Builds and keeps one library client per (seller, region, API class); thread-safe, lazy."""

    def __init__(
        self,
        settings: Settings,
        *,
        token_cache: TokenCache | None = None,
        timeout: float = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        self._settings = settings
        self._token_cache = token_cache
        self._timeout = timeout
        self._clients: dict[tuple[str, str, type[Any]], Any] = {}
        self._lock = threading.Lock()

    def client(
        self, api: type[ClientT], seller_id: str, region: str, credentials: SellerCredentials
    ) -> ClientT:
        key = (seller_id, str(region), api)
        with self._lock:
            existing = self._clients.get(key)
            if existing is None:
                existing = self._build(api, str(region), credentials)
                self._clients[key] = existing
            return cast(ClientT, existing)

    def _build(self, api: type[ClientT], region: str, credentials: SellerCredentials) -> ClientT:
        endpoint = sp_api_endpoint(region, self._settings)
        marketplace = Marketplaces[REGION_MARKETPLACES[region]]
        token_client = partial(
            LwaTokenClient,
            token_url=lwa_token_url(self._settings),
            cache=self._token_cache or default_token_cache(),
            timeout=self._timeout,
        )
        client = redirected(api)(
            marketplace,
            refresh_token=credentials.refresh_token,
            credentials=credentials.library_credentials(),
            credential_providers=(FromCodeCredentialProvider,),
            auth_token_client_class=token_client,
            timeout=self._timeout,
        )
        client._finish_setup(endpoint, marketplace.marketplace_id)
        return cast(ClientT, client)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
            client._auth.close()
