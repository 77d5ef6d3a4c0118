"""The quality rules and helpers (metrics/quality.py) on tiny hand-built series with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.quality import (
    BREAK,
    GLITCH,
    break_segments,
    drop_glitches,
    frozen_runs,
    mark,
    quality_of,
    suspect_jumps,
    unrecorded_steps,
)


def _series(values: list[float], start: str = "2023-10-20", **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(start, periods=len(values), freq="D"), "value": values, **columns})


def _flagged(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    return frame.loc[mask, "date"].dt.strftime("%m-%d").tolist()


def test_a_jump_that_reverses_within_days_is_a_glitch_suspect() -> None:
    frame = _series([80_310, 80_311, 16_619, 16_619, 16_619, 80_312, 80_320])  # held mislabelled, 3 files
    assert _flagged(frame, suspect_jumps(frame)) == ["10-22", "10-23", "10-24"]


def test_a_jump_that_stays_is_not_a_glitch_and_a_small_one_is_not_checked() -> None:
    kharkiv = _series([125_079, 121_540, 118_085, 115_670, 115_700])  # falls that stay
    assert not suspect_jumps(kharkiv).any()
    wobble = _series([100_000, 104_000, 100_000])  # reverses, but under 5,000 km2
    assert not suspect_jumps(wobble).any()
    assert _flagged(wobble, suspect_jumps(wobble, threshold_km2=3_000)) == ["10-21"]


def test_a_jump_that_comes_back_too_late_is_not_flagged() -> None:
    late = _series([1_000.0] + [700_000.0] * 11 + [1_000.0])
    assert not suspect_jumps(late).any()  # back after 11 observations: beyond ``within`` = 10
    assert suspect_jumps(late, within=11).sum() == 11


def test_suspects_are_found_per_series_and_in_any_row_order() -> None:
    a = _series([10_000, 90_000, 10_000, 10_000], source=["A"] * 4)
    b = _series([10_000, 10_100, 10_200, 10_300], source=["B"] * 4)
    frame = pd.concat([a, b], ignore_index=True).sample(frac=1, random_state=1)
    flags = suspect_jumps(frame, by=["source"])
    assert flags.index.equals(frame.index)
    assert frame.loc[flags, ["source", "value"]].values.tolist() == [["A", 90_000]]


def test_an_unrecorded_step_is_a_break_suspect_and_a_recorded_loss_is_not() -> None:
    frame = _series(
        [107_700, 91_081, 91_080, 82_700, 82_700],
        lost=[0.0, 0.0, 0.0, 8_366.0, 0.0],  # the -16,619 km2 leaves without losses; the -8,380 is recorded
    )
    assert _flagged(frame, unrecorded_steps(frame, lost="lost")) == ["10-21"]


def test_an_unrecorded_rise_needs_the_gained_column_and_skipped_days_are_not_the_base() -> None:
    frame = _series([50_000, 900_000, 52_000, 52_000], lost=[0.0] * 4, gained=[0.0, 0.0, 0.0, 0.0])
    glitch = suspect_jumps(frame)
    assert _flagged(frame, unrecorded_steps(frame, lost="lost", skip=glitch)) == []  # rises not checked
    assert _flagged(frame, unrecorded_steps(frame, lost="lost", gained="gained", skip=glitch)) == ["10-22"]


def test_a_frozen_map_inside_an_active_front_is_flagged_and_a_quiet_front_is_not() -> None:
    active = [100_000 + 20 * i for i in range(15)]
    frozen = [active[-1]] * 4 + [active[-1] + 2.4]
    after = [active[-1] + 60 + 20 * i for i in range(15)]
    frame = _series(active + frozen + after, start="2024-12-01")
    assert _flagged(frame, frozen_runs(frame)) == ["12-16", "12-17", "12-18", "12-19", "12-20"]
    quiet = _series([100_000 + 0.5 * i for i in range(40)])  # a stalemate: every day moves a little
    assert not frozen_runs(quiet).any()
    short = _series(active + [active[-1]] * 3 + after)  # three days: not a frozen map
    assert not frozen_runs(short).any()


def test_mark_sets_the_quality_and_puts_the_reason_and_rule_in_front_of_the_notes() -> None:
    frame = _series([1.0, 2.0, 3.0], notes=["a", "", "c"])
    marked = mark(frame, frame["value"] >= 2, GLITCH, "held mislabelled", "suspect_jumps")
    assert quality_of(marked).tolist() == ["", GLITCH, GLITCH]
    assert marked["notes"].tolist() == [
        "a", "glitch: held mislabelled (rule: suspect_jumps)", "glitch: held mislabelled (rule: suspect_jumps); c",
    ]  # fmt: skip
    again = mark(marked, frame["value"] >= 1, BREAK, "redraw", "r")
    assert quality_of(again).tolist() == [BREAK, GLITCH, GLITCH]  # an existing mark is kept
    assert "quality" not in frame  # the input is not changed
    with pytest.raises(ValueError, match="unknown quality mark"):
        mark(frame, frame["value"] > 0, "bad", "x", "y")


def test_figures_without_the_column_have_no_marks_and_glitches_are_dropped() -> None:
    frame = _series([1.0, 2.0, 3.0])
    assert quality_of(frame).tolist() == ["", "", ""]
    assert drop_glitches(frame).equals(frame)
    marked = frame.assign(quality=["", GLITCH, None])
    assert drop_glitches(marked)["value"].tolist() == [1.0, 3.0]


def test_no_flow_crosses_a_break() -> None:
    frame = pd.concat(
        [
            _series([107_700, 107_710, 91_081, 91_090], source=["liveuamap"] * 4, quality=["", "", BREAK, ""]),
            _series([100.0, 110.0, 120.0, 130.0], source=["other"] * 4),
        ],
        ignore_index=True,
    ).iloc[::-1]
    segment = break_segments(frame, by=["source"])
    assert segment.index.equals(frame.index)
    assert segment[frame["source"] == "liveuamap"].sort_index().tolist() == [0, 0, 1, 1]
    assert (segment[frame["source"] == "other"] == 0).all()
    ordered = frame.assign(segment=segment).sort_values("date")
    flows = ordered.groupby(["source", "segment"])["value"].diff().dropna()
    assert flows.abs().max() < 100  # the -16,629 step is never a flow
    assert flows.sum() == pytest.approx(10 + 9 + 30)


# --- the pipelines honour the marks (metrics/pipelines.py) ------------------------------------------


def _stocks(values: list[float], quality: list[str], start: str = "2024-01-31") -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(values), freq="ME")
    return pd.DataFrame({
        "date": dates, "period_start": dates, "territory": "UKR", "region": "", "actor": "RU",
        "metric": "area_controlled_km2", "value": values, "source": "S", "definition": "d", "source_url": "",
        "published": "", "notes": "", "batch_id": 1, "derived": False, "quality": quality,
    })  # fmt: skip


def test_monthly_net_change_leaves_glitches_out_and_never_crosses_a_break() -> None:
    from metrics.pipelines import by_period, change_over_days

    stocks = _stocks([100_000, 100_100, 20_000, 100_300, 83_700, 83_800],
                     ["", "", GLITCH, "", BREAK, ""])  # fmt: skip
    changes = by_period(stocks, "net_change_km2", "M").set_index("date")["value"]
    # Feb +100; March's glitch is left out (its stock is February's, carried); April +200 over two months;
    # May holds the break: no change; June +100
    assert changes.index.strftime("%Y-%m").tolist() == ["2024-02", "2024-03", "2024-04", "2024-06"]
    assert changes.tolist() == [100, 0, 200, 100]
    ends = by_period(stocks, "area_controlled_km2", "M").set_index("date")
    assert ends.loc["2024-03-31", "value"] == 100_100 and bool(ends.loc["2024-03-31", "carried_forward"])
    recent = change_over_days(stocks, 30)
    assert recent["value"].tolist() == [100]  # May 31 -> June 30: after the break
    assert change_over_days(stocks, 70).empty  # the baseline lies before the break
