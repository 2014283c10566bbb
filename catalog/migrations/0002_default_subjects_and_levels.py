from django.db import migrations
from django.utils.text import slugify

from catalog.defaults import LEVELS, SUBJECTS


def add_defaults(apps, schema_editor):
    Subject = apps.get_model("catalog", "Subject")
    Level = apps.get_model("catalog", "Level")
    for name in SUBJECTS:
        Subject.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    for system, names in LEVELS.items():
        for position, name in enumerate(names):
            Level.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "system": system, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
