"""Worker jobs of the integrations app (declared in apps.py)."""

from datetime import datetime

from . import services


def process_events(now: datetime) -> int:
    """Order 20: process stored webhook events in batches."""
    return services.events_process(now=now)


def recheck_and_reconcile(now: datetime) -> int:
    """Order 21: objects whose waiting time ended, and the periodic pull of what webhooks missed."""
    from .backfill import reconcile_due

    return services.events_recheck(now=now) + reconcile_due(now=now)


def send_write_backs(now: datetime) -> int:
    """Order 55: mark orders paid / cancel them in the shops."""
    return services.write_backs_send(now=now)
