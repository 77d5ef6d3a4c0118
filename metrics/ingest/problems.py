"""Problems and limits shared by every importer: where a file is wrong, what to do, and how big it may be."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DATE_FIX",
    "EXCEL_FIX",
    "PERIOD_FIX",
    "Problem",
    "Progress",
    "SAVE_AS_CSV",
    "max_upload_bytes",
    "upload_size_problem",
]

#: ``progress(stage, fraction)``: "reading", "checking", "storing" from 0.0 to 1.0.
Progress = Callable[[str, float], None]

EXCEL_FIX = (
    "in the spreadsheet, copy the cells and paste them back as values (Paste Special > Values), then save as CSV"
)
PERIOD_FIX = "write the period as 2025-11 (month), 2025-W47 (ISO week), 2025-Q4 (quarter) or 2025 (year)"
DATE_FIX = "write dates as YYYY-MM-DD, e.g. 2025-11-30"
SAVE_AS_CSV = "open it in the spreadsheet and save it as CSV (File > Save As > CSV UTF-8), then upload the .csv file"
_MAX_UPLOAD_MB_DEFAULT = 50.0


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where (physical line, 1 = header; column as named in the file, '' for
    the whole row or file), what (quoting the bad value) and what to do about it."""

    line: int
    column: str
    message: str
    fix: str

    def as_text(self, filename: str) -> str:
        """``FILE:LINE: column: message; fix`` (the CLI's format; the column is left out when '')."""
        where = f"{filename}:{self.line}: " + (f"{self.column}: " if self.column else "")
        return f"{where}{self.message}; {self.fix}" if self.fix else f"{where}{self.message}"


def max_upload_bytes() -> int:
    """The largest file taken in: ``TERRITORY_MAX_UPLOAD_MB`` megabytes (default 50; 1 MB = 2**20 bytes)."""
    text = os.environ.get("TERRITORY_MAX_UPLOAD_MB", "").strip()
    if not text:
        return int(_MAX_UPLOAD_MB_DEFAULT * 2**20)
    try:
        megabytes = float(text)
    except ValueError:
        raise ValueError(f"TERRITORY_MAX_UPLOAD_MB={text!r} is not a number of megabytes (e.g. 50)") from None
    if not megabytes > 0:
        raise ValueError(f"TERRITORY_MAX_UPLOAD_MB={text!r} must be a positive number of megabytes")
    return round(megabytes * 2**20)


def _megabytes(size: float) -> str:
    megabytes = size / 2**20
    return f"{megabytes:,.1f} MB" if megabytes >= 1 else f"{megabytes:.3g} MB"


def upload_size_problem(size: int) -> Problem | None:
    """The problem of a file of ``size`` bytes over ``max_upload_bytes()``, or None (check before reading)."""
    limit = max_upload_bytes()
    if size <= limit:
        return None
    return Problem(
        1, "", f"the file is {_megabytes(size)}, over the upload limit of {_megabytes(limit)}",
        "split it into smaller files, or raise the limit with the TERRITORY_MAX_UPLOAD_MB environment variable",
    )  # fmt: skip
