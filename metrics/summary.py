"""Summary sentences generated from the same frames the charts draw, so text and chart cannot disagree.

"In November 2025, per DeepStateMap (occupied), Russian forces gained 483 km², the 5th largest
monthly gain since July 2024; they hold 19.17 % of Ukraine (as of 2025-11-30)."
"""

from __future__ import annotations

import pandas as pd

from metrics.metadata import metadata, metric_kind
from metrics.periods import frequency, period_name

__all__ = ["extremes_sentences", "flow_clause", "ordinal", "overview_sentences", "trend_sentence"]


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rank_clause(values: pd.Series, value: float, freq_word: str, since: str) -> str:
    """ ", the 5th largest monthly gain since July 2024" among the same-signed values; "" when alone."""
    same = values[values > 0] if value > 0 else values[values < 0].abs()
    if len(same) < 2 or value == 0:
        return ""
    rank = int((same > abs(value)).sum()) + 1
    kind = "gain" if value > 0 else "loss"
    position = f"the {ordinal(rank)} largest" if rank > 1 else "the largest"
    return f", {position} {freq_word} {kind} since {since}"


def flow_clause(value: float, unit: str) -> str:
    """ "Russian forces gained 483 km²" (or lost): the clause every summary sentence of a change starts with."""
    verb = "gained" if value >= 0 else "lost"
    return f"Russian forces {verb} {abs(value):,.0f} {unit}"


def overview_sentences(monthly: pd.DataFrame, shares: pd.DataFrame) -> list[str]:
    """One sentence per source and definition from the Overview's own frames: ``monthly`` (complete
    months of whole-territory net change, ``metrics.overview.OverviewData.monthly``) and ``shares``."""
    sentences = []
    pairs = pd.concat([monthly, shares])[["source", "definition"]].drop_duplicates()
    pairs = pairs.sort_values(["source", "definition"])
    for source, definition in pairs.itertuples(index=False):
        months = monthly[(monthly["source"] == source) & (monthly["definition"] == definition)].sort_values("date")
        held = shares[(shares["source"] == source) & (shares["definition"] == definition)].sort_values("date")
        parts = []
        if len(months):
            last = months.iloc[-1]
            since = period_name(months["period_start"].iloc[0], "M")
            value = float(last["value"])
            parts.append(flow_clause(value, "km²") + _rank_clause(months["value"], value, "monthly", since))
            when = f"In {period_name(last['period_start'], 'M')}"
        if len(held):
            share = held.iloc[-1]
            parts.append(f"they hold {share['value']:.2f} % of Ukraine (as of {share['date']:%Y-%m-%d})")
            if not len(months):
                when = f"On {share['date']:%Y-%m-%d}"
        if parts:
            sentences.append(f"{when}, per {source} ({definition}), " + "; ".join(parts) + ".")
    return sentences


def extremes_sentences(monthly: pd.DataFrame) -> list[str]:
    """Per source and definition of ``monthly`` (complete months of whole-territory net change, the
    Overview chart's frame), the largest monthly gain and loss since its first month:

        "Per DeepStateMap (occupied), since May 2022: the largest monthly gain 1,234 km² (November 2024),
        the largest monthly loss 6,543 km² (September 2022)."
    """
    sentences = []
    for (source, definition), rows in monthly.groupby(["source", "definition"], sort=True):
        rows = rows.sort_values("date")
        parts = []
        for word, pick in (("gain", rows[rows["value"] > 0]), ("loss", rows[rows["value"] < 0])):
            if pick.empty:
                parts.append(f"no monthly {word}")
                continue
            row = pick.loc[pick["value"].abs().idxmax()]
            when = period_name(row["period_start"], "M")
            parts.append(f"the largest monthly {word} {abs(row['value']):,.0f} km² ({when})")
        since = period_name(rows["period_start"].iloc[0], "M")
        sentences.append(f"Per {source} ({definition}), since {since}: " + ", ".join(parts) + ".")
    return sentences


def trend_sentence(series: pd.DataFrame, metric: str, freq: str, unit: str) -> str:
    """The sentence for one series of ``metrics.trends.trend_series`` (rows of one label): its last
    period with a value, ranked among the periods shown for flows, or the change since the first
    period shown for stocks. "" when the series has no value."""
    rows = series.dropna(subset=["value"]).sort_values("date")
    if rows.empty:
        return ""
    last, first = rows.iloc[-1], rows.iloc[0]
    label = last["label"]
    meta = metadata()["metrics"][metric]
    shown_unit = "%" if meta["unit"] == "percent" else ("sq mi" if unit == "sq_mi" else "km²")
    value = float(last["value"])
    if metric_kind(metric) == "flow":
        text = flow_clause(value, shown_unit) if metric == "net_change_km2" else (
            f"{meta['title'].lower()} was {value:,.0f} {shown_unit}"
        )  # fmt: skip
        if (last["note"] or "").find("cumulated") >= 0:
            return f"From {first['period']} to {last['period']}, per {label}, {text} in all."
        text += _rank_clause(rows["value"], value, frequency(freq).adjective, str(first["period"]))
        return f"In {last['period']}, per {label}, {text}."
    number = f"{value:.2f} %" if shown_unit == "%" else f"{value:,.0f} {shown_unit}"
    text = f"On {last['as_of']:%Y-%m-%d}, per {label}, the {meta['title'].lower()} was {number}"
    if len(rows) < 2:
        return text + "."
    change = value - float(first["value"])
    change_text = f"{change:+.2f} pp" if shown_unit == "%" else f"{change:+,.0f} {shown_unit}"
    return text + f", {change_text} since {first['as_of']:%Y-%m-%d}."
