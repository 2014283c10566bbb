from notifications import sms
from notifications.sms import BaseSmsBackend, SmsMessage


class LocmemBackend(BaseSmsBackend):
    """Tests: texts are appended to `notifications.sms.outbox`. A repeated idempotency key is not sent twice."""

    name = "locmem"

    def send(self, message: SmsMessage) -> str:
        if not any(sent.idempotency_key == message.idempotency_key for sent in sms.outbox):
            sms.outbox.append(message)
        return f"locmem-{message.idempotency_key}"
