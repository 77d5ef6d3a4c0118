"""The shipped figures of the sources other than DeepStateMap, from the inputs in ../shared/data:

- ISW/CTP map layers (``isw_layers/daily_areas.json``): three cumulative definitions per day;
- The Economist (``economist/area_assessed_as_controlled_by_russia.csv``): as published;
- liveuamap via NZZ (``liveuamap_nzz/``): held at each file's window end, whole country daily and per
  unit at month ends (overlay computed here, ``geodata.snapshots``); Crimea handled explicitly;
- press-reported figures (``reported/press_reported_figures.csv``): through the project's CSV import.

Each function returns figures in the shipped columns (``geodata.build_io.CSV_COLUMNS``) with the quality
marks its rules find (``metrics.quality``). Polygons are read to compute figures, never shipped.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.areas import to_equal_area
from geodata.boundaries import load_regions
from geodata.snapshots import EDGE_NOTE, EDGE_TOLERANCE_M, figures_from_snapshots
from metrics.metadata import official_area_km2
from metrics.quality import BREAK, GLITCH, mark, suspect_jumps, unrecorded_steps

__all__ = [
    "ECONOMIST", "ECONOMIST_DEFINITION", "ISW", "ISW_DEFINITIONS", "LIVEUAMAP", "LIVEUAMAP_CRIMEA_KM2",
    "LIVEUAMAP_DEFINITION", "LIVEUAMAP_WITH_CRIMEA", "economist_figures", "isw_figures", "liveuamap_figures",
    "press_figures",
]  # fmt: skip

ISW = "ISW (map layers)"
#: Definition -> the ISW/CTP layers it adds up (they are disjoint: isw_layers/SOURCE.md).
ISW_DEFINITIONS = {
    "assessed control": ("ukraine_control_map",),
    "assessed control+advances": ("ukraine_control_map", "russian_advances"),
    "assessed control+advances+claimed": ("ukraine_control_map", "russian_advances", "russian_claimed"),
}
ISW_URL = "https://github.com/sdspieg/war-datasets-dashboard"
ECONOMIST = "The Economist"
ECONOMIST_DEFINITION = "assessed as controlled by Russia (as published)"
ECONOMIST_URL = "https://github.com/TheEconomist/the-economist-ukraine-war-dead-and-wounded-estimates"
LIVEUAMAP = "liveuamap (via NZZ)"
LIVEUAMAP_DEFINITION = "held at window end, without Crimea"
LIVEUAMAP_WITH_CRIMEA = "held at window end, with Crimea constant"
#: The constant NZZ's own territory.csv adds for Crimea (its maps omit Crimea), km2.
LIVEUAMAP_CRIMEA_KM2 = 26_689.32
LIVEUAMAP_URL = "https://github.com/conflict-investigations/nzz-maps"
_CRIMEA_UNITS = ("UA-43", "UA-40")  # AR Crimea, Sevastopol: not drawn by NZZ, so no unit figures
_JUMP_RULE = "suspect_jumps: over 5,000 km2 against the last trusted day, back within 10 files (10 %)"


def _stocks(frame: pd.DataFrame, *, source: str, definition: str, url: str, notes: str) -> pd.DataFrame:
    """Whole-country area and share rows from a frame of ``date``, ``area`` (km2) and ``share`` (%)."""
    long = frame.melt(id_vars=["date"], value_vars=["area", "share"], var_name="metric", value_name="value")
    long["metric"] = long["metric"].map({"area": "area_controlled_km2", "share": "share_controlled_pct"})
    return long.assign(
        period_start=long["date"], territory="UKR", region="", actor="RU", source=source, definition=definition,
        source_url=url, published="", notes=notes, quality="",
    )  # fmt: skip


def isw_figures(daily_areas_json: Path) -> pd.DataFrame:
    """Area and share per day of the three cumulative ISW definitions, on the days that have every
    layer the definition adds (missing days stay missing)."""
    records = pd.read_json(daily_areas_json, dtype=False)
    wide = records.pivot(index="date", columns="layerType", values="areaKm2")
    wide.index = pd.to_datetime(wide.index)
    parts = []
    for definition, layers in ISW_DEFINITIONS.items():
        area = wide[list(layers)].sum(axis=1, min_count=len(layers)).dropna()
        frame = pd.DataFrame({"date": area.index, "area": area.round(2).to_numpy()})
        frame["share"] = (frame["area"] / official_area_km2("UKR") * 100).round(3)
        notes = (
            f"computed by this project from ISW/CTP map-layer areas (equal-area) computed by "
            f"sdspieg/war-datasets-dashboard (daily_areas.json): {' + '.join(layers)}; share = area / 603,628 km2"
        )
        stocks = _stocks(frame, source=ISW, definition=definition, url=ISW_URL, notes=notes)
        whole = stocks[stocks["metric"] == "area_controlled_km2"]
        jumps = whole.loc[suspect_jumps(whole), "date"]
        parts.append(mark(stocks, stocks["date"].isin(jumps), GLITCH, "a jump that reverses within days", _JUMP_RULE))
    return pd.concat(parts, ignore_index=True)


def economist_figures(csv: Path) -> pd.DataFrame:
    """The Economist's daily area (m2 -> km2) and percent, as published. A date the file has twice is
    kept once (the first row, as the Economist's own script does) and marked a glitch."""
    raw = pd.read_csv(csv)
    raw["date"] = pd.to_datetime(raw["date"])
    duplicated = raw.loc[raw["date"].duplicated(), "date"]
    first = raw.drop_duplicates("date", keep="first")
    frame = pd.DataFrame({
        "date": first["date"],
        "area": (first["area_assessed_as_russia_controlled"] / 1e6).round(2),
        "share": first["area_assessed_as_russia_controlled_percent"].round(3),
    })  # fmt: skip
    notes = (
        "The Economist, area assessed as controlled by Russia, as published (CC BY 4.0: cite The Economist); "
        "behaves like ISW assessed control + advances measured in EPSG:6381, not equal-area (about 3.3 % larger); "
        "share as published (of 603,628 km2)"
    )
    stocks = _stocks(frame, source=ECONOMIST, definition=ECONOMIST_DEFINITION, url=ECONOMIST_URL, notes=notes)
    for day in duplicated:
        rows = raw[raw["date"] == day]
        reason = (
            f"the source file has {day:%Y-%m-%d} {len(rows)} times (same area, different change columns); "
            "the first row kept, as the Economist's meta-estimate.R does"
        )
        stocks = mark(stocks, stocks["date"] == day, GLITCH, reason, "a date that appears more than once in the file")
    whole = stocks[stocks["metric"] == "area_controlled_km2"]
    jumps = whole.loc[suspect_jumps(whole), "date"]
    return mark(stocks, stocks["date"].isin(jumps), GLITCH, "a jump that reverses within days", _JUMP_RULE)


def liveuamap_marks(daily: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """The rules of liveuamap_nzz/SOURCE.md on the daily table (one row per NZZ file): glitches of the
    held series, glitches of the all-features series (the file is broken although held looks fine),
    and definition changes (breaks); returns (held glitch, all-features glitch, break, their reasons)."""
    held = daily.rename(columns={"held_km2_laea": "value"})
    held_glitch = suspect_jumps(held)
    every = daily.rename(columns={"all_features_km2_laea": "value"})
    all_glitch = suspect_jumps(every) & ~held_glitch
    breaks = unrecorded_steps(held, lost="losses_km2_laea", skip=held_glitch | all_glitch)
    return held_glitch, all_glitch, breaks, held["value"].diff()


def liveuamap_figures(held_daily_csv: Path, held_month_end_parquet: Path) -> pd.DataFrame:
    """liveuamap via NZZ: held area at each file's window end, whole country daily (without Crimea, and a
    derived series with NZZ's Crimea constant), and per unit at month ends without the Crimea units."""
    daily = pd.read_csv(held_daily_csv, keep_default_na=False)
    daily["date"] = pd.to_datetime(daily["date"])
    daily = daily.sort_values("date", ignore_index=True)
    for column in ("held_km2_laea", "losses_km2_laea", "all_features_km2_laea"):
        daily[column] = daily[column].astype(float)
    held_glitch, all_glitch, breaks, step = liveuamap_marks(daily)
    window = "NZZ file of the date; window " + daily["window_start"] + ".." + daily["window_end"]
    parts = []
    for definition, extra, what in (
        (LIVEUAMAP_DEFINITION, 0.0, "NZZ's maps omit Crimea; not added here"),
        (LIVEUAMAP_WITH_CRIMEA, LIVEUAMAP_CRIMEA_KM2, "plus NZZ's own Crimea constant of 26,689.32 km2"),
    ):
        frame = pd.DataFrame({"date": daily["date"], "area": (daily["held_km2_laea"] + extra).round(3)})
        frame["share"] = (frame["area"] / official_area_km2("UKR") * 100).round(3)
        stocks = _stocks(frame, source=LIVEUAMAP, definition=definition, url=LIVEUAMAP_URL, notes="")
        notes = (
            "computed by this project (LAEA) from the NZZ/liveuamap daily file: held = nochange + gains at the "
            f"window end, {what}; "
        )
        stocks["notes"] = notes + pd.concat([window, window], ignore_index=True)
        by_day = pd.concat([daily["date"]] * 2, ignore_index=True)
        flags = {"held": held_glitch, "all": all_glitch, "break": breaks}
        on = {k: by_day.isin(daily.loc[v.to_numpy(), "date"]) for k, v in flags.items()}
        stocks = mark(stocks, on["held"], GLITCH, "held mislabelled in the source file", _JUMP_RULE)
        stocks = mark(
            stocks, on["all"], GLITCH,
            "losses mislabelled in the source file (the all-features area jumps and reverses; held looks plausible)",
            "suspect_jumps on the all-features area: " + _JUMP_RULE.split(": ", 1)[1],
        )  # fmt: skip
        for day in daily.loc[breaks.to_numpy(), "date"]:
            change = float(step[daily["date"] == day].iloc[0])
            reason = (
                f"the held area moves by {change:+,.0f} km2 with no losses recorded: a definition change, not a loss"
            )
            rule = "unrecorded_steps: over 1,000 km2 against the last trusted day, recorded losses under 10 % of it"
            stocks = mark(stocks, by_day == day, BREAK, reason, rule)
        parts.append(stocks)
    parts.append(_liveuamap_units(held_month_end_parquet, daily.loc[breaks.to_numpy(), "date"]))
    return pd.concat(parts, ignore_index=True)


def _liveuamap_units(parquet: Path, break_days: pd.Series) -> pd.DataFrame:
    snapshots = gpd.read_parquet(parquet)
    # valid in EPSG:4326, but some are not once projected (liveuamap_nzz/SOURCE.md): repaired there
    projected = to_equal_area(snapshots.geometry.set_crs(snapshots.crs or "EPSG:4326", allow_override=True))
    geometry = projected.where(projected.is_valid, projected.buffer(0))
    snapshots = gpd.GeoDataFrame(
        {"date": pd.to_datetime(snapshots["date"])}, geometry=geometry.values, crs=projected.crs
    )
    units = figures_from_snapshots(
        snapshots, load_regions(), source=LIVEUAMAP, definition=LIVEUAMAP_DEFINITION,
        territory_area_km2=official_area_km2("UKR"), edge_tolerance_m=EDGE_TOLERANCE_M,
        notes="computed by this project from the NZZ/liveuamap month-end held polygon (nzz_held_month_end.parquet)",
    )  # fmt: skip
    units = units[(units["region"] != "") & ~units["region"].isin(_CRIMEA_UNITS)].copy()
    share = units["metric"] == "share_controlled_pct"
    units.loc[share, "notes"] = units.loc[share, "notes"] + "; " + EDGE_NOTE
    units = units.assign(source_url=LIVEUAMAP_URL, published="", quality="")
    month_ends = sorted(units["date"].unique())
    for day in break_days:
        after = next((m for m in month_ends if m >= day), None)
        if after is not None:
            reason = f"the series break of {day:%Y-%m-%d} falls in this month: no change across it"
            units = mark(
                units, units["date"] == after, BREAK, reason, "the month end after a break of the daily series"
            )
    return units


def press_figures(csv: Path) -> pd.DataFrame:
    """The press-reported figures as reported, read with the project's own CSV import rules
    (``metrics.ingest.parse_figures_csv``, what ``python -m metrics import`` uses); a problem stops the build."""
    from metrics.ingest import parse_figures_csv

    parsed = parse_figures_csv(csv.read_bytes(), csv.name)
    if not parsed.ok:
        raise ValueError("\n".join(problem.as_text(str(csv)) for problem in parsed.problems))
    return parsed.figures.drop(columns=["line", "derived"], errors="ignore").assign(quality="")
