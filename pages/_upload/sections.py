"""The Upload page's sections, one function each (``pages/upload.py`` calls them in order). Not a page:
this package is not in ``st.navigation`` and lies below pages/, where Streamlit never looks for pages."""

from __future__ import annotations

import secrets

import streamlit as st
from sqlalchemy import Engine

from geodata import ingest as geo_ingest
from geodata import sync as geo_sync
from metrics import auth, events, ingest, review
from metrics.charts import before_after_chart
from metrics.display import markdown_text as md
from metrics.source_checks import new_suspects
from metrics.store import list_batches, set_batch_status
from pages import cached
from pages.chart_view import show_chart

__all__ = ["batches_section", "editor_access", "events_section", "figures_format", "figures_section",
           "polygons_section"]  # fmt: skip


def editor_access(client: str) -> tuple[bool, bool]:
    """Who may change the store: (this session is an editor, a password is required). ``client`` is
    the address that counts (``metrics.auth.client_address``); wrong passwords back off per session
    under the gate's global cap."""
    gate = cached.editor_gate(auth.editor_password())
    session = st.session_state.setdefault("upload_gate_session", secrets.token_hex(8))  # its own back-off
    if gate.required:
        editor = bool(st.session_state.get("upload_editor"))
        if not editor:
            st.info("Viewers can read the batch history. Uploading, retracting and restoring need the editor password.")
            with st.form("upload_login"):
                attempt = st.text_input("Editor password", type="password", key="upload_password")
                if st.form_submit_button("Sign in as editor"):
                    if gate.check(attempt, session, client):
                        st.session_state["upload_editor"] = True
                        st.rerun()
                    st.error(
                        f"Wrong password. Each wrong attempt doubles the wait; the next answer takes "
                        f"{gate.delay(session):.1f} s. Ask your team's administrator for the password."
                    )
    else:
        editor = True
        if not auth.is_loopback(st.get_option("server.address")):
            st.warning(
                f"This dashboard is served on every network interface and {auth.PASSWORD_VARIABLE} is not set: "
                "anyone who can open this page can upload, retract and restore batches. Set the variable on the "
                f"server (e.g. `make run ADDRESS=0.0.0.0 {auth.PASSWORD_VARIABLE}=...`) to allow editors only.",
            )
    return editor, gate.required


def figures_format(limit_mb: int) -> None:
    """The template CSV and the format of a file of figures."""
    left, right = st.columns([1, 2])
    left.download_button(
        "Download the template CSV",
        data=ingest.template_csv(),
        file_name="figures_template.csv",
        mime="text/csv",
        key="upload_template",
    )
    with right.expander("CSV format"):
        st.markdown(review.figures_format_help(limit_mb))


