"""Letters: a PDF for post with the parts a final notice legally needs, stored as a Letter row for printing.

The parts: who the creditor is (legal name and address), who the debtor is and where, the date, each open
item and the total, the deadline and what happens after it, how to pay, how to dispute, and how to reach us.
"""

from __future__ import annotations

import io
from datetime import date

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from settle.communications.channels.base import Channel, SendResult
from settle.core import clock

_FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


def _font() -> str:
    """A Unicode TTF (Polish, Cyrillic) when the system has one; Helvetica otherwise."""
    if "SettleSans" in pdfmetrics.getRegisteredFontNames():
        return "SettleSans"
    for path in _FONT_PATHS:
        try:
            pdfmetrics.registerFont(TTFont("SettleSans", path))
            return "SettleSans"
        except Exception:  # the font is optional: fall back to the base-14 font
            continue
    return "Helvetica"


def render_letter(*, merchant, customer, address: str, rendered, locale: str, on: date) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(rendered.subject)
    width, height = A4
    y = height - 25 * mm

    def line(text: str, size: int = 10, gap: float = 5.2) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(font, size)
        pdf.drawString(20 * mm, y, text)
        y -= gap * mm

    with translation.override(locale):
        line(merchant.legal_name or merchant.name, 12)
        for part in (merchant.legal_address or "").splitlines():
            line(part, 9, 4.2)
        y -= 8 * mm
        line(customer.name, 11)
        for part in address.splitlines():
            line(part, 10)
        y -= 6 * mm
        line(format_date(on, format="long", locale=locale), 10)
        y -= 4 * mm
        line(rendered.subject, 13, 8)
        for paragraph in rendered.text.split("\n"):
            # Wrap long lines by words at about 95 characters.
            words, current = paragraph.split(" "), ""
            for word in words:
                if len(current) + len(word) + 1 > 95:
                    line(current)
                    current = word
                else:
                    current = f"{current} {word}".strip()
            line(current)
        y -= 4 * mm
        if merchant.support_email:
            line(_("Questions or disputes: %(email)s") % {"email": merchant.support_email}, 9)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


class LetterChannel(Channel):
    kind = "letter"
    contact_kind = "postal"

    def send(self, message, rendered, contact_point) -> SendResult:
        from settle.communications.models import Letter

        letter = Letter.objects.filter(message=message).first()
        if letter is None:
            pdf = render_letter(merchant=message.merchant, customer=message.customer, address=contact_point.value,
                                rendered=rendered, locale=message.locale or "en", on=clock.now().date())  # fmt: skip
            letter = Letter.objects.create(merchant_id=message.merchant_id, message=message, pdf=pdf,
                                           created_at=clock.now())  # fmt: skip
        return SendResult(provider_ref=f"letter-{letter.pk}")

    def lookup(self, message) -> bool | None:
        from settle.communications.models import Letter

        return Letter.objects.filter(message=message).exists()
