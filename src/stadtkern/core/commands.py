"""The base of the commands that read or write data (import, sql, pb, indicators, ...)."""

from django.core.management.base import BaseCommand


class DataCommand(BaseCommand):
    """A command that works on the data and starts fast.

    Django runs its system checks before every command; they load every URL and every API
    schema, two seconds before the first row is read. Checks are for the server: ``stadtkern
    serve``, ``migrate`` and ``stadtkern check`` still run them."""

    requires_system_checks = []
