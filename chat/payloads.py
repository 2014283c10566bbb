"""What clients receive: one shape for the socket, the JSON views and the page's script."""

from typing import Any

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
