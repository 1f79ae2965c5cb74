"""The latest observation's time and result kept on its datastream, filled in for the
datastreams there are."""

from django.db import migrations, models

# Correlated look-ups by primary key: the same statement on PostgreSQL and SQLite.
FILL = """
UPDATE sensors_datastream SET
    latest_time = (SELECT o.phenomenon_time FROM sensors_observation o WHERE o.id = latest_id),
    latest_result_number = (SELECT o.result_number FROM sensors_observation o WHERE o.id = latest_id),
    latest_result_json = (SELECT o.result_json FROM sensors_observation o WHERE o.id = latest_id)
WHERE latest_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('sensors', '0002_bulk_observation_writes'),
    ]

    operations = [
        migrations.AddField(
            model_name='datastream',
            name='latest_result_json',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='datastream',
            name='latest_result_number',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='datastream',
            name='latest_time',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
