"""Sales-funnel dashboard over the published marts (read-only).

Run: `FUNNEL_WAREHOUSE=warehouse .venv/bin/streamlit run dashboard/app.py`
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import streamlit as st

# `streamlit run` puts only this folder on sys.path; the pages import `dashboard.*`.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import queries, ui  # noqa: E402
from funnel.project import mart_schemas  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"
REQUIRED_SCHEMAS = set(mart_schemas())

st.set_page_config(page_title="Sales funnel", page_icon="📈", layout="wide")

path = queries.published_path()
if queries.publication_version(path) is None:
    st.title("Sales funnel")
    st.info(
        f"Nothing is published yet: `{path}` does not exist.\n\n"
        "Run the pipeline first (`make run`, or `.venv/bin/funnel run`), or point `FUNNEL_WAREHOUSE` at "
        "the warehouse folder that holds `published/funnel.duckdb`."
    )
    st.stop()

try:
    missing = REQUIRED_SCHEMAS - queries.schemas()
    if missing:
        raise LookupError(f"the publication has no {', '.join(sorted(missing))} marts")
    st.session_state["filters"] = ui.sidebar_filters()
except (duckdb.Error, LookupError) as error:
    st.title("Sales funnel")
    st.error(f"The published file `{path}` cannot be read as a funnel publication: {error}")
    st.stop()

ui.publication_caption()

pages = [
    st.Page(VIEWS / "funnel.py", title="Funnel", icon=":material/filter_alt:", default=True),
    st.Page(VIEWS / "attraction.py", title="Attraction", icon=":material/campaign:"),
    st.Page(VIEWS / "calls.py", title="Calls and response", icon=":material/call:"),
    st.Page(VIEWS / "pipeline.py", title="Pipeline and stores", icon=":material/storefront:"),
    st.Page(VIEWS / "retention.py", title="Retention", icon=":material/autorenew:"),
    st.Page(VIEWS / "diagnostics.py", title="Diagnostics", icon=":material/troubleshoot:"),
    st.Page(VIEWS / "data_quality.py", title="Data quality", icon=":material/verified:"),
]
st.navigation(pages, position="top").run()
