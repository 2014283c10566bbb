"""Uploads in object storage, as deployed: a real S3-compatible server (moto's, over HTTP on
127.0.0.1), files that never touch the web process's disk and come back byte for byte from
another web process, private to the people who may see them, and an outage that says "try again"
and changes nothing."""

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bidding import services as bid_services
from chat import services as chat_services
from chat.models import Message, MessageFile
from engagements.models import Delivery, DeliveryFile, Engagement
from questions.models import Attachment, Question
from tests.api.conftest import ApiClient, error_code
from tests.conftest import PDF_BYTES, PNG_BYTES, pdf
from tests.test_questions import question_data

pytestmark = pytest.mark.django_db

STORE_FAILED = "Files can&#x27;t be stored just now, so nothing was saved. Please try again in a minute."
FETCH_FAILED = "This file can&#x27;t be fetched just now. Nothing is lost: please try again in a minute."


def files_on_disk(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def another_web_process(settings, tmp_path, user) -> Client:
    """A second web process: its own empty disk, the same database and bucket."""
    settings.MEDIA_ROOT = tmp_path / "another-machine"
    client = Client()
    client.force_login(user)
    return client


def downloaded(response) -> bytes:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def leaks_storage(response, server) -> bool:
    """Whether the response names the bucket, its address or a signed URL anywhere."""
    text = str(dict(response.headers)) + (response.content.decode() if not response.streaming else "")
    return any(part in text for part in (server.bucket, server.endpoint_url, "X-Amz-", "Signature="))


# --- Stored in the bucket, served by any web process ----------------------------------------------


def test_the_uploads_follow_the_storage_setting(object_storage):
    assert Attachment._meta.get_field("file").storage.__class__.__name__ == "S3Storage"


def test_a_posted_attachment_is_in_the_bucket_and_another_web_process_serves_it(
    object_storage, client, ada, bola, maths, sss3, settings, tmp_path
):
    client.force_login(ada)

    client.post(reverse("question_new"), {**question_data(maths, sss3), "attachments": [pdf("notes.pdf")]})

    attachment = Attachment.objects.get()
    assert object_storage.stored_keys() == [attachment.file.name]
    assert object_storage.read(attachment.file.name) == PDF_BYTES
    assert files_on_disk(settings) == []
    bid_services.place_bid(question=attachment.question, tutor=bola, amount=400_000, message="Yes.", delivery_hours=6)
    response = another_web_process(settings, tmp_path, bola).get(attachment.get_absolute_url())
    assert response["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    assert downloaded(response) == PDF_BYTES
    assert not leaks_storage(response, object_storage)


def test_delivered_work_comes_back_identical_from_another_web_process(
    object_storage, client, bola, ada, funded, settings, tmp_path
):
    client.force_login(bola)

    client.post(
        reverse("engagement_deliver", args=[funded.pk]), {"message": "Done", "attachments": [pdf("answer.pdf")]}
    )

    file = DeliveryFile.objects.get()
    assert file.file.name in object_storage.stored_keys()
    assert files_on_disk(settings) == []
    response = another_web_process(settings, tmp_path, ada).get(file.get_absolute_url())
    assert response["Content-Disposition"] == 'attachment; filename="answer.pdf"'
    assert downloaded(response) == PDF_BYTES
    api = ApiClient(ada).get(f"/engagements/{funded.pk}")
    url = api.json()["deliveries"][0]["files"][0]["url"]
    assert downloaded(ApiClient(ada).client.get(url, headers=ApiClient(ada)._headers())) == PDF_BYTES


def test_a_chat_file_comes_back_identical_from_another_web_process(
    object_storage, client, ada, bola, bola_bid, settings, tmp_path
):
    conversation = chat_services.open_conversation(bid=bola_bid, by=ada)
    client.force_login(ada)
    picture = SimpleUploadedFile("graph.png", PNG_BYTES, content_type="image/png")

    client.post(
        reverse("chat_send", args=[conversation.pk]), {"text": "", "client_id": "s3-0000001", "attachments": [picture]}
    )

    file = MessageFile.objects.get()
    assert file.file.name in object_storage.stored_keys()
    assert files_on_disk(settings) == []
    response = another_web_process(settings, tmp_path, bola).get(file.get_absolute_url())
    assert response["Content-Disposition"] == 'attachment; filename="graph.png"'
    assert downloaded(response) == PNG_BYTES
    as_bola = ApiClient(bola)
    assert downloaded(as_bola.get(f"/chat-files/{file.pk}")) == PNG_BYTES


def test_an_api_delivery_is_stored_and_served(object_storage, ada, bola, funded, settings):
    as_ada, as_bola = ApiClient(ada), ApiClient(bola)

    delivered = as_bola.upload(f"/engagements/{funded.pk}/deliver", {"message": "Done", "files": [pdf("work.pdf")]})

    assert delivered.status_code == 201
    delivery_file = DeliveryFile.objects.get()
    assert delivery_file.file.name in object_storage.stored_keys()
    assert files_on_disk(settings) == []
    response = as_ada.get(f"/delivery-files/{delivery_file.pk}")
    assert response["Content-Disposition"] == 'attachment; filename="work.pdf"'
    assert downloaded(response) == PDF_BYTES


def test_an_api_attachment_is_stored_and_served(object_storage, ada, question, settings):
    as_ada = ApiClient(ada)

    response = as_ada.upload(f"/questions/{question.pk}/attachments", {"files": [pdf("extra.pdf")]})

    assert response.status_code == 201
    extra = question.attachments.get(original_name="extra.pdf")
    assert sorted(object_storage.stored_keys()) == sorted(a.file.name for a in question.attachments.all())
    assert files_on_disk(settings) == []
    assert downloaded(as_ada.get(f"/attachments/{extra.pk}")) == PDF_BYTES


def test_a_stranger_gets_404_and_no_address_of_the_file(object_storage, client, dayo, chen, delivered):
    attachment = delivered.question.attachments.get()
    file = DeliveryFile.objects.get()
    for user in (dayo, chen):
        client.force_login(user)
        for url in (attachment.get_absolute_url(), file.get_absolute_url()):
            response = client.get(url)
            assert response.status_code == 404
            assert not leaks_storage(response, object_storage)
        for path in (f"/attachments/{attachment.pk}", f"/delivery-files/{file.pk}"):
            response = ApiClient(user).get(path)
            assert (response.status_code, error_code(response)) == (404, "not_found")
            assert not leaks_storage(response, object_storage)


def test_stored_objects_are_not_public(object_storage, question):
    key = question.attachments.get().file.name

    grants = object_storage.client().get_object_acl(Bucket=object_storage.bucket, Key=key)["Grants"]

    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert "URI" not in grants[0]["Grantee"]  # the owner only: no AllUsers or AuthenticatedUsers group


# --- An outage: try again, nothing half-saved, nothing lost -------------------------------------


def test_posting_a_question_during_an_outage_says_try_again_and_saves_nothing(
    storage_outage, object_storage, client, ada, maths, sss3
):
    storage_outage()
    client.force_login(ada)

    response = client.post(reverse("question_new"), {**question_data(maths, sss3), "attachments": [pdf("notes.pdf")]})

    assert response.status_code == 503
    assert STORE_FAILED in response.text
    assert 'value="Balance this redox equation"' in response.text  # the form is kept to send again
    assert not Question.objects.exists() and not Attachment.objects.exists()
    assert object_storage.stored_keys() == []


def test_delivering_during_an_outage_says_try_again_and_changes_nothing(storage_outage, client, bola, funded):
    storage_outage()
    client.force_login(bola)

    response = client.post(
        reverse("engagement_deliver", args=[funded.pk]), {"message": "Done", "attachments": [pdf("answer.pdf")]}
    )

    assert response.status_code == 503
    assert STORE_FAILED in response.text
    funded.refresh_from_db()
    assert funded.status == Engagement.Status.IN_PROGRESS
    assert not Delivery.objects.exists() and not DeliveryFile.objects.exists()


def test_a_chat_file_during_an_outage_says_try_again_and_sends_nothing(storage_outage, client, ada, bola_bid):
    conversation = chat_services.open_conversation(bid=bola_bid, by=ada)
    storage_outage()
    client.force_login(ada)

    response = client.post(
        reverse("chat_send", args=[conversation.pk]),
        {"text": "See attached", "client_id": "s3-0000002", "attachments": [pdf()]},
    )

    assert response.status_code == 503
    assert STORE_FAILED in response.text
    assert "See attached" in response.text  # the message is kept to send again
    conversation.refresh_from_db()
    assert conversation.last_seq == 0 and not Message.objects.exists()


def assert_storage_unavailable(response) -> None:
    assert response.status_code == 503
    assert error_code(response) == "storage_unavailable"
    assert "try again" in response.json()["error"]["message"]
    assert response["Retry-After"] == "60"


def test_an_api_attachment_during_an_outage_answers_503_and_adds_nothing(storage_outage, ada, question):
    storage_outage()

    response = ApiClient(ada).upload(f"/questions/{question.pk}/attachments", {"files": [pdf("extra.pdf")]})

    assert_storage_unavailable(response)
    assert [a.original_name for a in question.attachments.all()] == ["worksheet.pdf"]


def test_an_api_delivery_during_an_outage_answers_503_and_changes_nothing(storage_outage, bola, funded):
    storage_outage()

    response = ApiClient(bola).upload(f"/engagements/{funded.pk}/deliver", {"message": "x", "files": [pdf()]})

    assert_storage_unavailable(response)
    funded.refresh_from_db()
    assert funded.status == Engagement.Status.IN_PROGRESS and not Delivery.objects.exists()


def test_a_download_during_an_outage_says_try_again_and_works_after(
    object_storage, storage_outage, client, ada, question
):
    attachment = question.attachments.get()
    client.force_login(ada)
    back_up = storage_outage()

    page = client.get(attachment.get_absolute_url())
    api = ApiClient(ada).get(f"/attachments/{attachment.pk}")

    assert page.status_code == 503
    assert FETCH_FAILED in page.text
    assert page["Retry-After"] == "60"
    assert (api.status_code, error_code(api)) == (503, "storage_unavailable")
    back_up()
    assert downloaded(client.get(attachment.get_absolute_url())) == PDF_BYTES


# --- The local disk (the embedded default) ------------------------------------------------------


def test_without_a_bucket_uploads_go_to_the_local_disk(question, settings):
    attachment = question.attachments.get()

    assert Attachment._meta.get_field("file").storage.__class__.__name__ == "FileSystemStorage"
    assert (Path(settings.MEDIA_ROOT) / attachment.file.name).read_bytes() == PDF_BYTES


def test_a_disk_that_cannot_be_written_says_try_again_and_saves_nothing(client, ada, maths, sss3, settings, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"
    client.force_login(ada)

    response = client.post(reverse("question_new"), {**question_data(maths, sss3), "attachments": [pdf()]})

    assert response.status_code == 503
    assert STORE_FAILED in response.text
    assert not Question.objects.exists()


class SecondSaveFails(FileSystemStorage):
    """A disk that fills up after one file (a bucket that drops mid-upload behaves alike)."""

    saved = 0

    def _save(self, name, content):
        type(self).saved += 1
        if type(self).saved > 1:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


def test_a_store_failing_mid_upload_keeps_no_file_and_no_row(client, bola, funded, settings):
    SecondSaveFails.saved = 0
    before = files_on_disk(settings)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.SecondSaveFails"}}
    client.force_login(bola)

    response = client.post(
        reverse("engagement_deliver", args=[funded.pk]),
        {"message": "Two files", "attachments": [pdf("a.pdf"), pdf("b.pdf")]},
    )

    assert response.status_code == 503
    assert SecondSaveFails.saved == 2
    assert files_on_disk(settings) == before  # the first file went up, and was taken back
    assert not DeliveryFile.objects.exists()


def test_a_file_missing_from_this_machines_disk_is_a_404_not_a_500(client, ada, question, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "another-machine"
    client.force_login(ada)

    assert client.get(question.attachments.get().get_absolute_url()).status_code == 404
