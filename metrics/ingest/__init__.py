"""Ingestion: every way figures and events come in, on shared parts (DESIGN.md, "Contracts").

One module per job: ``problems`` (what is wrong and the limits), ``encoding`` (bytes to text), ``table``
(the CSV table, the header checked against a column spec, formulas, invisible characters, lengths and
duplicates), ``cells`` (dates, periods, numbers, units), ``figure_checks`` and ``figure_schema`` (what a
figure must be), ``figures`` (parse, plan, import, template) and ``events`` (the event file's checks).
Batches are written once per sha256 by ``metrics.store.store_once``, the one writer of every importer.
"""

from metrics.ingest.cells import UNITS
from metrics.ingest.figure_checks import FIGURES, FUTURE_DAYS, OPTIONAL_COLUMNS, QUALITY_MARKS, REQUIRED_COLUMNS
from metrics.ingest.figures import (
    ImportPlan,
    ImportResult,
    ParsedFile,
    affected_series,
    already_imported,
    import_figures,
    parse_figures_csv,
    plan_import,
    template_csv,
)
from metrics.ingest.problems import Problem, max_upload_bytes, upload_size_problem

__all__ = [
    "FIGURES",
    "FUTURE_DAYS",
    "ImportPlan",
    "ImportResult",
    "OPTIONAL_COLUMNS",
    "ParsedFile",
    "Problem",
    "QUALITY_MARKS",
    "REQUIRED_COLUMNS",
    "UNITS",
    "affected_series",
    "already_imported",
    "import_figures",
    "max_upload_bytes",
    "parse_figures_csv",
    "plan_import",
    "template_csv",
    "upload_size_problem",
]
