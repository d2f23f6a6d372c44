"""The WooCommerce REST API v3 (`/wp-json/wc/v3/`) as the sync sees it: requests with the store's
consumer key and secret, the documented paging (`page`, `per_page` up to 100, `X-WP-TotalPages`), and
every failure sorted by what the sync must do about it:

- Transient: try again later (the server is down or busy, 5xx on a read, 429 with its Retry-After, the
  connection could not be made, a read timed out). Nothing was changed on the shop.
- Unknown: a write whose outcome is not known (the request was sent, then a timeout, a dropped
  connection, a 5xx or an unreadable answer). The shop may have applied it: look before sending again.
- Rejected: the shop refused the request (4xx other than 429) and will refuse it again; a person must
  look. AuthFailed is the shop refusing the key and secret.

No retry policy lives here; the sync worker decides when to try again."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from posapp.domain.errors import PosError

log = logging.getLogger(__name__)
API = "/wp-json/wc/v3/"
PER_PAGE = 100  # the documented maximum
MAX_RETRY_AFTER = 3600.0


class SyncError(PosError):
    """Something between the till and the online shop went wrong."""


class Transient(SyncError):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unknown(SyncError):
    """A write was sent and its outcome is not known. status and code: the shop's 5xx answer, when one came
    (WooCommerce answers some refusals as 500, e.g. woocommerce_rest_cannot_create_order_refund)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status, self.code = status, code


class Rejected(SyncError):
    def __init__(self, message: str, *, status: int, code: str = ""):
        super().__init__(message)
        self.status, self.code = status, code


class AuthFailed(Rejected):
    """The shop refused the consumer key and secret."""


@dataclass(frozen=True)
class Page:
    number: int
    total_pages: int
    total: int
    items: list


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (its date form is rare from WordPress; treated as absent)."""
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:
        return None


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """(code, message) of a WordPress error body, or empty strings when it is not one."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return "", ""
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return "", ""
    return data["code"], re.sub(r"<[^>]+>", "", str(data.get("message") or "")).strip()


class WooClient:
    """One shop. `transport` is for tests that need httpx's MockTransport; the tests here use a real
    local server instead."""

    def __init__(self, config, *, transport=None):
        self.base = config.url.rstrip("/") + API
        timeout = httpx.Timeout(config.timeout_seconds, connect=min(10.0, config.timeout_seconds))
        self.http = httpx.Client(base_url=self.base, auth=(config.key, config.secret), timeout=timeout,
                                 headers={"Accept": "application/json", "User-Agent": "posapp-sync"},
                                 transport=transport, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "WooClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- requests -----------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None):
        writes = method != "GET"
        what = f"{method} {path}"
        try:
            response = self.http.request(method, path.lstrip("/"), params=params, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Transient(f"{what}: the shop cannot be reached ({type(exc).__name__})") from None
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if writes:
                raise Unknown(f"{what}: sent, but no answer came back ({type(exc).__name__})") from None
            raise Transient(f"{what}: no answer ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise (Unknown if writes else Transient)(f"{what}: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status == 429:
            raise Transient(f"{what}: the shop asks to slow down (429)",
                            retry_after=_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            message = f"{what}: the shop failed ({status})"
            if not writes:
                raise Transient(message)
            code, detail = _error_of(response)
            raise Unknown(f"{message}: {code}: {detail}" if code else message, status=status, code=code)
        if 300 <= status < 400:
            raise Rejected(f"{what}: the shop redirects ({status}) to {response.headers.get('Location')}; "
                           "check sync.url", status=status)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            data = None
            if status < 400:
                message = f"{what}: the shop's answer is not JSON ({status}, {response.text[:80]!r})"
                raise Unknown(message) if writes else Transient(message)
        if status >= 400:
            code = data.get("code", "") if isinstance(data, dict) else ""
            detail = data.get("message", "") if isinstance(data, dict) else response.text[:200]
            kind = AuthFailed if status == 401 else Rejected
            raise kind(f"{what}: refused ({status} {code}): {detail}".rstrip(": "), status=status, code=code)
        return data, response.headers

    def get(self, path: str, params: dict | None = None):
        return self._send("GET", path, params=params)[0]

    def post(self, path: str, body: dict):
        return self._send("POST", path, body=body)[0]

    def put(self, path: str, body: dict):
        return self._send("PUT", path, body=body)[0]

    def page(self, path: str, params: dict | None = None, *, number: int = 1, per_page: int = PER_PAGE) -> Page:
        """One page of a list, with the documented totals from its headers."""
        query = dict(params or {}, page=number, per_page=per_page)
        data, headers = self._send("GET", path, params=query)
        if not isinstance(data, list):
            raise Transient(f"GET {path}: expected a list, got {type(data).__name__}")
        try:
            pages = int(headers.get("X-WP-TotalPages", "1"))
            total = int(headers.get("X-WP-Total", str(len(data))))
        except ValueError:
            raise Transient(f"GET {path}: unreadable paging headers") from None
        return Page(number=number, total_pages=max(pages, 1 if data else 0), total=total, items=data)

    def pages(self, path: str, params: dict | None = None, *, start: int = 1,
              per_page: int = PER_PAGE) -> Iterator[Page]:
        """Every page from `start` on, following X-WP-TotalPages as it is at each page."""
        number = start
        while True:
            page = self.page(path, params, number=number, per_page=per_page)
            yield page
            if not page.items or number >= page.total_pages:
                return
            number += 1


def meta_value(record: dict, key: str):
    """The value of a WooCommerce record's meta_data entry `key`; None when it has none."""
    for item in record.get("meta_data") or []:
        if isinstance(item, dict) and item.get("key") == key:
            return item.get("value")
    return None
