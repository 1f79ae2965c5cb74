"""Secrecy in storage: once a vote or an anonymous survey has closed, a full copy of the
database (without BALLOT_SECRET) links no ballot or response to a voter, by no column,
system column (rowid, ctid, xmin) or order. Tried on both databases."""

import json
import random
import sqlite3
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from stadtkern.participation import secrecy, services, surveys
from stadtkern.participation.keys import ballot_key, digest
from stadtkern.participation.models import (
    Ballot,
    Budget,
    Participation,
    Phase,
    PhaseKind,
    Survey,
    SurveyParticipation,
    SurveyResponse,
    VotingCode,
)
from stadtkern.participation.services import normalise_code

from .conftest import make_budget, make_open_survey, make_people, make_process

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 12


def physical_order(table: str, where: str, params: list, column: str) -> list:
    """Return ``column`` in the order the rows lie in storage (rowid or ctid)."""
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {where} ORDER BY {order}", params)  # noqa: S608
        return [row[0] for row in cur.fetchall()]


def xmins(table: str, where: str, params: list) -> set:
    with connection.cursor() as cur:
        cur.execute(f"SELECT xmin::text FROM {table} WHERE {where}", params)  # noqa: S608
        return {row[0] for row in cur.fetchall()}


@pytest.fixture
def closed_vote(alpha):
    """A vote that twelve code holders took part in, one after another, then closed."""
    budget = make_budget(make_process(alpha), max_projects=3)
    codes = services.voting_codes_create(process=budget.process, count=VOTERS)
    for n, code in enumerate(codes):
        services.ballot_cast(budget=budget, projects=[str(1 + n % 5)], code=code)
    Phase.objects.filter(process=budget.process, kind=PhaseKind.VOTING).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    voters = [
        VotingCode.objects.get(digest=digest("code:" + normalise_code(code))) for code in codes
    ]
    # The link an attacker with BALLOT_SECRET could make; the test uses it as the truth.
    keys = [ballot_key(budget, code=voter) for voter in voters]
    return budget, keys


def ballot_keys_in_storage(budget) -> list:
    return physical_order(Ballot._meta.db_table, "budget_id = %s", [budget.pk], "key")


def test_while_open_storage_order_follows_the_voters(closed_vote):
    # What the README says a database administrator can see while a vote runs.
    budget, keys = closed_vote
    assert ballot_keys_in_storage(budget) == keys


def test_sealing_puts_ballots_in_a_fresh_order_with_new_ids_and_one_transaction(closed_vote):
    budget, keys = closed_vote
    before_ids = set(Ballot.objects.filter(budget=budget).values_list("id", flat=True))
    expected = list(keys)
    random.Random(7).shuffle(expected)
    assert expected != keys
    assert secrecy.budget_seal(budget=budget, shuffle=random.Random(7).shuffle)
    assert ballot_keys_in_storage(budget) == expected
    after_ids = set(Ballot.objects.filter(budget=budget).values_list("id", flat=True))
    assert len(after_ids) == VOTERS and not (after_ids & before_ids)
    if connection.vendor == "postgresql":
        ballot_xmins = xmins(Ballot._meta.db_table, "budget_id = %s", [budget.pk])
        record_xmins = xmins(Participation._meta.db_table, "budget_id = %s", [budget.pk])
        assert len(ballot_xmins) == 1 and not (ballot_xmins & record_xmins)
    assert not secrecy.budget_seal(budget=budget)  # once only


def test_results_seal_the_vote_and_count_every_ballot(client, closed_vote):
    budget, _keys = closed_vote
    response = client.get(f"/api/v1/participation/budgets/{budget.pk}/results")
    assert response.status_code == 200, response.content
    assert response.json()["ballots"] == VOTERS
    budget.refresh_from_db()
    assert budget.sealed_at is not None


