"""Models to API shapes. Each function reads only what its caller already fetched (no queries),
except where it says so; that is what keeps list endpoints at a fixed number of queries."""

from django.urls import reverse

from accounts.models import TutorProfile, User
from api import schemas as s
from bidding.models import Bid, TutorStats
from catalog.models import Level, Subject
from chat.models import Message, MessageFile, Participant
from engagements.models import Delivery, Engagement, EngagementEvent
from notifications.models import Notification
from questions.models import Attachment, Question
from reviews.models import Review


def catalog_ref(item: Subject | Level) -> s.CatalogRef:
    return s.CatalogRef(slug=item.slug, name=item.name)


def person(user: User) -> s.PersonRef:
    return s.PersonRef(id=user.pk, name=user.full_name)


def me(user: User) -> s.MeOut:
    return s.MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        is_staff=user.is_staff,
        phone=str(user.phone or ""),
        phone_verified=user.phone_verified_at is not None,
    )


def _question_fields(question: Question) -> dict:
    return {
        "id": question.pk,
        "title": question.title,
        "subject": catalog_ref(question.subject),
        "level": catalog_ref(question.level),
        "deadline": question.deadline,
        "budget": s.money(question.budget, question.currency),
        "status": question.status,
        "is_open": question.is_open,
        "bid_count": question.bid_count,
        "lowest_bid": s.money_or_none(question.lowest_bid, question.currency),
        "created_at": question.created_at,
        "updated_at": question.updated_at,
    }


def question(question: Question) -> s.QuestionOut:
    """Needs subject and level selected with the question."""
    return s.QuestionOut(**_question_fields(question))


def attachment(item: Attachment) -> s.AttachmentOut:
    url = reverse("api-1:attachment_download", args=[item.pk])
    return s.AttachmentOut(id=item.pk, name=item.original_name, content_type=item.content_type, size=item.size, url=url)


def question_detail(question: Question, *, user: User, attachments: list[Attachment] | None) -> s.QuestionDetailOut:
    """`attachments` is None when the user may not see the files (the caller asks the access helper)."""
    return s.QuestionDetailOut(
        **_question_fields(question),
        body=question.body,
        body_html=question.body_html,
        is_owner=question.student_id == user.pk,
        attachment_count=len(attachments) if attachments is not None else question.attachments.count(),
        attachments=[attachment(item) for item in attachments] if attachments is not None else None,
    )


def _stats(user: User) -> TutorStats | None:
    # Selected with the user; a tutor with no track record yet has no row.
    return getattr(user, "stats", None)


def bid(bid: Bid) -> s.BidOut:
    """Needs tutor and tutor__stats selected with the bid."""
    stats = _stats(bid.tutor)
    tutor = s.BidTutor(
        id=bid.tutor_id,
        name=bid.tutor.full_name,
        rating=stats.rating if stats else None,
        review_count=stats.review_count if stats else 0,
        completed_count=stats.completed_count if stats else 0,
    )
    return s.BidOut(
        id=bid.pk,
        question_id=bid.question_id,
        tutor=tutor,
        amount=s.money(bid.amount, bid.currency),
        message=bid.message,
        delivery_hours=bid.delivery_hours,
        status=bid.status,
        created_at=bid.created_at,
        updated_at=bid.updated_at,
    )


def _engagement_fields(engagement: Engagement) -> dict:
    return {
        "id": engagement.pk,
        "status": engagement.status,
        "question": s.QuestionRef(id=engagement.question_id, title=engagement.question.title),
        "bid_id": engagement.bid_id,
        "student": person(engagement.student),
        "tutor": person(engagement.tutor),
        "price": s.money(engagement.amount, engagement.currency),
        "revisions_used": engagement.revisions_used,
        "revisions_left": engagement.revisions_left,
        "created_at": engagement.created_at,
        "payment_due_at": engagement.payment_due_at,
        "funded_at": engagement.funded_at,
        "due_at": engagement.due_at,
        "delivered_at": engagement.delivered_at,
        "auto_approve_at": engagement.auto_approve_at,
        "completed_at": engagement.completed_at,
    }


def engagement(engagement: Engagement) -> s.EngagementOut:
    """Needs question, student and tutor selected with the engagement."""
    return s.EngagementOut(**_engagement_fields(engagement))


