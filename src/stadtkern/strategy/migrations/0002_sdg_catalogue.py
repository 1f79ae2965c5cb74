"""Load the SDG catalogue (17 goals, 169 targets, 252 indicators) in German and English."""

from django.db import migrations

from stadtkern.strategy.sdg_catalogue import read_catalogue


def load(apps, schema_editor):
    SdgGoal = apps.get_model("strategy", "SdgGoal")
    SdgTarget = apps.get_model("strategy", "SdgTarget")
    SdgIndicator = apps.get_model("strategy", "SdgIndicator")
    goals, targets, indicators = read_catalogue()
    SdgGoal.objects.bulk_create(SdgGoal(**g) for g in goals)
    SdgTarget.objects.bulk_create(SdgTarget(**t) for t in targets)
    SdgIndicator.objects.bulk_create(SdgIndicator(**i) for i in indicators)


def unload(apps, schema_editor):
    apps.get_model("strategy", "SdgIndicator").objects.all().delete()
    apps.get_model("strategy", "SdgTarget").objects.all().delete()
    apps.get_model("strategy", "SdgGoal").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("strategy", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
