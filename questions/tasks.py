from django.db.models import Q
from django.tasks import task

from accounts.models import TutorProfile
from notifications.services import notify
from questions.models import Question

MAX_ANNOUNCED = 200  # enough tutors to get bids quickly without texting a whole subject at once


@task
def announce_question(*, question_id: int) -> int:
    """Tell tutors who teach the subject (and the level, when they list levels) about a new question."""
    question = Question.objects.select_related("subject", "level").get(pk=question_id)
    if not question.is_open:
        return 0
    tutors = (
        TutorProfile.objects.public()
        .filter(subjects=question.subject)
        .filter(Q(levels=question.level) | Q(levels__isnull=True))
        .exclude(user_id=question.student_id)
        .distinct()[:MAX_ANNOUNCED]
    )
    for profile in tutors:
        notify(
            profile.user,
            "matching_question",
            subject_name=question.subject.name,
            question_title=question.title,
            url=question.get_absolute_url(),
        )
    return len(tutors)