def test_a_copy_of_the_database_files_holds_no_superseded_ballot(closed_vote):
    budget, _keys = closed_vote
    old_ids = list(Ballot.objects.filter(budget=budget).values_list("id", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_relation_filenode(%s)", [Ballot._meta.db_table])
            node_before = cur.fetchone()[0]
    secrecy.budget_seal(budget=budget)
    if connection.vendor == "sqlite":
        # Old ids in the file or its write-ahead log would give the old order back.
        name = Path(connection.settings_dict["NAME"])
        stored = b"".join(
            path.read_bytes() for path in (name, Path(f"{name}-wal")) if path.exists()
        )
        assert not [i for i in old_ids if i.hex.encode() in stored]
    else:
        # VACUUM FULL wrote the table anew: no dead row versions with their xmin remain.
        with connection.cursor() as cur:
            cur.execute("SELECT pg_relation_filenode(%s)", [Ballot._meta.db_table])
            assert cur.fetchone()[0] != node_before


def test_a_sealed_vote_cannot_be_reopened(closed_vote, people_alpha):
    budget, _keys = closed_vote
    secrecy.budget_seal(budget=budget)
    editor = people_alpha["editor"]
    voting = Phase.objects.get(process=budget.process, kind=PhaseKind.VOTING)
    later = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="nicht wieder geöffnet"):
        services.phase_update(
            phase=voting, user=editor, kind=voting.kind, starts_at=voting.starts_at, ends_at=later
        )
    with pytest.raises(ValidationError, match="nicht wieder geöffnet"):
        services.phase_create(
            process=budget.process, kind=PhaseKind.VOTING, starts_at=timezone.now(), ends_at=later
        )
    with pytest.raises(ValidationError, match="nicht wieder geöffnet"):
        services.phase_delete(phase=voting, user=editor)
    voting.refresh_from_db()
    assert voting.ends_at < timezone.now()


def test_results_follow_the_stored_ballots(client, closed_vote):
    budget, _keys = closed_vote
    first = client.get(f"/api/v1/participation/budgets/{budget.pk}/results").json()
    assert first["ballots"] == VOTERS
    Ballot.objects.filter(budget=budget).first().delete()  # e.g. repaired by hand
    again = client.get(f"/api/v1/participation/budgets/{budget.pk}/results").json()
    assert again["ballots"] == VOTERS - 1
    export = client.get(f"/api/v1/participation/budgets/{budget.pk}/export.pb")
    assert f"num_votes;{VOTERS - 1}" in export.content.decode()


@pytest.fixture
def people_alpha(alpha, beta):
    return make_people(alpha, beta)


def test_anonymous_survey_responses_are_sealed_at_the_close(alpha, people_alpha):
    now = timezone.now()
    survey, question = make_open_survey(alpha, kind="text", text="Was wünschen Sie sich?")
    for n in range(VOTERS):
        user = people_alpha["citizen"] if n == 0 else None
        surveys.response_submit(survey=survey, user=user, answers={str(question.pk): f"Wunsch {n}"})
    table = SurveyResponse._meta.db_table
    before = [uuid.UUID(str(i)) for i in physical_order(table, "survey_id = %s", [survey.pk], "id")]
    expected = list(before)
    random.Random(3).shuffle(expected)
    answers_before = dict(SurveyResponse.objects.values_list("id", "answers"))
    survey.closes_at = now - timedelta(seconds=1)
    survey.save()
    assert secrecy.survey_seal(survey=survey, shuffle=random.Random(3).shuffle)
    after = physical_order(table, "survey_id = %s", [survey.pk], "answers")
    assert [a if isinstance(a, dict) else json.loads(a) for a in after] == [
        answers_before[i] for i in expected
    ]
    assert not set(before) & set(SurveyResponse.objects.values_list("id", flat=True))
    if connection.vendor == "postgresql":
        response_xmins = xmins(table, "survey_id = %s", [survey.pk])
        record_xmins = xmins(SurveyParticipation._meta.db_table, "survey_id = %s", [survey.pk])
        assert len(response_xmins) == 1 and not (response_xmins & record_xmins)
    assert surveys.survey_results(survey)["responses"] == VOTERS


def test_seal_command_seals_what_has_closed(closed_vote):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("participation", "seal", stdout=out)
    assert json.loads(out.getvalue()) == {"budgets": 1, "surveys": 0, "old_rows_erased": True}
    budget, _keys = closed_vote
    budget.refresh_from_db()
    assert budget.sealed_at is not None


def test_no_ballot_lands_after_the_seal(alpha):
    # A ballot that passed the phase check just before the end but arrives after the seal.
    budget = make_budget(make_process(alpha), max_projects=3)
    first, late = services.voting_codes_create(process=budget.process, count=2)
    services.ballot_cast(budget=budget, projects=["1"], code=first)
    assert not secrecy.budget_seal(budget=budget)  # the vote is still open: no seal
    assert secrecy.budget_seal(budget=budget, only_when_over=False)
    with pytest.raises(ValidationError, match="ballot"):
        services.ballot_cast(budget=budget, projects=["2"], code=late)
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert Participation.objects.filter(budget=budget).count() == 1


def test_no_survey_answer_lands_after_the_seal(alpha, people_alpha):
    survey, question = make_open_survey(alpha, slug="spaet", kind="text", text="Was noch?")
    surveys.response_submit(survey=survey, user=None, answers={str(question.pk): "früh"})
    # An answer that passed the open check just before the close arrives after the seal.
    assert secrecy.survey_seal(survey=survey)
    with pytest.raises(ValidationError, match="survey"):
        surveys.response_submit(
            survey=survey, user=people_alpha["citizen"], answers={str(question.pk): "spät"}
        )
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert not SurveyParticipation.objects.filter(survey=survey).exists()


def _seal_while_open(write, seal) -> tuple[bool, list]:
    """Run ``write`` in a transaction that stays open, and ``seal`` meanwhile: whether
    the seal had to wait for the write, and what either raised."""
    written, release, errors = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                write()
                written.set()
                release.wait(15)
        except Exception as exc:  # noqa: BLE001 (the test reports what either raised)
            errors.append(exc)
        finally:
            written.set()
            connection.close()

    def sealer():
        try:
            seal()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=writer)
    first.start()
    assert written.wait(15)
    second = threading.Thread(target=sealer)
    second.start()
    second.join(1.5)
    waited = second.is_alive()
    release.set()
    first.join(20)
    second.join(20)
    return waited, errors


