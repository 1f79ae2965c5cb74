"""What `stadtkern mqtt --check` checks: that the broker fails closed, keeps what it
acknowledged, listens with TLS and admits exactly the logins the worker writes.

Two kinds of check, independent of each other: what mosquitto.conf says (read here,
as Mosquitto 2.0 reads it), and what the running broker does (a login with the
worker's credentials must pass; one without credentials and one with a wrong password
must be refused). A broker that reads another file than the one checked is caught by
the second.
"""

import os
import pwd
import re
import socket
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from . import mqttwire
from .mqtt import BrokerAddress, broker_address, tls_context

# Options Mosquitto keeps per listener whatever per_listener_settings says.
LISTENER_OPTIONS = {
    "bind_interface", "cafile", "capath", "certfile", "ciphers", "ciphers_tls1.3", "crlfile",
    "dhparamfile", "http_dir", "keyfile", "max_connections", "max_qos", "max_topic_alias",
    "mount_point", "protocol", "psk_hint", "require_certificate", "socket_domain",
    "tls_engine", "tls_engine_kpass_sha1", "tls_keyform", "tls_version",
    "use_identity_as_username", "use_subject_as_username", "use_username_as_clientid",
}  # fmt: skip
# ... and these too when per_listener_settings is true.
SECURITY_OPTIONS = {
    "acl_file", "allow_anonymous", "allow_zero_length_clientid", "auto_id_prefix",
    "password_file", "psk_file", "plugin", "auth_plugin",
}  # fmt: skip
# Ways in besides the password file, which the worker alone writes: pre-shared keys,
# plugins, and client certificates that stand for a user name.
OTHER_LOGINS = ("psk_file", "plugin", "auth_plugin")
CERTIFICATE_LOGINS = ("use_identity_as_username", "use_subject_as_username")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class Listener:
    port: str
    address: str = ""
    options: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"listener {self.port}" + (f" {self.address}" if self.address else "")

    @property
    def local_only(self) -> bool:
        # Mosquitto 2.0 binds a websockets listener to every address, whatever it says.
        if self.options.get("protocol") == "websockets":
            return False
        return self.address in LOOPBACK or self.port == "0"  # 0: a unix socket


@dataclass
class BrokerConfig:
    options: dict = field(default_factory=dict)
    listeners: list = field(default_factory=list)

    default: Listener | None = None  # `port` and `bind_address`, and options before any listener

    @property
    def per_listener(self) -> bool:
        return _bool(self.options.get("per_listener_settings")) is True

    def security(self) -> list[tuple[str, dict]]:
        """(where, options) for every place security options count."""
        if self.per_listener:
            return [(lst.name, lst.options) for lst in self.listeners]
        return [("mosquitto.conf", self.options)]


def read_config(
    path: Path, config: BrokerConfig | None = None, nested: bool = False
) -> BrokerConfig:
    """mosquitto.conf as Mosquitto 2.0 reads it: lines end at \n only; a line is skipped
    by its first byte alone (#, or a CR: "\racl_file ..." is no option there), its
    trailing CRs dropped and its leading spaces; include_dir files are read in ASCII case-insensitive order (C's
    strcasecmp) and do not include further (Mosquitto ignores include_dir there), and
    each file begins at the default listener: its listener options before its own first
    `listener` belong to that one, whatever the file before it opened."""
    config = config or BrokerConfig()
    current: Listener | None = None
    # read_text would make each CR a line end; Mosquitto reads bytes (a comment in
    # Latin-1 is no fault), and odd bytes in a value keep it from matching a setting.
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    if "\0" in text:
        raise ValueError(f"{path} holds a NUL byte")
    for raw in text.split("\n"):
        if not raw or raw[0] in "#\r":
            continue
        line = raw.rstrip("\r").strip(" \t")  # a tab or a "#" after spaces: it refuses to start
        if not line:
            continue
        key, _, value = line.partition(" ")
        value = value.strip(" \t\r")
        if key == "listener":
            port, _, address = value.partition(" ")
            current = Listener(port, address.strip())
            config.listeners.append(current)
        elif key == "include_dir":
            if not nested:
                # Mosquitto reads names longer than ".conf" that end in it.
                files = sorted(
                    (p for p in Path(value).glob("*.conf") if len(p.name) > len(".conf")),
                    key=lambda p: os.fsencode(p.name).lower(),
                )
                for included in files:
                    read_config(included, config, nested=True)
        elif key in ("port", "bind_address"):
            default = _default_listener(config)
            if default not in config.listeners:  # both open the default listener
                config.listeners.insert(0, default)
            if key == "port":
                default.port = value
            else:
                default.address = value
        elif key in LISTENER_OPTIONS or (key in SECURITY_OPTIONS and config.per_listener):
            target = current
            if target is None:
                # Before this file's first `listener`, such an option opens Mosquitto's
                # default listener: port 1883 (or `port`) on every address.
                target = _default_listener(config)
                if target not in config.listeners:
                    config.listeners.insert(0, target)
            target.options[key] = value
        else:
            config.options[key] = value
    return config


