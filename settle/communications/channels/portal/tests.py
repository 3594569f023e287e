"""Portal channel."""

from datetime import timedelta

from settle.communications.delivery import deliver_due, recover_expired
from settle.communications.models import Message, PortalNotice

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
