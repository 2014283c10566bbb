"""Conversation pages (which work without JavaScript) and the chat's JSON endpoints."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import access, services
from chat.forms import MessageForm
from chat.masking import NOTICE
from chat.models import Conversation, Message, Participant
from chat.payloads import error_code, message_payload
from experthive.forms import add_service_errors

PAGE = 50
API_PAGE_MAX = 100


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


# --- JSON ---------------------------------------------------------------------------------------
# Plain views until the JSON API lands; the logic is in the services, so moving them is a thin job.


def api_error(code: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _api_user(request):
    return request.user if request.user.is_authenticated else None


@require_http_methods(["GET", "POST"])
def api_messages(request, pk):
    """GET: ?after=<seq> (newer, oldest first) or ?before=<seq> (older); POST: {"text", "client_id"}."""
    if _api_user(request) is None:
        return api_error("unauthenticated", "Log in first.", 401)
    conversation = access.conversation_or_none(request.user, pk)
    if conversation is None:
        return api_error("not_found", "No such conversation.", 404)
    if request.method == "POST":
        return _api_post(request, conversation)
    return _api_list(request, conversation)


def _api_list(request, conversation: Conversation) -> JsonResponse:
    limit = min(_int(request.GET.get("limit")) or PAGE, API_PAGE_MAX)
    after, before = _int(request.GET.get("after")), _int(request.GET.get("before"))
    rows = Message.objects.filter(conversation=conversation)
    if after is not None:
        shown = list(rows.after(after, limit))
        cursor = {"after": shown[-1].seq} if len(shown) == limit else None
    else:
        shown = rows.before(before, limit)
        cursor = {"before": shown[0].seq} if shown and shown[0].seq > 1 else None
    return JsonResponse(
        {
            "messages": [message_payload(message) for message in shown],
            "next": cursor,
            "last_seq": conversation.last_seq,
            "read": {str(k): v for k, v in services.read_marks(conversation).items()},
        }
    )


def _api_post(request, conversation: Conversation) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return api_error("malformed", "Send a JSON object.", 400)
    if not isinstance(body, dict) or not isinstance(body.get("text", ""), str):
        return api_error("malformed", "Send a JSON object with text and client_id.", 400)
    try:
        message = services.post_message(
            conversation=conversation,
            by=request.user,
            text=body.get("text", ""),
            client_id=str(body.get("client_id", "")),
        )
    except ValidationError as exc:
        code = error_code(exc)
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return api_error(code, " ".join(exc.messages), 429 if code == "rate_limited" else 400, fields)
    except PermissionDenied as exc:
        return api_error("forbidden", str(exc), 403)
    data = {"message": message_payload(message), "notice": NOTICE if message.masked else None}
    return JsonResponse(data, status=201)


@require_POST
def api_read(request, pk):
    if _api_user(request) is None:
        return api_error("unauthenticated", "Log in first.", 401)
    conversation = access.conversation_or_none(request.user, pk)
    if conversation is None or not access.can_write(request.user, conversation):
        return api_error("not_found", "No such conversation.", 404)
    try:
        seq = int(json.loads(request.body or b"{}").get("seq"))
    except (ValueError, TypeError, AttributeError):
        return api_error("malformed", 'Send {"seq": <number>}.', 400)
    return JsonResponse({"read": services.mark_read(conversation=conversation, by=request.user, seq=seq)})


@login_required
def api_counts(request):
    return JsonResponse(services.unread_counts(request.user))


def _int(value) -> int | None:
    try:
        return max(0, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
