"""Who may see which money records: the engagement's student (payments), the tutor (their earnings,
bank accounts and payouts) and staff. Everyone else gets a 404, as if nothing were there."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from payments.models import BankAccount, Payment


def get_payment_for(user: User, reference: str) -> Payment:
    payment = get_object_or_404(Payment.objects.select_related("engagement"), reference=reference)
    if not (user.is_staff or user.pk == payment.student_id):
        raise Http404("No such payment.")
    return payment


def get_bank_account_for(user: User, pk: int) -> BankAccount:
    return get_object_or_404(BankAccount, pk=pk, user_id=user.pk)


def require_tutor(user: User) -> None:
    if not user.is_tutor:
        raise Http404("Earnings are for tutors.")


def require_staff(user: User) -> None:
    if not user.is_staff:
        raise Http404("No such page.")
