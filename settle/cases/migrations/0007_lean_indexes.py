# Drops two indexes that a composite index already covers (each is upkeep on every case an import opens).
# Only the indexes go: Django's AlterField would also drop and re-validate the foreign keys over the whole
# table, which a deploy does not need.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_disputes"),
        ("merchants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # (merchant_id, closed_at) leads with merchant_id.
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_case_merchant_id_1d1cf39a"',
                    'CREATE INDEX "cases_case_merchant_id_1d1cf39a" ON "cases_case" ("merchant_id")',
                ),
                # (case_id, at) leads with case_id.
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "cases_caseevent_case_id_6c6031ac"',
                    'CREATE INDEX "cases_caseevent_case_id_6c6031ac" ON "cases_caseevent" ("case_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="merchant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cases",
                        to="merchants.merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
            ],
        ),
    ]
