"""Readable summaries of a run: the Markdown artifact and the headline funnel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

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
    if result.publication is not None:
        p = result.publication
        lines.append(
            f"- published `{p.id}`: {len(p.tables)} tables, {sum(p.tables.values()):,} rows, "
            f"to `{result.published_db}` (and Parquet beside it)"
        )
    funnel = headline_funnel(Path(result.published_db)) if result.published_db else []
    if funnel:
        lines += ["", "## Headline funnel", "", _markdown_table(funnel)]
    return "\n".join(lines) + "\n"
