"""Writes for notifications, one module per job. `notify()` is the one entry point for the rest of the site.

outbox               rows to send, handed to the worker after commit (the bottom: imports no sibling)
preferences          channel choices, quiet hours, whether a phone may be texted
notify               notify() and the hourly digest            -> outbox, preferences
delivery             one attempt at a time, retries, the safety net -> outbox
phone_verification   codes by SMS within anti-abuse limits      -> outbox
reports              provider delivery reports, STOP and START
reads                marking read (the live badge)
"""

from notifications.services.delivery import MAX_ATTEMPTS, backoff, deliver_due_messages, deliver_message, retry_messages
from notifications.services.notify import notify, short_link
from notifications.services.phone_verification import (
    VerificationRefused,
    confirm_phone_code,
    current_verification,
    send_phone_code,
)
from notifications.services.preferences import (
    enabled_channels,
    quiet_hours_end,
    save_preferences,
    sms_opt_in,
    sms_reachable,
)
from notifications.services.reads import mark_all_read, mark_read
from notifications.services.reports import e164, record_delivery_report, record_inbound_sms, record_opt_out

__all__ = [
    "MAX_ATTEMPTS",
    "VerificationRefused",
    "backoff",
    "confirm_phone_code",
    "current_verification",
    "deliver_due_messages",
    "deliver_message",
    "e164",
    "enabled_channels",
    "mark_all_read",
    "mark_read",
    "notify",
    "quiet_hours_end",
    "record_delivery_report",
    "record_inbound_sms",
    "record_opt_out",
    "retry_messages",
    "save_preferences",
    "send_phone_code",
    "short_link",
    "sms_opt_in",
    "sms_reachable",
]