def figures_section(engine: Engine, *, limit_mb: int, who: str) -> None:
    """Upload, check, preview and commit a file of figures (editors only)."""
    uploaded = st.file_uploader(
        "CSV file of figures",
        type=["csv", "tsv", "txt"],
        max_upload_size=limit_mb,
        key="upload_file",
        help=f"At most {limit_mb} MB; the limit is set by TERRITORY_MAX_UPLOAD_MB.",
    )
    if uploaded is not None:
        data = uploaded.getvalue()
        if st.session_state.get("upload_parsed_id") != uploaded.file_id:
            bar = st.progress(0.0, text=f"Reading {uploaded.name}...")
            parsed = ingest.parse_figures_csv(
                data, uploaded.name, progress=lambda stage, done: bar.progress(min(max(done, 0.0), 1.0), text=stage)
            )
            bar.empty()
            st.session_state["upload_parsed"] = parsed
            st.session_state["upload_parsed_id"] = uploaded.file_id
        parsed = st.session_state["upload_parsed"]
        st.caption(
            md(
                f"{parsed.filename}: {parsed.size:,} bytes, read as {parsed.encoding}, "
                f"delimiter {parsed.delimiter!r}, sha256 {parsed.sha256[:12]}"
            )
        )
        if not parsed.ok:
            st.error(
                md(
                    f"{len(parsed.problems)} problem(s) in {parsed.filename}: nothing was stored. "
                    "Fix them in your spreadsheet and upload the file again."
                )
            )
            report = review.problems_table(parsed.problems)
            st.dataframe(report, hide_index=True, key="upload_problems")
            st.download_button(
                "Download this report (CSV)",
                data=review.problems_csv(parsed.problems),
                file_name=f"{parsed.filename}.problems.csv",
                mime="text/csv",
                key="upload_problems_csv",
            )
        else:
            plan = ingest.plan_import(engine, parsed)
            for note in parsed.notes:
                st.caption(md(f"Note: {note}"))
            if plan.existing_batch is not None:
                batch_id, status = plan.existing_batch
                st.info(
                    f"These exact bytes are already stored as batch {batch_id} ({status}); storing them again "
                    "changes nothing." + (" Restore the batch below to make it current." if status != "active" else "")
                )
            else:
                counts = plan.counts()
                new, supersedes, unchanged = st.columns(3)
                new.metric("New figures", f"{counts.get('new', 0):,}")
                supersedes.metric("Superseding stored figures", f"{counts.get('supersedes', 0):,}")
                unchanged.metric("Unchanged (same value stored)", f"{counts.get('unchanged', 0):,}")
                changes_tab, chart_tab = st.tabs(["What changes", "Series before and after"])
                with changes_tab:
                    st.dataframe(review.changes_table(plan), hide_index=True, key="upload_changes")
                affected = ingest.affected_series(engine, plan)
                suspects = new_suspects(affected, parsed.figures)
                if not suspects.empty:
                    st.warning(
                        f"{len(suspects):,} figure(s) of this file look like glitches: a jump of over 5,000 km² "
                        "that reverses within days (rule: suspect_jumps). Mark each in the file's `quality` column "
                        "(`glitch`, with the reason in `notes`) and upload it again, or store it as it is if the "
                        "jump is real."
                    )
                    st.dataframe(suspects, hide_index=True, key="upload_suspects")
                with chart_tab:
                    labels = review.series_labels(plan)
                    chosen = st.selectbox(f"Series ({len(labels)} touched)", list(labels), key="upload_series")
                    show_chart(
                        before_after_chart(review.one_series(affected, labels[chosen]), title=f"{chosen}"),
                        key="upload_chart",
                    )
                if st.button(
                    f"Store {len(parsed.figures):,} figures as a new batch", type="primary", key="upload_commit"
                ):
                    bar = st.progress(0.0, text="Storing...")
                    result = ingest.import_figures(
                        engine,
                        data,
                        parsed.filename,
                        who=who,
                        progress=lambda stage, done: bar.progress(min(max(done, 0.0), 1.0), text=stage),
                        parsed=parsed,  # checked above: not read again
                    )
                    bar.empty()
                    st.session_state["upload_message"] = (result.status, result.message)
                    st.rerun()


