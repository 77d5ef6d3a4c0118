"""Upload: figures come in as CSV, are checked, previewed, stored as one batch, and can be taken back."""

import streamlit as st

from metrics import auth, ingest
from metrics.display import markdown_text as md
from pages import cached
from pages._upload import sections

engine = cached.engine()
limit_mb = ingest.max_upload_bytes() // 2**20
# The socket peer (Streamlit reports loopback as None), or what a trusted proxy forwards (metrics.auth):
# the address the sign-in throttle and the batches' audit field use.
peer = st.context.ip_address or "127.0.0.1"
client = auth.client_address(peer, st.context.headers.get_all("X-Forwarded-For"), auth.trusted_proxies())
if client != peer:
    client = f"{client} via {peer}"

st.title("Upload figures")
st.caption(
    "A CSV file of figures becomes one batch: it is checked as a whole, previewed, and stored only when "
    "you commit it. Nothing already stored is ever deleted: a figure with the same key supersedes the old "
    "one, and retracting the batch brings the old one back."
)

# 0/ the outcome of the last action (set before a rerun)
message = st.session_state.pop("upload_message", None)
if message is not None:
    status, text = message
    (st.success if status == "imported" else st.info)("  \n".join(md(line) for line in text.split("  \n")))
    st.page_link("pages/overview.py", label="See the figures on the Overview")

# 1/ who may change the store
editor, password_required = sections.editor_access(client)

# 2/ the format, with a template
sections.figures_format(limit_mb)

# 3/ upload, check, preview, commit
if editor:
    sections.figures_section(engine, limit_mb=limit_mb,
                             who=f"upload page ({'editor, ' if password_required else ''}{client})")  # fmt: skip

# 4/ control polygons, and 4b/ events
sections.polygons_section(engine, editor=editor, limit_mb=limit_mb, client=client)
sections.events_section(engine, editor=editor, limit_mb=limit_mb, client=client)

# 5/ batch history, with retract and restore
sections.batches_section(engine, editor=editor)
