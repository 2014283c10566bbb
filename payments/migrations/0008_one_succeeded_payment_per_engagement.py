from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_succeeded_values'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='payment',
            name='one_successful_payment_per_engagement',
        ),
        migrations.AlterField(
            model_name='payment',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting for the gateway'), ('succeeded', 'Paid'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('duplicate', 'Paid twice, refunded')], default='pending', max_length=12),
        ),
        migrations.AlterField(
            model_name='payout',
            name='status',
            field=models.CharField(choices=[('pending', 'On its way'), ('succeeded', 'Paid'), ('failed', 'Failed, returned to your balance')], default='pending', max_length=10),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'succeeded')), fields=('engagement',), name='one_succeeded_payment_per_engagement'),
        ),
    ]
