"""Ship the four default strategies (shared by every merchant) and the reference interest rates."""

from datetime import date
from decimal import Decimal

from django.db import migrations


def forward(apps, schema_editor):
    from settle.cases.strategies import DEFAULTS, RATES

    Strategy = apps.get_model("cases", "Strategy")
    StrategyVersion = apps.get_model("cases", "StrategyVersion")
    RatePeriod = apps.get_model("cases", "RatePeriod")
    at = date(2026, 4, 30)
    for spec in DEFAULTS:
        strategy = Strategy.objects.create(
            merchant=None, name=spec["name"], slug=spec["slug"], description=spec["description"],
            segments=spec["segments"], priority=spec["priority"],
        )
        version = StrategyVersion.objects.create(
            strategy=strategy, number=1, steps=spec["steps"], created_at=f"{at.isoformat()}T00:00:00Z",
            note="shipped default",
        )
        strategy.current_version = version
        strategy.save(update_fields=["current_version"])
    for key, start, percent, source, confidence in RATES:
        RatePeriod.objects.create(key=key, effective_from=date.fromisoformat(start), percent=Decimal(percent),
                                  source=source, confidence=confidence)


def backward(apps, schema_editor):
    apps.get_model("cases", "Strategy").objects.filter(merchant=None).update(current_version=None)
    apps.get_model("cases", "StrategyVersion").objects.filter(strategy__merchant=None).delete()
    apps.get_model("cases", "Strategy").objects.filter(merchant=None).delete()
    apps.get_model("cases", "RatePeriod").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_engine")]
    operations = [migrations.RunPython(forward, backward)]
