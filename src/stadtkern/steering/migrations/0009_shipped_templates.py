from django.db import migrations


def load(apps, schema_editor):
    from stadtkern.steering.library import load_templates

    load_templates(apps.get_model("steering", "DocumentTemplate"))


class Migration(migrations.Migration):
    dependencies = [("steering", "0008_project_pulse_series_documenttemplate_improvement_and_more")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
