"""Uploaded files: checked by their content, never by their name or the browser's word; stored
under a random name in the default storage (local disk, or an S3-compatible bucket); one abstract
model for a question's attachments, a delivery's files and a chat message's files; handed out only
by views that have made the access check, streamed through them."""

import logging
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone
from s3transfer.exceptions import RetriesExceededError, S3UploadFailedError

logger = logging.getLogger(__name__)

NOT_ALLOWED = "Only PDF, Word (.docx) and image files (PNG, JPEG, GIF, WebP) can be attached."
TOO_BIG = "Each file can be at most {mb} MB; {name} is {size} MB."
EMPTY = "{name} is empty."
STORAGE_UNAVAILABLE = "Files can't be stored just now, so nothing was saved. Please try again in a minute."
DOWNLOAD_UNAVAILABLE = "This file can't be fetched just now. Nothing is lost: please try again in a minute."
STORAGE_UNAVAILABLE_CODE = "storage_unavailable"
# What a storage raises when it can't do its work: the disk (OSError) or the bucket's HTTP API
# (connection refused, timeouts, 5xx, a refused key), also as boto3's and its transfer manager's
# wrappers. A missing file (FileNotFoundError) is told apart where it matters.
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError, Boto3Error, RetriesExceededError, S3UploadFailedError)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]


def sniff(upload: UploadedFile) -> str | None:
    """The file's real type from its first bytes, or None when it is not one we accept."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04") and _is_docx(upload):
        return DOCX
    return None


def _is_docx(upload: UploadedFile) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def check_upload(upload: UploadedFile) -> str:
    """Return the checked content type, or raise a ValidationError a user can act on."""
    name = upload.name or "file"
    if not upload.size:
        raise ValidationError(EMPTY.format(name=name), code="empty")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            TOO_BIG.format(mb=settings.ATTACHMENT_MAX_BYTES // 2**20, name=name, size=round(upload.size / 2**20, 1)),
            code="too_big",
        )
    content_type = sniff(upload)
    if content_type is None:
        raise ValidationError(NOT_ALLOWED, code="file_type")
    return content_type


def check_uploads(uploads: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Every upload with its checked content type; one bad file refuses them all."""
    return [(upload, check_upload(upload)) for upload in uploads]


def stored_name(instance: "StoredFile", filename: str) -> str:
    # A random name: the stored path never reveals or trusts the uploaded one.
    return f"{instance.UPLOAD_FOLDER}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class StorageUnavailable(Exception):
    """The storage did not answer; the caller shows DOWNLOAD_UNAVAILABLE with a 503."""


class StoredFile(models.Model):
    """A checked upload kept for its owner row; served only through the owner's access check."""

    UPLOAD_FOLDER: ClassVar[str]

    # No storage= on purpose: the field then uses django's lazy `default_storage`, which follows
    # settings.STORAGES["default"] (and is rebuilt when a test changes it). A callable storage
    # would be called once, when the model class is built.
    file = models.FileField(upload_to=stored_name)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def store(cls, checked: Sequence[tuple[UploadedFile, str]], **owner) -> list[Self]:
        """One row per checked upload, attached to the owner given as keyword (question=, ...).

        Called inside the caller's transaction, last: when the storage fails, the files already
        sent are removed and a ValidationError (code storage_unavailable) rolls the rows back."""
        stored: list[Self] = []
        try:
            for upload, content_type in checked:
                stored.append(
                    cls.objects.create(  # type: ignore[attr-defined]
                        **owner,
                        file=upload,
                        original_name=(upload.name or "file")[:200],
                        content_type=content_type,
                        size=upload.size or 0,
                    )
                )
        except STORAGE_ERRORS as exc:
            logger.exception("Storage failed while saving a %s; the upload is refused", cls.__name__)
            _remove_quietly(stored)
            raise ValidationError(STORAGE_UNAVAILABLE, code=STORAGE_UNAVAILABLE_CODE) from exc
        return stored


def _remove_quietly(rows: Sequence[StoredFile]) -> None:
    """Best effort: the storage that just failed may refuse this too (a stray file costs little)."""
    for row in rows:
        name = row.file.name
        try:
            row.file.delete(save=False)
        except STORAGE_ERRORS:
            logger.warning("Could not remove %s after a failed upload", name)


def file_response(stored: StoredFile) -> FileResponse:
    """The stored file as a download under its original name. Call it after the access check.

    The bytes come through this response, from whichever storage holds them: no storage URL is
    ever handed out. Raises StorageUnavailable when the storage does not answer."""
    try:
        handle = stored.file.open("rb")
        return FileResponse(handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type)
    except FileNotFoundError as exc:
        logger.error("%s %s has no file in storage (%s)", type(stored).__name__, stored.pk, stored.file.name)
        raise Http404("This file is missing.") from exc
    except STORAGE_ERRORS as exc:
        logger.warning("Storage failed while reading %s %s: %s", type(stored).__name__, stored.pk, exc)
        stored.file.close()
        raise StorageUnavailable(DOWNLOAD_UNAVAILABLE) from exc
