"""Letter channel: the PDF read back."""

import io

from pypdf import PdfReader

from settle.communications.delivery import deliver_due
from settle.communications.models import Letter
from settle.customers.models import ContactPoint


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
