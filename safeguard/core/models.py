"""Shared model pieces."""

from django.core.exceptions import ValidationError
from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update/delete are refused: append-only records change by new entries."""

    def update(self, **kwargs):
        raise ValidationError(f"{self.model.__name__} is append-only: it cannot be updated")

    def delete(self):
        raise ValidationError(f"{self.model.__name__} is append-only: it cannot be deleted")


class AppendOnlyModel(models.Model):
    """A row is written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{type(self).__name__} is append-only: it cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} is append-only: it cannot be deleted")


def check_date_order(start, end, *, start_field="start_date", end_field="end_date"):
    if start and end and end < start:
        raise ValidationError(
            {end_field: "The end date must be the same as or after the start date"}
        )
