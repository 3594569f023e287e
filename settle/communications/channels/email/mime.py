"""A fast MIME builder for the SMTP path: multipart/alternative (text + HTML), UTF-8, base64 bodies.

Django's EmailMessage re-folds and re-encodes every header of every part through the email package, which costs
more than the SMTP exchange itself; on the delivery hot path we build the same standard message directly.
"""

from __future__ import annotations

import base64
from datetime import datetime
from email.utils import format_datetime, formataddr


def _header(value: str) -> str:
    """RFC 2047 base64 encoded-words of at most 10 characters each (≤ 75 octets), folded."""
    if value.isascii():
        return value
    words = (
        "=?utf-8?b?" + base64.b64encode(value[i : i + 10].encode("utf-8")).decode("ascii") + "?="
        for i in range(0, len(value), 10)
    )
    return "\r\n ".join(words)


def build(*, from_name: str, from_email: str, to: str, subject: str, text: str, html: str, message_id: str,
          date: datetime, headers: dict[str, str] | None = None, reply_to: str = "") -> bytes:  # fmt: skip
    boundary = "=_settle_" + message_id.strip("<>").split("@", 1)[0].replace("-", "")
    lines = [
        f"From: {formataddr((from_name, from_email), charset='utf-8')}",
        f"To: {to}",
        f"Subject: {_header(subject)}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {_header(value)}")
    parts = []
    for subtype, content in (("plain", text), ("html", html)):
        parts.append(
            f"--{boundary}\r\nContent-Type: text/{subtype}; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(content.encode("utf-8")).decode("ascii").replace("\n", "\r\n")
        )
    return ("\r\n".join(lines) + "\r\n\r\n" + "".join(parts) + f"--{boundary}--\r\n").encode("ascii")
