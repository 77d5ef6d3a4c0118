"""Links made before every page's widget keys carried the page's name still open the view they name.

A widget bound to the URL (``bind="query-params"``) takes its key as the parameter's name, so when the
Map page's slider became ``map_date`` its links became ``?map_date=...``. A link with the old name
(``/map?date=2025-11-30``) is adopted once, before the widget is drawn: its value seeds the new key and
the old parameter leaves the URL. A value the widget would not accept is dropped. Not a page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence

import streamlit as st
from streamlit.errors import StreamlitAPIException

__all__ = ["adopt", "adopt_codes", "as_bool", "as_date", "as_int", "date_within", "one_of"]

Parse = Callable[[str], object]


def as_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def date_within(first: dt.date, last: dt.date) -> Parse:
    """A parser of dates from ``first`` to ``last`` (a date input's range)."""

    def parse(text: str) -> dt.date:
        day = as_date(text)
        if not first <= day <= last:
            raise ValueError(f"{day} is outside {first} .. {last}")
        return day

    return parse


def as_bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(f"{text!r} is not true or false")
    return text.lower() == "true"


def as_int(text: str) -> int:
    return int(text)


def one_of(options: Sequence[object], label: Callable[[object], str] = str) -> Parse:
    """A parser that accepts the label of one of ``options``: what a choice widget's link carries
    (``label`` is the widget's ``format_func``)."""
    labels = {label(option): option for option in options}

    def parse(text: str) -> object:
        if text not in labels:
            raise ValueError(f"{text!r} is not one of the options")
        return labels[text]

    return parse


def adopt(old: str, new: str, parse: Parse = str) -> None:
    """Move the URL's ``old`` parameter, if any, to the widget key ``new`` (call before the widget)."""
    if old == new or old not in st.query_params:
        return
    text = st.query_params[old]
    try:
        del st.query_params[old]
    except StreamlitAPIException:  # bound to a widget: it is that widget's parameter now, not an old link
        return
    if new in st.query_params:  # the new name wins over the old one
        return
    try:
        st.session_state[new] = parse(text)
    except ValueError:  # a value the widget would not take: the link opens the default
        return
    with contextlib.suppress(StreamlitAPIException):  # the address bar shows the link as it is now
        st.query_params[new] = text


def adopt_codes(key: str, options: Sequence[str], *, many: bool = False) -> None:
    """A link made when the widget ``key`` showed metric codes (``?trends_metric=net_change_km2``)
    still opens that choice now that the widget shows the metrics' titles (its link carries a title):
    the codes seed the widget's value once, before it is drawn."""
    if key not in st.query_params or key in st.session_state:
        return
    values = [v for text in st.query_params.get_all(key) for v in (text.split(",") if many else [text])]
    if values and all(v in options for v in values):
        st.session_state[key] = values if many else values[0]
