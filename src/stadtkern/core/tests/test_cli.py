"""The stadtkern command: demo, createadmin, bench lookup."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from stadtkern.core.models import Municipality, User
from stadtkern.strategy.models import Benefit, Measure


@pytest.mark.django_db
def test_demo_loads_a_complete_strategy_and_a_second_municipality(monkeypatch):
    monkeypatch.setenv("STADTKERN_DEMO_PASSWORD", "demo-passwort-123")
    out = io.StringIO()
    call_command("demo", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["password"] == "demo-passwort-123"
    m = Municipality.objects.get(slug="musterstadt")
    assert m.vision_versions.filter(published=True).exists()
    assert m.values.count() >= 6 and m.goals.count() >= 6 and m.fields_of_action.count() >= 8
    measures = Measure.objects.filter(municipality=m)
    assert measures.count() == 31
    assert not measures.filter(title_en="").exists()
    assert (
        Benefit.objects.filter(measure__municipality=m).values("measure").distinct().count() == 31
    )
    assert Municipality.objects.filter(slug="beispielhausen").exists()
    assert User.objects.get(username="anna").check_password("demo-passwort-123")
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", stdout=io.StringIO())
    printed = io.StringIO()
    call_command("demo", "--reset", "--port", "8123", stdout=printed)
    assert Measure.objects.filter(municipality__slug="musterstadt").count() == 31
    assert (
        "http://127.0.0.1:8123/login/" in printed.getvalue() and ":8000" not in printed.getvalue()
    )


@pytest.mark.django_db
def test_createadmin_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("STADTKERN_ADMIN_PASSWORD", "a-long-and-unusual-passphrase")
    call_command("createadmin", "--username", "root", stdout=io.StringIO())
    user = User.objects.get(username="root")
    assert user.is_staff and user.check_password("a-long-and-unusual-passphrase")
    with pytest.raises(CommandError, match="exists already"):
        call_command("createadmin", "--username", "root")


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("STADTKERN_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        call_command("createadmin", "--username", "weak")


def test_unknown_benchmark_is_a_clear_error():
    with pytest.raises(CommandError, match="No benchmark 'nope'"):
        call_command("bench", "nope")


@pytest.mark.parametrize("argv", [[], ["help"], ["--help"], ["-h"]])
def test_the_fast_help_lists_what_django_lists(argv, capsys):
    """``stadtkern --help`` finds the commands on disk instead of starting every app; the
    list must stay the one Django's own help prints."""
    from django.core.management import ManagementUtility

    from stadtkern.cli import main

    assert main(argv) == 0
    fast = capsys.readouterr().out
    assert fast == ManagementUtility(["stadtkern", "--help"]).main_help_text() + "\n"
    assert "[stadtkern]" not in fast and "    serve" in fast and "    pb" in fast


def test_data_commands_skip_the_servers_system_checks():
    """The checks load every URL and API schema (seconds); commands on data need none."""
    from django.core.management import get_commands, load_command_class

    skipping = {name for name, app in get_commands().items() if app.startswith("stadtkern")
                and load_command_class(app, name).requires_system_checks == []}  # fmt: skip
    assert {"import", "sql", "pb", "indicators", "participation", "steering", "token"} <= skipping
    assert "serve" not in skipping and "worker" not in skipping
