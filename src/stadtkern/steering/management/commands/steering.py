"""``stadtkern steering reminders``: send today's e-mail reminders now (the worker sends
them by itself every hour; each person gets at most one a day)."""

import json

from stadtkern.core.commands import DataCommand
from stadtkern.steering import reminders


class Command(DataCommand):
    help = "Steering: send today's deadline reminders by e-mail."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reminders"])

    def handle(self, *args, action: str, **options):
        sent = reminders.send_due()
        self.stdout.write(json.dumps({"reminders_sent": sent}))
