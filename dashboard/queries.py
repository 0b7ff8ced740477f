"""SQL over the published marts: read-only, parameterised, cached per publication.

Every query opens the published file read-only, runs, and closes it, so the dashboard never holds
the file between reruns. Results are cached with the file's identity (inode, mtime, size) in the
key: the pipeline publishes by renaming a new file over the old one, so the next rerun after a
publication misses the cache and reads the new file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

# Analysts' connections need no files beyond the database itself (STACK.md, DuckDB security).
_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def published_path() -> Path:
    """`$FUNNEL_WAREHOUSE/published/funnel.duckdb` (default warehouse folder: `warehouse`)."""
    return Path(os.environ.get("FUNNEL_WAREHOUSE") or "warehouse") / "published" / "funnel.duckdb"


def publication_version(path: Path) -> str | None:
    """Identity of the published file, or None when nothing is published."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_query(path: str, version: str, sql: str, params: tuple) -> pd.DataFrame:
    # `version` is not used here: it is part of the cache key.
    with duckdb.connect(path, read_only=True, config=_CONFIG) as con:
        return con.execute(sql, list(params)).df()


def query(sql: str, *params: object) -> pd.DataFrame:
    """Run one parameterised query (`?` placeholders) on the published file."""
    path = published_path()
    version = publication_version(path)
    if version is None:
        raise FileNotFoundError(path)
    return _cached_query(str(path), version, sql, params)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channel: str | None = None
    team: str | None = None
    store: str | None = None


def period_floor(day: date, grain: str) -> date:
    """First day of the week (Monday) or month holding `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def segment(filters: Filters, types: tuple[str, ...] = ("channel", "team")) -> tuple[str, str]:
    """The one segment a segmented mart is read at: the channel, else the team, else overall.

    Segmented marts (funnel_conversion, lead_temperature_mix, speed_to_lead, ...) hold one
    segmentation per row, so a channel and a team cannot be combined there.
    """
    if filters.channel and "channel" in types:
        return "channel", filters.channel
    if filters.team and "team" in types:
        return "team", filters.team
    return "overall", "all"


# --- publication and filter options ------------------------------------------------------------


def schemas() -> set[str]:
    return set(query("select distinct schema_name from information_schema.schemata")["schema_name"])


def data_bounds() -> tuple[date, date]:
    row = query(
        """
        select min(day) as first_day, max(day) as last_day
        from (
            select created_date as day from attraction.attraction_daily
            union all
            select business_date from conversion.store_conversion_daily
        )
        """
    ).iloc[0]
    return row["first_day"].date(), row["last_day"].date()


def channel_options() -> pd.DataFrame:
    return query(
        """
        select channel, any_value(channel_group) as channel_group
        from attraction.attraction_daily
        group by channel
        order by channel
        """
    )


def team_options() -> list[str]:
    df = query("select distinct team_name from attraction.attraction_daily order by team_name")
    return df["team_name"].tolist()


def store_options() -> pd.DataFrame:
    return query(
        """
        select store_id, any_value(store_name) as store_name
        from conversion.store_conversion_daily
        group by store_id
        order by store_id
        """
    )


def channel_group_of(channel: str) -> str | None:
    df = query(
        "select any_value(channel_group) as channel_group from attraction.attraction_daily where channel = ?", channel
    )
    return df["channel_group"].iloc[0] if len(df) else None


# --- attraction ---------------------------------------------------------------------------------

_ATTRACTION_WHERE = """
    where created_date between ? and ?
        and (?::varchar is null or channel = ?)
        and (?::varchar is null or team_name = ?)
