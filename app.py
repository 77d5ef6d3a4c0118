"""Territorial-control dashboard: entry point (`python app.py`, as `make run` does, or `streamlit run app.py`).

Sets up the page, the shared sidebar (sources and definitions) and the navigation over pages/.
"""

import sys

import streamlit as st
from streamlit import runtime

if __name__ == "__main__" and not runtime.exists():
    # `python app.py [streamlit options]` (what `make run` does): serve this file at once; the
    # libraries and the Overview's first run are prepared in the background (pages/warm.py) while
    # the first browser loads Streamlit's scripts.
    # pages/ holds the pages of st.navigation below, not Streamlit's old pages-folder app. Left to
    # guess, Streamlit runs pages/upload.py alone (no navigation, no sidebar) when a server's very
    # first visitor opens a link such as /upload.
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False

    # Served through st.App so that the read-only data API (metrics/api.py) answers from this process.
    # uvicorn would take X-Forwarded-For from any loopback peer: the Upload page decides instead
    # (metrics.auth.client_address with TERRITORY_TRUSTED_PROXIES), from the real socket peer.
    import contextlib
    import os

    from streamlit.starlette import App

    from metrics import api_routes, auth
    from pages import warm

    def front():  # type: ignore[no-untyped-def]  # geodata's answers for the API, on its first request
        from geodata.api import front_answers

        return front_answers()

    @contextlib.asynccontextmanager
    async def lifespan(_app: object):  # type: ignore[no-untyped-def]
        warm.start()  # the runtime has started: the thread prepares the store and fills the pages' caches
        yield

    try:
        auth.trusted_proxies()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    from streamlit import config

    flags, args = {}, sys.argv[1:]  # streamlit's own options: --server.port 8501 or --server.port=8501
    while args:
        name, _, value = args.pop(0).removeprefix("--").partition("=")
        value = value or (args.pop(0) if args else "")
        kind = config._config_options_template[name].type if name in config._config_options_template else str
        flags[name] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    sys.argv = sys.argv[:1]
    # Streamlit's script bundles from memory (metrics/asset_cache.py): read once, not per request.
    from pathlib import Path

    from starlette.middleware import Middleware

    from metrics.asset_cache import AssetCache

    bundles = Path(sys.modules["streamlit"].__file__).parent / "static" / "static"
    # the elements of the Overview's first screen (the sidebar's too): their bundles load with the page
    FIRST_SCREEN = ("StreamlitMarkdown", "Multiselect", "ButtonGroup", "BidiComponent")
    base = str(flags.get("server.baseUrlPath") or config.get_option("server.baseUrlPath") or "")
    App(
        __file__, routes=api_routes.routes(front), lifespan=lifespan,
        middleware=[Middleware(AssetCache, directory=bundles, prefix=base, preload=FIRST_SCREEN)],
    ).run(config=flags)  # fmt: skip
    sys.exit(0)

from pages import cached  # noqa: E402

# Embedded by a newsroom (?embed=true): the page and its chart, the sidebar folded away (its choices
# still come from the link's query string).
st.set_page_config(
    page_title="Territorial control: Ukraine", layout="wide",
    initial_sidebar_state="collapsed" if st.context.is_embedded else "auto",
)  # fmt: skip

pages = [
    st.Page("pages/overview.py", title="Overview", default=True),
    st.Page("pages/trends.py", title="Trends", url_path="trends"),
    st.Page("pages/map.py", title="Map", url_path="map"),
    st.Page("pages/regions.py", title="Regions", url_path="regions"),
    st.Page("pages/front.py", title="Front line", url_path="front"),
    st.Page("pages/sources.py", title="Sources", url_path="sources"),
    st.Page("pages/data.py", title="Data", url_path="data"),
    st.Page("pages/report.py", title="Report", url_path="report"),
    st.Page("pages/upload.py", title="Upload", url_path="upload"),
]
page = st.navigation(pages)


def _choices(key: str, options: list[str]) -> list[str] | None:
    """Keep a multiselect's selection in step with the store: options that are gone are dropped,
    options that are new (an upload's source) are added. Returns the default for its first run."""
    known_key = f"{key}_known"
    known = st.session_state.get(known_key)
    st.session_state[known_key] = options
    if key not in st.session_state or known is None:
        return options
    chosen = [o for o in st.session_state[key] if o in options]
    st.session_state[key] = chosen + [o for o in options if o not in known and o not in chosen]
    return None


# Shared sidebar: which sources and definitions every page shows (the page reads st.session_state).
rev = cached.store_revision()
choices = cached.source_choices(rev)
with st.sidebar:
    st.header("Figures shown")
    sources = st.multiselect(
        "Sources", list(choices), default=_choices("sources", list(choices)), key="sources", bind="query-params"
    )
    offered = sorted({d for s in sources for d in choices[s]})
    definitions = st.multiselect(
        "Definitions",
        offered,
        default=_choices("definitions", offered),
        key="definitions",
        bind="query-params",
        help="What each source counts: see 'Sources and definitions' at the bottom of the Overview.",
    )
    st.caption("Two sources that disagree are shown side by side, never merged.")
st.session_state["selection"] = (tuple(sources), tuple(definitions))

page.run()
