"""The open diagnostics of the latest mature period, with their recommended actions."""

import streamlit as st

from dashboard import queries, ui

f = ui.filters()
st.title("Diagnostics")
st.caption(
    "Rules of thumb of the field, checked on the latest mature period of each rule (`diagnostics.open_diagnostics`). "
    "The sidebar period does not apply: each alert carries its own period."
)

alerts = queries.open_diagnostics()
shown = alerts
if f.channel or f.team:
    # Keep the overall alerts and those of the selected channel or team.
    keep = alerts["segment_type"].isin(["overall"])
    if f.channel:
        keep |= (alerts["segment_type"] == "channel") & (alerts["segment_value"] == f.channel)
    if f.team:
        keep |= (alerts["segment_type"] == "team") & (alerts["segment_value"] == f.team)
    shown = alerts[keep]
    ui.applies(f, [name for name in ("channel", "team") if getattr(f, name)], "overall alerts are always shown")

c1, c2 = st.columns(2)
c1.metric("Open alerts", ui.fmt_int(len(shown)))
c2.metric("Rules alerting", ui.fmt_int(shown["rule_name"].nunique()))

if shown.empty:
    st.success("No open alerts for the selection.")
for _, rule in shown.groupby("rule_order", sort=True):
    first = rule.iloc[0]
    with st.container(border=True):
        st.markdown(f"**{first['rule_name']}** · {len(rule)} open")
        st.markdown(f"➜ {first['recommended_action']}")
        st.caption(first["threshold_description"])
        table = rule.assign(
            period=rule["period_grain"] + " from " + rule["period_start_date"].dt.strftime("%Y-%m-%d"),
            segment=rule["segment_type"] + ": " + rule["segment_value"],
        )[
            [
                "segment",
                "period",
                "metric_name",
                "metric_value",
                "alert_direction",
                "threshold",
                "numerator_count",
                "denominator_count",
            ]
        ]
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "metric_value": st.column_config.NumberColumn(format="%.3f"),
                "threshold": st.column_config.NumberColumn(format="%.3f"),
            },
        )
