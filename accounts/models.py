from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from catalog.models import Level, Subject


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Emails are unique case-insensitively, so log in case-insensitively too.
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=User.Role.STAFF)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TUTOR = "tutor", "Tutor"
        STAFF = "staff", "Staff"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    phone = PhoneNumberField(blank=True, help_text="E.164, e.g. +2348031234567.")
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the staff admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_tutor(self) -> bool:
        return self.role == self.Role.TUTOR


class StudentProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student_profile")
    level = models.ForeignKey(
        Level, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="level of study"
    )
    institution = models.CharField(max_length=150, blank=True, help_text="School or university (optional).")

    def __str__(self) -> str:
        return f"Student profile of {self.user.full_name}"


class TutorProfileQuerySet(models.QuerySet):
    def public(self):
        """Profiles anyone may see: active tutor accounts."""
        return self.filter(user__is_active=True, user__role=User.Role.TUTOR).select_related("user")


class TutorProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="tutor_profile")
    headline = models.CharField(max_length=120, blank=True, help_text='One line, e.g. "Physics teacher, 8 years".')
    bio = models.TextField(blank=True, max_length=3000)
    qualifications = models.TextField(blank=True, max_length=2000, help_text="Degrees, certificates, experience.")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="tutors")
    levels = models.ManyToManyField(Level, blank=True, related_name="tutors")

    objects = TutorProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Tutor profile of {self.user.full_name}"

    def get_absolute_url(self) -> str:
        return reverse("tutor_profile", args=[self.user_id])
