import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from questions.models import Attachment, Question
from questions.services import expire_overdue_questions
from tests.conftest import PNG_BYTES, in_hours, pdf

pytestmark = pytest.mark.django_db


def question_data(maths, sss3, **overrides):
    data = {
        "title": "Balance this redox equation",
        "body": "I keep getting the electrons wrong.",
        "subject": maths.pk,
        "level": sss3.pk,
        "deadline": timezone.localtime(in_hours(30)).strftime("%Y-%m-%dT%H:%M"),
        "currency": "NGN",
        "budget": "7,500",
    }
    return {**data, **overrides}


def test_a_student_posts_a_question_with_an_attachment(client, ada, maths, sss3):
    client.force_login(ada)

    response = client.post(
        reverse("question_new"), {**question_data(maths, sss3), "attachments": [pdf("notes.pdf")]}, follow=True
    )

    question = Question.objects.get()
    assert question.student == ada and question.budget == 750_000 and question.currency == "NGN"
    assert "Your question is posted" in response.text
    assert "Balance this redox equation" in response.text
    assert "₦7,500" in response.text
    assert "notes.pdf" in response.text
    assert "due in 29 h" in response.text


def test_markdown_is_rendered_and_sanitised(client, ada, maths, sss3):
    client.force_login(ada)
    body = "**bold** <script>alert(1)</script> <style>p{}</style> [click](javascript:alert(1)) [ok](https://ok.example)"

    client.post(reverse("question_new"), question_data(maths, sss3, body=body))

    html = Question.objects.get().body_html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "<style" not in html and "javascript:" not in html
    assert 'href="https://ok.example"' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": "2020-01-01T10:00"}, "deadline", "Give tutors at least an hour"),
        ({"budget": "50"}, "budget", "The smallest budget in NGN is ₦1,000."),
        ({"budget": "five thousand"}, "budget", "Enter an amount like 5000"),
        ({"budget": "5000.555"}, "budget", "at most 2 digits after the point"),
        ({"currency": "XYZ"}, "currency", "Select a valid choice"),
        ({"title": ""}, "title", "This field is required."),
    ],
)
def test_bad_question_input_is_explained_and_nothing_is_saved(client, ada, maths, sss3, overrides, field, message):
    client.force_login(ada)

    response = client.post(reverse("question_new"), question_data(maths, sss3, **overrides))

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Question.objects.exists()


def test_a_file_is_checked_by_its_content_not_its_name(client, ada, maths, sss3):
    client.force_login(ada)
    disguised = SimpleUploadedFile("homework.pdf", b"MZ\x90\x00 not really a pdf", content_type="application/pdf")

    response = client.post(reverse("question_new"), {**question_data(maths, sss3), "attachments": [disguised]})

    assert response.status_code == 400
    assert "Only PDF, Word (.docx) and image files" in response.text
    assert not Question.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, ada, maths, sss3, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(ada)
    big = SimpleUploadedFile("scan.png", PNG_BYTES + b"\x00" * 2048, content_type="image/png")

    response = client.post(reverse("question_new"), {**question_data(maths, sss3), "attachments": [big]})

    assert "Each file can be at most" in response.text
    assert not Question.objects.exists()


def test_tutors_cannot_post_questions(client, bola):
    client.force_login(bola)

    assert client.get(reverse("question_new")).status_code == 403


def test_a_student_edits_an_open_question(client, ada, question, maths, sss3):
    client.force_login(ada)

    client.post(reverse("question_edit", args=[question.pk]), question_data(maths, sss3, title="A better title"))

    question.refresh_from_db()
    assert question.title == "A better title"
    assert question.budget == 750_000


def test_a_stranger_cannot_edit_or_cancel_someone_elses_question(client, dayo, question, maths, sss3):
    client.force_login(dayo)

    edit = client.post(reverse("question_edit", args=[question.pk]), question_data(maths, sss3, title="Hacked"))
    cancel = client.post(reverse("question_cancel", args=[question.pk]))

    assert edit.status_code == 404 and cancel.status_code == 404
    question.refresh_from_db()
    assert question.title == "Solve a quadratic equation"
    assert question.status == Question.Status.OPEN


def test_a_question_cannot_be_edited_once_a_bid_is_accepted(client, ada, engagement, maths, sss3):
    client.force_login(ada)

    response = client.post(
        reverse("question_edit", args=[engagement.question_id]),
        question_data(maths, sss3, title="Changed"),
        follow=True,
    )

    assert "can no longer be edited" in response.text
    assert Question.objects.get().title == "Solve a quadratic equation"


def test_a_student_cancels_an_open_question_and_tutors_can_no_longer_bid(client, ada, question, bola):
    client.force_login(ada)
    client.post(reverse("question_cancel", args=[question.pk]))
    client.force_login(bola)

    response = client.post(
        reverse("bid_place", args=[question.pk]), {"amount": "5000", "delivery_hours": 5, "message": "hi"}
    )

    question.refresh_from_db()
    assert question.status == Question.Status.CANCELLED
    assert response.status_code == 404  # a closed question is gone from tutors who never bid
    assert list(question.events.values_list("to_status", flat=True)) == ["cancelled"]


def test_attachments_are_served_to_the_student_as_a_download(client, ada, question):
    attachment = question.attachments.get()
    client.force_login(ada)

    response = client.get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="worksheet.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_bidders_and_staff_get_the_attachments_but_not_other_tutors_or_strangers(
    client, question, bola, chen, dayo, staff, bola_bid
):
    url = question.attachments.get().get_absolute_url()
    for user, status in [(bola, 200), (staff, 200), (chen, 404), (dayo, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.email


def test_a_tutor_who_has_not_bid_is_told_how_many_files_there_are(client, question, chen):
    client.force_login(chen)

    response = client.get(question.get_absolute_url())

    assert "1 file attached: bid to see it." in response.text
    assert "worksheet.pdf" not in response.text


def test_another_student_cannot_see_a_question(client, question, dayo):
    client.force_login(dayo)

    assert client.get(question.get_absolute_url()).status_code == 404


def test_questions_past_their_deadline_expire(question):
    assert expire_overdue_questions(now=in_hours(49)) == 1

    question.refresh_from_db()
    assert question.status == Question.Status.EXPIRED


def test_my_questions_lists_the_students_questions_with_their_status(client, ada, question, dayo):
    client.force_login(ada)

    response = client.get(reverse("my_questions"))

    assert "Solve a quadratic equation" in response.text
    assert "Open for bids" in response.text
    client.force_login(dayo)
    assert "Solve a quadratic equation" not in client.get(reverse("my_questions")).text
