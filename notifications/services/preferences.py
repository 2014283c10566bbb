"""Who hears what, and how: channel choices, quiet hours, and whether a phone may be texted at all."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.kinds import KINDS, Kind
from notifications.models import Preference, QuietHours, SmsOptOut


def enabled_channels(user: User, spec: Kind) -> set[str]:
    """The kind's default channels, overridden by the user's saved choices (one query)."""
    channels = set(spec.defaults)
    for channel, enabled in Preference.objects.filter(user=user, kind=spec.key).values_list("channel", "enabled"):
        (channels.add if enabled else channels.discard)(channel)
    return channels


def sms_reachable(user: User) -> bool:
    """SMS go only to a verified phone that has not replied STOP."""
    if not user.phone or not user.phone_verified_at:
        return False
    return not SmsOptOut.objects.filter(phone=user.phone).exists()


def quiet_hours_end(user: User, now: datetime) -> datetime:
    """When a non-urgent SMS may go: now, or the end of the user's quiet hours (site time zone)."""
    quiet = QuietHours.objects.filter(user=user).first()
    if not quiet or quiet.start is None or quiet.end is None or quiet.start == quiet.end:
        return now
    local = timezone.localtime(now)
    if not _within(local.time(), quiet.start, quiet.end):
        return now
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    return end if end > local else end + timedelta(days=1)


def _within(moment: time, start: time, end: time) -> bool:
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # the window crosses midnight


@transaction.atomic
def save_preferences(
    *, user: User, choices: dict[tuple[str, str], bool], quiet_start: time | None, quiet_end: time | None
) -> None:
    """Store the choices that differ from each kind's defaults, and the quiet hours."""
    Preference.objects.filter(user=user).delete()
    Preference.objects.bulk_create(
        Preference(user=user, kind=kind, channel=channel, enabled=enabled)
        for (kind, channel), enabled in choices.items()
        if kind in KINDS and (channel in KINDS[kind].defaults) != enabled
    )
    QuietHours.objects.update_or_create(user=user, defaults={"start": quiet_start, "end": quiet_end})


def sms_opt_in(*, user: User) -> None:
    """The user turns SMS back on from their settings after a STOP."""
    if user.phone:
        SmsOptOut.objects.filter(phone=user.phone).delete()