def polygons_section(engine: Engine, *, editor: bool, limit_mb: int, client: str) -> None:
    """Control polygons: a spatial file in, checked, previewed, stored with its derived figures; and the
    DeepStateMap archive pull."""
    st.header("Control polygons")
    st.caption(
        "A snapshot is the area a source marks as held on a date. Its area, share and per-oblast figures are "
        "computed on import (equal-area CRS) and stored with it as one batch; the Overview map then draws it."
    )
    if not editor:
        return
    geo_file = st.file_uploader(
        "Spatial file",
        type=["geojson", "json", "gpkg", "zip", "parquet"],
        max_upload_size=limit_mb,
        key="upload_geo_file",
        help="GeoJSON, GeoPackage, zipped Shapefile or GeoParquet; one snapshot per date.",
    )
    source_col, definition_col = st.columns(2)
    geo_source = source_col.text_input("Source", key="upload_geo_source", placeholder="e.g. DeepStateMap")
    geo_definition = definition_col.text_input("Definition", key="upload_geo_definition", placeholder="e.g. occupied")
    date_col, field_col, clip_col = st.columns([1, 1, 1], vertical_alignment="bottom")
    geo_date = date_col.date_input(
        "As-of date of the whole file", value=None, key="upload_geo_date",
        help="Leave empty for a DeepStateMap archive file (dated by its name) or when a field holds the dates.",
    )  # fmt: skip
    geo_field = field_col.text_input("or the field holding each feature's date", key="upload_geo_field")
    geo_clip = clip_col.checkbox("Clip to the territory's outline", key="upload_geo_clip")
    if geo_file is not None and not (geo_source.strip() and geo_definition.strip()):
        st.info("Name the source and the definition to check the file.")
    elif geo_file is not None:
        try:
            prepared, geo_sha = geo_ingest.prepare_upload(
                geo_file.getvalue(), geo_file.name, date=geo_date, date_field=geo_field.strip() or None, clip=geo_clip
            )
        except geo_ingest.GeoInputError as exc:
            st.error(
                md(
                    f"{len(exc.problems)} problem(s) in {geo_file.name}: nothing was stored. Fix them and upload the "
                    "file again."
                )
            )
            st.dataframe(review.geo_problems_table(exc.problems), hide_index=True, key="upload_geo_problems")
        else:
            st.dataframe(
                prepared.snapshots[["date", "features", "clipped_km2"]].assign(
                    date=prepared.snapshots["date"].dt.strftime("%Y-%m-%d")
                ),
                hide_index=True,
                key="upload_geo_preview",
            )
            for note in prepared.notes:
                st.caption(md(f"Note: {note}"))
            count = len(prepared.snapshots)
            if st.button(f"Store {count} snapshot(s) as a new batch", type="primary", key="upload_geo_commit"):
                with st.spinner("Measuring areas and per-oblast figures..."):
                    try:
                        result = geo_ingest.import_prepared(
                            engine, prepared, file_sha256=geo_sha, source=geo_source.strip(),
                            definition=geo_definition.strip(), who=f"upload page ({client})",
                        )  # fmt: skip
                    except geo_ingest.GeoInputError as exc:
                        result = None
                        st.error("\n\n".join(md(p) for p in exc.problems))
                if result is not None:
                    status = "imported" if result.status == "stored" else result.status
                    st.session_state["upload_message"] = (status, "  \n".join(result.summary()))
                    st.rerun()

    with st.expander("Pull DeepStateMap days from the public archive"):
        st.caption(
            f"Fetches the daily files missing from the store from {geo_sync.base_url()} (set "
            "TERRITORY_DEEPSTATE_URL for a mirror), skips the archive's gaps, retries failures, and stores each "
            "day as a batch: safe to stop and run again."
        )
        from_col, to_col, go_col = st.columns([1, 1, 1], vertical_alignment="bottom")
        sync_from = from_col.date_input("From (as-of date)", value=None, key="upload_sync_from")
        sync_to = to_col.date_input("To (as-of date)", value=None, key="upload_sync_to")
        if go_col.button("Pull missing days", key="upload_sync"):
            with st.status("Pulling DeepStateMap days...", expanded=True) as progress:
                try:
                    outcome = geo_sync.sync_deepstate(engine, start=sync_from, end=sync_to, report=progress.write)
                except (geo_sync.SyncError, ValueError) as exc:
                    progress.update(label=f"Stopped: {exc}", state="error")
                else:
                    progress.update(
                        label=f"{len(outcome.stored)} day(s) stored, {len(outcome.gaps)} gap(s) in the archive, "
                        f"{len(outcome.failed)} file(s) refused",
                        state="complete",
                    )


