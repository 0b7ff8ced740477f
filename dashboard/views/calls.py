"""Outbound calling: the call funnel with junk dials and the calling floor's outcomes; inbound speed to lead."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import queries, ui

f = ui.filters()
st.title("Calls and response")

st.subheader("Outbound call funnel")
ui.applies(f, ui.segment_note(f), "weekly lead cohorts overlapping the period; dials within conversion windows")
outbound = queries.funnel_steps(f)
outbound = outbound[outbound["funnel"] == "outbound"]
if outbound.empty:
    st.info("No outbound leads for the selection.")
else:
    first = outbound.iloc[0]
    reached = outbound[outbound["step_name"] == "reached"]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Outbound leads", ui.fmt_int(first["lead_count"]))
    c2.metric("Dialed", ui.fmt_int(first["reached_count"]))
    c3.metric("Reached", ui.fmt_int(reached["reached_count"].iloc[0] if len(reached) else None))
    c4.metric(
        "Junk dial share", ui.fmt_pct(first["junk_dial_count"] / first["dial_count"] if first["dial_count"] else None)
    )
    c5.metric("Leads with only junk dials", ui.fmt_int(first["junk_only_lead_count"]))
    fig = go.Figure(
        go.Funnel(
            y=outbound["step_name"],
            x=outbound["reached_count"],
            texttemplate="%{value:,}<br>%{percentPrevious:.0%} of previous",
        )
    )
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10))
    st.plotly_chart(fig, width="stretch")
    st.caption(
        f"{ui.fmt_int(first['dial_count'])} dials to these leads, of which {ui.fmt_int(first['junk_dial_count'])} "
        "junk (busy, invalid number, blocked): reported beside the funnel, not as a step."
    )

st.subheader("Calling floor: outbound calls by outcome")
ui.applies(f, ["period", "team"], "team = the caller's team")
calls = queries.call_outcomes_weekly(f)
if calls.empty:
    st.info("No outbound calls for the selection.")
else:
    dials = calls["dial_count"].sum()
    junk = calls.loc[calls["is_junk_dial"], "dial_count"].sum()
    picked_up = calls.loc[calls["is_reached"], "dial_count"].sum()
    c1, c2, c3 = st.columns(3)
    c1.metric("Dials", ui.fmt_int(dials))
    c2.metric("Dials picked up", ui.fmt_pct(picked_up / dials if dials else None))
    c3.metric("Junk dials", ui.fmt_pct(junk / dials if dials else None))
    # Junk outcomes in reds, picked-up outcomes in greens, the rest in blues and grey.
    colours = {
        "busy": "#fb6a4a", "invalid_number": "#cb181d", "blocked": "#67000d",
        "no_answer": "#6baed6", "voicemail": "#2171b5", "unknown": "#969696",
        "rejected": "#c7e9c0", "conversation": "#74c476", "callback": "#31a354", "agreed": "#006d2c",
    }  # fmt: skip
    fig = px.bar(
        calls,
        x="week_start",
        y="dial_count",
        color="outcome",
        color_discrete_map=colours,
        category_orders={"outcome": list(colours)},
        labels={"week_start": "week", "dial_count": "dials"},
    )
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10))
    st.plotly_chart(fig, width="stretch")

st.subheader("Speed to lead (inbound)")
ui.applies(f, ui.segment_note(f), "weeks of the request overlapping the period")
speed = queries.speed_to_lead(f)
if speed.empty:
    st.info("No inbound requests for the selection.")
else:
    requests = speed["request_count"].sum()
    latest = speed.iloc[-1]
    c1, c2, c3 = st.columns(3)
    c1.metric("Inbound requests", ui.fmt_int(requests))
    c2.metric("Responded", ui.fmt_pct(speed["responded_count"].sum() / requests if requests else None))
    c3.metric(
        "Median minutes to first response",
        ui.fmt_num(latest["median_minutes_to_first_response"]),
        help=f"The latest week of the period, from {latest['period_start']:%Y-%m-%d}.",
    )
    long = speed.melt(
        id_vars="period_start",
        value_vars=["median_minutes_to_first_response", "p90_minutes_to_first_response"],
        var_name="statistic",
        value_name="minutes",
    )
    long["statistic"] = long["statistic"].str.split("_").str[0]
    fig = px.line(long, x="period_start", y="minutes", color="statistic", markers=True, labels={"period_start": "week"})
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10))
    st.plotly_chart(fig, width="stretch")
