"""A local stand-in for the YooKassa API, for the real SDK to talk to.

It keeps payments and refunds in memory, honours the Idempotence-Key the
way the real API does (the same key returns the same object), records
every call, and can be told to fail: answer HTTP 500 (after creating the
object, the worst case) or hang longer than the client's timeout.

Payment methods (issue 17): ``payment_method_data.type = "sbp"`` answers
with a redirect like a card; ``save_payment_method`` makes the card saved
once the payment succeeds; a ``payment_method_id`` without a confirmation
(autopay) is charged at once — succeeded, or canceled when the id is in
``declined_methods``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CARD = {"first6": "555555", "last4": "4477", "expiry_month": "12", "expiry_year": "2030", "card_type": "MasterCard"}


class YooKassaStub:
    def __init__(self, shop_id="123456", secret="test_secret"):
        self.shop_id, self.secret = shop_id, secret
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.calls: list[dict] = []
        self.fail_next_500 = 0
        self.hang_next = 0
        self.hang_seconds = 3.0
        self.captured_at = "2026-03-20T10:05:00.000Z"
        self.declined_methods: set[str] = set()
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status, body):
                body = {k: v for k, v in body.items() if not k.startswith("_")}  # the stub's own notes
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self):
                expected = "Basic " + base64.b64encode(f"{stub.shop_id}:{stub.secret}".encode()).decode()
                return self.headers.get("Authorization") == expected

            def do_GET(self):
                stub.calls.append({"method": "GET", "path": self.path})
                if not self._authorised():
                    return self._send(401, {"type": "error", "code": "invalid_credentials"})
                parts = self.path.strip("/").split("/")
                if len(parts) == 3 and parts[1] == "payments" and parts[2] in stub.payments:
                    return self._send(200, stub.payments[parts[2]])
                if len(parts) == 3 and parts[1] == "refunds" and parts[2] in stub.refunds:
                    return self._send(200, stub.refunds[parts[2]])
                return self._send(404, {"type": "error", "code": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotence-Key", "")
                stub.calls.append({"method": "POST", "path": self.path, "key": key, "body": body})
                if not self._authorised():
                    return self._send(401, {"type": "error", "code": "invalid_credentials"})
                with stub.lock:
                    hang = stub.hang_next > 0
                    stub.hang_next -= int(hang)
                if hang:
                    time.sleep(stub.hang_seconds)
                path = self.path.rstrip("/")
                with stub.lock:
                    if path.endswith("/payments"):
                        obj = stub._create_payment(key, body)
                    elif path.endswith("/refunds"):
                        obj = stub._create_refund(key, body)
                        if obj is None:
                            return self._send(400, {"type": "error", "code": "invalid_request"})
                    else:
                        return self._send(404, {"type": "error", "code": "not_found"})
                    fail = stub.fail_next_500 > 0
                    stub.fail_next_500 -= int(fail)
                if fail:
                    return self._send(500, {"type": "error", "code": "internal_server_error"})
                return self._send(200, obj)

        class Server(ThreadingHTTPServer):
            # Ten concurrent webhooks fetch at once: the default backlog of 5
            # would make some connections wait a SYN retry (a second).
            request_queue_size = 128
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- state ------------------------------------------------------------
    def _create_payment(self, key, body):
        if key in self.by_key:
            return self.payments[self.by_key[key]]
        pid = str(uuid.uuid4())  # YooKassa ids are 36 characters; the SDK checks
        method_id = body.get("payment_method_id")
        kind = (body.get("payment_method_data") or {}).get("type", "bank_card")
        method = {"type": kind, "id": method_id or str(uuid.uuid4()), "saved": bool(method_id)}
        if kind == "bank_card":
            method["card"] = dict(CARD)
        obj = {
            "id": pid,
            "status": "pending",
            "paid": False,
            "amount": body["amount"],
            "description": body.get("description", ""),
            "metadata": body.get("metadata", {}),
            "recipient": {"account_id": self.shop_id, "gateway_id": "1"},
            "created_at": "2026-03-20T10:00:00.000Z",
            "payment_method": method,
            "test": True,
            "refundable": False,
            "_save": bool(body.get("save_payment_method")),
        }
        if body.get("confirmation"):
            obj["confirmation"] = {
                "type": "redirect",
                "return_url": body["confirmation"]["return_url"],
                "confirmation_url": f"https://yoomoney.example/checkout?orderId={pid}",
            }
        elif method_id:  # a saved method without the payer: charged (or declined) at once
            self.payments[pid] = obj
            self.set_status(pid, "canceled" if method_id in self.declined_methods else "succeeded")
        self.payments[pid] = obj
        self.by_key[key] = pid
        return obj

    def _create_refund(self, key, body):
        if key in self.by_key:
            return self.refunds[self.by_key[key]]
        payment = self.payments.get(body.get("payment_id"))
        if payment is None or payment["status"] != "succeeded":
            return None
        rid = str(uuid.uuid4())
        obj = {
            "id": rid,
            "payment_id": payment["id"],
            "status": "succeeded",
            "amount": body["amount"],
            "created_at": "2026-03-21T10:00:00.000Z",
        }
        self.refunds[rid] = obj
        self.by_key[key] = rid
        return obj

    def set_status(self, pid, status, *, paid=None, amount=None, metadata=None):
        obj = self.payments[pid]
        obj["status"] = status
        obj["paid"] = (status == "succeeded") if paid is None else paid
        if amount is not None:
            obj["amount"] = {"value": f"{Decimal(amount):.2f}", "currency": "RUB"}
        if metadata is not None:
            obj["metadata"] = metadata
        if status == "succeeded":
            obj["captured_at"] = self.captured_at
            if obj.get("_save"):
                obj["payment_method"]["saved"] = True
        if status == "canceled":
            reason = "insufficient_funds" if obj["payment_method"]["saved"] else "expired_on_confirmation"
            obj["cancellation_details"] = {"party": "yoo_money", "reason": reason}

    def creates(self):
        return [c for c in self.calls if c["method"] == "POST" and c["path"].rstrip("/").endswith("/payments")]

    # -- lifecycle --------------------------------------------------------
    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v3"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
