"""Load the demo municipalities Musterstadt and Beispielhausen and print the logins."""

import json
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from stadtkern.core.models import Municipality, User
from stadtkern.data.demo import demo_load_data
from stadtkern.indicators.demo import demo_load_indicators, demo_load_neighbour
from stadtkern.participation.demo import demo_load_participation
from stadtkern.sensors.demo import demo_load_sensors
from stadtkern.steering.demo import demo_load_steering
from stadtkern.strategy.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load Musterstadt (a complete smart-city strategy) and Beispielhausen (to show that "
        "municipalities are isolated), with demo users; print the login. The password comes "
        "from STADTKERN_DEMO_PASSWORD or is generated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="replace demo data loaded before")
        parser.add_argument("--json", action="store_true", help="print the logins as JSON")
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="the port the demo is served on, for the printed addresses",
        )

    def handle(self, *args, reset, json: bool, port: int = 8000, **options):
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = demo_load(reset=reset, password=os.environ.get("STADTKERN_DEMO_PASSWORD"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        musterstadt = Municipality.objects.get(slug="musterstadt")
        demo_load_data(musterstadt, User.objects.get(username="anna"))
        demo_load_sensors(musterstadt)
        participation = demo_load_participation(musterstadt, result["password"])
        demo_load_indicators(musterstadt, User.objects.get(username="anna"))
        demo_load_neighbour(
            Municipality.objects.get(slug="beispielhausen"), User.objects.get(username="bruno")
        )
        demo_load_steering(musterstadt, Municipality.objects.get(slug="beispielhausen"))
        result["users"].append(
            {"username": "clara", "municipality": "musterstadt", "role": "verified resident"}
        )
        result["voting_codes"] = participation["voting_codes"]
        if json:
            self.stdout.write(_json(result))
            return
        self.stdout.write(
            "Demo loaded: Musterstadt (strategy, datasets, vacancy per district, a year of sensor "
            "data, a finished Bürgerhaushalt and one open for voting, indicators with targets, "
            "five projects with plans, boards and status reports) "
            "and Beispielhausen."
        )
        self.stdout.write(
            f"Log in at http://127.0.0.1:{port}/login/ with password {result['password']!r} as:"
        )
        for user in result["users"]:
            self.stdout.write(
                f"  {user['username']:<6} {user['role']:<7} of {user['municipality']}"
            )
        self.stdout.write(
            "Voting codes for the open Bürgerhaushalt 2027 (each one ballot): "
            + ", ".join(result["voting_codes"])
        )
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            f"Start at {base}/ (English: {base}/en/); Musterstadt's strategy is at "
            f"{base}/m/musterstadt/, its data at {base}/m/musterstadt/data/, its sensors at "
            f"{base}/m/musterstadt/sensors/, its participation at {base}/m/musterstadt/participation/ "
            f"and its cockpit (does the strategy work?) at {base}/m/musterstadt/cockpit/."
        )


def _json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False)
