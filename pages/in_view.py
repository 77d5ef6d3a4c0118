"""Draw a chart only once the reader scrolls near it: below the fold, a reader's browser pays for
nothing it does not show.

Plotly's script (about 4.6 MB) is loaded and run by the browser when the first plotly chart of a page
is drawn: on the Overview that was about 1.1 s of a reader's main thread, before its table was even
painted, for a chart 1,500 px down the page. ``in_view`` puts a box of the chart's height in its place
(so the page does not jump), with a small offline component (``st.components.v2``, no iframe, no
request) that watches it with an ``IntersectionObserver``. When the box comes within ``MARGIN_PX`` of
the screen and stays there while the page's height holds for ``STEADY_MS`` (while a page loads, a box
passes through the screen before the table above it takes its height), the component tells the
server once; the callback notes it in the session, and that rerun and every later one draw the chart.
A browser without ``IntersectionObserver`` asks at once.

Embedded pages (``?embed=true``: the chart is what a newsroom embeds) draw at once.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

__all__ = ["MARGIN_PX", "STEADY_MS", "in_view", "seen_key"]

#: How close to the screen (px, above and below) the box must come for the chart to be asked for:
#: a little ahead of the reader (drawing takes about a second), not so far that a tall screen asks
#: for everything at once.
MARGIN_PX = 200

#: How long the page's height must stay the same, with the box near the screen, before it counts (ms).
STEADY_MS = 300

_HTML = '<div class="in-view" role="img"><span class="in-view-label"></span></div>'
_CSS = """
.in-view { box-sizing: border-box; width: 100%; border: 1px dashed #c8c8c8;
  border-radius: 6px; display: flex; align-items: flex-start; justify-content: center; padding-top: 48px;
  color: #6b6b6b; font: 14px/1.4 sans-serif; text-align: center; }
"""
_JS = f"""
export default function ({{ parentElement, data, setStateValue }}) {{
  const box = parentElement.querySelector('.in-view');
  const label = parentElement.querySelector('.in-view-label');
  label.textContent = data.label;  // text, never markup
  box.setAttribute('aria-label', data.label);
  box.style.height = `${{data.height}}px`;  // the chart's own height: the page does not jump
  if (!('IntersectionObserver' in window)) {{ setStateValue('seen', true); return; }}
  // the app scrolls inside its main block, not the window: the margin applies to that block
  const host = parentElement instanceof ShadowRoot ? parentElement.host : parentElement;
  const root = host.closest('[data-testid="stMain"]');
  // near the screen, and still there once the page above has stopped growing (while a page loads,
  // a box can pass through the screen before the table above it takes its height)
  let near = false, timer = null, height = -1;
  const check = () => {{
    const now = (root || document.documentElement).scrollHeight;
    if (!near) {{ timer = null; return; }}
    if (now === height) {{ watch.disconnect(); setStateValue('seen', true); return; }}
    height = now;
    timer = setTimeout(check, {STEADY_MS});
  }};
  const watch = new IntersectionObserver((entries) => {{
    near = entries[entries.length - 1].isIntersecting;
    if (near && timer === null) {{ height = -1; check(); }}
  }}, {{ root, rootMargin: '{MARGIN_PX}px 0px' }});
  watch.observe(box);
  return () => {{ watch.disconnect(); clearTimeout(timer); }};
}}
"""

_component = st.components.v2.component("territory_in_view", html=_HTML, css=_CSS, js=_JS)


def seen_key(key: str) -> str:
    """The session-state key that says the chart ``key`` was scrolled to (tests set it)."""
    return f"_in_view_{key}"


def _note_seen(key: str) -> None:
    st.session_state[seen_key(key)] = True


def in_view(key: str, *, height: int, label: str) -> bool:
    """Whether to draw the chart ``key`` now. If not, a box of ``height`` px saying ``label`` stands
    in its place until the reader scrolls near it; the rerun that follows returns True."""
    if st.session_state.get(seen_key(key)) or st.context.is_embedded:
        return True
    _component(key=f"{key}_in_view", data={"label": label, "height": height}, on_seen_change=partial(_note_seen, key))
    return False
