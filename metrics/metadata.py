"""Metadata of metrics, territories, sources and definitions, read from ``metadata.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "FIGURE_COLUMNS",
    "KEY_COLUMNS",
    "KM2_PER_SQ_MI",
    "METRICS",
    "definition_text",
    "denominator_note",
    "metadata",
    "metric_kind",
    "metric_label",
    "official_area_km2",
    "source_info",
]

_METADATA_FILE = Path(__file__).resolve().parent / "metadata.toml"

#: A figure's key (DESIGN.md): a later batch with the same key supersedes the earlier figure.
KEY_COLUMNS = ["date", "period_start", "territory", "region", "actor", "metric", "source", "definition"]
#: Columns of a figure, in the order of exports.
FIGURE_COLUMNS = [
    "date", "period_start", "territory", "region", "actor", "metric", "value", "source", "definition",
    "source_url", "published", "notes", "batch_id", "derived", "quality",
]  # fmt: skip
#: Square kilometres in a square mile (1 mile = 1.609344 km exactly).
KM2_PER_SQ_MI = 2.589988110336


@cache
def metadata() -> dict[str, Any]:
    """The parsed metadata file (do not mutate)."""
    with _METADATA_FILE.open("rb") as f:
        return tomllib.load(f)


METRICS: tuple[str, ...] = tuple(metadata()["metrics"])


def metric_kind(metric: str) -> str:
    """``"stock"`` or ``"flow"``."""
    return metadata()["metrics"][metric]["kind"]


#: How each unit of ``metadata.toml`` reads after a metric's title (none for counts).
_UNIT_SUFFIX = {"km2": ", km²", "percent": ", %", "km": ", km", "count": ""}


def metric_label(metric: str) -> str:
    """What a reader sees for a metric code: its title and unit (``area_controlled_km2`` ->
    ``Area controlled, km²``); an unknown code is returned as it is."""
    meta = metadata()["metrics"].get(metric)
    if meta is None:
        return metric
    return meta["title"] + _UNIT_SUFFIX.get(meta["unit"], f", {meta['unit']}")


def official_area_km2(territory: str = "UKR") -> float:
    """The official area of a territory in km2: the default denominator of shares."""
    return float(metadata()["territories"][territory]["official_area_km2"])


def source_info(source: str) -> dict[str, str]:
    """Publisher, url, licence and method of a source; empty values for a source not described."""
    return metadata()["sources"].get(source, {"publisher": source, "url": "", "licence": "", "method": ""})


def definition_text(definition: str) -> str:
    """What a definition counts, in a sentence; the definition's own name where not described."""
    return metadata()["definitions"].get(definition, {}).get("text", definition)


def denominator_note(territory: str = "UKR") -> str:
    """The denominators of shares, in a sentence for screens and exports."""
    info = metadata()["territories"][territory]
    return (
        f"Shares of {info['name']} divide by the {info['official_area_note']}: "
        f"{info['official_area_km2']:,.0f} km²; the shipped map's outline measures "
        f"{info['mapped_area_km2']:,.0f} km² ({info['mapped_area_note']}). Oblast shares divide by the "
        "oblast's area in the shipped Natural Earth 10m boundaries."
    )
