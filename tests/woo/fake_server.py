"""A local HTTP server that behaves like the documented WooCommerce REST API v3, with fault injection.

    with FakeWooServer() as woo:
        woo.store.add_product("Milk", sku="M1", regular_price="3.50", manage_stock=True, stock_quantity=10)
        woo.faults.fail(times=2, method="POST", path=r"orders")
        ...  # talk to woo.api_url with HTTP Basic auth (woo.key, woo.secret)

See README.md next to this file for what it follows from the WooCommerce docs and what it leaves out.
"""

from __future__ import annotations

import base64
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fake_api import FakeApi, Response
from fake_store import ApiError, Clock, WooStore

PREFIX = "/wp-json/wc/v3"
FAULT_KINDS = ("500", "429", "slow", "drop", "drop_after_commit", "malformed_json")  # failures that pass
REFUSE = "refuse"  # the shop refusing the request (a 4xx): queued only, never among the random kinds
RANDOM_KINDS = ("500", "429", "slow", "drop_after_commit", "malformed_json")
_PHP_NOTICE = (b"<br />\n<b>Deprecated</b>:  Creation of dynamic property WC_Fake::$x is deprecated in "
               b"<b>/var/www/html/wp-content/plugins/some-plugin/some-plugin.php</b> on line <b>42</b><br />\n")


@dataclass
class Fault:
    """One injected misbehaviour, for the next `times` requests matching method and path (a regex on the route)."""

    kind: str
    times: int = 1
    method: str | None = None
    path: str | None = None
    delay: float = 1.0          # slow: seconds before the answer (the request is still processed)
    retry_after: int = 1        # 429: the Retry-After header, in seconds
    style: str = "php_notice"   # malformed_json: "php_notice" (text before the JSON) or "truncated"
    status: int = 400           # refuse: the error answered, before anything is written
    code: str = "rest_invalid_param"
    message: str = "Invalid parameter(s)."

    def matches(self, method: str, route: str) -> bool:
        return ((self.method is None or self.method.upper() == method)
                and (self.path is None or re.fullmatch(self.path, route) is not None))


@dataclass
class RequestRecord:
    seq: int
    method: str
    route: str
    params: dict
    body: object
    status: int | None = None   # None when the connection was dropped
    fault: str | None = None
    started: float = field(default_factory=time.monotonic)


