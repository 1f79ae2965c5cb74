"""Load the SDG catalogue (17 goals, 169 targets, 252 indicators) in German and English."""

from django.db import migrations

from stadtkern.strategy.sdg_catalogue import load_catalogue


def load(apps, schema_editor):
    load_catalogue(
        apps.get_model("strategy", "SdgGoal"),
        apps.get_model("strategy", "SdgTarget"),
        apps.get_model("strategy", "SdgIndicator"),
    )


def unload(apps, schema_editor):
    apps.get_model("strategy", "SdgIndicator").objects.all().delete()
    apps.get_model("strategy", "SdgTarget").objects.all().delete()
    apps.get_model("strategy", "SdgGoal").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("strategy", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