def test_a_ballot_still_being_written_holds_the_seal_until_it_is_in(alpha):
    """On PostgreSQL the rows of a ballot lock nothing before its commit (foreign keys
    are checked then): without the ballot's own share lock a seal passed it and the
    ballot landed beside the sealed ones, with its own xmin."""
    budget = make_budget(make_process(alpha), max_projects=3)
    first, late = services.voting_codes_create(process=budget.process, count=2)
    services.ballot_cast(budget=budget, projects=["1"], code=first)
    waited, errors = _seal_while_open(
        lambda: services.ballot_cast(budget=budget, projects=["2"], code=late),
        lambda: secrecy.budget_seal(budget=budget, only_when_over=False),
    )
    assert waited and not errors
    assert Budget.objects.get(pk=budget.pk).sealed_at is not None
    assert Ballot.objects.filter(budget=budget).count() == 2
    if connection.vendor == "postgresql":  # both rewritten by the seal
        assert len(xmins(Ballot._meta.db_table, "budget_id = %s", [budget.pk])) == 1


def test_an_answer_still_being_written_holds_the_seal_until_it_is_in(alpha, people_alpha):
    survey, question = make_open_survey(alpha, slug="knapp", kind="text", text="Was noch?")
    waited, errors = _seal_while_open(
        lambda: surveys.response_submit(survey=survey, user=None, answers={str(question.pk): "x"}),
        lambda: secrecy.survey_seal(survey=survey),
    )
    assert waited and not errors
    assert Survey.objects.get(pk=survey.pk).sealed_at is not None
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    if connection.vendor == "postgresql":
        assert len(xmins(SurveyResponse._meta.db_table, "survey_id = %s", [survey.pk])) == 1


def test_a_phase_change_and_a_seal_at_the_same_moment_leave_a_consistent_vote(
    closed_vote, people_alpha
):
    # Whichever runs first, the other sees it: either the vote is sealed and cannot be
    # reopened, or it was reopened and is not sealed.
    budget, _keys = closed_vote
    voting = Phase.objects.get(process=budget.process, kind=PhaseKind.VOTING)
    later = timezone.now() + timedelta(days=1)
    errors = []

    def reopen():
        try:
            services.phase_update(
                phase=Phase.objects.get(pk=voting.pk), user=people_alpha["editor"],
                kind=voting.kind, starts_at=voting.starts_at, ends_at=later,
            )  # fmt: skip
        except ValidationError as exc:
            errors.append(exc)
        finally:
            connection.close()

    def seal():
        try:
            secrecy.budget_seal(budget=budget)
        finally:
            connection.close()

    for _ in range(3):
        threads = [threading.Thread(target=reopen), threading.Thread(target=seal)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        budget.refresh_from_db()
        voting.refresh_from_db()
        reopened = voting.ends_at > timezone.now()
        assert reopened != (budget.sealed_at is not None)
        if budget.sealed_at is not None:
            break
        Phase.objects.filter(pk=voting.pk).update(ends_at=timezone.now() - timedelta(seconds=1))


def _stored_bytes() -> bytes:
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())


def _filenode(table: str):
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_relation_filenode(%s::regclass)", [table])
        return cur.fetchone()[0]


def test_a_busy_reader_delays_emptying_the_log_but_holds_up_no_one(closed_vote):
    budget, _keys = closed_vote
    old_ids = list(Ballot.objects.filter(budget=budget).values_list("id", flat=True))
    if connection.vendor == "sqlite":
        # Somebody reading (a long SQL query) keeps the log's old pages in use.
        reader = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    else:
        # ... and on PostgreSQL the table itself, which VACUUM FULL must have alone.
        import psycopg

        settings = connection.settings_dict
        reader = psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
            host=settings["HOST"], port=settings["PORT"], autocommit=True,
        )  # fmt: skip
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM participation_ballot").fetchall()
    before = _filenode("participation_ballot")
    started = time.monotonic()
    assert secrecy.budget_seal(budget=budget)  # erasing the old rows waits 2 s at most
    assert time.monotonic() - started < 5  # not the 20 s busy or lock timeout
    assert secrecy.erase_old_rows() is False  # still busy: tried again later
    reader.execute("ROLLBACK")
    reader.close()
    assert secrecy.seal_due()["old_rows_erased"] is True
    if connection.vendor == "postgresql":  # the table was written anew, without them
        assert _filenode("participation_ballot") != before
    if connection.vendor == "sqlite":
        stored = _stored_bytes()
        assert not [i for i in old_ids if i.hex.encode() in stored]
