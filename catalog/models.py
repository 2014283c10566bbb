"""Subjects and levels of study: shared vocabulary for profiles, questions and matching.

It sits below every other app so that accounts (tutor profiles) and questions can
both point at it without importing each other.
"""

from django.db import models


class CatalogQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Subject(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True, help_text="Inactive subjects are hidden from new choices.")

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.Model):
    class System(models.TextChoices):
        NIGERIAN = "nigerian", "Nigerian"
        INTERNATIONAL = "international", "International"
        PROFESSIONAL = "professional", "Professional"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    system = models.CharField(max_length=20, choices=System.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists (lowest first).")
    is_active = models.BooleanField(default=True, help_text="Inactive levels are hidden from new choices.")

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
