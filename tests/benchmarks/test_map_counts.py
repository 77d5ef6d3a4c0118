"""benchmarks.map counts the frames of Play drawn against the frames stepped to (it once printed
"14 of the 13 frames stepped to were drawn": the date shown when Play was pressed counted as drawn)."""

from __future__ import annotations

from benchmarks.map import _LISTEN, drawn_of_shown


def test_only_dates_stepped_to_count_as_drawn_and_each_once() -> None:
    title = "Who holds what on {}".format
    shown = ["2025-07-31", "2025-08-31", "2025-09-30", "2025-10-31"]  # 2025-08-31 skipped: not drawn
    drawn = [title("2025-06-30"), title("2025-07-31"), title("2025-09-30"), title("2025-09-30"), title("2025-10-31")]
    assert drawn_of_shown(drawn, shown) == (3, 4)
    assert drawn_of_shown([], shown) == (0, 4)
    assert drawn_of_shown([title("2025-07-31")], ["2025-07-31", "2025-07-31"]) == (1, 1)


def test_the_listener_starts_from_the_title_shown() -> None:
    assert "let last = (" in _LISTEN and "if (t !== last)" in _LISTEN  # the date on screen is no new draw
