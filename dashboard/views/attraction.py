"""Attraction: new leads by channel group, the hot share of new clients against its band, temperature mix,
multi-touch attribution."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import queries, ui

f = ui.filters()
st.title("Attraction")

st.subheader("New leads per week")
ui.applies(f, ["period", "channel", "team"])
weekly = queries.attraction_weekly(f)
if weekly.empty:
    st.info("No leads for the selection.")
else:
    fig = px.bar(weekly, x="week_start", y="lead_count", color="channel_group", labels={"week_start": "week"})
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10))
    st.plotly_chart(fig, width="stretch")

st.subheader("Hot share of new won clients")
grain = st.radio("Periods", ["month", "week"], horizontal=True, key="hot_share_grain")
ui.applies(f, ui.segment_note(f), f"{grain}s overlapping the period; new clients counted when first won")
mix = queries.temperature_mix(f, grain)
if mix.empty:
    st.info("No new leads or new won clients for the selection.")
else:
    won = mix["new_won_client_count"].sum()
    hot = mix["hot_new_won_client_count"].sum()
    band_min, band_max = mix["hot_share_band_min"].iloc[0], mix["hot_share_band_max"].iloc[0]
    share = hot / won if won else None
    c1, c2, c3 = st.columns(3)
    c1.metric("Hot share of new won clients", ui.fmt_pct(share), help="Hot new won clients ÷ all new won clients.")
    c2.metric("New won clients", ui.fmt_int(won))
    c3.metric("Expected band", f"{band_min:.0%} – {band_max:.0%}")
    fig = go.Figure()
    fig.add_hrect(y0=band_min, y1=band_max, fillcolor="green", opacity=0.12, line_width=0, annotation_text="band")
    fig.add_trace(
        go.Scatter(
            x=mix["period_start_date"],
            y=mix["hot_new_won_client_share"],
            mode="lines+markers",
            name="hot share",
            customdata=mix[["hot_new_won_client_count", "new_won_client_count"]],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), yaxis_tickformat=".0%", yaxis_rangemode="tozero")
    st.plotly_chart(fig, width="stretch")

    st.subheader("Temperature mix of new leads")
    shares = mix.melt(
        id_vars="period_start_date",
        value_vars=["hot_lead_share", "warm_lead_share", "cold_lead_share", "unknown_temperature_lead_share"],
        var_name="temperature",
        value_name="share",
    )
    shares["temperature"] = shares["temperature"].str.replace("_temperature", "").str.replace("_lead_share", "")
    fig = px.bar(
        shares,
        x="period_start_date",
        y="share",
        color="temperature",
        color_discrete_map={"hot": "#d62728", "warm": "#ff7f0e", "cold": "#1f77b4", "unknown": "#7f7f7f"},
        labels={"period_start_date": grain},
    )
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), yaxis_tickformat=".0%")
    st.plotly_chart(fig, width="stretch")

st.subheader("Multi-touch attribution: what each model credits to each channel")
labels = {"won_deal": "won deals' amounts", "new_customer": "new customers' first-year revenue"}
conversion = st.radio("Converted", list(labels), format_func=labels.get, horizontal=True, key="attribution_type")
ui.applies(f, ["period", "channel"], "months of the touches overlapping the period; credit in the month of the touch")
credits = queries.attribution_by_channel(f, conversion)
if credits.empty:
    st.info("No attributed conversions or spend for the selection.")
else:
    credits["attributed_amount"] = credits["attributed_amount"].astype(float)
    fig = px.bar(
        credits,
        x="channel",
        y="attributed_amount",
        color="attribution_model",
        barmode="group",
        labels={"attributed_amount": "HUF", "attribution_model": "model"},
    )
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
    st.plotly_chart(fig, width="stretch")
    ratios = credits.pivot(index="channel", columns="attribution_model", values="return_on_spend_ratio")
    st.markdown("**Return on spend by model** (attributed amount ÷ spend; empty without spend)")
    st.dataframe(ratios, column_config={m: st.column_config.NumberColumn(format="%.2f") for m in ratios.columns})
    st.caption(
        "Over whole conversions every model hands out the same total; they differ in which channel and month get "
        "it. `no_touch` holds conversions without an attributable touch before them (docs/attribution.md)."
    )
