"""Quality marks of figures (DESIGN.md): a **glitch** or a **series break**, and the rules that find them.

The contract with the store, the CSV import and the export: an optional column ``quality`` holding
``""`` (no mark), ``"glitch"`` or ``"break"``; the reason goes in ``notes`` (``"glitch: ... (rule: ...)"``).

- A glitch is a wrong figure: charts and flows leave it out by default (``drop_glitches``).
- A break is a definition change on that date: no flow is ever computed across it
  (``break_segments`` numbers the pieces between breaks; compute flows within a piece only).

The rules are pure functions of a frame of one series (``date``, ``value``) or of several series
(grouped by ``SERIES_KEY``); they return boolean masks aligned with the frame's index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "BREAK",
    "GLITCH",
    "MARKS",
    "SERIES_KEY",
    "break_segments",
    "drop_glitches",
    "frozen_runs",
    "mark",
    "quality_of",
    "suspect_jumps",
    "unrecorded_steps",
]

GLITCH = "glitch"
BREAK = "break"
#: The values a ``quality`` cell may take.
MARKS = ("", GLITCH, BREAK)
#: The columns that name one series of figures (one line on a chart).
SERIES_KEY = ("source", "definition", "territory", "region", "actor", "metric")


def quality_of(frame: pd.DataFrame) -> pd.Series:
    """The ``quality`` column of a frame, ``""`` where the frame has none (files of before the marks)."""
    if "quality" not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame["quality"].fillna("").astype(str)


def _ordered(frame: pd.DataFrame, date: str, value: str) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pd.to_datetime(frame[date]).to_numpy(), kind="stable")
    return order, frame[value].to_numpy(dtype=float)[order]


def _one_series_jumps(values: np.ndarray, threshold: float, within: int, tolerance: float) -> np.ndarray:
    flagged = np.zeros(len(values), dtype=bool)
    base = 0  # the last trusted observation
    i = 1
    while i < len(values):
        jump = values[i] - values[base]
        if abs(jump) > threshold:
            ahead = values[i + 1 : i + 1 + within]
            back = np.flatnonzero(np.abs(ahead - values[base]) <= tolerance * abs(jump))
            if back.size:
                end = i + 1 + int(back[0])  # the first observation back near the trusted level
                flagged[i:end] = True
                base, i = end, end + 1
                continue
        base, i = i, i + 1
    return flagged


def suspect_jumps(
    frame: pd.DataFrame,
    *,
    threshold_km2: float = 5_000.0,
    within: int = 10,
    tolerance: float = 0.1,
    by: Sequence[str] | None = None,
    date: str = "date",
    value: str = "value",
) -> pd.Series:
    """Glitch suspects: a jump of more than ``threshold_km2`` against the last trusted observation that
    reverses within ``within`` observations (the series comes back to within ``tolerance`` times the
    jump of the level before it). The observations from the jump up to the day before the return are
    flagged. ``by``: columns naming several series in the frame (each checked on its own).

    Returns a boolean Series aligned with ``frame.index``.
    """
    out = pd.Series(False, index=frame.index)
    groups = [frame] if not by else [g for _, g in frame.groupby(list(by), sort=False)]
    for group in groups:
        order, values = _ordered(group, date, value)
        flags = _one_series_jumps(values, threshold_km2, within, tolerance)
        out.loc[group.index[order[flags]]] = True
    return out


def unrecorded_steps(
    frame: pd.DataFrame,
    *,
    lost: str,
    gained: str | None = None,
    threshold_km2: float = 1_000.0,
    fraction: float = 0.1,
    skip: pd.Series | None = None,
    date: str = "date",
    value: str = "value",
) -> pd.Series:
    """Series-break suspects: the stock moves by more than ``threshold_km2`` against the last
    observation not in ``skip`` (e.g. glitches), while the same observation's recorded flow (``lost``
    for a fall, ``gained`` for a rise) is under ``fraction`` of the move: area that vanishes (or
    appears) without being recorded as lost (gained). Without ``gained``, rises are not checked.
    """
    skip = pd.Series(False, index=frame.index) if skip is None else skip.reindex(frame.index, fill_value=False)
    order, values = _ordered(frame, date, value)
    lost_v = frame[lost].to_numpy(dtype=float)[order]
    gained_v = frame[gained].to_numpy(dtype=float)[order] if gained else np.full(len(values), np.inf)
    skipped = skip.to_numpy(dtype=bool)[order]
    flags = np.zeros(len(values), dtype=bool)
    last = None
    for i in range(len(values)):
        if skipped[i]:
            continue
        if last is not None:
            move = values[i] - values[last]
            recorded = lost_v[i] if move < 0 else gained_v[i]
            flags[i] = abs(move) > threshold_km2 and recorded < fraction * abs(move)
        last = i
    return pd.Series(flags[np.argsort(order)], index=frame.index)


def frozen_runs(
    frame: pd.DataFrame,
    *,
    min_days: int = 4,
    max_move_km2: float = 3.0,
    active_km2_per_day: float = 5.0,
    context_days: int = 14,
    date: str = "date",
    value: str = "value",
) -> pd.Series:
    """Frozen-map suspects: ``min_days`` or more consecutive daily observations that together move by
    less than ``max_move_km2`` from the observation before them, while the front moves: the median
    daily move over the ``context_days`` before the run and over those after it both exceed
    ``active_km2_per_day`` (the map was not updated; each figure repeats an older state). A quiet
    front (a slow month) is not a frozen map. Flags the days of the run."""
    order, values = _ordered(frame, date, value)
    days = pd.to_datetime(frame[date]).to_numpy()[order]
    moves = pd.Series(np.abs(np.diff(values, prepend=np.nan)), index=days)
    window = np.timedelta64(context_days, "D")
    flags = np.zeros(len(values), dtype=bool)
    start = 1
    while start < len(values):
        end = start
        while (
            end < len(values)
            and abs(values[end] - values[start - 1]) < max_move_km2
            and days[end] - days[end - 1] == np.timedelta64(1, "D")
        ):
            end += 1
        if end - start >= min_days:
            before = moves[(moves.index < days[start]) & (moves.index >= days[start] - window)].median()
            after = moves[(moves.index > days[end - 1]) & (moves.index <= days[end - 1] + window)].median()
            flags[start:end] = before > active_km2_per_day and after > active_km2_per_day
        start = max(end, start + 1)
    return pd.Series(flags[np.argsort(order)], index=frame.index)


def mark(frame: pd.DataFrame, mask: pd.Series, quality: str, reason: str, rule: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``quality`` set on the rows of ``mask`` and ``"<quality>: <reason>
    (rule: <rule>)"`` put in front of their notes. An existing mark is kept (a glitch stays a glitch)."""
    if quality not in (GLITCH, BREAK):
        raise ValueError(f"unknown quality mark {quality!r}: use {GLITCH!r} or {BREAK!r}")
    out = frame.copy()
    out["quality"] = quality_of(out)
    rows = mask.reindex(out.index, fill_value=False).to_numpy(dtype=bool) & (out["quality"] == "").to_numpy()
    note = f"{quality}: {reason} (rule: {rule})"
    notes = out["notes"].fillna("").astype(str) if "notes" in out else pd.Series("", index=out.index)
    out["notes"] = notes.where(~rows, (note + "; " + notes).str.rstrip("; "))
    out.loc[rows, "quality"] = quality
    return out


def drop_glitches(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures without those marked as glitches (what charts and flows use by default)."""
    return frame[quality_of(frame) != GLITCH]


def break_segments(frame: pd.DataFrame, *, by: Sequence[str] = SERIES_KEY, date: str = "date") -> pd.Series:
    """A number per figure: the piece of its series between breaks (0 before the first break, 1 from
    it on, ...). A flow (difference of stocks) may only be computed between figures of the same piece:
    group by ``[*by, segment]`` before ``diff``. A break figure opens its piece."""
    keys = [c for c in by if c in frame]
    ordered = frame.assign(_date=pd.to_datetime(frame[date]), _break=quality_of(frame) == BREAK)
    ordered = ordered.sort_values([*keys, "_date"], kind="stable")
    segment = ordered.groupby(keys, sort=False)["_break"].cumsum() if keys else ordered["_break"].cumsum()
    return segment.astype(int).reindex(frame.index)
