"""Readable summaries of a run: the Markdown artifact and the headline funnel."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "report.html.j2"

HEADLINE_FUNNEL_SQL = """
select
    funnel,
    step_order,
    step_name,
    sum(reached_count) as reached,
    sum(lead_count) as leads
from conversion.funnel_conversion
where cohort_grain = 'month' and segment_type = 'overall'
group by funnel, step_order, step_name
order by funnel desc, step_order
"""


def headline_funnel(db_path: Path) -> list[dict[str, Any]]:
    """Step counts of both funnels over every cohort, with step-to-step conversion, from a database."""
    if not Path(db_path).exists():
        return []
    with duckdb.connect(str(db_path), read_only=True) as con:
        try:
            rows = con.execute(HEADLINE_FUNNEL_SQL).fetchall()
        except duckdb.CatalogException:
            return []
    table, previous = [], {}
    for funnel, step_order, step_name, reached, leads in rows:
        before = previous.get(funnel)
        table.append(
            {
                "funnel": funnel,
                "step": f"{step_order}. {step_name}",
                "leads reached": int(reached),
                "from previous step": f"{reached / before:.1%}" if before else "",
                "of all leads": f"{reached / leads:.1%}" if leads else "",
            }
        )
        previous[funnel] = reached
    return table


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_no rows_\n"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def run_markdown(result) -> str:
    """The run summary: batches, rows, quarantine, expectations and what was published."""
    batches = result.batches or []
    lines = [f"# Funnel pipeline run `{result.run_id}`", ""]
    lines.append(f"- extracts: `{result.extracts}`")
    lines.append(
        f"- batches loaded: {len(batches)} ({', '.join(b.batch_id for b in batches) or 'none new'}); "
        f"rows read {sum(b.rows_read for b in batches):,}, loaded {sum(b.rows_loaded for b in batches):,}, "
        f"quarantined {sum(b.rows_quarantined for b in batches):,}"
    )
    for audit in (result.raw_audit, result.mart_audit):
        if audit is None:
            continue
        lines.append(
            f"- {audit.scope} expectations: {audit.count(success=True)} passed, "
            f"{audit.count(success=False, severity='critical')} critical failed, "
            f"{audit.count(success=False, severity='warning')} warnings"
        )
        for failure in audit.failures[:10]:
            lines.append(f"  - {failure.severity}: `{failure.suite}` {failure.expectation} ({failure.observed})")
    if result.dbt is not None:
        lines.append(
            f"- dbt: {result.dbt.count('model', 'success')} models, "
            f"{result.dbt.count('test', 'pass') + result.dbt.count('unit_test', 'pass')} tests passed, "
            f"{len(result.dbt.warnings)} warnings"
        )
    if getattr(result, "clv", None) is not None:
        lines.append(f"- {result.clv.summary()}")
    if result.publication is not None:
        p = result.publication
        lines.append(
            f"- published `{p.id}` (built on {p.engine}): {len(p.tables)} tables, {sum(p.tables.values()):,} rows, "
            f"to `{result.published_db}` (and Parquet beside it)"
        )
    funnel = headline_funnel(Path(result.published_db)) if result.published_db else []
    if funnel:
        lines += ["", "## Headline funnel", "", _markdown_table(funnel)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The static HTML report, for people who do not open a dashboard
# ---------------------------------------------------------------------------------------------

HEADLINES_SQL = {
    "leads_last_month": """
        select sum(lead_count), sum(request_count)
        from attraction.attraction_daily
        where date_trunc('month', created_date) = (select max(date_trunc('month', created_date))
                                                  from attraction.attraction_daily)
    """,
    "hot_share": """
        select period_start_date, hot_new_won_client_share, hot_share_band_min, hot_share_band_max,
               is_hot_share_in_band
        from attraction.lead_temperature_mix
        where period_grain = 'month' and segment_type = 'overall'
        order by period_start_date
    """,
    "win_rate": """
        select sum(won_count), sum(won_count + lost_count), sum(won_amount)
        from conversion.pipeline_velocity where segment_type = 'overall'
    """,
    "revenue": """
        select sum(net_revenue_amount), sum(identified_net_revenue_amount), sum(anonymous_net_revenue_amount)
        from retention.retail_sales_daily
    """,
    "repeat_rate": """
        select avg(case when is_repeat_customer then 1.0 else 0.0 end), count(*) from retention.dim_customers
    """,
    "retention_m1": """
        select sum(active_customer_count) * 1.0 / nullif(sum(cohort_size), 0)
        from retention.cohort_retention where month_number = 1 and is_month_complete
    """,
    "diagnostics": """
        select rule_name, segment_type, segment_value, metric_value, threshold, recommended_action
        from diagnostics.open_diagnostics order by rule_order, segment_type, segment_value
    """,
    "quality": """
        select scope, count(*) filter (where is_success and not is_errored),
               count(*) filter (where not is_success and severity = 'critical'),
               count(*) filter (where not is_success and severity = 'warning')
        from meta.data_quality group by scope order by scope
    """,
}


def _money(value) -> str:
    return "–" if value is None else f"{float(value):,.0f}".replace(",", " ")


def _share(value) -> str:
    return "–" if value is None else f"{float(value):.1%}"


def headline_numbers(db_path: Path) -> dict[str, Any]:
    """The numbers of the static report, each from one query on the published database."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        results = {}
        for name, sql in HEADLINES_SQL.items():
            try:
                results[name] = con.execute(sql).fetchall()
            except duckdb.CatalogException:
                results[name] = []
    return results


