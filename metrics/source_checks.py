"""The consistency checks of each source's own figures, each with the difference shown:

- share against area: a share reported on a date against the same source's area on that date divided by
  the official area (603,628 km2 for Ukraine, ``metrics.metadata``) and by the area as mapped (599,095 km2);
- flow against stocks: a reported net change over a period against the change of the same source's area
  stocks between the day before the period and its last day.

Where a source has no area stock a check cannot be made: the row says so, and lists the other chosen
sources' figures for the same date or period beside it (a different definition: a difference, not a
contradiction). Pure functions, a frame in, frames out; a series is one (source, definition), labelled
``"source · definition"``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from metrics.metadata import metadata
from metrics.periods import frequency

__all__ = [
    "beside_checks",
    "quality_marks",
    "new_suspects",
    "TOLERANCE_KM2",
    "TOLERANCE_PP",
    "TOLERANCE_SHARE",
    "check_summaries",
    "denominators",
    "flow_checks",
    "in_date_range",
    "series_label",
    "share_checks",
]

#: A share agrees with area / denominator within this many percentage points (a share rounded to 0.1).
TOLERANCE_PP = 0.05
#: A reported flow agrees with the change of stocks within this many km2 ...
TOLERANCE_KM2 = 1.0
#: ... or this fraction of the reported flow, whichever is larger (reported flows are rounded).
TOLERANCE_SHARE = 0.005
_ASOF_DAYS = 7  # another source's figure used for comparison is at most this many days older
_SERIES = ["territory", "region", "actor", "source", "definition"]


def series_label(source: str, definition: str) -> str:
    """``"ISW (AFP analysis) · assessed control+claimed"``; the source alone without a definition."""
    return f"{source} · {definition}" if definition else source


def denominators(territory: str = "UKR") -> tuple[float, float]:
    """(official area, area as mapped) of the territory in km2: the two denominators of shares."""
    info = metadata()["territories"][territory]
    return float(info["official_area_km2"]), float(info["mapped_area_km2"])


def _whole(figures: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = figures[(figures["metric"] == metric) & (figures["region"] == "")]
    return rows.assign(label=[series_label(s, d) for s, d in zip(rows["source"], rows["definition"], strict=True)])


def in_date_range(frame: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """The rows of ``frame`` dated within ``start`` .. ``end`` (either may be None: open)."""
    if start is not None:
        frame = frame[frame["date"] >= pd.Timestamp(start)]
    if end is not None:
        frame = frame[frame["date"] <= pd.Timestamp(end)]
    return frame


def _areas(figures: pd.DataFrame) -> pd.DataFrame:
    areas = _whole(figures, "area_controlled_km2")
    return areas[[*_SERIES, "label", "date", "value"]].rename(columns={"date": "_at", "value": "area_km2"})


def share_checks(
    figures: pd.DataFrame,
    *,
    freq: str | None = None,
    start: dt.date | pd.Timestamp | None = None,
    end: dt.date | pd.Timestamp | None = None,
    territory: str = "UKR",
) -> pd.DataFrame:
    """Each share (``share_controlled_pct``) against area / denominator, for the same source and date.

    With ``freq``, only the last share of each period per series is checked. Where the source has no area
    on that date, one row says the check cannot be made, followed by one row per other series with an
    area on or up to 7 days before the date (``area_from`` names it).

    Columns: ``source, definition, date, reported_pct, origin, area_from, area_date, area_km2,
    official_pct, diff_official_pp, mapped_pct, diff_mapped_pp, verdict``.
    """
    columns = [
        "source", "definition", "date", "reported_pct", "origin", "area_from", "area_date", "area_km2",
        "official_pct", "diff_official_pp", "mapped_pct", "diff_mapped_pp", "verdict",
    ]  # fmt: skip
    official, mapped = denominators(territory)
    shares = in_date_range(_whole(figures[figures["territory"] == territory], "share_controlled_pct"), start, end)
    if shares.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if freq is not None:
        period = shares["date"].dt.to_period(frequency(freq).period)
        shares = shares.assign(_period=period).sort_values("date").groupby([*_SERIES, "_period"]).tail(1)
    shares = shares.sort_values(["date", "label"], ignore_index=True)
    areas = _areas(figures[figures["territory"] == territory])
    own = shares.merge(areas.rename(columns={"_at": "date"}).drop(columns="label"), on=[*_SERIES, "date"], how="left")
    has_area_series = set(areas["label"])
    rows: list[dict[str, object]] = []
    for share in own.itertuples(index=False):
        base = {
            "source": share.source, "definition": share.definition, "date": share.date,
            "reported_pct": float(share.value), "origin": "computed by this project" if share.derived else "reported",
        }  # fmt: skip
        if not np.isnan(share.area_km2):
            rows.append({**base, **_share_numbers(share.area_km2, share.value, official, mapped),
                         "area_from": share.label, "area_date": share.date})  # fmt: skip
            continue
        why = (f"no area figure of {share.source} on {share.date:%Y-%m-%d}" if share.label in has_area_series
               else f"{share.source} reports no area stock")  # fmt: skip
        rows.append({**base, "area_from": "", "area_date": pd.NaT, "area_km2": np.nan, "official_pct": np.nan,
                     "diff_official_pp": np.nan, "mapped_pct": np.nan, "diff_mapped_pp": np.nan,
                     "verdict": f"cannot check: {why}"})  # fmt: skip
        others = areas[(areas["label"] != share.label) & (areas["_at"] <= share.date)]
        others = others[others["_at"] >= share.date - pd.Timedelta(days=_ASOF_DAYS)]
        for label, area in others.sort_values("_at").groupby("label", sort=True).tail(1).groupby("label"):
            row = area.iloc[0]
            numbers = _share_numbers(row["area_km2"], share.value, official, mapped)
            numbers["verdict"] = (f"for comparison (counts something else): {numbers['diff_official_pp']:+.2f} pp "
                                  f"against its area / {official:,.0f} km²")  # fmt: skip
            rows.append({**base, **numbers, "area_from": label, "area_date": row["_at"]})
    out = pd.DataFrame(rows, columns=columns)
    return out.assign(date=pd.to_datetime(out["date"]), area_date=pd.to_datetime(out["area_date"]))


def _share_numbers(area: float, reported: float, official: float, mapped: float) -> dict[str, object]:
    official_pct, mapped_pct = 100 * area / official, 100 * area / mapped
    diff_official, diff_mapped = reported - official_pct, reported - mapped_pct
    if abs(diff_official) <= TOLERANCE_PP:
        verdict = f"matches area / {official:,.0f} km² (official)"
    elif abs(diff_mapped) <= TOLERANCE_PP:
        verdict = f"matches area / {mapped:,.0f} km² (as mapped)"
    else:
        verdict = (
            f"differs: {diff_official:+.2f} pp against {official:,.0f} km², "
            f"{diff_mapped:+.2f} pp against {mapped:,.0f} km²"
        )
    return {
        "area_km2": float(area), "official_pct": official_pct, "diff_official_pp": diff_official,
        "mapped_pct": mapped_pct, "diff_mapped_pp": diff_mapped, "verdict": verdict,
    }  # fmt: skip


def flow_checks(
    figures: pd.DataFrame,
    *,
    start: dt.date | pd.Timestamp | None = None,
    end: dt.date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Each reported net change (``net_change_km2``, not derived) against the change of area stocks over
    its period: the stock on its last day minus the stock on the day before its first day (each the last
    observation on or before that day).

    Where the source has no area stock one row says so, followed by the change of every other series'
    stocks over the same period (``stocks_from`` names it). Flows are checked where their last day lies in
    ``start`` .. ``end``.

    Columns: ``source, definition, period, period_start, date, reported_km2, stocks_from, start_observed,
    end_observed, stock_change_km2, difference_km2, verdict``.
    """
    columns = [
        "source", "definition", "period", "period_start", "date", "reported_km2", "stocks_from", "start_observed",
        "end_observed", "stock_change_km2", "difference_km2", "verdict",
    ]  # fmt: skip
    flows = _whole(figures, "net_change_km2")
    flows = in_date_range(flows[~flows["derived"].astype(bool)], start, end).sort_values(["date", "label"])
    if flows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    areas = _areas(figures)
    has_area_series = set(areas["label"])
    rows: list[dict[str, object]] = []
    for flow in flows.itertuples(index=False):
        base = {
            "source": flow.source, "definition": flow.definition, "period": _period_text(flow.period_start, flow.date),
            "period_start": flow.period_start, "date": flow.date, "reported_km2": float(flow.value),
        }  # fmt: skip
        own = areas[areas["label"] == flow.label]
        change = _stock_change(own, flow.period_start, flow.date)
        if change is not None:
            rows.append({**base, **_flow_numbers(flow.value, *change), "stocks_from": flow.label})
            continue
        why = (f"no area stock of {flow.source} on or before {flow.period_start - pd.Timedelta(days=1):%Y-%m-%d} "
               f"and {flow.date:%Y-%m-%d}" if flow.label in has_area_series
               else f"{flow.source} reports no area stock")  # fmt: skip
        missing = {"stocks_from": "", "start_observed": pd.NaT, "end_observed": pd.NaT, "stock_change_km2": np.nan}
        rows.append({**base, **missing, "difference_km2": np.nan, "verdict": f"cannot check: {why}"})
        for label, other in areas[areas["label"] != flow.label].groupby("label", sort=True):
            change = _stock_change(other, flow.period_start, flow.date)
            if change is not None:
                numbers = _flow_numbers(flow.value, *change)
                numbers["verdict"] = (f"for comparison (counts something else): {numbers['difference_km2']:+,.1f} km² "
                                      "against its change of stocks")  # fmt: skip
                rows.append({**base, **numbers, "stocks_from": label})
    out = pd.DataFrame(rows, columns=columns)
    for column in ("period_start", "date", "start_observed", "end_observed"):
        out[column] = pd.to_datetime(out[column])
    return out


