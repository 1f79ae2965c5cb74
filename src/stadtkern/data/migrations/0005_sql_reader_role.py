"""The PostgreSQL role that user SQL runs as: no login, SELECT on dataset tables only."""

import sys

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from stadtkern.data.sqlsandbox import setup_reader_role

    with schema_editor.connection.cursor() as cursor:
        missing = setup_reader_role(cursor)
    if missing:
        # Without the role the SQL endpoint stays closed (503), never open.
        sys.stderr.write(
            "The SQL endpoint needs a role this database user may not create. Run once as a"
            " database superuser, then 'stadtkern migrate data 0004' and 'stadtkern migrate':\n  "
            + ";\n  ".join(missing)
            + ";\n"
        )


class Migration(migrations.Migration):
    dependencies = [("data", "0004_importrun_sample")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
