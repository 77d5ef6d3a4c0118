"""The shipped DeepStateMap figures: every day of the archive's inputs stacked into one series, whole
country and per unit, with the quality marks their rules find.

    python -m geodata.build deepstate-figures HISTORY.parquet DAILY.parquet RAW_LATE_DIR

Inputs (../shared/data/deepstate): the history GeoParquet (2022-04-04 .. 2024-07-07), the cyterat
daily GeoParquet (2024-07-08 .. 2026-08-22) and later raw archive files; all follow the archive's
date convention (``geodata.deepstate``: file D -> as of D-1). The polygons are not shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geodata import deepstate
from geodata.boundaries import load_regions
from geodata.snapshots import EDGE_NOTE, EDGE_TOLERANCE_M, figures_from_snapshots
from metrics.metadata import official_area_km2
from metrics.quality import BREAK, GLITCH, frozen_runs, mark, suspect_jumps

__all__ = [
    "DEEPSTATE_FILE",
    "HELD_SHARE_PCT",
    "REDRAW_KM2",
    "deepstate_figures",
    "mark_deepstate",
    "redraws_of_held_units",
]

DEEPSTATE_FILE = "deepstatemap_occupied.csv.gz"
URL = "https://github.com/cyterat/deepstate-map-data"
HISTORY_URL = "https://github.com/DanielRose2310/deepstatemaps-history"
#: A unit held at least this share (%) has no front through it: its area moves only when redrawn.
HELD_SHARE_PCT = 95.0
#: A day-over-day move of a fully held unit's area above this (km2) is a redraw: a series break.
REDRAW_KM2 = 300.0
_HISTORY_END = pd.Timestamp("2024-07-06")  # the history file's last as-of day (its file date 2024-07-07)


def deepstate_figures(sources: Sequence[Path]) -> pd.DataFrame:
    """The shipped DeepStateMap figures from the archive's inputs (``deepstate.read_archive``)."""
    snapshots = deepstate.read_archive(sources)
    figures = figures_from_snapshots(
        snapshots,
        load_regions(),
        source=deepstate.SOURCE,
        definition=deepstate.DEFINITION,
        territory_area_km2=official_area_km2("UKR"),
        notes="computed by this project from the DeepStateMap archive file of the next day",
        edge_tolerance_m=EDGE_TOLERANCE_M,
    )
    unit_share = (figures["region"] != "") & (figures["metric"] == "share_controlled_pct")
    figures.loc[unit_share, "notes"] = figures.loc[unit_share, "notes"] + "; " + EDGE_NOTE
    history = figures["date"] <= _HISTORY_END
    figures["source_url"] = URL
    figures.loc[history, "source_url"] = HISTORY_URL
    figures["published"] = ""
    return mark_deepstate(figures)


def redraws_of_held_units(figures: pd.DataFrame) -> pd.DataFrame:
    """Days on which the area inside a unit that was at least ``HELD_SHARE_PCT`` % held the day before
    moves by more than ``REDRAW_KM2``: no front runs through such a unit, so the source redrew it.
    Returns ``date``, ``region``, ``change`` (km2)."""
    units = figures[figures["region"] != ""].pivot_table(index="date", columns=["metric", "region"], values="value")
    area, share = units["area_controlled_km2"], units["share_controlled_pct"]
    change = area.diff()
    held_before = share.shift() >= HELD_SHARE_PCT
    found = change.where(held_before & (change.abs() > REDRAW_KM2)).stack().dropna().rename("change").reset_index()
    return found


def mark_deepstate(figures: pd.DataFrame) -> pd.DataFrame:
    """The quality marks of the DeepStateMap series, each found by a rule (``metrics.quality``):

    - break: a redraw of a fully held unit (``redraws_of_held_units``; Crimea on 2022-09-18);
    - glitch: a frozen map (``frozen_runs``: 4 or more days moving under 3 km2 in all while the front
      moves over 5 km2 a day in the 14 days before and after);
    - glitch: a jump over 5,000 km2 that reverses within 10 days (``suspect_jumps``).
    The marks are set on every figure of the day (whole country and units).
    """
    whole = figures[(figures["region"] == "") & (figures["metric"] == "area_controlled_km2")]
    whole = whole[["date", "value"]].reset_index(drop=True)
    area = whole.set_index("date")["value"]
    out = figures
    redraws = redraws_of_held_units(figures)
    names = load_regions().set_index("region")["name"]
    for day, rows in redraws.groupby("date"):
        change = area[day] - area[area.index < day].iloc[-1]
        units = ", ".join(f"{names[r]} {c:+,.0f} km2" for r, c in zip(rows["region"], rows["change"], strict=True))
        reason = (
            f"the source redrew fully held units ({units}; the whole area {change:+,.0f} km2): not a front movement"
        )
        rule = f"the area in a unit held {HELD_SHARE_PCT:.0f} % or more moves by over {REDRAW_KM2:,.0f} km2 in a day"
        out = mark(out, out["date"] == day, BREAK, reason, rule)
    frozen_days = whole.loc[frozen_runs(whole), "date"]
    out = mark(
        out, out["date"].isin(frozen_days), GLITCH,
        "frozen map: the source's map was not updated, the figure repeats an older day's",
        "frozen_runs: 4 or more days moving under 3 km2 in all, the 14 days around moving over 5 km2 a day",
    )  # fmt: skip
    jump_days = whole.loc[suspect_jumps(whole), "date"]
    return mark(
        out, out["date"].isin(jump_days), GLITCH, "a jump that reverses within days",
        "suspect_jumps: over 5,000 km2, back within 10 observations",
    )  # fmt: skip
