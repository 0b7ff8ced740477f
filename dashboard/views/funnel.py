"""The three-stage funnel: attraction → conversion → retention, and conversion by segment."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import queries, ui

f = ui.filters()
st.title("Sales funnel")

attraction = queries.attraction_totals(f)
steps = queries.funnel_steps(f)
customers = queries.customer_totals(f)


def last_step(funnel: str):
    rows = steps[steps["funnel"] == funnel]
    return rows.iloc[-1] if len(rows) else None


won_out, won_in = last_step("outbound"), last_step("inbound")

st.subheader("1 · Attraction")
ui.applies(f, ["period", "channel", "team"], "leads by creation date")
c1, c2, c3 = st.columns(3)
c1.metric("Leads", ui.fmt_int(attraction["lead_count"]), help="New CRM leads created in the period.")
c2.metric("Requests (inbound)", ui.fmt_int(attraction["request_count"]))
c3.metric("Visits (walk-ins)", ui.fmt_int(attraction["visit_count"]))

st.subheader("2 · Conversion")
ui.applies(f, ui.segment_note(f), "weekly lead cohorts overlapping the period")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Outbound leads won", ui.fmt_int(None if won_out is None else won_out["reached_count"]))
c2.metric(
    "Outbound lead → won",
    ui.fmt_pct(
        None if won_out is None or not won_out["lead_count"] else won_out["reached_count"] / won_out["lead_count"]
    ),
)
c3.metric("Inbound leads won", ui.fmt_int(None if won_in is None else won_in["reached_count"]))
c4.metric(
    "Inbound lead → won",
    ui.fmt_pct(None if won_in is None or not won_in["lead_count"] else won_in["reached_count"] / won_in["lead_count"]),
)

st.subheader("3 · Retention")
ui.applies(f, ["period", "channel", "store"], "customers by first purchase; channel = acquisition channel")
c1, c2, c3 = st.columns(3)
c1.metric("New customers", ui.fmt_int(customers["customer_count"]))
c2.metric("Repeat customers", ui.fmt_int(customers["repeat_customer_count"]))
c3.metric("Repeat rate", ui.fmt_pct(customers["repeat_customer_rate"]))

left, right = st.columns(2)
for column, funnel in ((left, "outbound"), (right, "inbound")):
    rows = steps[steps["funnel"] == funnel]
    with column:
        st.markdown(f"**{funnel.capitalize()} funnel**: leads reaching each step")
        if rows.empty:
            st.info("No leads in this funnel for the selection.")
            continue
        fig = go.Figure(
            go.Funnel(y=rows["step_name"], x=rows["reached_count"], texttemplate="%{value:,}<br>%{percentInitial:.0%}")
        )
        fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10))
        st.plotly_chart(fig, width="stretch")

st.subheader("Conversion by segment")
c1, c2 = st.columns(2)
funnel = c1.radio("Funnel", ["outbound", "inbound"], horizontal=True, key="segment_funnel")
segment_type = c2.radio("Segment by", ["channel", "team", "temperature"], horizontal=True, key="segment_type")
ui.applies(f, ["period"], "all segments of the chosen type are shown")
by_segment = queries.funnel_by_segment(f, funnel, segment_type)
if by_segment.empty:
    st.info("No leads for the selection.")
else:
    table = by_segment.pivot_table(
        index="segment_value", columns=["step_order", "step_name"], values="reached_count", aggfunc="sum"
    ).sort_index(axis=1)
    table.columns = [name for _, name in table.columns]
    first = by_segment[by_segment["step_order"] == 1].set_index("segment_value")["lead_count"]
    last = by_segment[by_segment["step_order"] == by_segment["last_step_order"]].set_index("segment_value")
    table.insert(0, "leads", first)
    table["lead → won"] = last["reached_count"] / last["lead_count"]
    table = table.sort_values("leads", ascending=False)
    fig = px.bar(
        table.reset_index(),
        x="segment_value",
        y="lead → won",
        labels={"segment_value": segment_type, "lead → won": "share of leads won"},
        text_auto=".1%",
    )
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), yaxis_tickformat=".1%")
    st.plotly_chart(fig, width="stretch")
    st.dataframe(table, column_config={"lead → won": st.column_config.NumberColumn(format="percent")})
