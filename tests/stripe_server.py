"""A local stand-in for api.stripe.com: Stripe's own sample objects, filled from the request.

The tests point the official `stripe` library at it. It keeps what it created, replays a
request with a seen idempotency key (like Stripe; the same key with other parameters is an
idempotency error), declines the cards it is told to, and injects network faults per path
prefix: `drop_next` does the work and never answers (the reply lost), `refuse_next` closes the
connection before doing anything (Stripe never asked), `delay` waits before doing the work (a
slow Stripe), and `offline` refuses everything until it is switched back.
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

from studiosync_desktop.schemas.billing import Payer
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.schemas.stripe import SavedCard
from studiosync_desktop.services.stripe_payments import StripePayments

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
    """State of the fake account; the tests steer it (decline, faults, complete, expire)."""

    def __init__(self) -> None:
        self.resources: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
        self.objects: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.declined_methods: set[str] = set()
        self.drop_next: dict[str, int] = {}  # path prefix -> replies to lose after the work
        self.refuse_next: dict[str, int] = {}  # path prefix -> requests refused before work
        self.delay: dict[str, float] = {}  # path prefix -> seconds to wait before the work
        self.offline = False  # every request refused, as when the internet is down
        self.requests: list[tuple[str, str, str | None]] = []
        self.charges: list[dict[str, Any]] = []  # payment intents that took money
        self.refunds: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.base = ""

    # --- steering -----------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def complete_checkout(
        self, session_id: str, paid: bool = True, card: tuple[str, str] = ("visa", "4242")
    ) -> None:
        """The person finished the checkout on their phone: paid (or not), or a `card`
        (brand, last four) saved."""
        s = self.objects[session_id]
        s["status"] = "complete"
        if s["mode"] == "payment":
            s["payment_status"] = "paid" if paid else "unpaid"
            pi = copy.deepcopy(self.resources["payment_intent"])
            amount = int(s["amount_total"])
            pi.update(
                id=self.new_id("pi"),
                amount=amount,
                amount_received=amount if paid else 0,
                currency=s["currency"],
                status="succeeded" if paid else "processing",
                last_payment_error=None,
                next_action=None,
                metadata={},
            )
            self.objects[pi["id"]] = pi
            if paid:
                self.charges.append(pi)
            s["payment_intent"] = pi["id"]
        else:
            s["payment_status"] = "no_payment_required"
            pm = self._payment_method(brand=card[0], last4=card[1])
            si = copy.deepcopy(self.resources["setup_intent"])
            si.update(id=self.new_id("seti"), status="succeeded", payment_method=pm["id"])
            si["customer"] = s.get("customer")
            self.objects[si["id"]] = si
            s["setup_intent"] = si["id"]

    def expire_checkout(self, session_id: str) -> None:
        self.objects[session_id]["status"] = "expired"

    def posts(self, prefix: str) -> list[str | None]:
        """The idempotency keys of the POSTs to paths starting with `prefix`, in order."""
        return [k for m, p, k in self.requests if m == "POST" and p.startswith(prefix)]

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
        route = "/".join(parts)
        if method == "GET" and route == "refunds":
            return 200, self._list(
                [r for r in self.refunds if r["payment_intent"] == form.get("payment_intent")]
            )
        if method == "GET" and len(parts) >= 2:
            obj = self.objects.get(parts[-1])
            if obj is None:
                return _missing(parts[-1])
            return 200, obj
        if route == "checkout/sessions":
            return 200, self._session(form)
        if len(parts) == 4 and parts[:2] == ["checkout", "sessions"] and parts[3] == "expire":
            return self._expire(parts[2])
        if route == "customers":
            c = copy.deepcopy(self.resources["customer"])
            c.update(
                id=self.new_id("cus"), name=form.get("name"), metadata=form.get("metadata", {})
            )
            self.objects[c["id"]] = c
            return 200, c
        if route == "payment_intents":
            return self._payment_intent(form)
        if len(parts) == 3 and parts[0] == "payment_intents":
            return self._intent_action(parts[1], parts[2], form)
        if route == "refunds":
            return self._refund(form)
        return 404, _error("invalid_request_error", "unknown_route", f"Unknown route {path}")

    def _list(self, data: list[dict[str, Any]]) -> dict[str, Any]:
        return {"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"}

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

    def _expire(self, session_id: str) -> tuple[int, dict[str, Any]]:
        s = self.objects.get(session_id)
        if s is None:
            return _missing(session_id)
        if s["status"] != "open":
            return 400, _error(
                "invalid_request_error",
                "checkout_session_unexpected_state",
                f"This Checkout Session is {s['status']} and cannot be expired.",
            )
        s["status"] = "expired"
        return 200, s

    def _payment_intent(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        pi = copy.deepcopy(self.resources["payment_intent"])
        pi.update(
            id=self.new_id("pi"),
            amount=int(form["amount"]),
            amount_received=0,
            currency=form["currency"],
            customer=form.get("customer"),
            payment_method=form.get("payment_method"),
            status="requires_confirmation",
            last_payment_error=None,
            next_action=None,
            metadata=form.get("metadata", {}),
            description=form.get("description"),
        )
        self.objects[pi["id"]] = pi
        if form.get("confirm") == "true":
            return self._confirm(pi, form)
        return 200, pi

    def _intent_action(
        self, intent_id: str, action: str, form: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        pi = self.objects.get(intent_id)
        if pi is None:
            return _missing(intent_id)
        if pi["status"] not in ("requires_confirmation", "requires_payment_method"):
            return 400, _error(
                "invalid_request_error",
                "payment_intent_unexpected_state",
                f"This PaymentIntent's status is {pi['status']}.",
            )
        if action == "cancel":
            pi.update(status="canceled", canceled_at=int(time.time()))
            return 200, pi
        if action == "confirm":
            return self._confirm(pi, form)
        return 404, _error("invalid_request_error", "unknown_route", f"Unknown action {action}")

    def _confirm(self, pi: dict[str, Any], form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        pm = form.get("payment_method") or pi.get("payment_method") or ""
        if pm in self.declined_methods:
            pi.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card has insufficient funds.",
                },
            )
            err = _error("card_error", "card_declined", "Your card has insufficient funds.")
            err["error"]["decline_code"] = "insufficient_funds"
            err["error"]["payment_intent"] = pi
            return 402, err
        pi.update(status="succeeded", amount_received=pi["amount"], payment_method=pm)
        self.charges.append(pi)
        return 200, pi

    def _refund(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        pi = self.objects.get(form.get("payment_intent", ""))
        if pi is None or pi.get("status") != "succeeded":
            return _missing(str(form.get("payment_intent")))
        amount = int(form.get("amount") or pi["amount_received"])
        done = sum(r["amount"] for r in self.refunds if r["payment_intent"] == pi["id"])
        if done + amount > pi["amount_received"]:
            return 400, _error(
                "invalid_request_error",
                "charge_already_refunded" if done >= pi["amount_received"] else "amount_too_large",
                "Refund amount is greater than unrefunded amount on charge.",
            )
        r = copy.deepcopy(self.resources["refund"])
        r.update(
            id=self.new_id("re"),
            amount=amount,
            payment_intent=pi["id"],
            status="succeeded",
            metadata=form.get("metadata", {}),
        )
        self.objects[r["id"]] = r
        self.refunds.append(r)
        return 200, r

    # --- serving ------------------------------------------------------------------------

    def _fault(self, faults: dict[str, int], path: str) -> bool:
        hit = next((p for p, n in faults.items() if n > 0 and path.startswith(p)), None)
        if hit is not None:
            faults[hit] -= 1
        return hit is not None

    def serve(self, method: str, path: str, key: str | None, body: str) -> tuple[int, Any] | None:
        """The answer to one request, or None when the connection is to be cut."""
        form = _nest(parse_qsl(body, keep_blank_values=True))
        with self.lock:
            self.requests.append((method, path, key))
            if self.offline or self._fault(self.refuse_next, path):
                return None  # never reached Stripe: nothing done
        wait = next((s for p, s in self.delay.items() if path.startswith(p)), 0.0)
        if wait:
            time.sleep(wait)
        with self.lock:
            if key and method == "POST" and key in self.idempotent:
                seen_body, status, payload = self.idempotent[key]
                if seen_body != body:
                    status, payload = (
                        400,
                        _error(
                            "idempotency_error",
                            "idempotency_key_in_use",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        ),
                    )
            else:
                status, payload = self.handle(method, path, form)
                if key and method == "POST":
                    self.idempotent[key] = (body, status, copy.deepcopy(payload))
            if self._fault(self.drop_next, path):
                return None  # the work is done, the answer never arrives
            return status, payload

    def start(self, port: int = 0) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                key = self.headers.get("Idempotency-Key")
                answer = fake.serve(method, path, key, body or query)
                if answer is None:
                    self.close_connection = True
                    self.connection.close()
                    return
                status, payload = answer
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

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address[:2]
        self.base = f"http://{host}:{port}"
        return self.base

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _error(kind: str, code: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": message}}


def _missing(object_id: str) -> tuple[int, dict[str, Any]]:
    return 404, _error("invalid_request_error", "resource_missing", f"No such object: {object_id}")


def save_card(
    sp: StripePayments,
    fake: FakeStripe,
    actor: Actor,
    payer: Payer,
    card: tuple[str, str] = ("visa", "4242"),
) -> SavedCard:
    """A card saved for `payer` as the desk saves one: a setup by QR code, finished on the
    person's phone (a Visa ending 4242 unless `card` says another brand and last four)."""
    setup = sp.create_card_setup(actor, payer)
    fake.complete_checkout(setup.session_id, card=card)
    saved = sp.finish_card_setup(actor, payer, setup.session_id)
    assert saved is not None
    return saved
