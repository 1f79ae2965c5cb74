"""stadtkern mqtt: the long-running bridge between the MQTT broker and the SensorThings
service (see stadtkern.sensors.mqtt). Stops cleanly on SIGTERM or Ctrl-C after
storing what it has received."""

import logging
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stadtkern.sensors import brokercheck
from stadtkern.sensors.mqtt import Worker


def worker_log() -> logging.Logger:
    """The worker's log on stderr with times, once: not passed on to the root logger's
    handler as well (every line was written twice)."""
    log = logging.getLogger("stadtkern.mqtt")
    if not any(getattr(h, "stadtkern_worker", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler.stadtkern_worker = True
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


class Command(BaseCommand):
    help = "Store Observations published over MQTT and announce new entities to subscribers."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="broker, e.g. mqtt://127.0.0.1:1883 (default: MQTT_URL)")
        parser.add_argument(
            "--one-process",
            action="store_true",
            help="store in the worker's own process instead of a second storage process",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="check the broker's configuration and logins, then exit (1 when one fails)",
        )
        parser.add_argument(
            "--config", help="mosquitto.conf for --check (default: MQTT_BROKER_CONFIG)"
        )

    def handle(self, *args, **o):
        url = o["url"] or settings.MQTT_URL
        if o["check"]:
            report = brokercheck.run(url, o["config"] or settings.MQTT_BROKER_CONFIG)
            self.stdout.write("\n".join(report.lines))
            if report.failed:
                raise CommandError(
                    f"{report.failed} check(s) failed: the broker is not ready.", returncode=1
                )
            self.stdout.write("The broker is ready.")
            return
        if not url:
            raise CommandError(
                "No broker: set MQTT_URL or pass --url mqtt://host:port.", returncode=2
            )
        try:
            access = {"password_file": settings.MQTT_BROKER_PASSWORD_FILE,
                      "acl_file": settings.MQTT_BROKER_ACL_FILE,
                      "pid_file": settings.MQTT_BROKER_PID_FILE}  # fmt: skip
            worker = Worker(
                url, settings.MQTT_USERNAME, settings.MQTT_PASSWORD, access=access,
                storage_process=not o["one_process"],
            )  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        worker_log()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stderr.write(f"Bridging {worker.host}:{worker.port}; Ctrl-C stops.")
        worker.run(stop)
        self.stderr.write(f"Stopped: {worker.stats.as_dict()}")