"""


def _attraction_params(f: Filters) -> tuple:
    return (f.start, f.end, f.channel, f.channel, f.team, f.team)


def attraction_totals(f: Filters) -> pd.Series:
    return query(
        f"""
        select
            coalesce(sum(lead_count), 0) as lead_count,
            coalesce(sum(request_count), 0) as request_count,
            coalesce(sum(visit_count), 0) as visit_count
        from attraction.attraction_daily
        {_ATTRACTION_WHERE}
        """,
        *_attraction_params(f),
    ).iloc[0]


def attraction_weekly(f: Filters) -> pd.DataFrame:
    return query(
        f"""
        select
            date_trunc('week', created_date)::date as week_start,
            channel_group,
            sum(lead_count) as lead_count
        from attraction.attraction_daily
        {_ATTRACTION_WHERE}
        group by all
        order by week_start, channel_group
        """,
        *_attraction_params(f),
    )


def temperature_mix(f: Filters, grain: str) -> pd.DataFrame:
    segment_type, segment_value = segment(f)
    return query(
        """
        select
            period_start_date,
            lead_count,
            hot_lead_share,
            warm_lead_share,
            cold_lead_share,
            unknown_temperature_lead_share,
            new_won_client_count,
            hot_new_won_client_count,
            hot_new_won_client_share,
            hot_share_band_min,
            hot_share_band_max,
            is_hot_share_in_band
        from attraction.lead_temperature_mix
        where period_grain = ?
            and segment_type = ?
            and segment_value = ?
            and period_start_date between ? and ?
        order by period_start_date
        """,
        grain,
        segment_type,
        segment_value,
        period_floor(f.start, grain),
        f.end,
    )


# --- conversion ---------------------------------------------------------------------------------


# Funnel marts are read at weekly lead cohorts: the cohorts whose week overlaps the period.
def attribution_by_channel(f: Filters, conversion_type: str) -> pd.DataFrame:
    """Per attribution model and channel over the period's months: attributed amount, spend, return on spend."""
    if conversion_type not in ("won_deal", "new_customer"):
        raise ValueError(conversion_type)
    return query(
        """
        select
            attribution_model,
            channel,
            sum(attributed_amount) as attributed_amount,
            sum(spend_amount) as spend_amount,
            sum(attributed_amount) / nullif(sum(spend_amount), 0) as return_on_spend_ratio
        from attraction.attribution_return_on_spend
        where grain = 'channel'
            and conversion_type = ?
            and month_start_date between ? and ?
            and (?::varchar is null or channel = ?)
        group by all
        order by channel, attribution_model
        """,
        conversion_type,
        period_floor(f.start, "month"),
        f.end,
        f.channel,
        f.channel,
    )


_COHORT_WHERE = """
    where cohort_grain = 'week'
        and cohort_start between ? and ?
        and segment_type = ?
"""


def funnel_steps(f: Filters) -> pd.DataFrame:
    """Both funnels' steps for the selected segment, summed over the period's weekly cohorts."""
    segment_type, segment_value = segment(f)
    return query(
        f"""
        select
            funnel,
            step_order,
            step_name,
            sum(lead_count) as lead_count,
            sum(reached_count) as reached_count,
            sum(dial_count) as dial_count,
            sum(junk_dial_count) as junk_dial_count,
            sum(junk_only_lead_count) as junk_only_lead_count
        from conversion.funnel_conversion
        {_COHORT_WHERE}
            and segment_value = ?
        group by funnel, step_order, step_name
        order by funnel, step_order
        """,
        period_floor(f.start, "week"),
        f.end,
        segment_type,
        segment_value,
    )


def funnel_by_segment(f: Filters, funnel: str, segment_type: str) -> pd.DataFrame:
    """One funnel's step counts per value of one segmentation (channel, team or temperature)."""
    return query(
        f"""
        select
            segment_value,
            step_order,
            step_name,
            sum(lead_count) as lead_count,
            sum(reached_count) as reached_count,
            max(step_order) over () as last_step_order
        from conversion.funnel_conversion
        {_COHORT_WHERE}
            and funnel = ?
        group by segment_value, step_order, step_name
        order by segment_value, step_order
        """,
        period_floor(f.start, "week"),
        f.end,
        segment_type,
        funnel,
    )


def call_outcomes_weekly(f: Filters) -> pd.DataFrame:
    return query(
        """
        select
            date_trunc('week', activity_date)::date as week_start,
            outcome,
            bool_or(is_junk_dial) as is_junk_dial,
            bool_or(is_reached) as is_reached,
            sum(dial_count) as dial_count
        from conversion.call_outcomes_daily
        where activity_date between ? and ?
            and (?::varchar is null or team_name = ?)
        group by all
        order by week_start, outcome
        """,
        f.start,
        f.end,
        f.team,
        f.team,
    )


def speed_to_lead(f: Filters) -> pd.DataFrame:
    segment_type, segment_value = segment(f)
    return query(
        """
        select
            period_start,
            request_count,
            responded_count,
            not_yet_responded_count,
            response_rate,
            median_minutes_to_first_response,
            p90_minutes_to_first_response
        from conversion.speed_to_lead
        where period_grain = 'week'
            and segment_type = ?
            and segment_value = ?
            and period_start between ? and ?
        order by period_start
        """,
        segment_type,
        segment_value,
        period_floor(f.start, "week"),
        f.end,
    )


def pipeline_velocity(segment_type: str, segment_value: str, f: Filters) -> pd.DataFrame:
    return query(
        """
        select
            period_month,
            open_opportunity_count,
            won_count,
            lost_count,
            won_amount,
            lost_amount,
            win_rate_by_count,
            win_rate_by_amount,
            average_won_amount,
            average_sales_cycle_days,
            pipeline_velocity_per_day_amount,
            is_period_complete
        from conversion.pipeline_velocity
        where segment_type = ?
            and segment_value = ?
            and period_month between ? and ?
        order by period_month
        """,
        segment_type,
        segment_value,
        period_floor(f.start, "month"),
        f.end,
    )


