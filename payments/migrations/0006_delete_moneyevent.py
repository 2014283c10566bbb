from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0005_copy_money_events'),
    ]

    operations = [
        migrations.DeleteModel(
            name='MoneyEvent',
        ),
    ]
