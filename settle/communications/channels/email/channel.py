"""Email through Django's email backends: SMTP by default, any django-anymail backend by configuration.

One connection per delivery batch. `Message-ID` is built from the Message code, so the provider and the
recipient's server can recognise a retry; anymail also gets the code as metadata, which comes back in its
tracking events (bounces, complaints). Every message carries RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from settle.communications.channels.base import Channel, PermanentError, SendResult, TransientError
from settle.communications.channels.email import mime
from settle.core import clock


def message_id_for(code) -> str:
    domain = getattr(settings, "SETTLE_MESSAGE_ID_DOMAIN", "settle.invalid")
    return f"<{code}@{domain}>"


class EmailChannel(Channel):
    kind = "email"
    contact_kind = "email"
    config_fields = {
        "backend": "Django email backend path (default: settings.EMAIL_BACKEND; anymail.backends.* for ESPs)",
        "from_email": "Sender address", "host": "SMTP host", "port": "SMTP port", "username": "SMTP user",
        "use_tls": "STARTTLS on/off",
    }  # fmt: skip

    def open(self) -> None:
        backend = self.settings.get("backend") or settings.EMAIL_BACKEND
        options = {k: v for k, v in self.settings.items() if k in {"host", "port", "username", "use_tls"}}
        if self.secret:
            options["password"] = self.secret
        self.connection = get_connection(backend, fail_silently=False, **options)
        self._anymail = backend.startswith("anymail.")
        # Django's own SMTP backend: send a prebuilt message over its connection (see mime.py).
        self._smtp = backend == "django.core.mail.backends.smtp.EmailBackend"
        self._opened = False

    def close(self) -> None:
        if getattr(self, "_opened", False):
            with contextlib.suppress(Exception):  # closing a dead connection must not fail the batch
                self.connection.close()
            self._opened = False

    def send(self, message, rendered, contact_point) -> SendResult:
        from_email = self.settings.get("from_email") or settings.DEFAULT_FROM_EMAIL
        sender = message.merchant.sender_name or message.merchant.display_name
        if self._smtp:
            return self._send_smtp(message, rendered, contact_point, sender, from_email)
        email = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=f"{sender} <{from_email}>" if "<" not in from_email else from_email,
            to=[contact_point.value],
            headers={"Message-ID": message_id_for(message.code), **rendered.headers},
            reply_to=[message.merchant.support_email] if message.merchant.support_email else None,
        )
        email.attach_alternative(rendered.html, "text/html")
        if self._anymail:
            email.metadata = {"settle_code": str(message.code)}
            email.tags = [message.template_key]
        try:
            if not self._opened:
                self.connection.open()
                self._opened = True
            sent = self.connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            self.close()
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentError(f"address refused: {codes[0]}") from exc
            raise TransientError(f"address temporarily refused: {codes}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()  # the next send reconnects
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            self.close()
            self._raise_anymail(exc)
            raise
        if not sent:
            raise TransientError("the backend accepted nothing")
        status = getattr(email, "anymail_status", None)
        # With SMTP the reference is the Message-ID, derived from the code: nothing extra to store.
        return SendResult(provider_ref=str(status.message_id or "") if status is not None else "")

    def _send_smtp(self, message, rendered, contact_point, sender, from_email) -> SendResult:
        raw = mime.build(
            from_name=sender, from_email=from_email, to=contact_point.value, subject=rendered.subject,
            text=rendered.text, html=rendered.html, message_id=message_id_for(message.code), date=clock.now(),
            headers=rendered.headers, reply_to=message.merchant.support_email,
        )  # fmt: skip
        try:
            if not self._opened:
                self.connection.open()
                self._opened = True
            self.connection.connection.sendmail(from_email, [contact_point.value], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            self._reset()
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentError(f"address refused: {codes[0]}") from exc
            raise TransientError(f"address temporarily refused: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # the next send reconnects
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        return SendResult()

    def _reset(self) -> None:
        """After a refused recipient the session is mid-transaction: RSET, or reconnect if that fails."""
        try:
            self.connection.connection.rset()
        except Exception:
            self.close()

    @staticmethod
    def _raise_anymail(exc: Exception) -> None:
        try:
            from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
        except ImportError:  # pragma: no cover - anymail is a declared dependency
            return
        if isinstance(exc, AnymailRecipientsRefused):
            raise PermanentError(f"recipient refused by the provider: {exc}") from exc
        if isinstance(exc, AnymailAPIError):
            status = getattr(exc, "status_code", None)
            if status and 400 <= status < 500 and status not in (408, 429):
                raise PermanentError(f"provider refused ({status}): {exc}") from exc
            raise TransientError(f"provider error ({status}): {exc}") from exc
