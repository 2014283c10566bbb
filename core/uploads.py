"""Uploaded files are checked by their content, never by their name or the browser's word."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

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
