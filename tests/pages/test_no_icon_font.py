"""Nothing leaves the machine: a ``:material/...:`` icon (st.Page, page_icon, buttons, markdown) makes the
browser fetch the Material Symbols font, so the app and its pages use none."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ICON = re.compile(r":material/[a-z0-9_]+:")


def test_no_material_icons_in_the_app() -> None:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]
    assert len(files) > 5
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ICON.search(line)]  # fmt: skip
    assert found == [], "icons fetch a font from a CDN: " + ", ".join(found)
