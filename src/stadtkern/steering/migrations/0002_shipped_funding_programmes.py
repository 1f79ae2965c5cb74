from django.db import migrations


def load(apps, schema_editor):
    from stadtkern.steering.catalogue import load_programmes

    load_programmes(apps.get_model("steering", "FundingProgramme"))


class Migration(migrations.Migration):
    dependencies = [("steering", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
