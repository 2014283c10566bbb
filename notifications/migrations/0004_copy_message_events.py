"""Move every MessageEvent row into OutboundMessageEvent, keeping when, from, to and the note,
in the order they were written (the old table had no actor: the system made every change)."""

from django.db import migrations

BATCH = 1000


def move(source, target, *, note_length):
    batch = []
    for row in source.objects.order_by("id").iterator(chunk_size=BATCH):
        batch.append(
            target(
                message_id=row.message_id,
                from_status=row.from_status,
                to_status=row.to_status,
                note=row.note[:note_length],
                created_at=row.created_at,
            )
        )
        if len(batch) == BATCH:
            target.objects.bulk_create(batch)
            batch = []
    target.objects.bulk_create(batch)
    source.objects.all().delete()


def to_outbound_message_events(apps, schema_editor):
    old, new = apps.get_model("notifications", "MessageEvent"), apps.get_model("notifications", "OutboundMessageEvent")
    move(old, new, note_length=2000)


def to_message_events(apps, schema_editor):
    old, new = apps.get_model("notifications", "MessageEvent"), apps.get_model("notifications", "OutboundMessageEvent")
    move(new, old, note_length=500)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_outboundmessageevent'),
    ]

    operations = [
        migrations.RunPython(to_outbound_message_events, to_message_events),
    ]