def _percent_band(low, high) -> str:
    """The band as people write it: 10–15%."""
    return f"{round(float(low) * 100, 2):g}–{round(float(high) * 100, 2):g}%"


@cache
def _templates() -> jinja2.Environment:
    # autoescape: every value from the marts (segment names, rule texts) is text, never markup
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(db_path: Path, publication_id: str | None = None) -> str:
    """A self-contained HTML page (no scripts, no external files) of the headline numbers."""
    n = headline_numbers(db_path)
    leads, requests = (n["leads_last_month"] or [(None, None)])[0]
    won, closed, won_amount = (n["win_rate"] or [(None, None, None)])[0]
    revenue, identified, anonymous = (n["revenue"] or [(None, None, None)])[0]
    repeat_rate, customers = (n["repeat_rate"] or [(None, None)])[0]
    retention_m1 = (n["retention_m1"] or [(None,)])[0][0]
    cards = [
        ("New leads, last month", f"{leads or 0:,}", f"of which requests (inbound): {requests or 0:,}"),
        ("Win rate (by count)", _share(won / closed if closed else None), f"{won or 0} won of {closed or 0} closed"),
        ("Net retail revenue", _money(revenue), f"identified {_money(identified)} · anonymous {_money(anonymous)}"),
        ("Repeat-purchase rate", _share(repeat_rate), f"of {customers or 0:,} customers"),
        ("Month-1 retention", _share(retention_m1), "pooled over complete cohort months"),
    ]
    funnel = headline_funnel(db_path)
    bands = {(low, high) for _, _, low, high, _ in n["hot_share"]}
    context = {
        "publication_id": publication_id or "-",
        "db_path": str(db_path),
        "cards": [{"title": title, "value": value, "note": note} for title, value, note in cards],
        "funnel_headers": list(funnel[0]) if funnel else [],
        "funnel": [list(row.values()) for row in funnel],
        "hot_share_band": _percent_band(*bands.pop()) if len(bands) == 1 else None,
        "hot_share": [
            # the mart judges the band (null when no client was won: nothing in band to show)
            {"start": month, "share": _share(share), "band": f"{_share(low)}–{_share(high)}", "in_band": in_band}
            for month, share, low, high, in_band in n["hot_share"]
        ],
        "diagnostics": [
            {
                "rule": rule,
                "segment_type": segment_type,
                "segment_value": segment_value,
                "value": "" if value is None else f"{value:.3f}",
                "threshold": threshold,
                "action": action or "",
            }
            for rule, segment_type, segment_value, value, threshold, action in n["diagnostics"]
        ],
        "quality": [
            {"scope": scope, "passed": passed, "critical": critical, "warnings": warnings}
            for scope, passed, critical, warnings in n["quality"]
        ],
    }
    return _templates().get_template(REPORT_TEMPLATE).render(context)


def write_html(db_path: Path, out: Path, publication_id: str | None = None) -> Path:
    """Write the report beside (a publication is written whole before it is published)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(db_path, publication_id), encoding="utf-8")
    return out
