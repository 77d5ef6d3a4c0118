"""The pandera schema's verdict on figures, as problems with line numbers: range checks (areas within the
territory or region, shares in 0..100, no negative areas), known territories and regions.

The range checks live in ``metrics.schema.FigureSchema``; this module only turns its failures into problems,
leaving out those whose cells already have a problem of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from metrics.figure_model import FigureSchema
from metrics.ingest.cells import unit_of
from metrics.ingest.table import Checker
from metrics.metadata import METRICS, official_area_km2
from metrics.schema import SHARE_METRICS, area_bound_km2, known_territories, region_areas

__all__ = ["schema_check"]

_CHECK_INPUTS = {
    "territory": ("territory",),
    "region": ("territory", "region"),
    "not_negative": ("metric", "value"),
    "share_at_most_100": ("metric", "value"),
    "within_area": ("metric", "value", "territory", "region"),
    "value_finite": ("value",),
    "period_not_after_date": ("metric", "date", "period_start", "period"),
    "stock_period_start_is_date": ("metric", "date", "period_start", "period"),
}
_PLACEHOLDER_DAY = pd.Timestamp("2000-01-01")


def schema_check(checker: Checker, canonical: pd.DataFrame) -> None:
    """The pandera schema on every row; its failures become problems, except where a cell the check reads
    already has one. Cells with problems hold placeholders meanwhile. Vectorised per check."""
    filled = canonical.assign(
        date=canonical["date"].fillna(_PLACEHOLDER_DAY),
        value=canonical["value"].fillna(0.0),
        metric=canonical["metric"].where(canonical["metric"].isin(METRICS), METRICS[0]),
    )
    filled["period_start"] = canonical["period_start"].fillna(filled["date"])
    try:
        FigureSchema.validate(filled, lazy=True)
        return
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    for check, column in cases.loc[cases["index"].isna(), ["check", "column"]].drop_duplicates().itertuples(False):
        checker.whole("", f"the figures fail the check {check} on column {column}", "report this file as a bug")
    cases = cases[cases["index"].notna()]
    check, column = cases["check"].astype(str), cases["column"].astype(str)
    name = column.where(check.str.startswith(("isin", "str_matches", "str_length", "coerce")), check)
    failures = pd.DataFrame(
        {"position": cases["index"].astype(np.int64), "name": name.replace("known_region", "region")}
    )
    failures = failures.drop_duplicates()
    territory_failed = np.zeros(checker.n, dtype=bool)
    for check_name in sorted(failures["name"].unique(), key=lambda c: c != "territory"):  # territory first
        mask = np.zeros(checker.n, dtype=bool)
        mask[failures.loc[failures["name"] == check_name, "position"].to_numpy()] = True
        mask &= checker.fresh(*_CHECK_INPUTS.get(check_name, (check_name,)))
        if check_name == "region":
            mask &= ~territory_failed  # an unknown territory has no known regions: said once
        problem_column, message, fix = _schema_problem(check_name, canonical, checker)
        checker.cells(mask, problem_column, message, fix)
        if check_name == "territory":
            territory_failed = mask


def _schema_problem(
    check: str, canonical: pd.DataFrame, checker: Checker
) -> tuple[str, Callable[[int], str], Callable[[int], str]]:
    """(column, message(row), fix(row)) of the failures of one schema check."""
    raw = {c: checker.text(c) for c in ("value", "unit", "territory", "region")}
    territory, region, metric = canonical["territory"], canonical["region"], canonical["metric"]

    def fixed(text: str) -> Callable[[int], str]:
        return lambda _i: text

    if check == "territory":
        known = ", ".join(known_territories())
        return (
            "territory",
            lambda i: f'unknown territory "{raw["territory"].iat[i]}" (known: {known})',
            fixed(f"use one of {known} (ISO 3166-1 alpha-3), or leave it empty for UKR"),
        )
    if check == "region":

        def region_message(i: int) -> str:
            regions = region_areas(territory.iat[i])
            if not regions:
                return f"no regions are known for {territory.iat[i]}"
            text = raw["region"].iat[i]
            return f'unknown region "{text}" of {territory.iat[i]}{_region_hint(text, regions)}'

        def region_fix(i: int) -> str:
            codes = ", ".join(region_areas(territory.iat[i])) or "none"
            return f"use an ISO 3166-2 code ({codes}), or leave it empty for the whole territory"

        return "region", region_message, region_fix
    if check == "not_negative":
        return (
            "value",
            lambda i: f'"{raw["value"].iat[i]}" is negative, but {metric.iat[i]} cannot be',
            lambda i: "a share lies in 0 to 100" if metric.iat[i] in SHARE_METRICS else (
                "areas are positive: a loss goes in area_lost_km2, or in net_change_km2 (which may be negative)"
            ),
        )  # fmt: skip
    if check == "share_at_most_100":
        return (
            "value",
            lambda i: f'"{raw["value"].iat[i]}" is over 100 %',
            fixed("a share is in percent of the territory (0 to 100); an area belongs in area_controlled_km2"),
        )
    if check == "within_area":
        value = canonical["value"]

        def area_message(i: int) -> str:
            unit = raw["unit"].iat[i]
            converted = unit and unit_of(unit) in ("sq_mi", "ha")
            shown = f'"{raw["value"].iat[i]}"' + (f" {unit} = {value.iat[i]:,.6g} km2" if converted else "")
            place, code = territory.iat[i], region.iat[i]
            if code:
                name, area = region_areas(place)[code]
                bound = float(area_bound_km2(pd.Series([place]), pd.Series([code])).iat[0])
                what = f"{code} {name} ({area:,.0f} km2 in the shipped boundaries; up to {bound:,.0f} km2 is accepted)"
            else:
                what = f"{place} ({official_area_km2(place):,.0f} km2)"
            size = "larger than" if value.iat[i] >= 0 else "a larger loss than the area of"
            return f"{shown} is {size} {what}"

        return "value", area_message, fixed("check the value, its unit (km2, sq_mi, ha) and the region")
    if check in ("period_not_after_date", "stock_period_start_is_date"):  # caught earlier; the schema agrees
        return (
            "period_start",
            lambda i: f"period_start {canonical['period_start'].iat[i]:%Y-%m-%d} does not fit date "
            f"{canonical['date'].iat[i]:%Y-%m-%d}",
            fixed("period_start is the first day of a flow's period, and a stock's date"),
        )  # fmt: skip
    return check, lambda i: f"the line fails the check {check}", fixed("correct the line")


def _region_hint(text: str, regions: dict[str, tuple[str, float]]) -> str:
    wanted = text.lower().removesuffix(" oblast").strip()
    for code, (name, _) in regions.items():
        if wanted and wanted == name.lower().removesuffix(" oblast"):
            return f" (did you mean {code}, {name}?)"
    compact = re.sub(r"[\s_.-]", "", text.upper())
    for code, (name, _) in regions.items():
        if compact == code.replace("-", ""):  # UA14 for UA-14
            return f" (did you mean {code}, {name}?)"
    return ""