def events_section(engine: Engine, *, editor: bool, limit_mb: int, client: str) -> None:
    """Events: dated happenings drawn as markers on the time charts."""
    st.header("Events")
    st.caption(
        "Events (a claimed capture, a round of talks) are drawn as dotted lines on the time charts, their full "
        "label on hover. A CSV file of events is one batch, like figures: checked, previewed, stored when you "
        "commit it, and retractable below."
    )
    events_left, events_right = st.columns([1, 2])
    events_left.download_button(
        "Download the events template CSV",
        data=events.template_csv(),
        file_name="events_template.csv",
        mime="text/csv",
        key="upload_events_template",
    )
    with events_right.expander("Events CSV format"):
        st.markdown(review.events_format_help())
    if not editor:
        return
    events_file = st.file_uploader(
        "CSV file of events", type=["csv", "tsv", "txt"], max_upload_size=limit_mb, key="upload_events_file"
    )
    if events_file is not None:
        events_data = events_file.getvalue()
        if st.session_state.get("upload_events_parsed_id") != events_file.file_id:
            st.session_state["upload_events_parsed"] = events.parse_events_csv(events_data, events_file.name)
            st.session_state["upload_events_parsed_id"] = events_file.file_id
        parsed_events = st.session_state["upload_events_parsed"]
        st.caption(
            md(
                f"{parsed_events.filename}: {parsed_events.size:,} bytes, read as {parsed_events.encoding or '?'}, "
                f"delimiter {parsed_events.delimiter!r}, sha256 {parsed_events.sha256[:12]}"
            )
        )
        stored = events.stored_batch(engine, parsed_events)
        if stored is not None:
            st.info(
                f"These exact bytes are already stored as batch {stored[0]} ({stored[1]}); storing them again "
                "changes nothing." + (" Restore the batch below to show them." if stored[1] != "active" else "")
            )
        elif not parsed_events.ok:
            st.error(
                md(
                    f"{len(parsed_events.problems)} problem(s) in {parsed_events.filename}: nothing was stored. "
                    "Fix them and upload the file again."
                )
            )
            st.dataframe(review.problems_table(parsed_events.problems), hide_index=True, key="upload_events_problems")
        else:
            for note in parsed_events.notes:
                st.caption(md(f"Note: {note}"))
            st.dataframe(
                events.plan_events(engine, parsed_events),
                hide_index=True,
                key="upload_events_preview",
                column_order=["line", "change", "date", "label", "short_label", "source", "url", "notes"],
                column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD")},
            )
            count = len(parsed_events.events)
            if st.button(f"Store {count} event(s) as a new batch", type="primary", key="upload_events_commit"):
                result = events.import_events(
                    engine, events_data, parsed_events.filename, who=f"upload page ({client})", parsed=parsed_events
                )
                st.session_state["upload_message"] = (result.status, result.message)
                st.rerun()


def batches_section(engine: Engine, *, editor: bool) -> None:
    """The batch history, with retract and restore (editors only)."""
    st.header("Batches")
    st.caption(
        "Every upload and every bundled file is a batch. Retracting a batch takes its figures out of every page "
        "and export (they stay stored) and brings back what it superseded; restoring undoes that."
    )
    batches = list_batches(engine)
    st.dataframe(review.batches_table(batches), hide_index=True, key="upload_batches")
    if not editor or batches.empty:
        return
    choice, retract, restore = st.columns([2, 1, 1], vertical_alignment="bottom")
    batch_id = choice.selectbox(
        "Batch",
        batches["id"].tolist(),
        format_func=lambda i: (
            f"{i}: {batches.set_index('id').at[i, 'filename']} ({batches.set_index('id').at[i, 'status']})"
        ),
        key="upload_batch",
    )
    status = batches.set_index("id").at[batch_id, "status"]
    if retract.button("Retract", disabled=status != "active", key="upload_retract"):
        set_batch_status(engine, int(batch_id), "retracted")
        st.session_state["upload_message"] = ("retracted", f"Batch {batch_id} retracted; what it superseded is back.")
        st.rerun()
    if restore.button("Restore", disabled=status == "active", key="upload_restore"):
        set_batch_status(engine, int(batch_id), "active")
        st.session_state["upload_message"] = ("restored", f"Batch {batch_id} restored.")
        st.rerun()
