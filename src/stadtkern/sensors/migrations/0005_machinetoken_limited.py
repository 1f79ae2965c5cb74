from django.db import migrations, models


def mark_limited(apps, schema_editor):
    """Tokens given datastreams at their creation are limited to them."""
    MachineToken = apps.get_model("sensors", "MachineToken")
    MachineToken.objects.filter(datastreams__isnull=False).update(limited=True)


class Migration(migrations.Migration):
    dependencies = [("sensors", "0004_dead_letters")]

    operations = [
        migrations.AddField(
            model_name="machinetoken",
            name="limited",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_limited, migrations.RunPython.noop),
    ]
