"""SMS channel: the Twilio SDK against a loopback fake, STOP words, signed callbacks, segments."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from settle.communications.channels.sms.segments import count_segments
from settle.communications.delivery import deliver_due
from settle.communications.models import DeliveryAttempt
from settle.communications.services import channel_config_set
from settle.customers.models import ContactPoint


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


@pytest.mark.parametrize("lang", ["en", "pl", "ru", "de"])
def test_every_shipped_sms_fits_the_segment_limit(lang, settings):
    import uuid

    from settle.communications.channels.sms.channel import MAX_SEGMENTS
    from settle.communications.render import library, render, sample_context

    settings.SETTLE_PUBLIC_URL = "https://settle.example-shop.com"
    for (key, tone), wording in library(lang).items():
        rendered = render(wording=wording, context=sample_context("PLN"), locale=lang, name="Alicja Nowak",
                          merchant_name="Acme Outdoor", code=str(uuid.uuid4()), parts=frozenset({"sms"}))  # fmt: skip
        assert count_segments(rendered.sms).segments <= MAX_SEGMENTS, (key, tone, rendered.sms)
