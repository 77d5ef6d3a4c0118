"""Territorial-control dashboard: entry point (``streamlit run app.py``).

Sets up the page, the shared sidebar (sources and definitions) and the navigation over pages/.
"""

import streamlit as st

from pages import cached

st.set_page_config(page_title="Territorial control: Ukraine", page_icon=":material/map:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
]
page = st.navigation(pages)

# Shared sidebar: which sources and definitions every page shows (the page reads st.session_state).
rev = cached.store_revision()
choices = cached.source_choices(rev)
with st.sidebar:
    st.header("Figures shown")
    sources = st.multiselect("Sources", list(choices), default=list(choices), key="sidebar_sources")
    offered = sorted({d for s in sources for d in choices[s]})
    definitions = st.multiselect(
        "Definitions",
        offered,
        default=offered,
        key="sidebar_definitions",
        help="What each source counts: see 'Sources and definitions' at the bottom of the Overview.",
    )
    st.caption("Two sources that disagree are shown side by side, never merged.")
st.session_state["selection"] = (tuple(sources), tuple(definitions))

page.run()
