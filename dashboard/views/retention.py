"""Retention: monthly cohorts, channel economics, customers by acquisition source, predicted CLV."""

import plotly.express as px
import streamlit as st

from dashboard import queries, ui


def money_bars_by_channel(data, measures: dict[str, str]) -> None:
    """Grouped bars of amounts per acquisition channel; `measures` maps columns to their legend."""
    bars = data.melt(
        id_vars="acquisition_channel", value_vars=list(measures), var_name="measure", value_name="amount"
    ).dropna(subset=["amount"])
    bars["amount"] = bars["amount"].astype(float)
    bars["measure"] = bars["measure"].map(measures)
    fig = px.bar(
        bars,
        x="acquisition_channel",
        y="amount",
        color="measure",
        barmode="group",
        labels={"acquisition_channel": "channel", "amount": "HUF"},
    )
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h"))
    st.plotly_chart(fig, width="stretch")


f = ui.filters()
st.title("Retention")

st.subheader("New customers")
ui.applies(
    f, ["period", "channel", "store"], "by first purchase; channel = acquisition channel, store = first purchase"
)
customers = queries.customer_totals(f)
c1, c2, c3 = st.columns(3)
c1.metric("New customers", ui.fmt_int(customers["customer_count"]))
c2.metric("Repeat rate", ui.fmt_pct(customers["repeat_customer_rate"]))
c3.metric("Net revenue per customer", ui.fmt_money(customers["net_revenue_per_customer_amount"]))
left, right = st.columns(2)
for column, by, title in (
    (left, "lead_temperature", "by temperature of the acquiring lead"),
    (right, "acquisition_channel_group", "by acquisition channel group"),
):
    data = queries.customers_by(f, by)
    with column:
        st.markdown(f"**New customers {title}**")
        if data.empty:
            st.info("No customers for the selection.")
            continue
        fig = px.bar(
            data,
            x="segment_value",
            y="customer_count",
            hover_data={"repeat_customer_rate": ":.1%"},
            labels={"segment_value": "", "customer_count": "customers"},
        )
        fig.update_layout(height=280, margin=dict(l=10, r=10, t=10, b=10))
        st.plotly_chart(fig, width="stretch")

st.subheader("Monthly cohort retention")
ui.applies(f, ["period"], "cohorts by month of first purchase; the mart has no channel or store split")
cohorts = queries.cohort_retention(f)
if cohorts.empty:
    st.info("No cohorts in the period.")
else:
    heat = cohorts.pivot(index="cohort_month", columns="month_number", values="retention_rate")
    sizes = cohorts.groupby("cohort_month")["cohort_size"].first()
    heat.index = [f"{month:%Y-%m} ({ui.fmt_int(sizes[month])})" for month in heat.index]
    fig = px.imshow(
        heat,
        text_auto=".0%",
        color_continuous_scale="Blues",
        zmin=0,
        zmax=1,
        aspect="auto",
        labels={"x": "months since first purchase", "y": "cohort (size)", "color": "retention"},
    )
    fig.update_xaxes(type="category", side="top")
    fig.update_layout(height=120 + 40 * len(heat), margin=dict(l=10, r=10, t=30, b=10))
    st.plotly_chart(fig, width="stretch")
    st.caption("Month 0 is 100% by definition; the month of the as-of date is partial.")

st.subheader("Channel economics: acquisition cost against revenue per customer")
ui.applies(f, ["period", "channel"], "cohort months overlapping the period; revenue only over complete windows")
economics = queries.channel_economics(f)
if economics.empty:
    st.info("No acquired customers or spend for the selection.")
