import hashlib
import hmac
import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from pypdf import PdfReader

from settle.communications.channels.sms.segments import count_segments
from settle.communications.delivery import deliver_due, recover_expired
from settle.communications.models import DeliveryAttempt, Letter, Message, PortalNotice
from settle.communications.services import channel_config_set
from settle.customers.models import ContactPoint


class Recorder(BaseHTTPRequestHandler):
    """A loopback HTTP server standing in for Twilio's API or a merchant's webhook bridge."""

    answers: list = []
    requests: list = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests.append((self.path, dict(self.headers), body))
        status, payload = type(self).answers.pop(0) if type(self).answers else (200, {})
        if status == "hang":
            threading.Event().wait(2)
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


def twilio_message(sid="SM123", status="queued"):
    return {"sid": sid, "status": status, "account_sid": "AC1", "body": "", "to": "", "from": ""}


# --- SMS -----------------------------------------------------------------------------------------------------


@pytest.fixture
def sms_ready(acme, http_fake, settings):
    settings.TWILIO_BASE_URL = http_fake.url
    channel_config_set(merchant=acme, kind="sms", settings={"account_sid": "AC1", "from_number": "+48500000000"},
                       secret="tw-token")  # fmt: skip
    return http_fake


def test_sms_goes_through_the_twilio_sdk_with_a_status_callback(alice, make_message, sms_ready, frozen_clock):
    now = frozen_clock.now()
    sms_ready.answers.append((201, twilio_message("SMabc")))
    message = make_message(alice, at=now, channel="sms")
    deliver_due(now)
    message.refresh_from_db()
    assert (message.status, message.provider_ref) == ("sent", "SMabc")
    path, headers, body = sms_ready.requests[0]
    form = parse_qs(body.decode())
    assert path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert form["To"] == ["+48601234567"] and form["From"] == ["+48500000000"]
    assert form["StatusCallback"] == [f"http://127.0.0.1:8000/outreach/sms/status/{message.code}/"]
    assert "129,50" in form["Body"][0] and f"/pay/{message.code}/" in form["Body"][0]
    assert DeliveryAttempt.objects.get(message=message).provider_ref == "SMabc"


def test_a_landline_is_a_permanent_error_without_calling_the_provider(
    alice, make_message, sms_ready, frozen_clock
):
    now = frozen_clock.now()
    point = ContactPoint.objects.create(
        merchant=alice.merchant, customer=alice, kind="phone", value="+48225555555"
    )
    message = make_message(alice, at=now, channel="sms", contact_point=point)
    deliver_due(now)
    message.refresh_from_db(), point.refresh_from_db()
    assert message.status == "failed" and "landline" in message.status_reason
    assert point.disabled_at == now
    assert sms_ready.requests == []


def test_twilio_5xx_is_retried_and_invalid_number_is_permanent(alice, make_message, sms_ready, frozen_clock):
    now = frozen_clock.now()
    sms_ready.answers.append((503, {"code": 20500, "message": "Service unavailable", "status": 503}))
    message = make_message(alice, at=now, channel="sms")
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason.startswith("transient_error: twilio 503")
    sms_ready.answers.append((400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}))
    frozen_clock.advance(timedelta(minutes=2))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "failed" and "21211" in message.status_reason
    assert alice.contact_points.get(kind="phone").disabled_at is not None


