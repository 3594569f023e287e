"""Channel plugins: one folder per kind, and this dict. Adding a channel touches this dict and nothing else."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

REGISTRY = {
    "email": "settle.communications.channels.email.channel.EmailChannel",
    "sms": "settle.communications.channels.sms.channel.SmsChannel",
    "webhook": "settle.communications.channels.webhook.channel.WebhookChannel",
    "portal": "settle.communications.channels.portal.channel.PortalChannel",
    "letter": "settle.communications.channels.letter.channel.LetterChannel",
}


@cache
def channel_class(kind: str):
    return import_string(REGISTRY[kind])
