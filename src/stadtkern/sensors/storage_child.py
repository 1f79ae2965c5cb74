"""Where the MQTT worker's storage process begins (see ``mqtt.StorageProcess``).

The storage process is started as a new interpreter, not forked from the worker. A fork
copies every lock of the worker's other threads as it is at that moment (one of
SQLite's, the inbox's, the logging module's), and a child that finds one of them held
waits for it forever, storing nothing. A new interpreter has no such locks; it is handed
the worker's settings, so that it stores into the same database as the worker, and only
then loads Django and the models. This module therefore imports nothing of Django's at
its top.
"""


def settings_to_hand_over() -> dict:
    """The worker's settings that differ from Django's defaults (as they are now, with
    any override): enough for the new interpreter to configure itself the same way."""
    from django.conf import global_settings, settings

    values = {}
    for name in dir(settings):
        if not name.isupper():
            continue
        value = getattr(settings, name)
        if not hasattr(global_settings, name) or getattr(global_settings, name) != value:
            values[name] = value
    return values


def end_with_parent(parent: int) -> None:
    """Have the kernel end this process when the worker ends, however it ends (Linux).

    A batch the worker handed over just before it was killed would otherwise still be
    stored here, with nobody left to acknowledge it: the broker delivers all of it again
    and it is stored twice. Ended at once, its transaction is rolled back instead, and
    only a batch already committed when the worker died comes again."""
    import ctypes
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the worker ended before the line above
        os._exit(1)


def main(conn, values: dict, parent: int | None = None) -> None:
    if parent is not None:
        end_with_parent(parent)
    import django
    from django.conf import settings

    settings.configure(**values)
    django.setup()
    from .mqtt import READY, serve_storage

    conn.send(READY)
    serve_storage(conn)