def _signed_post(client, url, params, token="tw-token"):
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(token).compute_signature(f"http://127.0.0.1:8000{url}", params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize("word", ["STOP", "стоп", "Stopp", "stop."])
def test_inbound_stop_words_opt_out_and_the_next_delivery_honours_it(word, alice, make_message, sms_ready, client,
                                                                      frozen_clock):  # fmt: skip
    now = frozen_clock.now()
    queued = make_message(alice, at=now + timedelta(hours=1), channel="sms")
    params = {"From": "+48601234567", "Body": word, "MessageSid": "SMin1"}
    assert client.post("/outreach/sms/inbound/acme/", params).status_code == 403  # unsigned
    assert _signed_post(client, "/outreach/sms/inbound/acme/", params).status_code == 200
    pref = alice.contact_preferences.get(channel="sms")
    assert (pref.source, pref.opted_out_at) == ("sms_stop", now)
    queued.refresh_from_db()
    assert queued.status == "cancelled" and "opted_out" in queued.status_reason
    # A message the engine queues after the STOP (a stale decision) is refused at send time too.
    later = make_message(alice, at=now, channel="sms", template_key="reminder_2")
    deliver_due(now)
    later.refresh_from_db()
    assert later.status == "cancelled" and later.status_reason.startswith(
        "opted_out: the customer opted out of sms"
    )
    assert sms_ready.requests == []


def test_status_callback_verified_and_undelivered_disables_the_number(alice, make_message, sms_ready, client,
                                                                      frozen_clock):  # fmt: skip
    now = frozen_clock.now()
    sms_ready.answers.append((201, twilio_message("SMx")))
    message = make_message(alice, at=now, channel="sms")
    deliver_due(now)
    url = f"/outreach/sms/status/{message.code}/"
    params = {"MessageSid": "SMx", "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert _signed_post(client, url, params, token="wrong").status_code == 403
    assert _signed_post(client, url, params).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == "bounced"
    assert alice.contact_points.get(kind="phone").disabled_at == now


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
        ("ł" * 70, "UCS-2", 70, 1),
        ("Здравствуйте" * 6, "UCS-2", 72, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # surrogate pairs: two code units each
    ],
)
def test_sms_segment_counting(text, encoding, units, segments):
    info = count_segments(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


# --- webhook -------------------------------------------------------------------------------------------------


def test_webhook_posts_signed_json_and_retries_500_and_timeouts(alice, make_message, http_fake, frozen_clock,
                                                                  monkeypatch):  # fmt: skip
    from settle.communications.channels.webhook import channel as webhook

    monkeypatch.setattr(webhook, "TIMEOUT", (1, 0.5))
    channel_config_set(merchant=alice.merchant, kind="webhook", settings={}, secret="whsec")
    point = ContactPoint.objects.create(merchant=alice.merchant, customer=alice, kind="webhook",
                                        value=f"{http_fake.url}/bridge")  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now, channel="webhook", contact_point=point)
    http_fake.answers.extend([(500, {}), ("hang", {}), (200, {})])
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason == "transient_error: endpoint answered 500"
    frozen_clock.advance(timedelta(minutes=1))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "queued" and message.status_reason.startswith("transient_error: timeout")
    frozen_clock.advance(timedelta(minutes=2))
    deliver_due(frozen_clock.now())
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 3
    assert list(message.delivery_attempts.values_list("outcome", flat=True)) == [
        "transient_error", "transient_error", "sent"]  # fmt: skip
    _path, headers, body = http_fake.requests[-1]
    expected = hmac.new(
        b"whsec", headers["X-Settle-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Settle-Signature"] == f"v1={expected}"
    assert headers["Idempotency-Key"] == str(message.code)
    payload = json.loads(body)
    assert payload["code"] == str(message.code) and payload["facts"]["balance_minor"] == 12950


# --- portal and letter ---------------------------------------------------------------------------------------


def test_portal_notice_is_written_once_and_found_after_a_crash(alice, make_message, frozen_clock):
    now = frozen_clock.now()
    message = make_message(alice, at=now, channel="portal")
    deliver_due(now)
    notice = PortalNotice.objects.get(message=message)
    assert notice.customer == alice and "129,50" in notice.body
    # A crash after hand-over: the portal can tell it was written, so recovery marks it sent, not unknown.
    Message.objects.filter(pk=message.pk).update(status="sending", lease_until=now, handed_over_at=now)
    recover_expired(now + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == "sent" and PortalNotice.objects.filter(message=message).count() == 1


def test_final_notice_letter_has_the_legally_required_parts(alice, make_message, frozen_clock):
    acme = alice.merchant
    acme.legal_name, acme.legal_address, acme.support_email = (
        "Acme Outdoor sp. z o.o.",
        "ul. Prosta 1\n00-001 Warszawa",
        "help@acme.example",
    )
    acme.save()
    point = ContactPoint.objects.create(merchant=acme, customer=alice, kind="postal",
                                        value="ul. Długa 5\n00-002 Warszawa")  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now, channel="letter", template_key="final_notice", tone="final_notice",
                           contact_point=point)  # fmt: skip
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "sent"
    text = PdfReader(io.BytesIO(Letter.objects.get(message=message).pdf)).pages[0].extract_text()
    for part in ("Acme Outdoor sp. z o.o.", "ul. Prosta 1", "Alicja Nowak", "ul. Długa 5", "1 grudnia 2026",
                 "Ostateczne wezwanie", "129,50", "#1001", "20 grudnia 2026", "windykacyjnej",
                 f"/pay/{message.code}/", "kwestionujesz", "help@acme.example"):  # fmt: skip
        assert part in text, part


# --- email through an anymail backend, and merchant overrides at send time -----------------------------------


def test_anymail_backend_gets_the_code_as_metadata(alice, make_message, settings, frozen_clock):
    from django.core import mail

    settings.ANYMAIL = {"TEST_SEND_DEFAULTS": {}}
    channel_config_set(merchant=alice.merchant, kind="email",
                       settings={"backend": "anymail.backends.test.EmailBackend", "from_email": "billing@acme.example"})  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert message.status == "sent"
    sent = mail.outbox[-1]
    assert sent.metadata == {"settle_code": str(message.code)}
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.from_email == "Acme Outdoor <billing@acme.example>"


def test_a_broken_override_is_refused_at_send_time_not_sent(alice, make_message, smtp_sink, frozen_clock):
    from settle.communications.models import MessageTemplate

    MessageTemplate.objects.create(merchant=alice.merchant, template_key="reminder_1", tone="gentle", locale="pl",
                                   subject="Hej", body="Hej <b>{{ name }}")  # written around the checks  # fmt: skip
    now = frozen_clock.now()
    message = make_message(alice, at=now)
    deliver_due(now)
    message.refresh_from_db()
    assert (
        message.status == "failed"
        and message.status_reason == "render_failed: broken HTML: <b> is never closed"
    )
    assert smtp_sink.messages == []
