"""`manage.py events replay <id>... | --failed [--merchant slug]`: process stored events again."""

from django.core.management.base import BaseCommand, CommandError

from settle.integrations.models import EventStatus, InboundEvent
from settle.integrations.services import event_replay


class Command(BaseCommand):
    help = "Replay stored inbound events (a replay of a processed event changes nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        replay = sub.add_parser("replay")
        replay.add_argument("ids", nargs="*", type=int)
        replay.add_argument("--failed", action="store_true", help="every failed event")
        replay.add_argument("--merchant", default="", help="limit to one merchant (slug)")

    def handle(self, *args, **options):
        qs = InboundEvent.objects.filter(verified=True).order_by("id")
        if options["merchant"]:
            qs = qs.filter(merchant__slug=options["merchant"])
        if options["ids"]:
            qs = qs.filter(pk__in=options["ids"])
        elif options["failed"]:
            qs = qs.filter(status=EventStatus.FAILED)
        else:
            raise CommandError("name event ids or pass --failed")
        count = 0
        for event in qs:
            try:
                event_replay(event=event)
            except ValueError as exc:
                self.stderr.write(f"#{event.pk}: {exc}")
                continue
            count += 1
            self.stdout.write(f"#{event.pk} {event.source} {event.topic}: {event.status} — {event.outcome}")
        self.stdout.write(f"replayed {count} event(s)")
