"""The shapes the API reads and writes. Inputs are bounded so no value can reach the database
unchecked (no NUL characters, no integers past 64 bits, no naive datetimes)."""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from ninja import Field, Path, Schema
from pydantic import AwareDatetime, StringConstraints, model_validator

from chat.services import CLIENT_ID
from chat.services import MAX_LENGTH as CHAT_MAX_LENGTH
from core.money import format_money

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
MAX_ID = 2**63 - 1
MAX_MINOR = 10**15  # ten trillion in major units: more than any budget, less than a 64-bit column
MAX_SEQ = 2**31 - 1  # a message's sequence number is a 32-bit column


def _text(max_length: int, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL)


Title = Annotated[str, _text(150, 1)]
Body = Annotated[str, _text(20_000, 1)]
Message = Annotated[str, _text(2000, 1)]
Reason = Annotated[str, _text(2000)]
ReviewText = Annotated[str, _text(3000, 1)]
Name = Annotated[str, _text(100)]
Email = Annotated[str, _text(254, 1)]
Search = Annotated[str, _text(200)]
DeliveryText = Annotated[str, _text(20_000)]
ChatText = Annotated[str, _text(CHAT_MAX_LENGTH, 1)]


Slug = Annotated[str, StringConstraints(max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Minor = Annotated[int, Field(ge=0, le=MAX_MINOR, description="Minor units (kobo, cents).")]
Stars = Annotated[int, Field(ge=1, le=5)]
Cursor = Annotated[str, StringConstraints(max_length=200, pattern=r"^[-A-Za-z0-9_=]*$")]
Limit = Annotated[int, Field(ge=1, le=50)]
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ, description="A message's sequence number in its conversation.")]
ClientId = Annotated[str, StringConstraints(pattern=f"^{CLIENT_ID.pattern}$")]


def object_id(name: str) -> int:
    """A path id: a positive 64-bit integer, so huge numbers are a 422, never a database error."""
    return Path(..., ge=1, le=MAX_ID, description=f"The {name}'s id.")


# --- Shared pieces --------------------------------------------------------------------------


class Money(Schema):
    amount: int = Field(description="Minor units (kobo, cents).")
    currency: str
    display: str = Field(description='Formatted for people, e.g. "₦5,000".')


def money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency, display=format_money(amount, currency))


def money_or_none(amount: int | None, currency: str) -> Money | None:
    return None if amount is None else money(amount, currency)


class CatalogRef(Schema):
    slug: str
    name: str


class PersonRef(Schema):
    id: int
    name: str


class ErrorDetail(Schema):
    code: str = Field(description="Stable, e.g. invalid, forbidden, not_found, invalid_state.")
    message: str
    fields: dict[str, list[str]]


class Error(Schema):
    error: ErrorDetail


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
RATE_LIMITED = {**ERRORS, 429: Error}


# --- Accounts and tokens ------------------------------------------------------------------------


class TokenIn(Schema):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
    name: Name = ""


class TokenOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`. Shown only once.")
    id: int
    name: str
    created_at: datetime


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    is_staff: bool
    phone: str
    phone_verified: bool


class CatalogOut(Schema):
    subjects: list[CatalogRef]
    levels: list[CatalogRef]


# --- Questions -----------------------------------------------------------------------------------


class QuestionIn(Schema):
    title: Title
    body: Body
    subject: Slug
    level: Slug
    deadline: AwareDatetime = Field(description="With a time zone, e.g. 2030-01-31T18:00:00+01:00.")
    budget: Minor
    currency: Currency = Field(default_factory=lambda: settings.DEFAULT_CURRENCY)


class QuestionPatch(Schema):
    title: Title | None = None
    body: Body | None = None
    subject: Slug | None = None
    level: Slug | None = None
    deadline: AwareDatetime | None = None
    budget: Minor | None = None
    currency: Currency | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class QuestionOut(Schema):
    id: int
    title: str
    subject: CatalogRef
    level: CatalogRef
    deadline: datetime
    budget: Money
    status: str
    is_open: bool
    bid_count: int
    lowest_bid: Money | None
    created_at: datetime
    updated_at: datetime


class QuestionDetailOut(QuestionOut):
    body: str
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    is_owner: bool
    attachment_count: int
    attachments: list[AttachmentOut] | None = Field(description="null when you may not see the files.")


class QuestionPage(Schema):
    items: list[QuestionOut]
    next_cursor: str | None


class FeedQuery(Schema):
    q: Search = ""
    subject: Slug | None = None
    level: Slug | None = None
    currency: Currency | None = Field(None, description="Defaults to the site's currency when a budget is given.")
    budget_min: Minor | None = None
    budget_max: Minor | None = None
    due_within_hours: int | None = Field(None, ge=1, le=24 * 90)
    cursor: Cursor = ""
    limit: Limit = 20


class PageQuery(Schema):
    cursor: Cursor = ""
    limit: Limit = 20


class ReasonIn(Schema):
    reason: Reason = ""


def reason(payload: ReasonIn | None) -> str:
    """The body is optional: an empty POST means no reason given."""
    return payload.reason if payload else ""


# --- Bids ----------------------------------------------------------------------------------------


class BidIn(Schema):
    amount: Minor
    message: Message
    delivery_hours: int = Field(ge=1, le=60 * 24, description="Hours after payment by which the work is delivered.")


class BidPatch(Schema):
    amount: Minor | None = None
    message: Message | None = None
    delivery_hours: int | None = Field(None, ge=1, le=60 * 24)


class BidTutor(PersonRef):
    rating: float | None
    review_count: int
    completed_count: int


class BidOut(Schema):
    id: int
    question_id: int
    tutor: BidTutor
    amount: Money
    message: str = Field(description="Private to the tutor, the question's student and staff.")
    delivery_hours: int
    status: str
    created_at: datetime
    updated_at: datetime


class BidQuery(Schema):
    sort: str = Field("price", pattern=r"^(price|rating|delivery)$")


# --- Engagements ---------------------------------------------------------------------------------


class QuestionRef(Schema):
    id: int
    title: str


class EngagementOut(Schema):
    id: int
    status: str
    question: QuestionRef
    bid_id: int
    student: PersonRef
    tutor: PersonRef
    price: Money
    revisions_used: int
    revisions_left: int
    created_at: datetime
    payment_due_at: datetime
    funded_at: datetime | None
    due_at: datetime | None
    delivered_at: datetime | None
    auto_approve_at: datetime | None
    completed_at: datetime | None


class DeliveryFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class DeliveryOut(Schema):
    id: int
    message: str
    message_html: str
    created_at: datetime
    files: list[DeliveryFileOut]


class EventOut(Schema):
    from_status: str
    to_status: str
    actor_id: int | None
    note: str
    created_at: datetime


class EngagementDetailOut(EngagementOut):
    deliveries: list[DeliveryOut]
    events: list[EventOut]
    review_id: int | None
    can_cancel: bool


class EngagementPage(Schema):
    items: list[EngagementOut]
    next_cursor: str | None


class EngagementQuery(PageQuery):
    status: str | None = Field(None, pattern=r"^(awaiting_payment|in_progress|delivered|completed|disputed|cancelled)$")


# --- Reviews and tutors -----------------------------------------------------------------------------


class ReviewIn(Schema):
    overall: Stars
    knowledge: Stars
    clarity: Stars
    timeliness: Stars
    communication: Stars
    text: ReviewText


class ReviewOut(Schema):
    id: int
    engagement_id: int
    tutor_id: int
    student: PersonRef
    question_title: str
    overall: int
    knowledge: int
    clarity: int
    timeliness: int
    communication: int
    text: str
    reply: str
    replied_at: datetime | None
    created_at: datetime
    editable_until: datetime


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


class TutorStatsOut(Schema):
    rating: float | None
    review_count: int
    sub_ratings: dict[str, float | None]
    completed_count: int
    on_time_rate: int | None = Field(description="Percent of completed work delivered on time.")
    response_hours: float | None = Field(description="Average hours from a question's posting to this tutor's bid.")


class TutorOut(Schema):
    id: int
    name: str
    headline: str
    bio: str
    qualifications: str
    subjects: list[CatalogRef]
    levels: list[CatalogRef]
    stats: TutorStatsOut
    recent_reviews: list[ReviewOut]


# --- Chat ------------------------------------------------------------------------------------------


class EngagementRef(Schema):
    id: int
    status: str


class ConversationOut(Schema):
    id: int
    question: QuestionRef
    bid_id: int
    engagement: EngagementRef | None = Field(description="Once the bid is accepted, the chat continues there.")
    other: PersonRef = Field(description="The person you are talking to.")
    last_seq: int = Field(description="The newest message's sequence number (0: no messages yet).")
    last_read_seq: int = Field(description="How far you have read.")
    unread: int
    last_message_at: datetime | None
    created_at: datetime


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class ChatFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    seq: int
    sender: PersonRef
    client_id: str
    text: str = Field(description="As stored: contact details sent before payment are already hidden.")
    html: str = Field(description="The text rendered from Markdown and sanitised.")
    masked: bool = Field(description="Contact details were hidden (the message was sent before payment).")
    created_at: datetime
    files: list[ChatFileOut]


class MessageQuery(Schema):
    after: Seq | None = Field(None, description="Messages after this one, oldest first: resume from the last you have.")
    before: Seq | None = Field(None, description="Messages before this one: scroll back. Neither: the newest.")
    limit: Annotated[int, Field(ge=1, le=100)] = 50

    @model_validator(mode="after")
    def one_direction(self):
        if self.after is not None and self.before is not None:
            raise ValueError("Send after or before, not both.")
        return self


class After(Schema):
    after: int


class Before(Schema):
    before: int


class ReadMark(Schema):
    user_id: int
    seq: int


class MessagePage(Schema):
    items: list[MessageOut] = Field(description="Oldest first.")
    next: After | Before | None = Field(description="Query parameters for the next page this way; null at the end.")
    last_seq: int
    read_marks: list[ReadMark] = Field(description="How far each person in the conversation has read.")


class MessageIn(Schema):
    text: ChatText
    client_id: ClientId | None = Field(
        None,
        description="Your id for this message (8-64 letters, digits, - or _). Send the same id again when "
        "retrying and the message is stored once.",
    )


class MessagePosted(Schema):
    message: MessageOut
    notice: str | None = Field(description="Set when contact details were hidden: tell the sender why.")


class ReadIn(Schema):
    seq: Seq


class ReadOut(Schema):
    last_read_seq: int


# --- Notifications -----------------------------------------------------------------------------


class NotificationQuery(PageQuery):
    unread: bool = False


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    url: str = Field(description="The page on the site it is about (a path), or empty.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int


class MarkedRead(Schema):
    marked: int
