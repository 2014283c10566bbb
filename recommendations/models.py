"""What matching reads at request time: vectors and facts computed when a question is saved or a
tutor's history changes, stored as rows so SQLite and PostgreSQL serve them alike. Plus invitations
and the impression log. Nothing here is written by another app."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from questions.models import Question


class QuestionVector(models.Model):
    question = models.OneToOneField(Question, on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms = models.JSONField(default=dict, help_text="{term: weight}, L2-normalised.")
    indexed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Vector of question {self.question_id}"


class QuestionTerm(models.Model):
    """Postings: which open questions contain a term, so candidates come from an index, not a scan."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "-weight"], name="rec_qterm_impact_idx")]

    def __str__(self) -> str:
        return f"{self.term} in question {self.question_id}"


class TutorVector(models.Model):
    tutor = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    terms = models.JSONField(default=dict, help_text="Sum of the vectors of the questions worked on, plus the profile.")
    facts = models.JSONField(default=dict, help_text="Record, subjects and prices the scoring reads.")
    signature = models.CharField(max_length=64, blank=True, help_text="Changes when the tutor's history does.")
    indexed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Vector of tutor {self.tutor_id}"


class TutorTerm(models.Model):
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "-weight"], name="rec_tterm_impact_idx")]

    def __str__(self) -> str:
        return f"{self.term} for tutor {self.tutor_id}"


class TermStat(models.Model):
    """In how many questions a term appears: the IDF side of BM25, counted as questions are indexed."""

    term = models.CharField(max_length=64, primary_key=True)
    questions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.term}: {self.questions}"


class Invitation(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "tutor"], name="one_invitation_per_tutor")]
        indexes = [models.Index(fields=["tutor", "-created_at"], name="rec_invite_tutor_idx")]

    def __str__(self) -> str:
        return f"Tutor {self.tutor_id} invited to question {self.question_id}"


class Impression(models.Model):
    """One card shown: to whom, where, in which position, and (filled in later) what followed."""

    class Surface(models.TextChoices):
        TUTOR_FEED = "tutor_feed", "Recommended questions (tutor)"
        QUESTION_TUTORS = "question_tutors", "Tutors who could help (student)"

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    surface = models.CharField(max_length=20, choices=Surface.choices)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    explored = models.BooleanField(default=False, help_text="Shown in an exploration slot.")
    shown_at = models.DateTimeField(default=timezone.now)
    bid_at = models.DateTimeField(null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tutor", "-shown_at"], name="rec_impression_tutor_idx"),
            models.Index(fields=["question", "tutor"], name="rec_impression_pair_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.surface} #{self.position}: question {self.question_id} / tutor {self.tutor_id}"
