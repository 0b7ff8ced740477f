"""Opportunity pipeline velocity, and store visitors → buyers."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from dashboard import queries, ui

f = ui.filters()
st.title("Pipeline and stores")

st.subheader("Pipeline velocity")
# The mart segments by channel group, not channel: a channel filter reads its group, and says so.
if f.channel:
    group = queries.channel_group_of(f.channel)
    segment_type, segment_value = "channel_group", group
    ui.applies(f, ["period"], f"channel {f.channel} → its channel group **{group}** (the mart's segmentation)")
elif f.team:
    segment_type, segment_value = "team", f.team
    ui.applies(f, ["period", "team"], "team of the lead's owner")
else:
    segment_type, segment_value = "overall", "all"
    ui.applies(f, ["period"], "months overlapping the period")
velocity = queries.pipeline_velocity(segment_type, segment_value, f)
if velocity.empty:
    st.info("No opportunities for the selection.")
else:
    won, lost = velocity["won_count"].sum(), velocity["lost_count"].sum()
    complete = velocity[velocity["is_period_complete"]]
    latest = complete.iloc[-1] if len(complete) else velocity.iloc[-1]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Pipeline velocity per day",
        ui.fmt_money(latest["pipeline_velocity_per_day_amount"]),
        help=f"Latest complete month in the period ({latest['period_month']:%Y-%m}).",
    )
    c2.metric(
        "Open opportunities", ui.fmt_int(velocity["open_opportunity_count"].iloc[-1]), help="At the last month's end."
    )
    c3.metric(
        "Win rate (count)", ui.fmt_pct(won / (won + lost) if won + lost else None), help="Won ÷ closed in the period."
    )
    c4.metric("Deals won", ui.fmt_int(won))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=velocity["period_month"],
            y=velocity["pipeline_velocity_per_day_amount"].astype(float),
            name="velocity (HUF/day)",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=velocity["period_month"], y=velocity["win_rate_by_count"], name="win rate (count)", mode="lines+markers"
        ),
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=velocity["period_month"], y=velocity["win_rate_by_amount"], name="win rate (amount)", mode="lines+markers"
        ),
        secondary_y=True,
    )
    fig.update_yaxes(tickformat=".0%", secondary_y=True, rangemode="tozero")
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
    st.plotly_chart(fig, width="stretch")

st.subheader("Store conversion: visitors → buyers")
ui.applies(f, ["period", "store"], "store business days")
totals = queries.store_totals(f)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Visitors", ui.fmt_int(totals["visitor_count"]))
c2.metric("Buyers", ui.fmt_int(totals["buyer_count"]), help="Sale receipts, anonymous ones included.")
c3.metric("Visitor → buyer", ui.fmt_pct(totals["conversion_rate"]), help="Over days with door-counter data.")
c4.metric("Average receipt", ui.fmt_money(totals["average_receipt_amount"]))
weekly = queries.store_weekly(f)
if weekly.empty:
    st.info("No store days for the selection.")
else:
    fig = px.line(
        weekly,
        x="week_start",
        y="conversion_rate",
        color="store_name",
        markers=True,
        labels={"week_start": "week", "conversion_rate": "visitor → buyer"},
    )
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), yaxis_tickformat=".0%")
    st.plotly_chart(fig, width="stretch")
