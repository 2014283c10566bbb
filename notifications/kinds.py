"""Every kind of notification: who may get it, its default channels and its texts.

Texts are `str.format` templates over the context the caller passes to `notify()`.
`url` (a path on this site) is turned into a short link by `notify()`; every other
key a kind uses must be passed, so a typo fails in the caller's tests, not at 3 a.m.
"""

from dataclasses import dataclass

SMS = "sms"
EMAIL = "email"
IN_APP = "in_app"
CHANNELS = (IN_APP, EMAIL, SMS)
CHANNEL_LABELS = {IN_APP: "In the app", EMAIL: "Email", SMS: "SMS"}

STUDENT = "student"
TUTOR = "tutor"
STAFF = "staff"
ANYONE = (STUDENT, TUTOR, STAFF)

MONEY = frozenset({IN_APP, EMAIL, SMS})  # money and acceptance: everywhere
IMPORTANT = frozenset({IN_APP, EMAIL})
CHATTY = frozenset({IN_APP})


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # on the preferences page
    title: str  # in-app heading and email subject
    sms: str  # <= 160 GSM characters with a typical title and the link
    defaults: frozenset[str]
    roles: tuple[str, ...] = ANYONE
    urgent: bool = False  # urgent SMS ignore quiet hours
    configurable: bool = True  # shown on the preferences page

    @property
    def needs(self) -> set[str]:
        """Context keys the texts use (besides `link`)."""
        import string

        keys = {name for text in (self.title, self.sms) for _, name, _, _ in string.Formatter().parse(text) if name}
        return keys - {"link"}


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in [
        Kind(
            "new_bid",
            "A tutor bids on my question",
            'New bid of {amount_display} from {tutor_name} on "{question_title}"',
            'Expert Hive: {tutor_name} bid {amount_display} on "{question_title}". Compare bids: {link}',
            IMPORTANT,
            roles=(STUDENT,),
        ),
        Kind(
            "bid_accepted",
            "My bid is accepted",
            'Your bid on "{question_title}" was accepted',
            'Expert Hive: your bid on "{question_title}" was accepted. Start here: {link}',
            MONEY,
            roles=(TUTOR,),
            urgent=True,
        ),
        Kind(
            "invited",
            "A student invites me to bid",
            '{student_name} invites you to bid on "{question_title}"',
            'Expert Hive: {student_name} invites you to bid on "{question_title}". See it: {link}',
            IMPORTANT,
            roles=(TUTOR,),
        ),
        Kind(
            "question_taken",
            "A question I bid on went to another tutor",
            '"{question_title}" went to another tutor',
            'Expert Hive: "{question_title}" went to another tutor. More questions: {link}',
            CHATTY,
            roles=(TUTOR,),
        ),
        Kind(
            "payment_held",
            "Payment received and held",
            'Payment of {amount_display} for "{question_title}" is held safely',
            'Expert Hive: {amount_display} for "{question_title}" is held safely until the work is approved. {link}',
            MONEY,
            roles=(STUDENT, TUTOR),
            urgent=True,
        ),
        Kind(
            "work_delivered",
            "Work delivered",
            'The work for "{question_title}" is delivered',
            'Expert Hive: the work for "{question_title}" is ready. Approve it or ask for a revision: {link}',
            MONEY,
            roles=(STUDENT,),
            urgent=True,
        ),
        Kind(
            "revision_requested",
            "A revision is requested",
            'A revision is requested on "{question_title}"',
            'Expert Hive: the student asks for a revision on "{question_title}". Details: {link}',
            MONEY,
            roles=(TUTOR,),
        ),
        Kind(
            "work_approved",
            "Work approved and payment released",
            'Work approved: {amount_display} released for "{question_title}"',
            'Expert Hive: "{question_title}" approved. {amount_display} is released to your earnings. {link}',
            MONEY,
            roles=(TUTOR,),
            urgent=True,
        ),
        Kind(
            "payout_sent",
            "Payout sent",
            "Payout of {amount_display} sent to your bank",
            "Expert Hive: your payout of {amount_display} is on its way to your bank. {link}",
            MONEY,
            roles=(TUTOR,),
            urgent=True,
        ),
        Kind(
            "payout_failed",
            "Payout failed",
            "Payout of {amount_display} failed",
            "Expert Hive: your payout of {amount_display} failed ({reason}). Check your bank details: {link}",
            MONEY,
            roles=(TUTOR,),
            urgent=True,
        ),
        Kind(
            "new_review",
            "A student reviews me",
            'New {rating}-star review for "{question_title}"',
            'Expert Hive: you got a {rating}-star review for "{question_title}". Read it: {link}',
            IMPORTANT,
            roles=(TUTOR,),
        ),
        Kind(
            "new_message",
            "A new chat message while I'm away",
            'New message from {sender_name} about "{question_title}"',
            'Expert Hive: {sender_name} sent you a message about "{question_title}". Reply: {link}',
            CHATTY,
            roles=(STUDENT, TUTOR),
        ),
        Kind(
            "matching_question",
            "A new question matches my subjects",
            'New {subject_name} question: "{question_title}"',
            'Expert Hive: new {subject_name} question "{question_title}". Bid now: {link}',
            CHATTY,
            roles=(TUTOR,),
        ),
        Kind(
            "dispute_opened",
            "A dispute is opened",
            'A dispute was opened on "{question_title}"',
            'Expert Hive: a dispute was opened on "{question_title}". Payment stays held. Respond: {link}',
            MONEY,
            roles=(STUDENT, TUTOR),
            urgent=True,
        ),
        Kind(
            "dispute_resolved",
            "A dispute is resolved",
            'Dispute on "{question_title}" resolved: {outcome}',
            'Expert Hive: dispute on "{question_title}" resolved: {outcome}. {link}',
            MONEY,
            roles=(STUDENT, TUTOR),
            urgent=True,
        ),
        Kind(
            "dispute_to_decide",
            "A dispute needs a staff decision",
            'Dispute to decide: "{question_title}", {amount_display} held',
            'Expert Hive staff: a dispute on "{question_title}" needs a decision ({amount_display} held). {link}',
            IMPORTANT,
            roles=(STAFF,),
        ),
        Kind(
            "deadline_soon",
            "A deadline is near",
            '"{question_title}" is due {due_display}',
            'Expert Hive: "{question_title}" is due {due_display}. Open it: {link}',
            frozenset({IN_APP, SMS}),
            roles=(STUDENT, TUTOR),
            urgent=True,
        ),
        Kind(
            "phone_code",
            "Phone verification code",
            "Your verification code",
            "{code} is your Expert Hive code. It expires in 10 minutes. Never share it.",
            frozenset({SMS}),
            urgent=True,
            configurable=False,
        ),
    ]
}

# Matching questions arrive in bursts: after one SMS or email, the rest of the hour is a digest.
DIGEST_KIND = "matching_question"
DIGEST_SMS = 'Expert Hive: {count} new questions match your subjects, e.g. "{question_title}". Bid now: {link}'
DIGEST_TITLE = "{count} new questions match your subjects"


def configurable_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.configurable]
