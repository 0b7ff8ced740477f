"""Data-quality status of the run that produced the publication: expectations and stages."""

import plotly.express as px
import streamlit as st

from dashboard import queries, ui

st.title("Data quality of the published run")

if "meta" not in queries.schemas():
    st.warning("This publication carries no run metadata (`meta.data_quality`, `meta.run_log`).")
    st.stop()

summary = queries.data_quality_summary()
runs = queries.run_log()
if summary.empty:
    st.warning("The publication's run recorded no expectation outcomes.")
else:
    st.caption(f"Run `{summary['run_id'].iloc[0]}`, validated {summary['validated_at'].max():%Y-%m-%d %H:%M}")
    total = summary.sum(numeric_only=True)
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("Expectations", ui.fmt_int(total["expectation_count"]))
    c2.metric("Passed", ui.fmt_int(total["passed_count"]))
    c3.metric("Critical failures", ui.fmt_int(total["critical_failed_count"]), help="Block publishing.")
    c4.metric("Warnings", ui.fmt_int(total["warning_failed_count"]), help="Reported, do not block.")
    c5.metric("Errored", ui.fmt_int(total["errored_count"]), help="Block publishing (fail closed).")
    st.dataframe(summary.drop(columns=["run_id"]), hide_index=True)

    failures = queries.data_quality_failures()
    st.subheader("Expectations that did not pass")
    if failures.empty:
        st.success("Every expectation passed.")
    else:
        st.dataframe(failures, hide_index=True)

st.subheader("Pipeline stages")
if runs.empty:
    st.info("No stages recorded.")
else:
    fig = px.bar(
        runs,
        x="duration_seconds",
        y="stage",
        color="status",
        orientation="h",
        text="rows_affected",
        labels={"duration_seconds": "seconds", "stage": ""},
        color_discrete_map={"success": "#2ca02c", "failed": "#d62728"},
    )
    fig.update_layout(height=60 + 45 * len(runs), margin=dict(l=10, r=10, t=10, b=10), yaxis_autorange="reversed")
    st.plotly_chart(fig, width="stretch")
    st.dataframe(runs, hide_index=True)
