"""stadtkern token create|revoke|list: machine tokens for sensors and gateways.

``create`` prints the new token once on stdout (only its hash is stored); ``revoke``
takes the token or its prefix (the part after ``skm_``); ``list`` shows a
municipality's tokens without their secrets.
"""

from django.core.management.base import CommandError

from stadtkern.core.commands import DataCommand
from stadtkern.data.management.commands._common import municipality_by_key
from stadtkern.sensors.models import Datastream, MachineToken
from stadtkern.sensors.tokens import PREFIX, token_create, token_revoke


class Command(DataCommand):
    help = "Create, revoke or list machine tokens that write sensor data."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--municipality", required=True, help="AGS or short name")
        create.add_argument("--name", default="", help="what the token is for, e.g. the gateway")
        create.add_argument("--datastream", type=int, action="append", default=[], metavar="ID",
                            help="write only into this datastream (repeat for several)")  # fmt: skip
        revoke = sub.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("token", help="the token or its prefix")
        listing = sub.add_parser("list", help="list a municipality's tokens")
        listing.add_argument("--municipality", required=True, help="AGS or short name")

    def handle(self, *args, **o):
        getattr(self, o["action"])(o)

    def create(self, o):
        municipality = municipality_by_key(o["municipality"])
        streams = list(Datastream.objects.filter(pk__in=o["datastream"]))
        missing = set(o["datastream"]) - {d.pk for d in streams}
        if missing:
            raise CommandError(f"No datastream {sorted(missing)[0]}.", returncode=2)
        try:
            token, secret = token_create(
                municipality=municipality, name=o["name"], datastreams=streams
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            self.stderr.write(
                f"Token {token.prefix} for {municipality.name}; it is shown only now. "
                f"Over MQTT: user name {token.prefix}, password the token."
            )
            self.stdout.write_whole(secret)
        except Exception as exc:  # nobody saw the whole secret: no token is left active for it
            token_revoke(token=token)
            message = (
                exc if isinstance(exc, CommandError) else f"the output could not be written: {exc}"
            )
            raise CommandError(
                f"{message}; token {token.prefix} is revoked again.", returncode=120
            ) from None

    def revoke(self, o):
        text = o["token"].strip()
        prefix = text[len(PREFIX) :].split("_", 1)[0] if text.startswith(PREFIX) else text
        token = MachineToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"No token {prefix[:20]}.", returncode=1)
        token_revoke(token=token)
        self.stdout.write(f"Token {token.prefix} ({token.name}) is revoked.")

    def list(self, o):
        municipality = municipality_by_key(o["municipality"])
        for token in MachineToken.objects.filter(municipality=municipality).prefetch_related(
            "datastreams"
        ):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            streams = ",".join(str(d.pk) for d in token.datastreams.all()) or (
                "none" if token.limited else "all"
            )
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}\t{token.name}\t{state}\tdatastreams: {streams}\tlast used: {used}"
            )
