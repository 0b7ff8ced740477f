"""Sidebar filters, number formats and small display helpers shared by the pages."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import queries
from dashboard.queries import Filters

ALL = None  # the "no filter" option of every select box


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: object) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


def fmt_pct(value: object, digits: int = 1) -> str:
    return "–" if _missing(value) else f"{float(value):.{digits}%}"


def fmt_money(value: object) -> str:
    return "–" if _missing(value) else f"{float(value):,.0f} HUF"


def fmt_num(value: object, digits: int = 0) -> str:
    return "–" if _missing(value) else f"{float(value):,.{digits}f}"


def sidebar_filters() -> Filters:
    """Period, channel, team and store in the sidebar; kept across pages."""
    first_day, last_day = queries.data_bounds()
    channels = queries.channel_options()
    stores = queries.store_options()
    store_names = dict(zip(stores["store_id"], stores["store_name"], strict=True))
    with st.sidebar:
        st.header("Filters")
        # The key holds the data's bounds, so a publication with other dates starts a fresh widget.
        period = st.date_input(
            "Period",
            value=(first_day, last_day),
            min_value=first_day,
            max_value=last_day,
            key=f"period-{first_day}-{last_day}",
        )
        channel = st.selectbox(
            "Channel",
            [ALL, *channels["channel"]],
            format_func=lambda v: "All channels" if v is ALL else v,
            key="channel",
        )
        team = st.selectbox(
            "Team",
            [ALL, *queries.team_options()],
            format_func=lambda v: "All teams" if v is ALL else v,
            key="team",
        )
        store = st.selectbox(
            "Store",
            [ALL, *stores["store_id"]],
            format_func=lambda v: "All stores" if v is ALL else f"{store_names[v]} ({v})",
            key="store",
        )
    # A range being picked has one end only until the second click.
    start, end = (period[0], period[-1]) if isinstance(period, tuple | list) and period else (first_day, last_day)
    return Filters(start=start, end=end, channel=channel, team=team, store=store)


def filters() -> Filters:
    return st.session_state["filters"]


def applies(f: Filters, used: list[str], note: str = "") -> None:
    """A caption saying which sidebar filters this section uses, so nobody misreads a chart."""
    active = {
        "period": f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}",
        "channel": f.channel,
        "team": f.team,
        "store": f.store,
    }
    shown = [f"{name}: {active[name]}" for name in used if active[name]]
    ignored = [name for name in ("channel", "team", "store") if active[name] and name not in used]
    text = "Filters: " + ("; ".join(shown) if shown else "none")
    if ignored:
        text += f" · not applicable here: {', '.join(ignored)}"
    if note:
        text += f" · {note}"
    st.caption(text)


def segment_note(f: Filters, types: tuple[str, ...] = ("channel", "team")) -> list[str]:
    """The filters a segmented mart can honour (one segmentation at a time)."""
    segment_type, _ = queries.segment(f, types)
    return ["period"] + ([segment_type] if segment_type != "overall" else [])


def publication_caption() -> None:
    path = queries.published_path()
    # `published` links to the publication's folder, named by its id
    publication = path.parent.resolve().name if path.parent.is_symlink() else "unknown"
    published_at = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    st.sidebar.caption(f"Publication `{publication}`, published {published_at} · read-only: `{path}`")
