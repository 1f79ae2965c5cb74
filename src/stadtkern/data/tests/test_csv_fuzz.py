"""Generated CSV files: the importer never raises anything but a clear ImportFailed, and
the row accounting always holds (rows in = rows imported + rows rejected)."""

from datetime import datetime
from uuid import uuid4

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadtkern.data import importing
from stadtkern.data.importing import Column
from stadtkern.data.models import Dataset, ImportRun
from stadtkern.data.parsing import PARSERS, infer

from .conftest import rows_of

cell = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(
        lambda f: f"{f:.3f}".replace(".", ",")
    ),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.sampled_from(["", "ja", "nein", "n/a", "-", "x", "=SUMME(A1)", "\ufffd", "'", '"q"']),
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 1, 1)).flatmap(
        lambda d: st.sampled_from(
            [
                d.strftime("%Y-%m-%d %H:%M:%S +0200"),
                d.strftime("%Y-%m-%dT%H:%M:%SZ"),
                d.isoformat(),
                d.strftime("%d.%m.%Y %H:%M"),
                d.strftime("%Y-%m-%d %H:%M:%S"),
                d.strftime("%Y-%m-%d"),
            ]
        )
    ),
    st.text(max_size=12),
)
row = st.lists(cell, min_size=0, max_size=6)


def render(header, rows, delimiter, newline):
    def quote(v):
        if any(ch in v for ch in (delimiter, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v

    lines = [delimiter.join(quote(v) for v in r) for r in [header, *rows]]
    return newline.join(lines) + newline


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.text(min_size=0, max_size=10), min_size=1, max_size=5),
    rows=st.lists(row, max_size=25),
    delimiter=st.sampled_from([";", ",", "\t"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_generated_csv_files_never_crash_and_always_add_up(
    alpha, tmp_path, header, rows, delimiter, newline, encoding
):
    dataset, _ = Dataset.objects.get_or_create(
        municipality=alpha, slug="fuzz", defaults={"title": "Fuzz"}
    )
    content = render(header, rows, delimiter, newline).encode(encoding, errors="replace")
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        run = importing.run_import(dataset, path, "fuzz.csv", importing.Options())
    except importing.ImportFailed as exc:
        assert str(exc)
        run = exc.run
        assert run is None or run.status == "failed"
        if run is None:
            return
    assert run.rows_in == run.rows_imported + run.rows_rejected
    if run.status == "done":
        assert len(rows_of(dataset)) == run.rows_imported
        assert (
            ImportRun.objects.filter(dataset=dataset, status="done").latest("created_at").pk
            == run.pk
        )


@given(st.lists(st.text(max_size=20), max_size=30))
def test_inferred_type_reads_every_sample_value(values):
    guess = infer(values)
    parse = PARSERS[guess.type]
    for v in values:
        parse(v.strip() if guess.type != "text" else v)


@given(st.integers(-(10**15), 10**15))
def test_german_grouped_integers_round_trip(n):
    grouped = f"{n:,}".replace(",", ".")
    assert PARSERS["integer"](grouped) == n
    assert (
        PARSERS["decimal"](f"{n:,}.5".replace(",", "X").replace(".", ",").replace("X", "."))
        == n + (0.5 if n >= 0 else -0.5)
        or abs(n) > 2**52
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=14), cell), max_size=40), st.sampled_from([",", "."]))
def test_bulk_inference_and_conversion_agree_with_the_scalar_parsers(values, decimal):
    from stadtkern.data import fastparse

    stripped = [v.strip() for v in values]
    assert fastparse.infer(values, decimal).type == infer(stripped, decimal).type
    for kind in ("integer", "decimal", "boolean", "date", "timestamp"):
        series, failures = fastparse.convert(values, kind, decimal)
        # The whole-frame path (one expression per column) must agree as well.
        column = Column(
            "v", "v", kind, 0, decimal, hint=fastparse.timestamp_format(values) if values else None
        )
        frame, frame_failures = fastparse.convert_frame(
            pl.DataFrame({"v": pl.Series(values, dtype=pl.String)}), [column]
        )
        assert set(frame_failures) == set(failures)
        assert frame["v"].to_list() == series.to_list()
        for i, v in enumerate(stripped):
            try:
                expected = PARSERS[kind](v, decimal)
            except (ValueError, OverflowError):
                assert i in failures
                continue
            assert i not in failures
            got = series[i]
            assert got == expected, (kind, v, got, expected)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.integers(-(10**6), 10**6).map(lambda n: f"{n:,}".replace(",", ".")),
                st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}".replace(".", ",")),
                st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
                st.sampled_from(["", " ", "ja", "nein", "x", "Straße", "\ufffd"]),
            ),
            min_size=0,
            max_size=4,
        ),
        min_size=1,
        max_size=40,
    ),
    piece_bytes=st.integers(1, 200),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_files_read_in_pieces_import_as_read_line_by_line(
    alpha, tmp_path, rows, piece_bytes, encoding, newline
):
    """The bulk path (pieces split by polars) and the csv module agree on every file."""
    from stadtkern.data import readers

    header = ["a", "b", "c", "d"][: max(len(rows[0]), 1)]
    lines = [";".join(r) for r in [header, *rows]]
    content = (newline.join(lines) + newline).encode(encoding, "replace")
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    outcomes = []
    for bulk in (True, False):
        dataset = Dataset.objects.create(municipality=alpha, slug=f"f-{uuid4().hex}", title="F")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(readers, "PIECE_BYTES", piece_bytes)
            if not bulk:
                mp.setattr(readers, "clean_pieces", lambda *args: None)
            try:
                run = importing.run_import(dataset, path, "f.csv", importing.Options())
            except importing.ImportFailed as exc:
                run = exc.run
        outcomes.append(
            (
                run.status,
                run.rows_in,
                run.rows_rejected,
                [(e["line"], e["column"], e["reason"]) for e in run.errors],
                sorted(w["code"] for w in run.warnings),
                [(c["name"], c["type"]) for c in run.columns],
                rows_of(dataset) if run.status == "done" else None,
            )
        )
        dataset.delete()
    assert outcomes[0] == outcomes[1], (content, outcomes)


def test_the_whitespace_list_is_what_str_strip_removes():
    # written out for a fast start; it must stay the set Python strips, in every version
    from stadtkern.data.fastparse import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
