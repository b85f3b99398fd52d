"""A local stand-in for api.stripe.com: Stripe's own sample objects, filled from the request.

The tests point the official `stripe` library at it. It keeps what it created, replays a
request with a seen idempotency key (like Stripe), declines the cards it is told to, and can
drop the connection after doing the work (a network failure mid-charge).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "stripe" / "fixtures3.json"
if not FIXTURES.exists():  # the tree may sit elsewhere; /work/shared is the usual home
    FIXTURES = Path("/work/shared/stripe/fixtures3.json")


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node: Any = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append({} if not last else None)
                if last:
                    node[idx] = value
                else:
                    if not isinstance(node[idx], dict | list) or (
                        nxt_is_index and not isinstance(node[idx], list)
                    ):
                        node[idx] = [] if nxt_is_index else {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return out


class FakeStripe:
    """State of the fake account; the tests steer it (decline, drop, complete, expire)."""

    def __init__(self) -> None:
        self.resources: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.declined_methods: set[str] = set()
        self.drop_next: dict[str, int] = {}  # path prefix -> connections to drop after work
        self.requests: list[tuple[str, str, str | None]] = []
        self.charges: list[dict[str, Any]] = []  # payment intents that took money
        self.refunds: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- steering -----------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def complete_checkout(self, session_id: str, paid: bool = True) -> None:
        s = self.objects[session_id]
        s["status"] = "complete"
        if s["mode"] == "payment":
            s["payment_status"] = "paid" if paid else "unpaid"
            s["payment_intent"] = self.new_id("pi")
        else:
            s["payment_status"] = "no_payment_required"
            pm = self._payment_method(brand="visa", last4="4242")
            si = copy.deepcopy(self.resources["setup_intent"])
            si.update(id=self.new_id("seti"), status="succeeded", payment_method=pm["id"])
            si["customer"] = s.get("customer")
            self.objects[si["id"]] = si
            s["setup_intent"] = si["id"]

    def expire_checkout(self, session_id: str) -> None:
        self.objects[session_id]["status"] = "expired"

    def _payment_method(self, brand: str, last4: str) -> dict[str, Any]:
        pm = copy.deepcopy(self.resources["payment_method"])
        pm["id"] = self.new_id("pm")
        pm["card"]["brand"] = brand
        pm["card"]["last4"] = last4
        self.objects[pm["id"]] = pm
        return pm

    # --- the API ------------------------------------------------------------------------

    def handle(self, method: str, path: str, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")[1:]  # drop 'v1'
        if method == "GET" and len(parts) >= 2:
            obj = self.objects.get(parts[-1])
            if obj is None:
                return 404, _error("invalid_request_error", "resource_missing", "No such object")
            return 200, obj
        route = "/".join(parts)
        if route == "checkout/sessions":
            return 200, self._session(form)
        if route == "customers":
            c = copy.deepcopy(self.resources["customer"])
            c.update(
                id=self.new_id("cus"), name=form.get("name"), metadata=form.get("metadata", {})
            )
            self.objects[c["id"]] = c
            return 200, c
        if route == "payment_intents":
            return self._payment_intent(form)
        if route == "refunds":
            r = copy.deepcopy(self.resources["refund"])
            r.update(
                id=self.new_id("re"),
                amount=int(form["amount"]),
                payment_intent=form.get("payment_intent"),
                status="succeeded",
            )
            self.objects[r["id"]] = r
            self.refunds.append(r)
            return 200, r
        return 404, _error("invalid_request_error", "unknown_route", f"Unknown route {path}")

    def _session(self, form: dict[str, Any]) -> dict[str, Any]:
        s = copy.deepcopy(self.resources["checkout.session"])
        sid = self.new_id("cs")
        amount = None
        currency = form.get("currency")
        for item in form.get("line_items", []):
            price = item["price_data"]
            amount = (amount or 0) + int(price["unit_amount"]) * int(item.get("quantity", 1))
            currency = price["currency"]
        s.update(
            id=sid,
            object="checkout.session",
            mode=form["mode"],
            status="open",
            payment_status="unpaid",
            amount_total=amount,
            amount_subtotal=amount,
            currency=currency,
            customer=form.get("customer"),
            client_reference_id=form.get("client_reference_id"),
            metadata=form.get("metadata", {}),
            payment_intent=None,
            setup_intent=None,
            url=f"https://checkout.stripe.test/c/pay/{sid}",
            expires_at=int(time.time()) + 24 * 3600,
        )
        self.objects[sid] = s
        return s

    def _payment_intent(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        pm = form.get("payment_method", "")
        if pm in self.declined_methods:
            err = _error("card_error", "card_declined", "Your card has insufficient funds.")
            err["error"]["decline_code"] = "insufficient_funds"
            return 402, err
        pi = copy.deepcopy(self.resources["payment_intent"])
        amount = int(form["amount"])
        pi.update(
            id=self.new_id("pi"),
            amount=amount,
            amount_received=amount,
            currency=form["currency"],
            customer=form.get("customer"),
            payment_method=pm,
            status="succeeded",
            last_payment_error=None,
            next_action=None,
            metadata=form.get("metadata", {}),
        )
        self.objects[pi["id"]] = pi
        self.charges.append(pi)
        return 200, pi

    # --- serving ------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = self.path.partition("?")[2]
                form = _nest(parse_qsl(body or query, keep_blank_values=True))
                path = self.path.partition("?")[0]
                key = self.headers.get("Idempotency-Key")
                with fake.lock:
                    fake.requests.append((method, path, key))
                    if key and key in fake.idempotent:
                        status, payload = fake.idempotent[key]
                    else:
                        status, payload = fake.handle(method, path, form)
                        if key and method == "POST":
                            fake.idempotent[key] = (status, payload)
                    drop = next(
                        (p for p, n in fake.drop_next.items() if n > 0 and path.startswith(p)),
                        None,
                    )
                    if drop is not None:
                        fake.drop_next[drop] -= 1
                if drop is not None:
                    # The work is done, the answer never arrives: a network failure mid-call.
                    self.close_connection = True
                    self.connection.close()
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{len(fake.requests)}")
                if key:
                    self.send_header("Idempotency-Key", key)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _error(kind: str, code: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": message}}
