from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from bidding.models import Bid
from core.uploads import StoredFile


class Conversation(models.Model):
    """A student and a tutor talking about one bid: first before acceptance, then, once the bid
    is accepted, as the engagement's conversation (an engagement has exactly one bid)."""

    bid = models.OneToOneField(Bid, on_delete=models.CASCADE, related_name="conversation")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The sequence number of the newest message; the next one gets last_seq + 1 under a row lock.
    last_seq = models.PositiveIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["student", "-last_message_at"], name="conversation_student_idx"),
            models.Index(fields=["tutor", "-last_message_at"], name="conversation_tutor_idx"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} about bid {self.bid_id}"

    def get_absolute_url(self) -> str:
        return reverse("chat_conversation", args=[self.pk])

    def other_party(self, user) -> models.Model:
        return self.tutor if user.pk == self.student_id else self.student

    def party_ids(self) -> tuple[int, int]:
        return (self.student_id, self.tutor_id)


class ParticipantQuerySet(models.QuerySet):
    def inbox(self, user):
        """The user's conversations, latest activity first, with everything a row shows: one query."""
        return (
            self.filter(user=user)
            .select_related(
                "conversation__bid__question",
                "conversation__bid__engagement",
                "conversation__student",
                "conversation__tutor",
            )
            .annotate(active_at=Coalesce("conversation__last_message_at", "conversation__created_at"))
            .order_by("-active_at", "-id")
        )


class Participant(models.Model):
    """One of the two people in a conversation, with how far they have read."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations")
    last_read_seq = models.PositiveIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    told_seq = models.PositiveIntegerField(
        default=0, help_text="The unread reminder has told this person of messages up to this one."
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_participant_row_per_user")]

    def __str__(self) -> str:
        return f"User {self.user_id} in conversation {self.conversation_id}"

    @property
    def unread(self) -> int:
        return max(0, self.conversation.last_seq - self.last_read_seq)


class MessageQuerySet(models.QuerySet):
    def with_files(self):
        return self.select_related("sender").prefetch_related("files")

    def after(self, seq: int, limit: int):
        """The oldest `limit` messages after `seq`: what a resuming client missed, in order."""
        return self.with_files().filter(seq__gt=seq).order_by("seq")[:limit]

    def before(self, seq: int | None, limit: int) -> list["Message"]:
        """The newest `limit` messages before `seq` (or the newest of all), oldest first."""
        messages = self.with_files().order_by("-seq")
        if seq is not None:
            messages = messages.filter(seq__lt=seq)
        return list(messages[:limit])[::-1]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField(help_text="Position in the conversation: 1, 2, 3, ... with no gaps.")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Chosen by the sending client, so a message re-sent after a reconnect is stored once.
    client_id = models.CharField(max_length=64)
    text = models.TextField(max_length=5000, blank=True, help_text="As stored: contact details already masked.")
    html = models.TextField(editable=False, help_text="The text rendered and sanitised.")
    masked = models.BooleanField(default=False, help_text="Contact details were hidden (before payment).")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(fields=["conversation", "sender", "client_id"], name="message_client_id_unique"),
        ]

    def __str__(self) -> str:
        return f"Message {self.seq} in conversation {self.conversation_id}"


class MessageFile(StoredFile):
    UPLOAD_FOLDER = "chat"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="files")

    def get_absolute_url(self) -> str:
        return reverse("chat_file", args=[self.pk])
