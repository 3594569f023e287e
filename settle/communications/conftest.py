"""Outreach test helpers: a real SMTP server on loopback and a factory for queued messages."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import Counter
from datetime import date
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from settle.cases.models import Case
from settle.cases.testing import case_for
from settle.communications.models import Message


class Sink:
    """Collects what the SMTP server received, keyed by Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(parsed)
        return "250 OK"

    def ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def make_message(acme):
    from settle.core.money import Money
    from settle.ledger.services import receivable_create

    counter = {"n": 0}

    def make(customer, *, at, channel="email", template_key="reminder_1", tone="gentle", amount=12950,
             case=None, **extra):  # fmt: skip
        counter["n"] += 1
        n = counter["n"]
        if case is None:
            case = Case.objects.filter(customer=customer, closed_at__isnull=True).first()
        if case is None:
            receivable_create(merchant=customer.merchant, customer=customer, external_id=f"inv-{customer.pk}-{n}",
                              amount=Money(amount, "PLN"), due_date=date(2026, 11, 14), number=f"#10{n:02d}")  # fmt: skip
            case = case_for(merchant=customer.merchant, customer=customer, currency="PLN",
                                       opened_at=at)  # fmt: skip
        context = {
            "currency": "PLN", "balance_minor": amount, "due_date": "2026-11-14",
            "items": [{"number": f"#10{n:02d}", "amount_minor": amount, "balance_minor": amount,
                       "due_date": "2026-11-14"}],
            "final_date": "2026-12-20",
        }  # fmt: skip
        return Message.objects.create(
            merchant=customer.merchant, case=case, customer=customer, channel=channel,
            template_key=template_key, tone=tone, locale=customer.locale, context=context, not_before=at,
            step_key=f"{template_key}-{n}", idempotency_key=f"case-{case.pk}-{template_key}-{n}-{channel}",
            **extra,
        )  # fmt: skip

    return make


class Recorder(BaseHTTPRequestHandler):
    """A loopback HTTP server standing in for Twilio's API or a merchant's webhook bridge."""

    answers: list = []
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests.append((self.path, dict(self.headers), body))
        status, payload = type(self).answers.pop(0) if type(self).answers else (200, {})
        if status == "hang":
            threading.Event().wait(4)
            status = 200
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_fake():
    handler = type("Handler", (Recorder,), {"answers": [], "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"
    yield handler
    server.shutdown()
