"""What a killed MQTT worker leaves to be delivered again: its storage process ends with
it (a batch handed over at the last moment is rolled back, not stored without an
acknowledgement), and a batch whose outcome is in is acknowledged at once, not after
the window for collecting the next one."""

import subprocess
import sys
import threading
import time
from pathlib import Path

from stadtkern.sensors import mqtt
from stadtkern.sensors.mqtt import Worker

WORKER_WITH_A_STORAGE_CHILD = """
import os, sys, time
from stadtkern.sensors.storage_child import end_with_parent
child = os.fork()
if child == 0:
    end_with_parent(os.getppid())
    os.write(1, b"ready\\n")
    time.sleep(60)  # a batch being stored
    os._exit(0)
sys.stdout.write(f"{child}\\n"); sys.stdout.flush()
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_storage_process_ends_when_the_worker_is_killed():
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER_WITH_A_STORAGE_CHILD], stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(proc.stdout.readline())
        assert proc.stdout.readline() == "ready\n"
        assert alive(child)
        proc.kill()
        proc.wait(10)
        deadline = time.monotonic() + 5
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(child), "the storage process outlived the worker"
    finally:
        proc.kill()
        proc.wait(10)


def test_a_storage_process_started_after_its_worker_ended_ends_at_once():
    script = (
        "import os; from stadtkern.sensors.storage_child import end_with_parent\n"
        "end_with_parent(os.getppid() + 1_000_000)\n"  # not its parent: as if it had ended
        "print('still here')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1 and "still here" not in done.stdout


class DoneStorage:
    """A storage process whose outcome is in."""

    def ready(self) -> bool:
        return True


def test_a_batch_whose_outcome_is_in_is_not_kept_waiting_for_the_window():
    worker = Worker("mqtt://localhost:1")
    worker._storage, worker._in_flight = DoneStorage(), ["a batch"]
    worker.inbox.put(["first"])
    later = threading.Timer(mqtt.WAIT / 2, worker.inbox.put, (["second"],))
    later.start()
    try:
        assert worker._collect() == []  # settled now; "first" goes with the next round
    finally:
        later.join()
    worker._in_flight = None
    assert worker._collect() == ["first", "second"]  # nothing in flight: the full window


def test_the_last_round_before_stopping_takes_everything_received():
    worker = Worker("mqtt://localhost:1")
    worker._storage, worker._in_flight = DoneStorage(), ["a batch"]
    for n in range(5):
        worker.inbox.put([n])
    assert worker._collect(wait=0) == [0, 1, 2, 3, 4]