class FaultPlan:
    """Queued faults are used first, in the order added; then the seeded random mode, if on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._random: tuple[random.Random, float, Fault, tuple[str, ...]] | None = None
        self.log: list[tuple[int, str, str, str]] = []   # (request seq, method, route, fault kind)

    def add(self, kind: str, *, times: int = 1, method: str | None = None, path: str | None = None, **opts) -> Fault:
        if kind not in FAULT_KINDS + (REFUSE,):
            raise ValueError(f"unknown fault {kind!r}; choose from {FAULT_KINDS + (REFUSE,)}")
        fault = Fault(kind, times, method, path, **opts)
        with self._lock:
            self._queue.append(fault)
        return fault

    def fail(self, times=1, **match) -> Fault:
        """Answer 500 (WordPress's critical-error JSON) before anything is written."""
        return self.add("500", times=times, **match)

    def throttle(self, times=1, *, retry_after=1, **match) -> Fault:
        return self.add("429", times=times, retry_after=retry_after, **match)

    def slow(self, times=1, *, delay=1.0, **match) -> Fault:
        """Process the request (an order is committed), then wait `delay` seconds before answering."""
        return self.add("slow", times=times, delay=delay, **match)

    def drop(self, times=1, **match) -> Fault:
        """Close the connection before processing: nothing is written."""
        return self.add("drop", times=times, **match)

    def drop_after_commit(self, times=1, **match) -> Fault:
        """Process the request (an order is committed), then close the connection without an answer."""
        return self.add("drop_after_commit", times=times, **match)

    def malformed_json(self, times=1, *, style="php_notice", **match) -> Fault:
        """Process the request, then answer with its status but a body that is not valid JSON."""
        return self.add("malformed_json", times=times, style=style, **match)

    def refuse(self, times=1, *, status=400, code="rest_invalid_param", message="Invalid parameter(s).",
               **match) -> Fault:
        """Answer a WordPress error (a 4xx other than 429 is the shop refusing) before anything is written."""
        return self.add(REFUSE, times=times, status=status, code=code, message=message, **match)

    def random(self, rate: float, *, seed: int, kinds=RANDOM_KINDS, method=None, path=None,
               delay=1.0, retry_after=1) -> None:
        """Each matching request fails with probability `rate`, in a kind drawn from `kinds`; seeded."""
        with self._lock:
            self._random = (random.Random(seed), rate, Fault("random", 0, method, path, delay, retry_after),
                            tuple(kinds))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._random = None

    def pick(self, seq: int, method: str, route: str) -> Fault | None:
        with self._lock:
            chosen = None
            for fault in self._queue:
                if fault.times > 0 and fault.matches(method, route):
                    fault.times -= 1
                    chosen = fault
                    break
            self._queue = [f for f in self._queue if f.times > 0]
            if chosen is None and self._random and self._random[2].matches(method, route):
                rng, rate, template, kinds = self._random
                if rng.random() < rate:
                    kind = rng.choice(kinds)
                    chosen = Fault(kind, 0, delay=template.delay, retry_after=template.retry_after,
                                   style=rng.choice(("php_notice", "truncated")))
            if chosen is not None:
                self.log.append((seq, method, route, chosen.kind))
            return chosen


class FakeWooServer:
    """ThreadingHTTPServer on 127.0.0.1 (ephemeral port) serving WooStore through FakeApi."""

    def __init__(self, *, key: str = "ck_test_0123456789abcdef", secret: str = "cs_test_fedcba9876543210",
                 store: WooStore | None = None, utc_offset_hours: float = 8):
        self.key, self.secret = key, secret
        self.store = store or WooStore(utc_offset_hours=utc_offset_hours)
        self.faults = FaultPlan()
        self.requests: list[RequestRecord] = []
        self._seq_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.api_url = self.url + PREFIX
        self.api = FakeApi(self.store, self.url)
        self._thread: threading.Thread | None = None

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def start(self) -> "FakeWooServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-woo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()   # cuts short any slow-fault sleep
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- inspection ------------------------------------------------------------------------
    def orders(self) -> list[dict]:
        """Every order the server holds, as the API renders it, oldest first."""
        with self.store.lock:
            return [self.api.render_order(o) for o in sorted(self.store.orders.values(), key=lambda o: o["id"])]

    def orders_with_meta(self, key: str, value) -> list[dict]:
        return [o for o in self.orders() if any(m["key"] == key and m["value"] == value for m in o["meta_data"])]

    def product(self, product_id: int) -> dict:
        """A product or a variation as the API renders it now."""
        with self.store.lock:
            if product_id in self.store.variations:
                return self.api.render_variation(self.store.variations[product_id])
            return self.api.render_product(self.store.products[product_id])

    def refunds(self, order_id: int | None = None) -> list[dict]:
        with self.store.lock:
            chosen = [r for r in self.store.refunds.values() if order_id is None or r["order_id"] == order_id]
            return [{**self.api.render_refund(r), "order_id": r["order_id"]} for r in chosen]

    def requests_for(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        return [r for r in list(self.requests)
                if (method is None or r.method == method) and (path is None or re.fullmatch(path, r.route))]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that timed out or a dropped connection is part of the tests, not an error


def _handler_for(server: FakeWooServer):
    class Handler(_WooHandler):
        woo = server
    return Handler


class _WooHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the client's
    # delayed ACK (~40 ms per answer). Production web servers set TCP_NODELAY; so does this one.
    disable_nagle_algorithm = True
    woo: FakeWooServer

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        woo = self.woo
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route = url.path[len(PREFIX):].strip("/") if url.path.startswith(PREFIX) else None
        with woo._seq_lock:
            record = RequestRecord(len(woo.requests) + 1, method, route or url.path, params, None)
            woo.requests.append(record)
        fault = woo.faults.pick(record.seq, method, record.route)
        record.fault = fault.kind if fault else None
        if fault and fault.kind == "drop":
            return self._drop(record)
        if fault and fault.kind == "500":
            return self._send(record, _critical_error())
        if fault and fault.kind == REFUSE:
            return self._send(record, Response(fault.status, {"code": fault.code, "message": fault.message,
                                                              "data": {"status": fault.status}}))
        if fault and fault.kind == "429":
            return self._send(record, Response(429, {"code": "rest_too_many_requests", "message": "Too many requests.",
                                                     "data": {"status": 429}},
                                               {"Retry-After": str(fault.retry_after)}))
        response = self._answer(method, route, params, raw, record)
        if fault and fault.kind == "drop_after_commit":
            return self._drop(record)
        if fault and fault.kind == "slow":
            woo._stopping.wait(fault.delay)
        self._send(record, response, malformed=fault.style if fault and fault.kind == "malformed_json" else None)

    def _answer(self, method, route, params, raw, record) -> Response:
        try:
            if route is None:
                raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")
            self._authenticate(method, params)
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
            record.body = body
            return self.woo.api.handle(method, route, params, body)
        except ApiError as error:
            headers = {"WWW-Authenticate": 'Basic realm="WooCommerce REST API"'} if error.status == 401 else {}
            return Response(error.status, error.body(), headers)
        except Exception:  # noqa: BLE001 - a bad body the fake does not validate answers like a PHP fatal
            return _critical_error()

    def _authenticate(self, method: str, params: dict) -> None:
        key = secret = None
        header = self.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                key = secret = None
        elif "consumer_key" in params:
            key, secret = params["consumer_key"][-1], (params.get("consumer_secret") or [""])[-1]
        if key is None:
            action = {"GET": ("view", "list resources")}.get(method, ("create", "create resources"))
            raise ApiError(401, f"woocommerce_rest_cannot_{action[0]}", f"Sorry, you cannot {action[1]}.")
        if key != self.woo.key:
            raise ApiError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.woo.secret:
            raise ApiError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")

    def _send(self, record: RequestRecord, response: Response, *, malformed: str | None = None) -> None:
        payload = json.dumps(response.body, ensure_ascii=False).encode()
        if malformed == "truncated":
            payload = payload[: max(1, len(payload) // 2)]
        elif malformed:
            payload = _PHP_NOTICE + payload
        record.status = response.status
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True   # the client gave up (timeout) before the answer came

    def _drop(self, record: RequestRecord) -> None:
        record.status = None
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _critical_error() -> Response:
    return Response(500, {"code": "internal_server_error",
                          "message": "<p>There has been a critical error on this website.</p>",
                          "data": {"status": 500}, "additional_errors": []})
