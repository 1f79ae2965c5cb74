"""The sk_within(x, y, geometry) SQL function on PostgreSQL (SQLite registers it per connection)."""

from django.db import migrations

from stadtkern.data.sqlfunctions import PG_SK_WITHIN


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_SK_WITHIN)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS sk_within(double precision, double precision, text)")


class Migration(migrations.Migration):
    dependencies = [("data", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
