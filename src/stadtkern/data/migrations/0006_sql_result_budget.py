"""The sandbox function that makes the rows of user SQL stops at a budget of bytes too."""

from django.db import migrations


def update(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from stadtkern.data.sqlsandbox import setup_reader_role

    with schema_editor.connection.cursor() as cursor:
        setup_reader_role(cursor)


class Migration(migrations.Migration):
    dependencies = [("data", "0005_sql_reader_role")]
    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
