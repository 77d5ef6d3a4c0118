"""What the Front line page shows, built from one set of frames: the front's length and the
settlements held over time, settlements taken and lost per month, the distance to chosen cities
with the closest approach marked, the settlements that changed hands in a period and the sentences
a reporter can quote. Pure: frames in, frames, figures and text out (no streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from geodata.gazetteer import load_settlements
from geodata.settlements import taken_and_lost
from metrics.chart_layout import GAINED_COLOUR, LOST_COLOUR, loss_pattern
from metrics.charts import house_layout, series_colours
from metrics.display import plotly_text as pt
from metrics.metadata import metadata

__all__ = [
    "DEFAULT_CITIES",
    "FrontView",
    "changed_hands_sentence",
    "closest_approach",
    "distance_chart",
    "front_view",
    "monthly_changes",
    "series_chart",
]

#: The cities the page shows before a user picks others (GeoNames ids): Kramatorsk, Sloviansk,
#: Zaporizhzhia, Kharkiv, Kherson, Sumy.
DEFAULT_CITIES = (704508, 693468, 687700, 706483, 706448, 692194)
_POPULATION_NOTE = "populations are GeoNames' figures (mostly census-era, not current estimates)"
_AMONG = 5


@dataclass(frozen=True)
class FrontView:
    """Frames, charts and sentences of the Front line page."""

    series: pd.DataFrame  # date, source, definition, frontline_length_km, settlements_held, population_held
    length_chart: go.Figure | None
    held_chart: go.Figure | None
    monthly: pd.DataFrame  # month, source, definition, taken, lost
    monthly_chart: go.Figure | None
    distances: pd.DataFrame  # date, source, definition, place, city, distance_km
    closest: pd.DataFrame  # per source and city: the closest approach
    distance_chart: go.Figure | None
    changed: pd.DataFrame  # the settlements that changed hands in the period (all sources chosen)
    sentences: list[str]


def _label(frame: pd.DataFrame) -> pd.Series:
    """ "source (definition)" as plotly text: stored names escaped (``metrics.display.plotly_text``)."""
    return frame["source"].map(pt) + " (" + frame["definition"].map(pt) + ")"


def _source_text(frame: pd.DataFrame) -> str:
    last = frame.sort_values("date").groupby(["source", "definition"]).tail(1)
    parts = [f"{pt(r.source)} ({pt(r.definition)}) polygons, as of {r.date:%Y-%m-%d}" for r in last.itertuples()]
    return "Source: computed by this project from " + "; ".join(parts) + ". Gazetteer: GeoNames (CC BY 4.0)"


def series_chart(series: pd.DataFrame, metric: str) -> go.Figure | None:
    """Lines of one metric of ``series`` over time, one per source and definition."""
    rows = series.dropna(subset=[metric])
    if rows.empty:
        return None
    meta = metadata()["metrics"][metric]
    unit = "km" if meta["unit"] == "km" else ""
    labels = _label(rows)
    colours = series_colours(labels.unique().tolist())
    fig = go.Figure()
    for label, part in rows.groupby(labels, sort=True):
        mode = "lines+markers" if len(part) <= 60 else "lines"
        hover = f"%{{y:,.0f}} {unit}<extra>{label}</extra>"
        fig.add_scatter(
            x=part["date"],
            y=part[metric],
            name=label,
            mode=mode,
            line={"color": colours[label], "width": 2},
            hovertemplate=hover,
        )
    fig.update_xaxes(type="date")
    fig.update_yaxes(title=f"{meta['title']}" + (f", {unit}" if unit else ""), rangemode="tozero")
    note = " GeoNames places of 500+ people." if metric != "frontline_length_km" else " Border and coast excluded."
    return house_layout(fig, title=meta["title"], subtitle="Russian forces." + note, source=_source_text(rows))


def monthly_changes(changes_by_source: dict[tuple[str, str], pd.DataFrame], months: pd.PeriodIndex) -> pd.DataFrame:
    """Settlements taken and lost in each month (``geodata.settlements.taken_and_lost``) per source:
    ``month`` (period start), ``source, definition, taken, lost``."""
    places = load_settlements()
    rows = []
    for (source, definition), changes in changes_by_source.items():
        if changes.empty:
            continue
        first, last = changes["date"].min(), changes["date"].max()
        for month in months:
            start, end = month.start_time, month.end_time.normalize()
            if end < first or start > last:
                continue
            moved = taken_and_lost(changes, places, start, end)
            rows.append({"month": start, "source": source, "definition": definition,
                         "taken": int((moved["change"] == "taken").sum()),
                         "lost": int((moved["change"] == "lost").sum())})  # fmt: skip
    return pd.DataFrame(rows, columns=["month", "source", "definition", "taken", "lost"])


def _monthly_chart(monthly: pd.DataFrame) -> go.Figure | None:
    if monthly.empty:
        return None
    labels = _label(monthly)
    colours = series_colours(labels.unique().tolist())
    one = len(colours) == 1  # one source: the house's gained and lost colours; more: a colour per source
    fig = go.Figure()
    for label, part in monthly.groupby(labels, sort=True):
        fig.add_bar(x=part["month"], y=part["taken"], name=f"{label}: taken",
                    marker_color=GAINED_COLOUR if one else colours[label],
                    hovertemplate="%{x|%B %Y}: %{y} taken<extra></extra>")  # fmt: skip
        fig.add_bar(x=part["month"], y=-part["lost"], name=f"{label}: lost (below zero, hatched)",
                    marker={"color": LOST_COLOUR if one else colours[label], "pattern": loss_pattern([-1] * len(part))},
                    customdata=part["lost"], hovertemplate="%{x|%B %Y}: %{customdata} lost<extra></extra>")  # fmt: skip
    fig.update_layout(barmode="relative")
    fig.update_xaxes(type="date")
    fig.update_yaxes(title="Settlements per month", zeroline=True, zerolinecolor="#888")
    return house_layout(
        fig, title="Settlements taken and lost per month",
        subtitle="By Russian forces; GeoNames places of 500+ people; taken: not held before the month, held at its end",
        source="Source: computed by this project from each source's polygons; gazetteer GeoNames (CC BY 4.0)",
    )  # fmt: skip


def closest_approach(distances: pd.DataFrame) -> pd.DataFrame:
    """Per source, definition and city: the smallest distance and its first date."""
    if distances.empty:
        return pd.DataFrame(columns=["source", "definition", "place", "city", "distance_km", "date"])
    ordered = distances.sort_values(["distance_km", "date"], kind="stable")
    first = ordered.drop_duplicates(["source", "definition", "place"])
    return first.sort_values(["source", "city"], ignore_index=True)[
        ["source", "definition", "place", "city", "distance_km", "date"]
    ]


def distance_chart(distances: pd.DataFrame, closest: pd.DataFrame) -> go.Figure | None:
    """Lines of the distance from each city to the front, per source, the closest approach marked."""
    if distances.empty:
        return None
    labels = distances["city"].map(pt) + " · " + _label(distances)
    colours = series_colours(labels.unique().tolist())
    fig = go.Figure()
    for label, part in distances.groupby(labels, sort=True):
        hover = f"%{{y:,.1f}} km<extra>{label}</extra>"
        fig.add_scatter(
            x=part["date"],
            y=part["distance_km"],
            name=label,
            mode="lines",
            line={"color": colours[label]},
            hovertemplate=hover,
        )
    near = closest.assign(label=closest["city"].map(pt) + " · " + _label(closest))
    marks = [colours.get(x, "#000") for x in near["label"]]
    fig.add_scatter(x=near["date"], y=near["distance_km"], mode="markers", name="closest approach",
                    marker={"symbol": "triangle-down", "size": 11, "color": marks,
                            "line": {"color": "#000", "width": 1}},
                    customdata=near["label"], hovertemplate="closest: %{y:,.1f} km on %{x|%Y-%m-%d}<br>%{customdata}"
                    "<extra></extra>")  # fmt: skip
    fig.update_xaxes(type="date")
    fig.update_yaxes(title="Distance to the front, km", rangemode="tozero")
    return house_layout(fig, title="Distance from the city to the front",
                        subtitle="Geodesic, to the nearest point of the held area; 0 when the city is inside it",
                        source=_source_text(distances))  # fmt: skip


def _day(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def _period_text(start: pd.Timestamp, end: pd.Timestamp) -> str:
    if start.day == 1 and end == (start + pd.offsets.MonthEnd(0)):
        return f"In {start:%B %Y}"
    return f"From {_day(start)} to {_day(end)}"


def changed_hands_sentence(changed: pd.DataFrame, *, source: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The quotable sentence of one source's rows of ``changed`` (``geodata.front_queries``)."""
    rows = changed[changed["source"] == source]
    taken = rows[rows["change"] == "taken"].sort_values("population", ascending=False)
    lost = rows[rows["change"] == "lost"].sort_values("population", ascending=False)
    period = _period_text(pd.Timestamp(start), pd.Timestamp(end))
    if taken.empty:
        head = f"{period}, per {source}'s polygons, Russian forces took no settlement of 500+ people"
    else:
        among = ", ".join(f"{r.name} ({r.oblast}, {r.population:,} people)" for r in taken.head(_AMONG).itertuples())
        many = "settlement" if len(taken) == 1 else "settlements"
        lead = "it was" if len(taken) == 1 else ("among them" if len(taken) > _AMONG else "they were")
        head = (f"{period}, per {source}'s polygons, Russian forces took {len(taken)} {many} of 500+ people "
                f"({int(taken['population'].sum()):,} people by GeoNames' figures); {lead} {among}")  # fmt: skip
    if lost.empty:
        tail = "none was retaken" if not taken.empty else "and lost none"
    else:
        names = ", ".join(str(n) for n in lost["name"].head(_AMONG))
        tail = f"Ukrainian forces retook {len(lost)} ({names}{', ...' if len(lost) > _AMONG else ''})"
    return f"{head}; {tail}."