def delivery(item: Delivery) -> s.DeliveryOut:
    files = [
        s.DeliveryFileOut(
            id=file.pk,
            name=file.original_name,
            content_type=file.content_type,
            size=file.size,
            url=reverse("api-1:delivery_file_download", args=[file.pk]),
        )
        for file in item.files.all()
    ]
    return s.DeliveryOut(
        id=item.pk, message=item.message, message_html=item.message_html, created_at=item.created_at, files=files
    )


def event(item: EngagementEvent) -> s.EventOut:
    return s.EventOut(
        from_status=item.from_status,
        to_status=item.to_status,
        actor_id=item.actor_id,
        note=item.note,
        created_at=item.created_at,
    )


def engagement_detail(
    engagement: Engagement,
    *,
    deliveries: list[Delivery],
    events: list[EngagementEvent],
    review_id: int | None,
    can_cancel: bool,
) -> s.EngagementDetailOut:
    return s.EngagementDetailOut(
        **_engagement_fields(engagement),
        deliveries=[delivery(item) for item in deliveries],
        events=[event(item) for item in events],
        review_id=review_id,
        can_cancel=can_cancel,
    )


def review(review: Review) -> s.ReviewOut:
    """Needs student and engagement__question selected with the review."""
    return s.ReviewOut(
        id=review.pk,
        engagement_id=review.engagement_id,
        tutor_id=review.tutor_id,
        student=s.PersonRef(id=review.student_id, name=review.student.get_short_name()),
        question_title=review.engagement.question.title,
        overall=review.overall,
        knowledge=review.knowledge,
        clarity=review.clarity,
        timeliness=review.timeliness,
        communication=review.communication,
        text=review.text,
        reply=review.reply,
        replied_at=review.replied_at,
        created_at=review.created_at,
        editable_until=review.editable_until,
    )


def tutor_stats(stats: TutorStats | None) -> s.TutorStatsOut:
    stats = stats or TutorStats()
    return s.TutorStatsOut(
        rating=stats.rating,
        review_count=stats.review_count,
        sub_ratings={name.lower(): value for name, value in stats.sub_ratings.items()},
        completed_count=stats.completed_count,
        on_time_rate=stats.on_time_rate,
        response_hours=stats.response_hours,
    )


def tutor(profile: TutorProfile, *, stats: TutorStats | None, reviews: list[Review]) -> s.TutorOut:
    """Reads the profile's subjects and levels (prefetch them)."""
    return s.TutorOut(
        id=profile.user_id,
        name=profile.user.full_name,
        headline=profile.headline,
        bio=profile.bio,
        qualifications=profile.qualifications,
        subjects=[catalog_ref(item) for item in profile.subjects.all()],
        levels=[catalog_ref(item) for item in profile.levels.all()],
        stats=tutor_stats(stats),
        recent_reviews=[review(item) for item in reviews],
    )


def conversation(row: Participant, *, user: User) -> s.ConversationOut:
    """A row of `Participant.objects.inbox(user)` (the conversation and its relations selected)."""
    chat = row.conversation
    engagement = getattr(chat.bid, "engagement", None)
    return s.ConversationOut(
        id=chat.pk,
        question=s.QuestionRef(id=chat.bid.question_id, title=chat.bid.question.title),
        bid_id=chat.bid_id,
        engagement=s.EngagementRef(id=engagement.pk, status=engagement.status) if engagement else None,
        other=person(chat.other_party(user)),  # type: ignore[arg-type]
        last_seq=chat.last_seq,
        last_read_seq=row.last_read_seq,
        unread=row.unread,
        last_message_at=chat.last_message_at,
        created_at=chat.created_at,
    )


def chat_file(item: MessageFile) -> s.ChatFileOut:
    url = reverse("api-1:download_chat_file", args=[item.pk])
    return s.ChatFileOut(id=item.pk, name=item.original_name, content_type=item.content_type, size=item.size, url=url)


def chat_message(message: Message) -> s.MessageOut:
    """Needs sender selected and files prefetched (`Message.objects.with_files()`)."""
    return s.MessageOut(
        id=message.pk,
        seq=message.seq,
        sender=person(message.sender),
        client_id=message.client_id,
        text=message.text,
        html=message.html,
        masked=message.masked,
        created_at=message.created_at,
        files=[chat_file(item) for item in message.files.all()],
    )


def notification(item: Notification) -> s.NotificationOut:
    return s.NotificationOut(
        id=item.pk,
        kind=item.kind,
        title=item.title,
        url=item.url,
        created_at=item.created_at,
        read_at=item.read_at,
    )
