"""Create a site-staff account that may act in every municipality."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from stadtkern.core.commands import DataCommand
from stadtkern.core.models import User
from stadtkern.core.services import user_create


class Command(DataCommand):
    help = (
        "Create a site administrator. The password comes from --password-file, the "
        "STADTKERN_ADMIN_PASSWORD variable or a prompt (never from the command line)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-file", help="file holding the password")

    def handle(self, *args, username, email, password_file, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"The user {username!r} exists already.")
        if password_file:
            try:
                with open(password_file, encoding="utf-8") as fh:
                    password = fh.read().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read {password_file}: {exc}") from exc
        elif os.environ.get("STADTKERN_ADMIN_PASSWORD"):
            password = os.environ["STADTKERN_ADMIN_PASSWORD"]
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user_create(username=username, password=password, email=email, is_staff=True)
        except ValidationError as exc:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(f"Not created: {messages}") from exc
        self.stdout.write(f"Site administrator {username!r} created.")
