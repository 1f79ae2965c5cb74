"""stadtkern participation seal: make closed votes and anonymous surveys unlinkable.

Seals every budget whose vote is over and every anonymous survey that has closed
(see participation/secrecy.py) and prints what it sealed as JSON. Run it from cron a
few minutes after votes close; results pages seal on their first view as well.
"""

import json

from stadtkern.core.commands import DataCommand
from stadtkern.participation.secrecy import seal_due


class Command(DataCommand):
    help = "Seal closed votes and anonymous surveys: ballots and responses in random order."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal", help="seal everything that has closed")

    def handle(self, *args, action, **options):
        self.stdout.write(json.dumps(seal_due()))
