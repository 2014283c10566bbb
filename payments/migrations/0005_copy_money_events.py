"""Move every MoneyEvent row into the history table of its record, keeping who, when, from, to
and the note, in the order they were written. A row whose record is gone stops the migration
(nothing is copied, nothing dropped) rather than being lost."""

from django.db import migrations

# MoneyEvent.kind -> the record's model; its history is "<Model>Event" with a foreign key "<kind>".
RECORDS = {"payment": "Payment", "escrow": "Escrow", "refund": "Refund", "payout": "Payout"}
BATCH = 1000


def check_every_row_has_a_home(apps):
    MoneyEvent = apps.get_model("payments", "MoneyEvent")
    unknown = MoneyEvent.objects.exclude(kind__in=RECORDS).count()
    if unknown:
        raise RuntimeError(f"{unknown} money history rows have an unknown kind; nothing was moved.")
    for kind, model_name in RECORDS.items():
        records = apps.get_model("payments", model_name).objects.values("pk")
        orphans = MoneyEvent.objects.filter(kind=kind).exclude(object_id__in=records).count()
        if orphans:
            raise RuntimeError(f"{orphans} {kind} history rows point at no {kind}; nothing was moved.")


def money_events_to_histories(apps, schema_editor):
    MoneyEvent = apps.get_model("payments", "MoneyEvent")
    check_every_row_has_a_home(apps)
    for kind, model_name in RECORDS.items():
        Event = apps.get_model("payments", f"{model_name}Event")
        rows = MoneyEvent.objects.filter(kind=kind).order_by("id")
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            batch.append(
                Event(
                    **{f"{kind}_id": row.object_id},
                    from_status=row.from_status,
                    to_status=row.to_status,
                    actor_id=row.actor_id,
                    note=row.note,
                    created_at=row.created_at,
                )
            )
            if len(batch) == BATCH:
                Event.objects.bulk_create(batch)
                batch = []
        Event.objects.bulk_create(batch)
    MoneyEvent.objects.all().delete()


def histories_to_money_events(apps, schema_editor):
    MoneyEvent = apps.get_model("payments", "MoneyEvent")
    for kind, model_name in RECORDS.items():
        Event = apps.get_model("payments", f"{model_name}Event")
        batch = []
        for row in Event.objects.order_by("id").iterator(chunk_size=BATCH):
            batch.append(
                MoneyEvent(
                    kind=kind,
                    object_id=getattr(row, f"{kind}_id"),
                    from_status=row.from_status,
                    to_status=row.to_status,
                    actor_id=row.actor_id,
                    note=row.note[:500],
                    created_at=row.created_at,
                )
            )
            if len(batch) == BATCH:
                MoneyEvent.objects.bulk_create(batch)
                batch = []
        MoneyEvent.objects.bulk_create(batch)
        Event.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0004_payment_escrow_refund_payout_events'),
    ]

    operations = [
        migrations.RunPython(money_events_to_histories, histories_to_money_events),
    ]
