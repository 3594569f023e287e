"""Worker job of outbound webhooks (order 60): collect new facts, then send what is due."""

from datetime import datetime

from .services import deliveries_send, events_collect


def send_webhooks(now: datetime) -> int:
    return events_collect(now=now) + deliveries_send(now=now)