def front_view(
    series: pd.DataFrame,
    changes_by_source: dict[tuple[str, str], pd.DataFrame],
    changed: pd.DataFrame,
    distances: pd.DataFrame,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> FrontView:
    """The page's frames, charts and sentences (see ``FrontView``). ``distances``: ``date, source,
    definition, place, distance_km`` of the chosen cities; ``changed``: the period's table."""
    names = load_settlements().set_index("geonameid")["name"]
    distances = distances.assign(city=distances["place"].map(names).astype(str))
    if not series.empty:
        months = pd.period_range(series["date"].min(), series["date"].max(), freq="M")
    else:
        months = pd.PeriodIndex([], freq="M")
    monthly = monthly_changes(changes_by_source, months)
    closest = closest_approach(distances)
    sentences = [changed_hands_sentence(changed, source=s, start=start, end=end) for s, _ in changes_by_source]
    for row in closest.itertuples():
        latest = distances[(distances["place"] == row.place) & (distances["source"] == row.source)].iloc[-1]
        sentences.append(
            f"Per {row.source}'s polygons, the front was {latest['distance_km']:,.1f} km from {row.city} on "
            f"{_day(latest['date'])}; its closest approach was {row.distance_km:,.1f} km on {_day(row.date)}."
        )
    if not changed.empty:
        sentences.append(f"Settlements: GeoNames places of 500+ people; {_POPULATION_NOTE}.")
    return FrontView(
        series=series, length_chart=series_chart(series, "frontline_length_km"),
        held_chart=series_chart(series, "settlements_held"), monthly=monthly, monthly_chart=_monthly_chart(monthly),
        distances=distances, closest=closest, distance_chart=distance_chart(distances, closest), changed=changed,
        sentences=sentences,
    )  # fmt: skip
