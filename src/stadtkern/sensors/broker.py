"""Access control of the MQTT broker, written from the database for Mosquitto.

Mosquitto checks logins and topics itself, from a password file and an ACL file
(``password_file`` and ``acl_file`` in mosquitto.conf). The worker writes both
whenever tokens or datastreams change and asks the broker to reload them (SIGHUP to
the process in MQTT_BROKER_PID_FILE):

- a machine token logs in with its prefix as user name and the token as password, and
  may publish Observations only to ``v1.1/Datastreams(ID)/Observations`` of its
  municipality's datastreams (or of those it is limited to);
- the worker logs in as MQTT_USERNAME and may read and write every ``v1.1`` topic;
- the public reader (MQTT_PUBLIC_USERNAME, a login that may be published) and every
  token may subscribe to ``v1.1/#`` except the topics of datastreams whose Thing is
  internal: what is published there stays with the worker, and with the tokens that
  may write there (Mosquitto cannot deny reading a topic and grant writing it). The broker admits no
  anonymous client (deploy/mosquitto.conf), so a broker that cannot read these files
  admits nobody instead of everybody.

The files are written 0640, in the group MQTT_BROKER_GROUP (the broker's, e.g.
``mosquitto``): the broker reads them, other users of the machine do not.
"""

import grp
import hashlib
import os
import signal
import tempfile
from pathlib import Path

from .models import Datastream, MachineToken
from .tokens import mosquitto_hash


def state(worker_user: str, public_user: str = "") -> str:
    """A fingerprint of what the files say: any change of a token's scope, of its
    password or of which datastreams are internal changes it (counts would not: a
    token moved from one datastream to another keeps every count)."""
    text = acl_text(worker_user, public_user) + "\n".join(_token_logins(worker_user, public_user))
    return hashlib.sha256(text.encode()).hexdigest()


def _topic(ds_id: int) -> str:
    return f"v1.1/Datastreams({ds_id})/Observations"


class AccessFilesError(Exception):
    """The broker's files could not be written as they must be; the old ones stay."""


def acl_text(worker_user: str, public_user: str = "") -> str:
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
    if public_user and public_user != worker_user:
        lines += [f"user {public_user}", *reader, ""]
    by_municipality: dict[int, list[int]] = {}
    for ds_id, municipality_id in Datastream.objects.values_list("pk", "municipality_id"):
        by_municipality.setdefault(municipality_id, []).append(ds_id)
    tokens = MachineToken.objects.filter(revoked_at__isnull=True).prefetch_related("datastreams")
    # A token never speaks for the worker or the public login (Mosquitto would merge them).
    tokens = tokens.exclude(prefix__in=[worker_user, public_user])
    for token in tokens.order_by("pk"):
        scope = [d.pk for d in token.datastreams.all()]
        if not scope and not token.limited:
            scope = by_municipality.get(token.municipality_id, [])
        # Mosquitto lets a deny win over every grant: a token is not denied the
        # internal topics it may write, or its sensor's messages would be dropped.
        own = set(scope)
        lines += [
            f"user {token.prefix}",
            "topic read v1.1/#",
            *(f"topic deny {_topic(pk)}" for pk in internal if pk not in own),
            *(f"topic write {_topic(pk)}" for pk in sorted(scope)),
            "",
        ]
    return "\n".join(lines)


def password_text(
    worker_user: str, worker_password: str, public_user: str = "", public_password: str = ""
) -> str:
    lines = []
    if worker_user:
        lines.append(f"{worker_user}:{mosquitto_hash(worker_password)}")
    if public_user and public_password and public_user != worker_user:
        lines.append(f"{public_user}:{mosquitto_hash(public_password)}")
    lines += _token_logins(worker_user, public_user)
    return "\n".join(lines) + "\n"


def _token_logins(worker_user: str, public_user: str) -> list[str]:
    tokens = MachineToken.objects.filter(revoked_at__isnull=True).exclude(mqtt_hash="")
    tokens = tokens.exclude(prefix__in=[worker_user, public_user])
    return [f"{t.prefix}:{t.mqtt_hash}" for t in tokens.order_by("pk")]


def group_id(group: str) -> int | None:
    """The id of the broker's group; None for none (the files keep the worker's group)."""
    if not group:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise AccessFilesError(
            f"MQTT_BROKER_GROUP {group!r} is no group on this machine."
        ) from None


def _write(path: Path, text: str, gid: int | None) -> None:
    """Replace the file at once, so the broker never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o640)
        if gid is not None:
            try:
                os.chown(tmp, -1, gid)
            except PermissionError:
                raise AccessFilesError(
                    f"cannot give {path} to the broker's group (gid {gid}): the worker's "
                    "user must be a member of MQTT_BROKER_GROUP"
                ) from None
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(
    password_file: str, acl_file: str, worker_user: str, worker_password: str,
    group: str = "", public_user: str = "", public_password: str = "",
) -> None:  # fmt: skip
    gid = group_id(group)
    passwords = password_text(worker_user, worker_password, public_user, public_password)
    _write(Path(password_file), passwords, gid)
    _write(Path(acl_file), acl_text(worker_user, public_user), gid)


def reload_broker(pid_file: str) -> str | None:
    """Ask Mosquitto to read its files again; why it could not be asked, or None."""
    try:
        pid = int(Path(pid_file).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        return (
            f"the broker (pid {pid}) runs as another user and cannot be asked to reload; "
            "leave MQTT_BROKER_PID_FILE empty and install deploy/stadtkern-mqtt-reload.path"
        )
    except (OSError, ValueError) as exc:
        return f"no running broker in {pid_file} ({exc})"
    return None
