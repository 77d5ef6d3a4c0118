"""The floor under the Overview's figures in ``benchmarks.viewers``: a Streamlit page with a title and
one small table, nothing of the dashboard's (python -m streamlit run benchmarks/bare_app.py)."""

import pandas as pd
import streamlit as st

st.title("A bare Streamlit page")
st.dataframe(pd.DataFrame({"source": ["a", "b", "c"], "area_km2": [1.0, 2.0, 3.0]}), hide_index=True)
