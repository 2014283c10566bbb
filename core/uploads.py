"""Uploaded files: checked by their content, never by their name or the browser's word; stored
under a random name; one abstract model for a question's attachments, a delivery's files and a
chat message's files."""

import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

NOT_ALLOWED = "Only PDF, Word (.docx) and image files (PNG, JPEG, GIF, WebP) can be attached."
TOO_BIG = "Each file can be at most {mb} MB; {name} is {size} MB."
EMPTY = "{name} is empty."

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


class StoredFile(models.Model):
    """A checked upload kept for its owner row; served only through the owner's access check."""

    UPLOAD_FOLDER: ClassVar[str]

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
        """One row per checked upload, attached to the owner given as keyword (question=, ...)."""
        return [
            cls.objects.create(  # type: ignore[attr-defined]
                **owner,
                file=upload,
                original_name=(upload.name or "file")[:200],
                content_type=content_type,
                size=upload.size or 0,
            )
            for upload, content_type in checked
        ]
