"""The functions that hold values built by user SQL on PostgreSQL to the bound SQLite keeps:
set up as 0006 sets up the sandbox, by sqlsandbox.setup_reader_role."""

from importlib import import_module

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("data", "0006_sql_result_budget")]
    operations = [
        migrations.RunPython(
            import_module("stadtkern.data.migrations.0006_sql_result_budget").update,
            migrations.RunPython.noop,
        )
    ]
