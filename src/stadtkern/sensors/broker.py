"""Access control of the MQTT broker, written from the database for Mosquitto.

Mosquitto checks logins and topics itself, from a password file and an ACL file
(``password_file`` and ``acl_file`` in mosquitto.conf). The worker writes both
whenever tokens or datastreams change and asks the broker to reload them (SIGHUP to
the process in MQTT_BROKER_PID_FILE):

- a machine token logs in with its prefix as user name and the token as password, and
  may publish Observations only to ``v1.1/Datastreams(ID)/Observations`` of its
  municipality's datastreams (or of those it is limited to);
- the worker logs in as MQTT_USERNAME and may read and write every ``v1.1`` topic;
- everyone may subscribe to ``v1.1/#`` except the topics of datastreams whose Thing is
  internal: what is published there stays with the worker.
"""

import os
import signal
import tempfile
from pathlib import Path

from django.db.models import Count, Max, Q

from .models import Datastream, MachineToken
from .tokens import mosquitto_hash


def state() -> tuple:
    """A cheap fingerprint of everything the files depend on."""
    tokens = MachineToken.objects.aggregate(
        n=Count("pk"), last=Max("pk"), revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
        links=Count("datastreams"),
    )  # fmt: skip
    streams = Datastream.objects.aggregate(
        n=Count("pk"), last=Max("pk"), internal=Count("pk", filter=Q(thing__public=False))
    )
    return tuple(sorted(tokens.items())) + tuple(sorted(streams.items()))


def _topic(ds_id: int) -> str:
    return f"v1.1/Datastreams({ds_id})/Observations"


def acl_text(worker_user: str) -> str:
    internal = list(Datastream.objects.filter(thing__public=False).values_list("pk", flat=True))
    reader = ["topic read v1.1/#", *(f"topic deny {_topic(pk)}" for pk in internal)]
    lines = [
        "# Written by stadtkern mqtt; changes are overwritten.",
        "",
        "# Anonymous readers",
        *reader,
        "",
    ]
    if worker_user:
        lines += [f"user {worker_user}", "topic readwrite v1.1/#", ""]
    by_municipality: dict[int, list[int]] = {}
    for ds_id, municipality_id in Datastream.objects.values_list("pk", "municipality_id"):
        by_municipality.setdefault(municipality_id, []).append(ds_id)
    tokens = MachineToken.objects.filter(revoked_at__isnull=True).prefetch_related("datastreams")
    for token in tokens.order_by("pk"):
        scope = [d.pk for d in token.datastreams.all()] or by_municipality.get(
            token.municipality_id, []
        )
        lines += [
            f"user {token.prefix}",
            *reader,
            *(f"topic write {_topic(pk)}" for pk in sorted(scope)),
            "",
        ]
    return "\n".join(lines)


def password_text(worker_user: str, worker_password: str) -> str:
    lines = []
    if worker_user:
        lines.append(f"{worker_user}:{mosquitto_hash(worker_password)}")
    tokens = MachineToken.objects.filter(revoked_at__isnull=True).exclude(mqtt_hash="")
    lines += [f"{t.prefix}:{t.mqtt_hash}" for t in tokens.order_by("pk")]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Replace the file at once, so the broker never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)


def write_files(password_file: str, acl_file: str, worker_user: str, worker_password: str) -> None:
    _write(Path(password_file), password_text(worker_user, worker_password))
    _write(Path(acl_file), acl_text(worker_user))


def reload_broker(pid_file: str) -> bool:
    """Ask Mosquitto to read its files again; False when it is not running."""
    try:
        pid = int(Path(pid_file).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True
