"""Conversation pages, which work without JavaScript (the JSON lives in the API, `api/endpoints/chat.py`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat import access, services
from chat.masking import NOTICE
from chat.models import Conversation, Message, Participant
from web.forms import add_service_errors
from web.forms.chat import MessageForm

PAGE = 50


@login_required
def inbox(request):
    rows = Participant.objects.inbox(request.user)[:100]
    return render(request, "chat/inbox.html", {"rows": rows})


@login_required
def open_for_bid(request, bid_pk):
    """From a bid card or an engagement: the conversation about that bid, opened on first use."""
    bid = access.get_bid_to_discuss(request.user, bid_pk)
    return redirect(services.open_conversation(bid=bid, by=request.user))


@login_required
@require_GET
def conversation(request, pk):
    return _page(request, access.get_conversation_for(request.user, pk))


def _page(request, conversation: Conversation, form: MessageForm | None = None):
    before = _int(request.GET.get("before"))
    shown = Message.objects.filter(conversation=conversation).before(before, PAGE)
    if shown and access.can_write(request.user, conversation) and before is None:
        services.mark_read(conversation=conversation, by=request.user, seq=shown[-1].seq)
    context = _context(request, conversation, shown, form=form)
    return render(request, "chat/conversation.html", context, status=400 if form is not None else 200)


def _context(request, conversation: Conversation, shown: list[Message], *, form) -> dict:
    user = request.user
    other = conversation.other_party(user)
    marks = services.read_marks(conversation)
    can_write = access.can_write(user, conversation)
    return {
        "conversation": conversation,
        "bid": conversation.bid,
        "question": conversation.bid.question,
        "engagement": getattr(conversation.bid, "engagement", None),
        "other": other,
        "shown": shown,
        "older": shown[0].seq if shown and shown[0].seq > 1 else None,
        "last_seq": shown[-1].seq if shown else 0,
        "other_read_seq": marks.get(other.pk, 0),
        "form": (form or MessageForm()) if can_write else None,
        "funded": services.is_funded(conversation),
    }


@login_required
@require_POST
def send(request, pk):
    """The form fallback: post, then redirect back to the page (which shows the new message)."""
    conversation = access.get_conversation_for(request.user, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = services.post_message(
                conversation=conversation,
                by=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["attachments"],
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, unnamed_to="text")
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(conversation)
        else:
            if message.masked:
                messages.info(request, NOTICE)
            return redirect(f"{conversation.get_absolute_url()}#m{message.seq}")
    return _page(request, conversation, form)


@login_required
def download_file(request, pk):
    file = access.get_file_for(request.user, pk)
    return FileResponse(
        file.file.open("rb"), as_attachment=True, filename=file.original_name, content_type=file.content_type
    )


def _int(value) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
