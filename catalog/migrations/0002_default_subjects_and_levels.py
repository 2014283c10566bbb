from django.db import migrations

from catalog.defaults import install


def add_defaults(apps, schema_editor):
    install(apps.get_model("catalog", "Subject"), apps.get_model("catalog", "Level"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