def _default_listener(config: BrokerConfig) -> Listener:
    if config.default is None:
        config.default = Listener("1883")
    return config.default


@dataclass
class Report:
    lines: list = field(default_factory=list)
    failed: int = 0

    def check(self, ok: bool, good: str, bad: str) -> bool:
        self.lines.append(("ok  " if ok else "FAIL") + "  " + (good if ok else bad))
        self.failed += not ok
        return ok


def check_config(report: Report, config: BrokerConfig) -> None:
    wanted = {"password_file": settings.MQTT_BROKER_PASSWORD_FILE,
              "acl_file": settings.MQTT_BROKER_ACL_FILE}  # fmt: skip
    for where, options in config.security():
        anonymous = options.get("allow_anonymous", "false")
        report.check(
            _bool(anonymous) is False,
            f"{where}: no anonymous logins",
            f"{where}: allow_anonymous is {anonymous}; set it to false (subscribers use "
            "MQTT_PUBLIC_USERNAME)",
        )
        for option, path in wanted.items():
            given = options.get(option, "")
            setting = "MQTT_BROKER_" + option.upper().replace("_FILE", "") + "_FILE"
            report.check(
                bool(path) and bool(given) and _same_file(given, path),
                f"{where}: {option} is the file the worker writes ({path})",
                f"{where}: {option} is {given or 'not set'}, but {setting} is "
                f"{path or 'not set'}; both must name the same file",
            )
        others = [option for option in OTHER_LOGINS if options.get(option)]
        report.check(
            not others,
            f"{where}: logins only through the password file",
            f"{where}: {', '.join(others)} let clients in that the worker does not manage; "
            "leave them out",
        )
    for lst in config.listeners:
        by_certificate = [o for o in CERTIFICATE_LOGINS if _bool(lst.options.get(o))]
        if by_certificate:
            report.check(
                False, "", f"{lst.name}: {', '.join(by_certificate)} lets a client certificate "
                "log in as any user, the worker too, without the password file; leave it out",
            )  # fmt: skip
        if _int(lst.options.get("max_qos"), 2) < 1:
            report.check(
                False, "", f"{lst.name}: max_qos {lst.options.get('max_qos')} grants the worker's "
                "subscription QoS 0: nothing is queued while it is away; leave it out",
            )  # fmt: skip
    options = config.options
    report.check(
        "connection" not in options,
        "no bridge to another broker",
        f"a bridge ({options.get('connection')}) carries messages past the ACL in both "
        "directions; leave it out",
    )
    report.check(
        _bool(options.get("persistence")) is True
        and _bool(options.get("autosave_on_changes")) is True
        and _int(options.get("autosave_interval"), 1800) == 1,
        "queued messages are saved after every change",
        "queued messages are lost when the broker crashes: set persistence true, "
        "autosave_on_changes true and autosave_interval 1",
    )
    queued = _int(options.get("max_queued_messages"), 1000)
    report.check(
        queued == 0 and _int(options.get("max_queued_bytes"), 0) == 0,
        "no queued message is dropped while the worker is away",
        f"the broker drops messages beyond {queued} queued for the worker: set "
        "max_queued_messages 0 (and no max_queued_bytes)",
    )
    memory = _int(options.get("memory_limit"), 0)
    report.check(
        memory == 0,
        "no memory limit that drops queued messages",
        f"memory_limit {options.get('memory_limit')} makes the broker drop messages it has "
        "acknowledged and refuse the worker; leave it out",
    )
    expiry = options.get("persistent_client_expiration")
    report.check(
        not expiry,
        "the worker's session is kept however long it is away",
        f"persistent_client_expiration {expiry} deletes the worker's queued messages when it "
        "is away longer; leave it out",
    )
    limit = _int(options.get("message_size_limit"), 0)
    report.check(
        0 < limit <= settings.MQTT_MAX_PAYLOAD,
        f"payloads above {limit:,} bytes are refused by the broker",
        f"message_size_limit is {options.get('message_size_limit') or 'not set'}; set it to at most "
        f"{settings.MQTT_MAX_PAYLOAD} (MQTT_MAX_PAYLOAD_KB)",
    )
    if not config.listeners:
        report.check(False, "", "no listener: the broker listens on 127.0.0.1:1883 only, no TLS")
    tls = [lst for lst in config.listeners if "certfile" in lst.options]
    report.check(
        bool(tls),
        "TLS on " + ", ".join(lst.name for lst in tls),
        "no listener with TLS (certfile and keyfile)",
    )
    for lst in config.listeners:
        if lst.local_only or lst in tls:
            continue
        report.check(
            False, "", f"{lst.name} is reachable from other machines without TLS; give it "
            "certfile and keyfile or bind it to 127.0.0.1",
        )  # fmt: skip
    for lst in tls:
        report.check(
            "keyfile" in lst.options,
            f"{lst.name}: key given",
            f"{lst.name}: certfile without keyfile",
        )
    _check_files(report, options.get("user", "mosquitto"), wanted.values())