_STORE_WHERE = """
    where business_date between ? and ?
        and (?::varchar is null or store_id = ?)
"""


def store_totals(f: Filters) -> pd.Series:
    # Conversion only over days with door-counter data, so buyers and visitors match.
    return query(
        f"""
        select
            coalesce(sum(visitor_count), 0) as visitor_count,
            coalesce(sum(buyer_count), 0) as buyer_count,
            sum(buyer_count) filter (where visitor_count > 0)
                / nullif(sum(visitor_count) filter (where visitor_count > 0), 0) as conversion_rate,
            sum(sale_amount) / nullif(sum(buyer_count), 0) as average_receipt_amount,
            coalesce(sum(net_revenue_amount), 0) as net_revenue_amount
        from conversion.store_conversion_daily
        {_STORE_WHERE}
        """,
        f.start,
        f.end,
        f.store,
        f.store,
    ).iloc[0]


def store_weekly(f: Filters) -> pd.DataFrame:
    return query(
        f"""
        select
            date_trunc('week', business_date)::date as week_start,
            store_name,
            sum(buyer_count) filter (where visitor_count > 0)
                / nullif(sum(visitor_count) filter (where visitor_count > 0), 0) as conversion_rate,
            sum(visitor_count) as visitor_count,
            sum(buyer_count) as buyer_count
        from conversion.store_conversion_daily
        {_STORE_WHERE}
        group by all
        order by week_start, store_name
        """,
        f.start,
        f.end,
        f.store,
        f.store,
    )


# --- retention ----------------------------------------------------------------------------------

_CUSTOMER_WHERE = """
    where first_purchase_date between ? and ?
        and (?::varchar is null or acquisition_channel = ?)
        and (?::varchar is null or first_purchase_store_id = ?)
"""


def _customer_params(f: Filters) -> tuple:
    return (f.start, f.end, f.channel, f.channel, f.store, f.store)


def customer_totals(f: Filters) -> pd.Series:
    return query(
        f"""
        select
            count(*) as customer_count,
            count(*) filter (where is_repeat_customer) as repeat_customer_count,
            avg(is_repeat_customer::int) as repeat_customer_rate,
            avg(net_revenue_amount) as net_revenue_per_customer_amount
        from retention.dim_customers
        {_CUSTOMER_WHERE}
        """,
        *_customer_params(f),
    ).iloc[0]


def customers_by(f: Filters, column: str) -> pd.DataFrame:
    """New customers per acquisition channel group or lead temperature."""
    if column not in ("acquisition_channel_group", "lead_temperature"):
        raise ValueError(column)
    return query(
        f"""
        select
            {column} as segment_value,
            count(*) as customer_count,
            avg(is_repeat_customer::int) as repeat_customer_rate,
            avg(net_revenue_amount) as net_revenue_per_customer_amount
        from retention.dim_customers
        {_CUSTOMER_WHERE}
        group by 1
        order by customer_count desc
        """,
        *_customer_params(f),
    )


def cohort_retention(f: Filters) -> pd.DataFrame:
    return query(
        """
        select
            cohort_month,
            month_number,
            cohort_size,
            active_customer_count,
            retention_rate,
            cumulative_net_revenue_per_customer_amount,
            is_month_complete
        from retention.cohort_retention
        where cohort_month between ? and ?
        order by cohort_month, month_number
        """,
        period_floor(f.start, "month"),
        f.end,
    )


def channel_economics(f: Filters) -> pd.DataFrame:
    """Per channel over the period's cohort months: cost and revenue per acquired customer.

    Revenue per customer at N days is weighted over the cohorts whose N-day window is complete.
    """
    windows = ",\n".join(
        f"""
            sum(net_revenue_per_customer_{n}d_amount * acquired_customer_count)
                / nullif(sum(acquired_customer_count) filter (
                    where net_revenue_per_customer_{n}d_amount is not null), 0)
                as net_revenue_per_customer_{n}d_amount"""
        for n in (90, 180, 365)
    )
    return query(
        f"""
        select
            acquisition_channel,
            any_value(acquisition_channel_group) as acquisition_channel_group,
            sum(acquired_customer_count) as acquired_customer_count,
            sum(acquisition_cost_amount) as acquisition_cost_amount,
            sum(acquisition_cost_amount) / nullif(sum(acquired_customer_count), 0)
                as cost_per_acquired_customer_amount,
            {windows},
            sum(repeat_customer_rate * acquired_customer_count) / nullif(sum(acquired_customer_count), 0)
                as repeat_customer_rate
        from retention.channel_economics
        where cohort_month between ? and ?
            and (?::varchar is null or acquisition_channel = ?)
        group by acquisition_channel
        order by acquired_customer_count desc
        """,
        period_floor(f.start, "month"),
        f.end,
        f.channel,
        f.channel,
    )


