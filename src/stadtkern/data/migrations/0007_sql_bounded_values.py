"""The functions that hold values built by user SQL on PostgreSQL to the bound SQLite keeps."""

from django.db import migrations


def update(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from stadtkern.data.sqlsandbox import setup_reader_role

    with schema_editor.connection.cursor() as cursor:
        setup_reader_role(cursor)


class Migration(migrations.Migration):
    dependencies = [("data", "0006_sql_result_budget")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
