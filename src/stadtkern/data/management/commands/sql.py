"""stadtkern sql "SELECT ...": run a read-only query over the datastore and print JSON."""

import json

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError

from stadtkern.core.commands import DataCommand
from stadtkern.core.models import User
from stadtkern.data import sql

from ._common import municipality_by_key


class Command(DataCommand):
    help = "Run one SELECT over datasets (as the public, or as --user) and print the rows as JSON."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument(
            "--municipality", help="AGS or short name: whose datasets need no prefix"
        )
        parser.add_argument(
            "--user", help="read as this user (internal datasets of their municipalities)"
        )
        parser.add_argument("--max-rows", type=int)

    def handle(self, *args, query, municipality, user, max_rows, **options):
        home = municipality_by_key(municipality) if municipality else None
        reader = AnonymousUser()
        if user:
            reader = User.objects.filter(username=user, is_active=True).first()
            if reader is None:
                raise CommandError(f"No active user {user!r}.", returncode=2)
        try:
            result = sql.run(query, reader, home, max_rows=max_rows)
        except sql.QueryError as exc:
            raise CommandError(f"query refused: {exc}", returncode=1) from None
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
