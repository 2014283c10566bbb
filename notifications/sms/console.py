import logging

from notifications.sms import BaseSmsBackend, SmsMessage

logger = logging.getLogger("notifications.sms")


class ConsoleBackend(BaseSmsBackend):
    """Development: the text (verification codes included) goes to the log instead of a phone."""

    name = "console"

    def send(self, message: SmsMessage) -> str:
        logger.info("SMS to %s: %s", message.to, message.body)
        return f"console-{message.idempotency_key}"