def clv_latest_fit() -> pd.Series | None:
    """The latest CLV fit of the published run (clv_model_runs), or None before the first fit."""
    published = query(
        "select count(*) as n from information_schema.tables "
        "where table_schema = 'retention' and table_name = 'clv_model_runs'"
    )
    if not published["n"].iloc[0]:  # a publication from before the clv stage
        return None
    fits = query(
        """
        select
            as_of_date, time_unit, customer_count, repeat_customer_count, scored_customer_count, is_scored,
            bg_nbd_status, bg_nbd_message, gamma_gamma_status, gamma_gamma_message,
            r, alpha, a, b, p, q, gamma, clv_horizon_days, annual_discount_rate
        from retention.clv_model_runs
        order by fitted_at desc, run_id desc
        limit 1
        """
    )
    return None if fits.empty else fits.iloc[0]


def clv_by_channel() -> pd.DataFrame:
    """CLV per acquisition channel (clv_by_segment), with the channel's acquisition cost per customer."""
    return query(
        """
        with costs as (
            select
                acquisition_channel,
                sum(acquisition_cost_amount) / nullif(sum(acquired_customer_count), 0)
                    as cost_per_acquired_customer_amount
            from retention.channel_economics
            group by acquisition_channel
        )
        select
            segments.segment_value as acquisition_channel,
            segments.customer_count,
            segments.average_probability_alive,
            segments.expected_purchases_365d / segments.customer_count as expected_purchases_365d_per_customer,
            segments.clv_customer_count,
            segments.clv_amount,
            segments.clv_per_customer_amount,
            (segments.net_revenue_amount + segments.clv_amount) / nullif(segments.clv_customer_count, 0)
                as lifetime_value_per_customer_amount,
            costs.cost_per_acquired_customer_amount,
            (segments.net_revenue_amount + segments.clv_amount) / nullif(segments.clv_customer_count, 0)
                / nullif(costs.cost_per_acquired_customer_amount, 0) as clv_to_acquisition_cost_ratio
        from retention.clv_by_segment as segments
        left join costs on segments.segment_value = costs.acquisition_channel
        where segments.segment_type = 'acquisition_channel'
        order by segments.customer_count desc
        """
    )


def probability_alive_grid(max_frequency: int = 10, recency_bin_days: int = 30) -> pd.DataFrame:
    """Mean P(alive) by frequency (capped) and recency (in bins), for the picture of the BG/NBD's verdict."""
    return query(
        """
        select
            least(summary.frequency, ?) as frequency,
            cast(floor(summary.recency / ?) * ? as integer) as recency_days,
            avg(scores.probability_alive) as probability_alive,
            count(*) as customer_count
        from retention.customer_lifetime_value as scores
        inner join retention.customer_lifetime_summary as summary
            on scores.customer_id = summary.customer_id
        group by all
        order by 1, 2
        """,
        max_frequency,
        recency_bin_days,
        recency_bin_days,
    )


# --- diagnostics and data quality ---------------------------------------------------------------


def open_diagnostics() -> pd.DataFrame:
    return query(
        """
        select
            rule_order,
            rule_name,
            period_grain,
            period_start_date,
            period_end_date,
            segment_type,
            segment_value,
            metric_name,
            metric_value,
            alert_direction,
            threshold,
            numerator_count,
            denominator_count,
            threshold_description,
            recommended_action
        from diagnostics.open_diagnostics
        order by rule_order, period_grain, segment_type, segment_value
        """
    )


def data_quality_summary() -> pd.DataFrame:
    return query(
        """
        select
            run_id,
            scope,
            count(*) as expectation_count,
            count(*) filter (where is_success and not is_errored) as passed_count,
            count(*) filter (where not is_success and not is_errored and severity = 'critical')
                as critical_failed_count,
            count(*) filter (where not is_success and not is_errored and severity <> 'critical')
                as warning_failed_count,
            count(*) filter (where is_errored) as errored_count,
            max(validated_at) as validated_at
        from meta.data_quality
        group by run_id, scope
        order by scope desc
        """
    )


def data_quality_failures() -> pd.DataFrame:
    return query(
        """
        select scope, suite, expectation, column_name, severity, is_errored, observed, validated_at
        from meta.data_quality
        where not is_success or is_errored
        order by severity, scope, suite, expectation
        """
    )


def run_log() -> pd.DataFrame:
    return query(
        """
        select run_id, stage, status, started_at, finished_at, duration_seconds, rows_affected, detail
        from meta.run_log
        order by started_at
        """
    )