else:
    money_bars_by_channel(
        economics,
        {
            "cost_per_acquired_customer_amount": "cost per customer",
            "net_revenue_per_customer_90d_amount": "revenue per customer, 90 days",
            "net_revenue_per_customer_180d_amount": "revenue per customer, 180 days",
            "net_revenue_per_customer_365d_amount": "revenue per customer, 365 days",
        },
    )
    money = st.column_config.NumberColumn(format="%.0f")
    st.dataframe(
        economics,
        hide_index=True,
        column_config={
            "acquisition_cost_amount": money,
            "cost_per_acquired_customer_amount": money,
            "net_revenue_per_customer_90d_amount": money,
            "net_revenue_per_customer_180d_amount": money,
            "net_revenue_per_customer_365d_amount": money,
            "repeat_customer_rate": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.caption(
        "Cost = the channel's whole spend in the cohort months charged to their new customers (an upper bound); "
        "empty revenue = no cohort in the period has had the full window yet."
    )

st.subheader("Predicted customer value (BG/NBD and Gamma-Gamma)")
ui.applies(f, [], "the latest fit, over every customer as of its as-of date (docs/clv.md)")
fit = queries.clv_latest_fit()
if fit is None:
    st.info("No CLV fit has run yet.")
elif not fit["is_scored"]:
    reasons = [
        f"{model}: {fit[f'{model}_status']} ({fit[f'{model}_message']})"
        for model in ("bg_nbd", "gamma_gamma")
        if fit[f"{model}_status"] != "converged"
    ]
    st.metric("Customers scored", 0)
    st.warning(f"The CLV fit as of {fit['as_of_date']:%Y-%m-%d} published no numbers: {'; '.join(reasons)}")
else:
    by_channel = queries.clv_by_channel()
    c1, c2, c3 = st.columns(3)
    c1.metric("Customers scored", ui.fmt_int(fit["scored_customer_count"]))
    c2.metric("Repeat customers in the fit", ui.fmt_int(fit["repeat_customer_count"]))
    c3.metric(
        f"Mean CLV, {fit['clv_horizon_days']} days",
        ui.fmt_money(by_channel["clv_amount"].astype(float).sum() / by_channel["clv_customer_count"].sum()),
    )
    st.caption(
        f"As of {fit['as_of_date']:%Y-%m-%d}, time in {fit['time_unit']}: r {fit['r']:.3g}, α {fit['alpha']:.3g}, "
        f"a {fit['a']:.3g}, b {fit['b']:.3g}; p {fit['p']:.3g}, q {fit['q']:.3g}, γ {fit['gamma']:.3g}; "
        f"discounted at {fit['annual_discount_rate']:.0%} a year."
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**P(alive) by frequency and recency**")
        grid = queries.probability_alive_grid()
        heat = grid.pivot(index="recency_days", columns="frequency", values="probability_alive")
        fig = px.imshow(
            heat,
            color_continuous_scale="RdYlGn",
            zmin=0,
            zmax=1,
            aspect="auto",
            origin="lower",
            labels={"x": "repeat purchase days (10 = 10 or more)", "y": "recency, days", "color": "P(alive)"},
        )
        fig.update_layout(height=340, margin=dict(l=10, r=10, t=10, b=10))
        st.plotly_chart(fig, width="stretch")
    with right:
        st.markdown("**Lifetime value against acquisition cost per customer**")
        money_bars_by_channel(
            by_channel,
            {
                "cost_per_acquired_customer_amount": "cost per customer",
                "lifetime_value_per_customer_amount": "revenue so far + CLV per customer",
            },
        )
    money = st.column_config.NumberColumn(format="%.0f")
    st.dataframe(
        by_channel,
        hide_index=True,
        column_config={
            "average_probability_alive": st.column_config.NumberColumn(format="percent"),
            "expected_purchases_365d_per_customer": st.column_config.NumberColumn(format="%.2f"),
            "clv_amount": money,
            "clv_per_customer_amount": money,
            "lifetime_value_per_customer_amount": money,
            "cost_per_acquired_customer_amount": money,
            "clv_to_acquisition_cost_ratio": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption(
        "Cost = the channel's whole spend over all cohort months charged to its new customers; a channel without "
        "spend has no ratio. CLV is expected net revenue, not margin."
    )