def _check_files(report: Report, user: str, paths) -> None:
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        report.check(False, "", f"the broker's user {user!r} does not exist on this machine")
        return
    groups = {account.pw_gid} | set(os.getgrouplist(user, account.pw_gid))
    for path in filter(None, paths):
        try:
            info = os.stat(path)
        except OSError as exc:
            report.check(False, "", f"{path}: {exc.strerror} (`stadtkern mqtt` writes it)")
            continue
        mode = info.st_mode
        readable = (
            account.pw_uid == 0
            or (info.st_uid == account.pw_uid and mode & stat.S_IRUSR)
            or (info.st_gid in groups and mode & stat.S_IRGRP)
            or mode & stat.S_IROTH
        )
        report.check(
            bool(readable),
            f"{path} is readable by the broker's user {user}",
            f"{path} is not readable by the broker's user {user}: set MQTT_BROKER_GROUP "
            "to its group",
        )
        report.check(
            not mode & (stat.S_IROTH | stat.S_IWOTH),
            f"{path} is hidden from other users",
            f"{path} is readable or writable by every user of the machine",
        )


def check_reload(report: Report, pid_file: str) -> None:
    """The worker asks the broker to read its files again with SIGHUP: a new token
    cannot log in, and a revoked one still can, until the broker has."""
    if not pid_file:
        report.lines.append(
            "      MQTT_BROKER_PID_FILE is empty: the broker must reload its files by other "
            "means (deploy/stadtkern-mqtt-reload.path)"
        )
        return
    try:
        pid = int(Path(pid_file).read_text().strip())
        os.kill(pid, 0)
    except PermissionError:
        report.check(
            False, "", f"the broker (pid {pid}) runs as another user: the worker cannot ask it to "
            "reload its files; leave MQTT_BROKER_PID_FILE empty and install "
            "deploy/stadtkern-mqtt-reload.path",
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        report.check(False, "", f"no running broker in {pid_file}: {exc}")
    else:
        report.check(True, f"the worker can ask the broker (pid {pid}) to reload its files", "")


def check_broker(report: Report, url: str) -> None:
    try:
        address = broker_address(url)
        context = tls_context(settings.MQTT_CA_FILE) if address.tls else None
    except ValueError as exc:
        report.check(False, "", str(exc))
        return
    user, password = settings.MQTT_USERNAME, settings.MQTT_PASSWORD
    if not report.check(bool(user and password), "the worker has its own login",
                        "set MQTT_USERNAME and MQTT_PASSWORD (the worker's own login)"):  # fmt: skip
        return
    where = f"{address.host}:{address.port}" + (" (TLS)" if address.tls else "")
    code = login(address, context, user, password)
    if not report.check(code == 0, f"the worker logs in at {where}",
                        f"the worker cannot log in at {where}: {_reason(code)}"):  # fmt: skip
        return
    for who, (name, secret) in {"without a login": (None, None),
                                "with a wrong password": (user, password + "-wrong")}.items():  # fmt: skip
        code = login(address, context, name, secret)
        report.check(
            isinstance(code, int) and code >= 0x80,
            f"a client {who} is refused",
            f"a client {who} was let in ({_reason(code)})",
        )


def login(address: BrokerAddress, context, user, password) -> int | str:
    """The broker's CONNACK reason code for this login, or why there was none."""
    try:
        raw = socket.create_connection((address.host, address.port), timeout=5)
        try:
            # A TLS socket takes the connection over: closing it closes both.
            sock = context.wrap_socket(raw, server_hostname=address.host) if context else raw
        except OSError:
            raw.close()
            raise
        with sock:
            sock.sendall(
                mqttwire.connect_packet("stadtkern-check", user, password, clean_start=True)
            )
            reader = mqttwire.Reader()
            while True:
                data = sock.recv(4096)
                if not data:
                    return "the broker closed the connection"
                for kind, body in reader.feed(data):
                    if kind == mqttwire.CONNACK and len(body) >= 2:
                        if body[1] == 0:
                            sock.sendall(mqttwire.DISCONNECT_PACKET)
                        return body[1]
    except (OSError, ValueError) as exc:  # UnicodeError (a host name IDNA refuses) too
        return str(exc) or exc.__class__.__name__


def run(url: str, config_path: str) -> Report:
    report = Report()
    path = Path(config_path) if config_path else None
    try:
        config = read_config(path) if path else None
    except (OSError, ValueError) as exc:  # UnicodeDecodeError too
        report.check(False, "", f"cannot read {config_path}: {exc}")
        config = None
    if path and config is not None:
        report.lines.append(f"      {path}")
        try:
            check_config(report, config)
        except ValueError as exc:  # a NUL byte or the like in a name the system is asked for
            report.check(False, "", f"{config_path} names something impossible: {exc}")
    elif not path:
        report.check(False, "", "no broker configuration: set MQTT_BROKER_CONFIG or pass --config")
    report.lines.append(f"      {url or 'MQTT_URL is empty'}")
    if url:
        check_broker(report, url)
        check_reload(report, settings.MQTT_BROKER_PID_FILE)
    else:
        report.check(False, "", "MQTT_URL is empty: no broker to check")
    return report


def _reason(code) -> str:
    if isinstance(code, str):
        return code
    return mqttwire.CONNACK_REASONS.get(code, f"reason {code:#04x}") if code else "accepted"


def _int(value, default: int) -> int:
    """As Mosquitto reads a number: ASCII digits only (it reads '６５５３６' as 0)."""
    if value is None:
        return default
    return int(value) if re.fullmatch(r"[0-9]{1,12}", value) else -1


def _bool(value) -> bool | None:
    """As Mosquitto reads a boolean ('true'/'1', 'false'/'0'); None for anything else."""
    return {"true": True, "1": True, "false": False, "0": False}.get(value)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
