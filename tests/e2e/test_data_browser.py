"""The Data page in a real browser: a link sets the query, and the provenance bundle downloads whole."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_linked_query_downloads_as_a_provenance_bundle(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 1600})
    # a bound widget's URL value is its option's label
    page.goto(f"{app_url}/data?data_metrics=net_change_km2&data_freq=month&data_from=2025-11-01&data_to=2025-11-30"
              "&data_region=whole+territory")  # fmt: skip
    heading = page.get_by_test_id("stMainBlockContainer").get_by_role("heading", name="figures")
    # one figure per source and definition with a November 2025 net change (five sources are shipped)
    expect(heading).to_have_text(re.compile(r"^\d+ figures"), timeout=60_000)
    shown = int(heading.inner_text().split()[0])
    page.screenshot(path=str(tmp_path / "data.png"))
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Provenance bundle (ZIP)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    with zipfile.ZipFile(path) as bundle:
        assert sorted(bundle.namelist()) == ["README.md", "figures.csv", "metadata.json"]
        figures = pd.read_csv(bundle.open("figures.csv"), keep_default_na=False)
        meta = json.loads(bundle.read("metadata.json"))
    assert len(figures) == shown >= 2
    by_source = figures.groupby("source")["value"].first()
    assert by_source["ISW (AFP analysis)"] == 701
    assert figures.loc[figures["source"] == "DeepStateMap", "value"].round(1).tolist() == [482.9]
    assert meta["query"]["freq"] == "M" and meta["query"]["from"] == "2025-11-01"
