from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0004_copy_message_events'),
    ]

    operations = [
        migrations.DeleteModel(
            name='MessageEvent',
        ),
    ]
