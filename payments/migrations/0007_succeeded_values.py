"""One word for success across money: payments ("successful") and payouts ("paid") say
"succeeded", as refunds already do, in their status and in every history row. What users read
("Paid") does not change."""

from django.db import migrations

OLD_WORDS = {"Payment": "successful", "Payout": "paid"}
NEW_WORD = "succeeded"


def rewrite(apps, *, model_name, old, new):
    apps.get_model("payments", model_name).objects.filter(status=old).update(status=new)
    Event = apps.get_model("payments", f"{model_name}Event")
    Event.objects.filter(from_status=old).update(from_status=new)
    Event.objects.filter(to_status=old).update(to_status=new)


def to_succeeded(apps, schema_editor):
    for model_name, old in OLD_WORDS.items():
        rewrite(apps, model_name=model_name, old=old, new=NEW_WORD)


def to_old_words(apps, schema_editor):
    for model_name, old in OLD_WORDS.items():
        rewrite(apps, model_name=model_name, old=NEW_WORD, new=old)


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0006_delete_moneyevent'),
    ]

    operations = [
        migrations.RunPython(to_succeeded, to_old_words),
    ]
