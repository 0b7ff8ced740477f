"""The static HTML report and the run's headline funnel show what the published marts hold."""

from __future__ import annotations

from pathlib import Path

import duckdb

from funnel import report


def test_the_pipeline_attached_a_report_whose_numbers_match_the_marts(demo_run):
    _, result, _, _ = demo_run
    published = Path(result.published_db)
    html = (published.parent / "report.html").read_text(encoding="utf-8")
    with duckdb.connect(str(published), read_only=True) as con:
        won, closed = con.execute(
            "select count(*) filter (where is_won), count(*) filter (where is_closed) from conversion.fct_opportunities"
        ).fetchone()
        customers, repeaters = con.execute(
            "select count(*), count(*) filter (where purchase_day_count >= 2) from retention.dim_customers"
        ).fetchone()
    assert f"<b>{won / closed:.1%}</b><small>{won} won of {closed} closed</small>" in html
    assert f"<b>{repeaters / customers:.1%}</b><small>of {customers:,} customers</small>" in html
    assert result.publication.id in html


def test_headline_funnel_counts_each_lead_once_per_step(demo_run):
    _, result, _, _ = demo_run
    rows = report.headline_funnel(Path(result.published_db))
    with duckdb.connect(str(result.published_db), read_only=True) as con:
        expected = dict(
            ((funnel, f"{order}. {name}"), n)
            for funnel, order, name, n in con.execute(
                "select funnel, step_order, step_name, count(*) filter (where is_reached) "
                "from conversion.fct_lead_funnel_steps group by all"
            ).fetchall()
        )
    assert {(r["funnel"], r["step"]): r["leads reached"] for r in rows} == expected
    outbound = [r["leads reached"] for r in rows if r["funnel"] == "outbound"]
    assert outbound == sorted(outbound, reverse=True)


def test_a_hostile_value_in_a_mart_comes_out_escaped(tmp_path):
    """Segment names and rule texts come from the data: the template escapes them, none becomes markup."""
    hostile = "<script>alert(1)</script>"
    db = tmp_path / "funnel.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema diagnostics")
        con.execute(
            "create table diagnostics.open_diagnostics (rule_order integer, rule_name varchar, segment_type varchar, "
            "segment_value varchar, metric_value double, threshold double, recommended_action varchar)"
        )
        con.execute(
            "insert into diagnostics.open_diagnostics values (1, 'Few contacted are interested', 'channel', ?, "
            "0.125, 0.2, ?)",
            [hostile, f"Call {hostile} & co"],
        )
    html = report.render_html(db, publication_id=hostile)
    assert "<script" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"<code>{escaped}</code>" in html  # the publication id
    assert f"<td>channel: {escaped}</td>" in html  # the segment
    assert f"Call {escaped} &amp; co</td>" in html  # the recommended action
    assert "<td class='alert'>0.125</td><td>0.2</td>" in html
