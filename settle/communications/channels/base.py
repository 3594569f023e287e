"""What every channel plugin implements, and the two kinds of failure the delivery loop understands."""

from __future__ import annotations

from dataclasses import dataclass


class TransientError(Exception):
    """Worth retrying later (timeouts, 5xx, a dropped connection): the message goes back to the queue."""


class PermanentError(Exception):
    """Retrying cannot help (bounced address, landline, 4xx): the contact point is disabled."""


@dataclass(frozen=True)
class SendResult:
    provider_ref: str = ""
    detail: str = ""


class Channel:
    """One channel kind. Instances live for one delivery batch, so connections are reused within it.

    `contact_kind` is the ContactPoint kind it needs (None: it needs none, e.g. the portal).
    `send` must be idempotent on `message.code` where the provider allows it. `lookup` answers after a
    crash whether the provider has the message: True, False, or None (cannot tell → `unknown` for review).
    """

    kind = ""
    contact_kind: str | None = None
    # The config schema: the settings keys this channel reads from ChannelConfig.settings, with their meaning.
    config_fields: dict[str, str] = {}

    def __init__(self, config=None) -> None:
        self.config = config
        self.settings = dict(getattr(config, "settings", None) or {})
        self.secret = getattr(config, "secret", "") or ""

    def open(self) -> None:
        """Called once per batch before the first send."""

    def close(self) -> None:
        """Called once per batch after the last send (also after errors)."""

    def send(self, message, rendered, contact_point) -> SendResult:
        raise NotImplementedError

    def lookup(self, message) -> bool | None:
        return None
