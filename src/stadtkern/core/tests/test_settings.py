"""Settings come from the environment; bad values stop the start with a clear message."""

import os
import subprocess
import sys

import pytest


def _run(env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "BALLOT_SECRET", "DEBUG"}
    }
    clean.update({"STADTKERN_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "stadtkern.cli", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL scheme 'mysql' is not supported"),
        ({"STADTKERN_ENV": "production"}, "SECRET_KEY (or SECRET_KEY_FILE) is required"),
        ({"STADTKERN_ENV": "staging"}, "STADTKERN_ENV='staging' is unknown"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        (
            {"STADTKERN_ENV": "production", "SECRET_KEY": "k" * 40},
            "BALLOT_SECRET (or BALLOT_SECRET_FILE) is required",
        ),
        ({"BALLOT_SECRET": "short"}, "BALLOT_SECRET must be at least 32 characters"),
        (
            {"SECRET_KEY_FILE": "/nonexistent/key"},
            "SECRET_KEY_FILE='/nonexistent/key' cannot be read",
        ),
        ({"LOGIN_FAILURE_LIMIT": "ten"}, "LOGIN_FAILURE_LIMIT='ten' is not a whole number"),
        ({"TIME_ZONE": "Nirgends/Stadt"}, "TIME_ZONE='Nirgends/Stadt' is no time zone"),
        ({"TIME_ZONE": "../../etc/passwd"}, "is no time zone"),
        ({"LOG_LEVEL": "laut"}, "LOG_LEVEL='LAUT' is unknown"),
        (
            {"STA_QUERY_TIMEOUT_MS": "3000000000"},
            "STA_QUERY_TIMEOUT_MS='3000000000' must be at most 2147483647",
        ),
        ({"STADTKERN_VAR_DIR": "/dev/null"}, "STADTKERN_VAR_DIR: /dev/null is not a folder"),
        ({"STADTKERN_VAR_DIR": "/proc/nirgends"}, "/proc/nirgends cannot be created"),
        ({"STADTKERN_VAR_DIR": "/" + "x" * 300}, "cannot be"),
    ],
)
def test_bad_values_fail_at_start_with_a_clear_message(tmp_path, env, message):
    result = _run(env, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_key_is_read_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40)
    result = _run(
        {
            "STADTKERN_ENV": "production",
            "SECRET_KEY_FILE": str(key_file),
            "BALLOT_SECRET_FILE": str(key_file),
            "ALLOWED_HOSTS": "example.org",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_embedded_default_generates_a_secret_key_into_var(tmp_path):
    assert _run({}, tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_passwords_are_hashed_with_argon2_outside_tests():
    from stadtkern import settings as module

    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sqlite_default_runs_in_wal_mode(tmp_path):
    code = "import django; django.setup(); from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(STADTKERN_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="stadtkern.settings")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "wal", out.stderr


def test_the_worker_password_is_never_the_brokers_password_file(tmp_path):
    # The old set-up named Mosquitto's password file MQTT_PASSWORD_FILE: by the *_FILE
    # convention the worker then read its own password from the broker's hashes.
    passwd = tmp_path / "passwd"
    passwd.write_text("stadtkern:$7$101$abc$def\nskm_1:$7$101$ghi$jkl\n")
    result = subprocess.run(
        [sys.executable, "-c", "import stadtkern.settings"],
        env={**os.environ, "MQTT_PASSWORD_FILE": str(passwd)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "MQTT_BROKER_PASSWORD_FILE" in result.stderr


@pytest.mark.parametrize("password", ["ab:$cd", "$7$101$x", "kein:$geheimnis"])
def test_a_password_with_colon_and_dollar_is_still_a_password(password):
    result = subprocess.run(
        [sys.executable, "-c", "import stadtkern.settings as s; print(len(s.MQTT_PASSWORD))"],
        env={**os.environ, "MQTT_PASSWORD": password}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(password))


def test_processes_starting_at_once_share_one_whole_generated_key(tmp_path):
    """The first start writes the keys: every process started with it reads the same key,
    never a file that is still empty."""
    probe = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'stadtkern.settings'\n"
        "from django.conf import settings\n"
        "print(settings.SECRET_KEY, settings.BALLOT_SECRET)\n"
    )
    env = {**os.environ, "STADTKERN_VAR_DIR": str(tmp_path / "var")}
    for name in ("SECRET_KEY", "BALLOT_SECRET", "DATABASE_URL"):
        env.pop(name, None)
    starts = [subprocess.Popen([sys.executable, "-c", probe], env=env, stdout=subprocess.PIPE,
                               text=True) for _ in range(6)]  # fmt: skip
    keys = {start.communicate(timeout=120)[0] for start in starts}
    assert len(keys) == 1
    secret, ballot = keys.pop().split()
    assert len(secret) >= 32 and len(ballot) >= 32 and secret != ballot
    assert (tmp_path / "var" / "ballot_secret").read_text() == ballot
    assert [p.name for p in (tmp_path / "var").iterdir() if p.name.startswith("tmp")] == []


def test_a_key_file_without_a_whole_key_is_refused(tmp_path):
    (tmp_path / "ballot_secret").write_text("")
    result = _run({}, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ballot_secret holds no key of at least 32 characters" in result.stderr