def _period_text(first: pd.Timestamp, last: pd.Timestamp) -> str:
    if first == first.replace(day=1) and last == first + pd.offsets.MonthEnd(0):
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _stock_change(stocks: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> tuple[float, object, object] | None:
    """(change, start observed, end observed) of one series' stocks over first .. last, or None."""
    before = first - pd.Timedelta(days=1)
    at_start = stocks[stocks["_at"] <= before].sort_values("_at").tail(1)
    at_end = stocks[stocks["_at"] <= last].sort_values("_at").tail(1)
    if at_start.empty or at_end.empty or at_end["_at"].iat[0] <= before:
        return None
    change = float(at_end["area_km2"].iat[0] - at_start["area_km2"].iat[0])
    return change, at_start["_at"].iat[0], at_end["_at"].iat[0]


def _flow_numbers(reported: float, change: float, start_observed: object, end_observed: object) -> dict[str, object]:
    difference = float(reported) - change
    tolerance = max(TOLERANCE_KM2, TOLERANCE_SHARE * abs(float(reported)))
    if abs(difference) <= tolerance:
        verdict = f"agrees (within {tolerance:,.1f} km²)"
    else:
        relative = f" ({difference / change:+.0%} of the change of stocks)" if change else ""
        verdict = f"differs by {difference:+,.1f} km²{relative}"
    return {
        "start_observed": start_observed, "end_observed": end_observed, "stock_change_km2": change,
        "difference_km2": difference, "verdict": verdict,
    }  # fmt: skip


def check_summaries(checks: pd.DataFrame, kind: str) -> list[str]:
    """The outcome of a check in plain sentences, one per series: how many figures agree and the largest
    difference, or why the check cannot be made and what stands beside it. ``kind``: "share" or "flow"."""
    if checks.empty:
        return []
    used = checks["area_from" if kind == "share" else "stocks_from"]
    labels = [series_label(s, d) for s, d in zip(checks["source"], checks["definition"], strict=True)]
    own = checks[(used == pd.Series(labels, index=checks.index)).to_numpy()]
    sentences = []
    for (source, definition), rows in checks.groupby(["source", "definition"], sort=True):
        label = series_label(source, definition)
        mine = own[(own["source"] == source) & (own["definition"] == definition)]
        what = "share" if kind == "share" else "reported net change"
        if not mine.empty:
            sentences.append(_checked_sentence(label, mine, kind))
        blocked = rows[rows["verdict"].str.startswith("cannot check")]
        for row in blocked.itertuples(index=False):
            reason = row.verdict.removeprefix("cannot check: ")
            if kind == "share":
                figure = f"{row.reported_pct:.2f} % on {row.date:%Y-%m-%d}"
            else:
                figure = f"{row.reported_km2:+,.0f} km² over {row.period}"
            sentence = f"{label}: cannot check its {what} of {figure}: {reason}."
            beside = rows[(rows["date"] == row.date) & (rows["verdict"].str.startswith("for comparison"))]
            if kind == "share":
                others = [f"{r.area_from}: {r.official_pct:.2f} % ({r.diff_official_pp:+.2f} pp)"
                          for r in beside.itertuples(index=False)]  # fmt: skip
            else:
                others = [f"{r.stocks_from}: {r.stock_change_km2:+,.1f} km² ({r.difference_km2:+,.1f} km²)"
                          for r in beside.itertuples(index=False)]  # fmt: skip
            if others:
                sentence += " For comparison, counting something else: " + "; ".join(others) + "."
            sentences.append(sentence)
    return sentences


def _checked_sentence(label: str, rows: pd.DataFrame, kind: str) -> str:
    count = len(rows)
    if kind == "share":
        agree = rows["verdict"].str.startswith("matches area / ") & rows["verdict"].str.contains("official")
        largest = rows["diff_official_pp"].abs().max()
        figures = f"{count} share{'s' if count != 1 else ''}"
        if agree.all():
            return (f"{label}: {figures} checked, all match its area / the official area (largest difference "
                    f"{largest:.4f} pp).")  # fmt: skip
        return (f"{label}: {figures} checked, {int((~agree).sum())} do not match area / official area (largest "
                f"difference {largest:.2f} pp; see the table).")  # fmt: skip
    agree = rows["verdict"].str.startswith("agrees")
    largest = rows["difference_km2"].abs().max()
    figures = f"{count} reported net change{'s' if count != 1 else ''}"
    if agree.all():
        return (f"{label}: {figures} checked, all agree with the change of its stocks (largest difference "
                f"{largest:,.1f} km²).")  # fmt: skip
    return (f"{label}: {figures} checked, {int((~agree).sum())} differ from the change of its stocks (largest "
            f"difference {largest:,.1f} km²; see the table).")  # fmt: skip


_SUSPECT_SERIES = ["territory", "region", "actor", "metric", "source", "definition"]


def new_suspects(affected: pd.DataFrame, marked: pd.DataFrame | None = None) -> pd.DataFrame:
    """The glitch suspects an upload brings (``metrics.quality.suspect_jumps`` on each touched area series):
    figures flagged in the series after the import but not before it, less those the file itself marks.

    ``affected``: ``metrics.ingest.affected_series`` (``state`` "before" / "after"); ``marked``: the file's
    figures with a ``quality`` column (rows with a mark are the uploader's decision already). Returns
    ``source``, ``definition``, ``region``, ``date`` (YYYY-MM-DD), ``value``, oldest first."""
    from metrics.quality import suspect_jumps

    columns = ["source", "definition", "region", "date", "value"]
    areas = affected[affected["metric"] == "area_controlled_km2"] if not affected.empty else affected
    if areas.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    flagged = []
    for state in ("before", "after"):
        rows = areas[areas["state"] == state]
        hits = rows[suspect_jumps(rows, by=_SUSPECT_SERIES)] if not rows.empty else rows
        flagged.append(hits.assign(date=pd.to_datetime(hits["date"]))[[*_SUSPECT_SERIES, "date", "value"]])
    before, after = flagged
    key = [*_SUSPECT_SERIES, "date"]
    new = after.merge(before[key], on=key, how="left", indicator=True)
    new = new[new["_merge"] == "left_only"].drop(columns="_merge")
    if marked is not None and not marked.empty and "quality" in marked:
        decided = marked[marked["quality"].fillna("") != ""].assign(date=lambda f: pd.to_datetime(f["date"]))
        decided = decided[key].drop_duplicates()
        new = new.merge(decided, on=key, how="left", indicator=True)
        new = new[new["_merge"] == "left_only"].drop(columns="_merge")
    new = new.sort_values(["source", "definition", "region", "date"], ignore_index=True)
    return new.assign(date=new["date"].dt.strftime("%Y-%m-%d"))[columns]


def beside_checks(whole: pd.DataFrame) -> pd.DataFrame:
    """Each published series beside the computed series it should match (``metadata.toml``'s ``beside``),
    per month where both have a value: ``reported``, ``computed`` (labels), ``metric``, ``period``,
    ``date``, ``reported_value``, ``computed_value``, ``difference`` (reported minus computed),
    ``ratio_pct`` (reported / computed - 1, in %), ``why``. Values as stored: nothing is corrected."""
    from metrics.periods import period_name
    from metrics.pipelines import by_period

    columns = ["reported", "computed", "metric", "period", "date", "reported_value", "computed_value",
               "difference", "ratio_pct", "why"]  # fmt: skip
    parts = []
    for pair in metadata().get("beside", []):
        sides = []
        for source, definition, metric in (pair["reported"], pair["computed"]):
            rows = whole[(whole["source"] == source) & (whole["definition"] == definition)]
            monthly = by_period(rows, metric, "M") if not rows.empty else rows
            if not monthly.empty and "complete" in monthly and metric != "area_controlled_km2":
                monthly = monthly[monthly["complete"].astype(bool)]
            if not monthly.empty and "carried_forward" in monthly:
                monthly = monthly[~monthly["carried_forward"].astype(bool)]
            sides.append(monthly[["date", "value"]] if not monthly.empty else pd.DataFrame(columns=["date", "value"]))
        both = sides[0].merge(sides[1], on="date", suffixes=("_r", "_c")).dropna()
        if both.empty:
            continue
        reported, computed = series_label(*pair["reported"][:2]), series_label(*pair["computed"][:2])
        parts.append(pd.DataFrame({
            "reported": reported, "computed": computed,
            "metric": f"{pair['reported'][2]} / {pair['computed'][2]}" if pair["reported"][2] != pair["computed"][2]
            else pair["reported"][2],
            "period": [period_name(d, "M") for d in both["date"]], "date": both["date"].dt.strftime("%Y-%m-%d"),
            "reported_value": both["value_r"].astype(float), "computed_value": both["value_c"].astype(float),
            "difference": both["value_r"].astype(float) - both["value_c"].astype(float),
            "ratio_pct": (both["value_r"].astype(float) / both["value_c"].astype(float) - 1) * 100,
            "why": pair["why"],
        }))  # fmt: skip
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def quality_marks(figures: pd.DataFrame) -> pd.DataFrame:
    """The figures marked as a glitch or a series break, one row per date and series (the area's where
    both area and share carry it): ``date``, ``source``, ``definition``, ``region``, ``quality``, ``value``
    (as stored), ``reason`` (the note)."""
    columns = ["date", "source", "definition", "region", "quality", "metric", "value", "reason"]
    if "quality" not in figures or figures.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = figures[figures["quality"].fillna("") != ""]
    rows = rows.sort_values("metric", key=lambda m: m != "area_controlled_km2", kind="stable")
    rows = rows.drop_duplicates(["date", "source", "definition", "region", "quality"])
    rows = rows.assign(reason=rows["notes"].fillna("") if "notes" in rows else "")
    rows = rows.sort_values(["date", "source", "definition", "region"], ignore_index=True)
    return rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d"))[columns]
