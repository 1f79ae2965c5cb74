"""A dataset's table goes when the dataset goes, also when its municipality is deleted."""

from django.db.models.signals import post_delete


def _drop_table(sender, instance, **kwargs):
    from .datastore import drop_table

    if instance.table:
        drop_table(instance.table)


def connect() -> None:
    from .models import Dataset

    post_delete.connect(_drop_table, sender=Dataset, dispatch_uid="stadtkern-data-drop-table")
