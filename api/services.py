"""Writes to API tokens: issue, use, revoke. The key is shown once; only its SHA-256 is stored."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken

KEY_PREFIX = "eht_"  # makes a leaked key easy to recognise and search for
# Writing last_used_at on every request would turn every read into a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token and its key; the key cannot be recovered later."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], key_hash=hash_key(key))
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key, with its active user; None for anything else."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), user__is_active=True).first()
    if token is not None:
        _touch(token)
    return token


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke_token(*, token: ApiToken) -> None:
    token.delete()
