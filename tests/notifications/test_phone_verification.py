"""Phone verification by a 6-digit SMS code: expiry, single use, wrong tries, resend limits."""

import re

import pytest

from accounts.models import User
from notifications import sms
from notifications.models import OutboundMessage, PhoneVerification
from notifications.services import VerificationRefused, confirm_phone_code, send_phone_code
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def texted_code() -> str:
    return re.match(r"(\d{6}) is your Expert Hive code", sms.outbox[-1].body).group(1)


def send(user, after_commit, ip="102.89.1.1"):
    with after_commit():
        return send_phone_code(user=user, ip=ip)


def refusal(func, **kwargs) -> str:
    with pytest.raises(VerificationRefused) as caught:
        func(**kwargs)
    return str(caught.value)


def test_it_texts_a_six_digit_code_that_verifies_the_phone(ada, clock, after_commit):
    send(ada, after_commit)

    confirm_phone_code(user=ada, code=texted_code())

    ada.refresh_from_db()
    assert ada.phone_verified_at == clock.now
    assert sms.outbox[0].to == "+2348031234567"


def test_the_code_is_stored_hashed_and_removed_from_the_outbox_once_sent(ada, clock, after_commit):
    send(ada, after_commit)
    code = texted_code()

    assert code not in PhoneVerification.objects.get().code_hash
    assert code not in OutboundMessage.objects.get(kind="phone_code").body


def test_a_wrong_code_says_how_many_tries_are_left(ada, clock, after_commit):
    send(ada, after_commit)

    message = refusal(confirm_phone_code, user=ada, code="000000" if texted_code() != "000000" else "111111")

    assert message == "That code is not right. Check the text and try again (4 tries left)."


def test_five_wrong_tries_lock_the_code_even_the_right_one(ada, clock, after_commit):
    send(ada, after_commit)
    right = texted_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        refusal(confirm_phone_code, user=ada, code=wrong)

    fifth = refusal(confirm_phone_code, user=ada, code=wrong)
    after = refusal(confirm_phone_code, user=ada, code=right)

    assert fifth == after == "Too many wrong tries for this code. Send yourself a new one."
    assert User.objects.get(pk=ada.pk).phone_verified_at is None


def test_a_code_expires_after_ten_minutes(ada, clock, after_commit):
    send(ada, after_commit)
    clock.advance(minutes=10)

    assert refusal(confirm_phone_code, user=ada, code=texted_code()) == (
        "That code has expired. Send yourself a new one."
    )


def test_a_code_works_once(dayo, clock, after_commit):
    send(dayo, after_commit)
    code = texted_code()
    confirm_phone_code(user=dayo, code=code)
    User.objects.filter(pk=dayo.pk).update(phone_verified_at=None)  # even if verification were undone
    dayo.refresh_from_db()

    assert refusal(confirm_phone_code, user=dayo, code=code) == "Send yourself a code first."


def test_a_new_code_replaces_the_old_one(ada, clock, after_commit):
    send(ada, after_commit)
    old = texted_code()
    clock.advance(seconds=30)
    send(ada, after_commit)

    if old != texted_code():
        refusal(confirm_phone_code, user=ada, code=old)
    confirm_phone_code(user=ada, code=texted_code())


def test_a_resend_waits_for_a_cool_down_that_doubles(ada, clock, after_commit):
    send(ada, after_commit)
    first = refusal(send_phone_code, user=ada, ip="")
    clock.advance(seconds=30)
    send(ada, after_commit)
    clock.advance(seconds=30)

    second = refusal(send_phone_code, user=ada, ip="")

    assert first == "We just sent you a code. You can ask for another in 30 seconds."
    assert second == "We just sent you a code. You can ask for another in 30 seconds."  # 60 s after the 2nd


def test_a_phone_gets_at_most_three_codes_in_ten_minutes(ada, clock, after_commit):
    for wait in (0, 30, 60):
        clock.advance(seconds=wait)
        send(ada, after_commit)
    clock.advance(seconds=120)

    message = refusal(send_phone_code, user=ada, ip="")

    assert message == "We have sent 3 codes to this number in the last 10 minutes. Try again in 6 minutes."
    assert len(sms.outbox) == 3


def test_one_network_asks_for_at_most_ten_codes_an_hour(clock, after_commit):
    users = [
        make_user(User.Role.STUDENT, f"s{n}@example.com", f"Student {n}", f"+23480312300{n:02d}") for n in range(11)
    ]
    for user in users[:10]:
        send(user, after_commit, ip="102.89.1.1")

    message = refusal(send_phone_code, user=users[10], ip="102.89.1.1")

    assert message == "Too many codes were asked for from your network. Try again in 60 minutes."
    send(users[10], after_commit, ip="105.112.9.9")  # another network is not affected


def test_numbers_outside_the_allowed_countries_get_no_code(chen, settings, after_commit):
    settings.SMS_ALLOWED_COUNTRIES = ["NG", "GH"]

    message = refusal(send_phone_code, user=chen, ip="")

    assert message == "We can't send texts to numbers in United Kingdom yet. We can text numbers in: Nigeria, Ghana."
    assert sms.outbox == []


def test_the_code_ignores_preferences_and_goes_to_the_unverified_number(chen, after_commit):
    send(chen, after_commit)

    assert sms.outbox[0].to == "+447700900123"


# --- the pages -----------------------------------------------------------------------------------


def test_the_profile_links_to_phone_verification_until_it_is_done(client, ada):
    client.force_login(ada)

    assert "Verify your phone" in client.get("/account/profile/").text


def test_a_student_verifies_the_phone_on_the_page(client, ada, after_commit):
    client.force_login(ada)
    start = client.get("/account/phone/")
    with after_commit():
        sent = client.post("/account/phone/send/", follow=True)

    done = client.post("/account/phone/", {"code": " ".join([texted_code()[:3], texted_code()[3:]])}, follow=True)

    assert "Text me a code" in start.text
    assert "We sent a 6-digit code to +234 803 123 4567. It expires in 10 minutes." in sent.text
    assert "Your phone number +234 803 123 4567 is verified." in done.text


def test_a_wrong_code_on_the_page_is_a_clear_form_error(client, ada, after_commit):
    client.force_login(ada)
    with after_commit():
        client.post("/account/phone/send/")

    response = client.post("/account/phone/", {"code": "12345"})

    assert response.status_code == 400
    assert "Type the 6 digits from the text message." in response.text


def test_a_refused_resend_shows_why(client, ada, after_commit):
    client.force_login(ada)
    with after_commit():
        client.post("/account/phone/send/")

    response = client.post("/account/phone/send/", follow=True)

    assert "You can ask for another in 30 seconds." in response.text
