"""What clients receive: one shape for the socket, the JSON views and the page's script."""

from typing import Any

from django.core.exceptions import ValidationError

from chat.models import Message, MessageFile


def file_payload(file: MessageFile) -> dict[str, Any]:
    return {"name": file.original_name, "url": file.get_absolute_url(), "size": file.size, "type": file.content_type}


def message_payload(message: Message, files: list[MessageFile] | None = None) -> dict[str, Any]:
    files = list(message.files.all()) if files is None else files
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": message.sender_id,
        "sender_name": message.sender.full_name,
        "client_id": message.client_id,
        "html": message.html,
        "masked": message.masked,
        "created_at": message.created_at.isoformat(),
        "files": [file_payload(file) for file in files],
    }


def error_code(exc: ValidationError) -> str:
    """The first code a service gave (a per-field error keeps its codes on the inner errors)."""
    codes = [error.code for error in exc.error_list] if hasattr(exc, "error_list") else []
    if hasattr(exc, "error_dict"):
        codes = [error.code for errors in exc.error_dict.values() for error in errors]
    return next((code for code in codes if code), "invalid")
