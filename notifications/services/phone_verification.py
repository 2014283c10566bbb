"""Phone verification: a short-lived 6-digit code by SMS, within anti-abuse limits."""

import secrets
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.services import mark_phone_verified
from notifications.kinds import KINDS
from notifications.models import OutboundMessage, PhoneVerification
from notifications.services.outbox import queue_message
from notifications.texts import render_sms

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
PHONE_CAP, PHONE_WINDOW = 3, timedelta(minutes=10)
IP_CAP, IP_WINDOW = 10, timedelta(hours=1)
FIRST_COOLDOWN = timedelta(seconds=30)

NO_PHONE = "Add your mobile number to your profile first."
ALREADY_VERIFIED = "Your phone number is already verified."
NO_CODE = "Send yourself a code first."
CODE_EXPIRED = "That code has expired. Send yourself a new one."
CODE_LOCKED = "Too many wrong tries for this code. Send yourself a new one."
CODE_WRONG = "That code is not right. Check the text and try again ({left} {tries} left)."
COOLDOWN = "We just sent you a code. You can ask for another in {wait}."
PHONE_CAPPED = "We have sent 3 codes to this number in the last 10 minutes. Try again in {wait}."
IP_CAPPED = "Too many codes were asked for from your network. Try again in {wait}."
COUNTRY_REFUSED = "We can't send texts to numbers in {country} yet. We can text numbers in: {allowed}."


class VerificationRefused(Exception):
    """A clear, user-facing reason why no code was sent or the code was not accepted."""


@transaction.atomic
def send_phone_code(*, user: User, ip: str = "") -> PhoneVerification:
    """Text a fresh 6-digit code to the user's phone, within the anti-abuse limits."""
    if not user.phone:
        raise VerificationRefused(NO_PHONE)
    if user.phone_verified_at:
        raise VerificationRefused(ALREADY_VERIFIED)
    _check_country(user.phone)
    now = timezone.now()
    _check_limits(user, str(user.phone), ip, now)
    code = f"{secrets.randbelow(10**6):06d}"
    verification = PhoneVerification.objects.create(
        user=user,
        phone=user.phone,
        code_hash=_hash_code(code),
        ip=ip or None,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    queue_message(
        None,
        user=user,
        kind="phone_code",
        channel=OutboundMessage.Channel.SMS,
        to=str(user.phone),
        body=render_sms(KINDS["phone_code"].sms, {"code": code}),
    )
    return verification


def _check_country(phone: Any) -> None:
    # Reserved "drama" ranges are not valid numbers, but their country code still says where they are.
    region = phonenumbers.region_code_for_number(phone) or phonenumbers.region_code_for_country_code(phone.country_code)
    allowed = settings.SMS_ALLOWED_COUNTRIES
    if region not in allowed:
        names = ", ".join(_country_name(code) for code in allowed)
        raise VerificationRefused(COUNTRY_REFUSED.format(country=_country_name(region), allowed=names))


def _country_name(region: str | None) -> str:
    from phonenumbers import geocoder

    example = phonenumbers.example_number(region) if region else None
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return name or (region or "that country")


def _check_limits(user: User, phone: str, ip: str, now: datetime) -> None:
    mine = list(
        PhoneVerification.objects.filter(user=user, created_at__gte=now - IP_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    )
    if mine:  # the wait doubles with each code asked for within the hour
        ready = mine[0] + FIRST_COOLDOWN * 2 ** (len(mine) - 1)
        if ready > now:
            raise VerificationRefused(COOLDOWN.format(wait=_wait(ready - now)))
    by_phone = PhoneVerification.objects.filter(phone=phone, created_at__gte=now - PHONE_WINDOW)
    if len(sent := list(by_phone.order_by("created_at").values_list("created_at", flat=True))) >= PHONE_CAP:
        raise VerificationRefused(PHONE_CAPPED.format(wait=_wait(sent[-PHONE_CAP] + PHONE_WINDOW - now)))
    if ip:
        by_ip = PhoneVerification.objects.filter(ip=ip, created_at__gte=now - IP_WINDOW)
        if len(sent := list(by_ip.order_by("created_at").values_list("created_at", flat=True))) >= IP_CAP:
            raise VerificationRefused(IP_CAPPED.format(wait=_wait(sent[-IP_CAP] + IP_WINDOW - now)))


def _wait(delta: timedelta) -> str:
    seconds = max(1, int(delta.total_seconds() + 0.999))
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"


def confirm_phone_code(*, user: User, code: str) -> None:
    """Check a typed code against the newest one sent; a match marks the phone verified."""
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, phone=user.phone)
            .order_by("-created_at")
            .first()
        )
        problem = _code_problem(verification, code.strip())
        if problem is None and verification is not None:
            verification.used_at = timezone.now()
            verification.save(update_fields=["used_at"])
            mark_phone_verified(user=user, phone=verification.phone)
    if problem:  # raised after commit, so a wrong try still counts
        raise VerificationRefused(problem)


def _code_problem(verification: PhoneVerification | None, code: str) -> str | None:
    if verification is None or verification.used_at:
        return NO_CODE
    if verification.wrong_tries >= MAX_WRONG_TRIES:
        return CODE_LOCKED
    if verification.expires_at <= timezone.now():
        return CODE_EXPIRED
    if _check_code(code, verification.code_hash):
        return None
    verification.wrong_tries += 1
    verification.save(update_fields=["wrong_tries"])
    left = MAX_WRONG_TRIES - verification.wrong_tries
    if not left:
        return CODE_LOCKED
    return CODE_WRONG.format(left=left, tries="try" if left == 1 else "tries")


def _hash_code(code: str, salt: str = "") -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${salted_hmac('notifications.phone-code', f'{salt}:{code}', algorithm='sha256').hexdigest()}"


def _check_code(code: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return constant_time_compare(_hash_code(code, salt), stored)


def current_verification(user: User) -> PhoneVerification | None:
    """The newest code sent to the user's current phone, if it can still be typed in."""
    verification = PhoneVerification.objects.filter(user=user, phone=user.phone).order_by("-created_at").first()
    if verification is None or verification.used_at or verification.expires_at <= timezone.now():
        return None
    return verification
