"""Every CSV the project writes goes through the one neutralising writer (metrics.text.write_csv): a
figure stored before the import rules existed, with a ``=HYPERLINK(...)`` source and other formula
starts, comes out neutralised from the export (CLI and Data page), the provenance bundle, a chart's
data and the Upload page's problem report; read back with the csv module."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from metrics.__main__ import main as metrics_main
from metrics.export import export_figures, to_bytes
from metrics.images import chart_csv
from metrics.ingest import parse_figures_csv
from metrics.metadata import FIGURE_COLUMNS
from metrics.provenance import provenance_bundle
from metrics.review import problems_csv
from metrics.store import add_batch, create_schema, get_engine, read_figures, write_transaction

SOURCE = '=HYPERLINK("http://evil.example","ISW")'
#: column -> (stored text, as a spreadsheet-safe CSV cell)
RISKY = {
    "source": (SOURCE, "'" + SOURCE),
    "definition": ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
    "source_url": ("@SUM(A1)", "'@SUM(A1)"),
    "notes": ("\t=cmd", "'\t=cmd"),  # a tab first (OWASP)
}


def _cells(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(), newline="")))


def _assert_neutralised(row: dict[str, str]) -> None:
    for column, (_, written) in RISKY.items():
        assert row[column] == written, (column, row[column])


@pytest.fixture
def stored(tmp_path: Path) -> tuple[str, Engine]:
    """A store holding one figure with formula-looking text (as stored before the import rules)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = get_engine(url)
    create_schema(engine)
    row = dict.fromkeys(FIGURE_COLUMNS, "")
    row.update(date=pd.Timestamp("2025-11-30"), period_start=pd.Timestamp("2025-11-01"), territory="UKR",
               actor="RU", metric="net_change_km2", value=-12.5, batch_id=0, derived=False,
               **{column: text for column, (text, _) in RISKY.items()})  # fmt: skip
    with write_transaction(engine) as conn:
        add_batch(conn, pd.DataFrame([row], columns=FIGURE_COLUMNS), filename="old.csv", sha256="0" * 64)
    return url, engine


def test_the_export_cli_neutralises_formula_text(
    stored: tuple[str, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = stored
    monkeypatch.setenv("TERRITORY_DB_URL", url)
    out = tmp_path / "export.csv"
    assert metrics_main(["export", "--source", SOURCE, "--format", "csv", "--out", str(out)]) == 0
    (row,) = _cells(out.read_bytes())
    _assert_neutralised(row)
    assert row["value"] == "-12.5"  # a number stays a number


def test_the_data_pages_csv_and_the_provenance_bundle_neutralise_formula_text(stored: tuple[str, Engine]) -> None:
    _, engine = stored
    rows = export_figures(read_figures(engine))
    (row,) = _cells(to_bytes(rows, "csv"))
    _assert_neutralised(row)
    with zipfile.ZipFile(io.BytesIO(provenance_bundle(rows, query={}))) as bundle:
        (row,) = _cells(bundle.read("figures.csv"))
    _assert_neutralised(row)


def test_a_charts_data_neutralises_formula_text_and_keeps_numbers(stored: tuple[str, Engine]) -> None:
    _, engine = stored
    data = read_figures(engine)[["date", "value", *RISKY]]
    (row,) = _cells(chart_csv(data))
    _assert_neutralised(row)
    assert row["value"] == "-12.5"


def test_the_problem_report_neutralises_header_cells_of_the_uploaded_file() -> None:
    upload = b"date,metric,value,source,=cmd|' /C calc'!A0\n2025-11-30,area_controlled_km2,5,ISW,x\n"
    parsed = parse_figures_csv(upload, "attack.csv")
    assert not parsed.ok
    rows = list(csv.reader(io.StringIO(problems_csv(parsed.problems).decode(), newline="")))
    assert rows[0] == ["line", "column", "problem", "what to do"]
    assert rows[1][:2] == ["1", "'=cmd|' /C calc'!A0"]  # the column cell, as named in the file
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
