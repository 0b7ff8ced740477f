"""The seed document's call-centre funnel, written as a Salesforce export, through a real dbt build.

1500 leads dialed, 1000 reached, 20 listened, 15 agreed, 10 attended, 8 price discussed, 5 won
(tests/fixtures/crm/build_callcentre_salesforce.py; counted from its files in test_crm_callcentre_builder.py).
Here the export is loaded, built with the default seeds, and the marts must publish those numbers, their
step conversion rates, and the alert the field's rule of thumb predicts: fewer than 1 in 5 of the people
reached are interested (20 of 1000), so look at the product's positioning and PR.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from funnel import ingest, transform, warehouse
from funnel import settings as config

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "crm"))

from build_callcentre_salesforce import build_callcentre_salesforce  # noqa: E402

BATCH = "2026-07-01"
# All leads are created from 1 to 21 April 2026; the April cohort matures when its 90-day window has closed.
APRIL = "2026-04-01"
AS_OF = "2026-08-01"
STEPS = ("dialed", "reached", "listened", "agreed", "attended", "price_discussed", "won")
COUNTS = (1500, 1000, 20, 15, 10, 8, 5)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("callcentre_build")
    build_callcentre_salesforce(root / "extracts", batch=BATCH)
    settings = config.Settings(warehouse_dir=root / "warehouse", timezone="Europe/Budapest", memory_limit="2GB")
    con = warehouse.connect(settings)
    warehouse.ensure_raw_schema(con)
    assert ingest.load_batch(con, root / "extracts" / BATCH, timezone="Europe/Budapest").rows_quarantined == 0
    con.close()
    vars_ = f'{{"as_of_date": "{AS_OF}"}}'
    transform.run_dbt(["seed", "--vars", vars_], settings, echo=None)
    transform.run_dbt(
        ["run", "--select", "+open_diagnostics", "--exclude", "resource_type:seed", "--vars", vars_],
        settings,
        echo=None,
    )
    return settings.db_path


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_funnel_mart_counts_the_seed_documents_call_centre(built):
    rows = _query(
        built,
        "select step_name, count(*) filter (where is_reached) from conversion.fct_lead_funnel_steps "
        "where funnel = 'outbound' group by all",
    )
    assert dict(rows) == dict(zip(STEPS, COUNTS, strict=True))


def test_the_april_cohort_converts_step_by_step_as_the_seed_document_says(built):
    rows = _query(
        built,
        f"""
        select step_name, reached_count, step_conversion_rate
        from conversion.funnel_conversion
        where funnel = 'outbound' and cohort_grain = 'month' and segment_type = 'overall'
            and cohort_start = '{APRIL}'
        order by step_order
        """,
    )
    assert [(name, n) for name, n, _ in rows] == list(zip(STEPS, COUNTS, strict=True))
    # 1000 of 1500 reached, 20 of 1000 listened, 15 of 20 agreed, 10 of 15 came, 8 of 10 discussed a price,
    # 5 of 8 bought
    expected = [None, 2 / 3, 0.02, 0.75, 2 / 3, 0.8, 0.625]
    assert [rate for _, _, rate in rows] == [pytest.approx(x) if x is not None else None for x in expected]


def test_fewer_than_one_in_five_reached_interested_raises_the_positioning_and_pr_alert(built):
    rules = _query(
        built,
        f"""
        select rule_id, status, numerator_count, denominator_count, metric_value, threshold
        from diagnostics.funnel_health
        where period_grain = 'month' and segment_type = 'overall' and period_start_date = '{APRIL}'
            and period_basis = 'lead_created'
        order by rule_order
        """,
    )
    assert rules == [
        ("potential_to_contacted_ratio", "ok", 1500, 1000, pytest.approx(1.5), 3.0),
        ("interested_share_of_contacted", "alert", 20, 1000, pytest.approx(0.02), 0.2),
        # 20 listened, 15 agreed and 10 attended are fewer than the 30 a rule needs (diagnostics_min_sample)
        ("price_discussion_share_of_interested", "insufficient_data", 8, 20, pytest.approx(0.4), 0.1),
        ("presentation_attendance", "insufficient_data", 10, 15, pytest.approx(2 / 3), 0.6),
        ("attendee_no_buy_share", "insufficient_data", 5, 10, pytest.approx(0.5), 0.8),
    ]
    alerts = _query(
        built,
        f"""
        select rule_id, recommended_action from diagnostics.open_diagnostics
        where period_grain = 'month' and segment_type = 'overall' and period_start_date = '{APRIL}'
        """,
    )
    assert len(alerts) == 1
    rule_id, action = alerts[0]
    assert rule_id == "interested_share_of_contacted"
    assert "positioning and PR" in action
