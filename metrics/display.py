r"""Text that users uploaded, made safe to show: as literal text in Markdown and in plotly charts.

Stored text (a source, a definition, notes, a URL, an event's label, a batch's filename and ``who``)
is legitimate text: the importers accept ``[a](b)`` and ``<a ...>`` in it. What must never happen is
that showing it turns it into markup. Two renderers interpret text:

- **Streamlit Markdown** (``st.markdown``, ``st.caption``, ``st.subheader``, widget and metric labels,
  ``help=`` tooltips): CommonMark + GFM (links, images, emphasis, autolinked ``https://...``,
  ``www.`` and e-mail addresses, tables), HTML (escaped without ``unsafe_allow_html``, but not
  everywhere), LaTeX ``$...$`` and ``$$...$$``, emoji shortcodes ``:smile:``, Material icons
  ``:material/name:`` (replaced in the raw source before parsing), and directives such as
  ``:red[...]``, ``:blue-background[...]``, ``:small[...]``. ``markdown_text`` backslash-escapes
  (CommonMark shows an escaped ASCII punctuation character as itself) every character that starts or
  closes an inline construct: ``\ ` * _ ~ [ ] < > & $ : @ | #`` (with ``[`` and ``]`` escaped, no
  ``(...)`` or ``!`` can make a link or an image), the ``/`` of ``material/`` and the ``.`` of ``www.``,
  so ``:material/``, ``https://``, ``www.`` and ``a@b.c`` never appear in the source Streamlit parses;
  and ``- + =``, ``1.`` and ``1)`` at the start, where they would begin a list or a heading. Line
  breaks are folded into one space, so a value cannot start a block (heading, list, quote, table) of
  its own. Other punctuation (``, ; ' " ? % - + . / ( ) !`` elsewhere) stays as it is, so dates and
  sentences read well in the Markdown source too. Streamlit also autolinks ``https://``, ``www.`` and
  ``a@b.c`` found in the text after the escapes are resolved (a browser test showed it), so an
  invisible WORD JOINER (U+2060) is put inside each of them: the text reads the same, is no link.
- **Plotly** (trace names, legend, hover templates and their ``customdata``, annotations, titles,
  subtitles, axis tick labels): a small set of HTML tags (``<a href>``, ``<b>``, ``<br>``, ``<span
  style>``, ...), HTML entities (``&amp;``, ``&#37;``), ``%{...}`` placeholders in hover and text
  templates, and LaTeX when a text starts and ends with ``$`` (where MathJax is loaded).
  ``plotly_text`` writes ``&``, ``<``, ``>``, ``%`` and ``$`` as entities, which plotly shows as the
  characters themselves (it decodes numeric entities after filling the templates).

Apply each at the boundary where stored text meets the renderer, never twice on the same text, and
never to the project's own markup (``**bold**`` around an escaped value, ``<br>`` between lines).
"""

from __future__ import annotations

import re

__all__ = ["markdown_text", "plotly_text"]

_MARKDOWN_SPECIAL = re.compile(r"[\\`*_~\[\]<>&$:@|#]")
# where '.', '/', ')' matter: GFM's www. autolinks, Streamlit's :material/ icons, "1." and "1)" lists at the start
_MARKDOWN_CONTEXT = re.compile(r"(?i)(?<![a-z0-9])(www)(\.)|(material)(/)|^(\s*\d+)([.)])|^(\s*)([-+=])")
# Streamlit (remark-gfm) autolinks "http://", "https://", "www." and e-mail addresses found in the text
# *after* escapes are resolved, so a backslash cannot stop it: a WORD JOINER (U+2060, invisible, no
# width) goes between the ':' and the '//', the 'www' and the '.', and before the '@'.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\\\.)|(?<=\w)(?=\\@)")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\v\f\x85]+\s*")
_PLOTLY_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "%": "&#37;", "$": "&#36;"}
_PLOTLY_SPECIAL = re.compile("[&<>%$]")


def markdown_text(value: object) -> str:
    """``value`` as Markdown source that Streamlit shows as exactly that text, on one line.

    ``None`` shows as the empty string. Markdown's special characters get a backslash, so
    ``[x](https://evil.example)`` shows as itself instead of a link, ``![t](u)`` loads no image,
    ``:material/home:``, ``:red[x]`` and ``$x$`` stay literal; line breaks become one space.
    """
    if value is None:
        return ""
    text = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(), _LINE_BREAKS.sub(" ", str(value)))
    return _AUTOLINK.sub("\u2060", _MARKDOWN_CONTEXT.sub(_escape_second, text))


def _escape_second(match: re.Match[str]) -> str:
    """The two groups of the alternative that matched, the second with a backslash."""
    before, special = (g for g in match.groups() if g is not None)
    return f"{before}\\{special}"


def plotly_text(value: object) -> str:
    """``value`` as plotly text that a chart shows as exactly that text.

    ``None`` shows as the empty string. ``<a href=...>`` stays visible text (no link), ``&amp;``
    stays ``&amp;``, ``%{y}`` is not filled in, a ``$...$`` text is not typeset; line breaks
    become one space (plotly's own line break is ``<br>``, which the caller adds where it wants).
    """
    if value is None:
        return ""
    text = _LINE_BREAKS.sub(" ", str(value))
    return _PLOTLY_SPECIAL.sub(lambda m: _PLOTLY_ENTITIES[m.group()], text)
