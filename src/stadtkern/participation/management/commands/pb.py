"""stadtkern pb outcome: participatory-budgeting elections in the Pabulib format.

``outcome FILE.pb [--rule RULE]`` prints which projects a rule funds (default: the
rule the file names) as JSON: ``{"rule", "selected", "cost", "seconds"}``;
``--explain`` adds each project's reason.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from stadtkern.participation import pabulib
from stadtkern.participation.outcomes import RULES, RuleError, outcome


def read_election(path: str) -> pabulib.Election:
    """Return the election in ``path``; a defect ends the command with the file and line."""
    try:
        return pabulib.load(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a folder, not a .pb file") from None
    except pabulib.PabulibError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise CommandError(f"{where}: {exc.message}") from None


class Command(BaseCommand):
    help = "Compute outcomes of participatory budgets in the Pabulib .pb format."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("outcome", help="print which projects a rule funds, as JSON")
        out.add_argument("file", help="a .pb file")
        out.add_argument("--rule", choices=RULES, help="default: the rule the file names")
        out.add_argument("--explain", action="store_true", help="add each project's reason")

    def handle(self, *args, **o):
        getattr(self, o["action"])(o)

    def outcome(self, o):
        election = read_election(o["file"])
        if not (o["rule"] or election.rule):
            raise CommandError(f"{o['file']}: the file names no rule; choose one with --rule")
        try:
            result = outcome(election, o["rule"])
        except RuleError as exc:
            raise CommandError(str(exc)) from None
        data = result.as_json()
        if o["explain"]:
            data["projects"] = result.explanation
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=_number))


def _number(value):
    # Decimal amounts print as JSON numbers, whole ones without a fraction.
    return int(value) if value == int(value) else float(value)
