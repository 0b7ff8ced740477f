"""Settings: one place each, checked before use, safe to change."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from funnel import settings as config

ROOT = Path(__file__).resolve().parent.parent


def test_a_value_comes_from_an_override_then_the_environment_then_dbt_project(monkeypatch):
    monkeypatch.delenv("FUNNEL_CONVERSION_WINDOW_DAYS", raising=False)
    assert (
        config.load()["conversion_window_days"]
        == yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]["conversion_window_days"]
    )
    monkeypatch.setenv("FUNNEL_CONVERSION_WINDOW_DAYS", "45")
    assert config.load()["conversion_window_days"] == 45
    loaded = config.load(overrides={"conversion_window_days": "30"})
    assert loaded["conversion_window_days"] == 30
    assert dict((name, origin) for name, _, origin in loaded.described())["conversion_window_days"] == (
        "--set conversion_window_days"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("conversion_window_days", "0", "expected a whole number from 1 to 3650, got '0'"),
        ("conversion_window_days", "30.5", "expected a whole number from 1 to 3650, got '30.5'"),
        ("as_of_date", "2026-02-30", "expected a date YYYY-MM-DD (or empty), got '2026-02-30'"),
        ("business_start", "01/01/1990", "expected a date YYYY-MM-DD, got '01/01/1990'"),
        ("warehouse_timezone", "Mars/Olympus", "expected an IANA time zone name"),
        ("reporting_currency", "euro", "expected an ISO-4217 currency code"),
        ("hot_share_max", "1.5", "expected a number from 0 to 1, got '1.5'"),
        ("memory_limit", "lots", "expected a memory size such as 4GB"),
        ("phone_default_country_code", "+36", "expected digits only"),
        ("clv_time_unit", "months", "expected one of days, weeks, got 'months'"),
        ("clv_time_unit", "Weeks", "expected one of days, weeks, got 'Weeks'"),
        ("clv_annual_discount_rate", "-0.1", "expected a number from 0 to 1, got '-0.1'"),
        ("clv_drift_tolerance", "1", "expected a number from 1.01 to 1000, got '1'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting_and_where_it_came_from(name, value, message):
    with pytest.raises(config.SettingError) as refused:
        config.load(overrides={name: value})
    assert str(refused.value).startswith(f"setting {name}: ")
    assert message in str(refused.value)
    assert str(refused.value).endswith(f"(--set {name})")


def test_values_reach_dbt_in_canonical_form_and_sql_cannot_ride_along():
    loaded = config.load(overrides={"reporting_currency": "eur", "as_of_date": " 2026-03-31 "})
    assert json.loads(loaded.dbt_vars_json())["reporting_currency"] == "EUR"
    assert json.loads(loaded.dbt_vars_json())["as_of_date"] == "2026-03-31"
    with pytest.raises(config.SettingError):
        config.load(overrides={"reporting_currency": "HUF'; drop table x; --"})


def test_overrides_are_name_value_pairs_of_known_settings_and_never_secrets():
    assert config.parse_overrides(["conversion_window_days=30", "as_of_date="]) == {
        "conversion_window_days": "30",
        "as_of_date": "",
    }
    with pytest.raises(config.SettingError, match="expected name=value"):
        config.parse_overrides(["conversion_window_days"])
    with pytest.raises(config.SettingError, match="--set window: no such setting"):
        config.parse_overrides(["window=30"])
    with pytest.raises(config.SettingError, match="a secret comes only from the environment; set FUNNEL_PII_SALT"):
        config.parse_overrides(["pii_salt=hunter2"])


def test_the_hot_share_band_cannot_be_upside_down():
    with pytest.raises(config.SettingError, match="lower end is above its upper end"):
        config.load(overrides={"hot_share_min": "0.3", "hot_share_max": "0.2"})


def test_a_secret_is_never_shown(monkeypatch):
    monkeypatch.setenv("FUNNEL_PII_SALT", "hunter2")
    described = {name: value for name, value, _ in config.load().described()}
    assert described["pii_salt"] == "<set>"
    assert "hunter2" not in json.dumps(config.load().described())


def test_every_business_setting_has_its_default_only_in_dbt_project():
    project_vars = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    assert {spec.name for spec in config.BUSINESS} <= set(project_vars)
    # no model or macro carries a default of its own: var('name', default) would be a second place
    second_defaults = []
    for path in [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql")]:
        for name in re.findall(r"""var\(\s*['"]([a-z_]+)['"]\s*,""", path.read_text(encoding="utf-8")):
            if name in project_vars:
                second_defaults.append(f"{path.relative_to(ROOT)}: {name}")
    assert second_defaults == []


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert config.markdown_table() in readme, "README's settings table is stale: paste settings.markdown_table()"


# -- unit tests pin what they read -------------------------------------------------------------

VAR = re.compile(r"""var\(\s*['"]([a-z_]+)['"]""")
ENV = re.compile(r"""env_var\(\s*['"]([A-Z_]+)['"]""")
NAMED_VAR = re.compile(r"""(?:checked_var|setting)\(\s*['"]([a-z_]+)['"]""")


def _reads(code: str) -> tuple[set[str], set[str]]:
    return set(VAR.findall(code)) | set(NAMED_VAR.findall(code)), set(ENV.findall(code))


def _settings_read_by(node: dict, macros: dict) -> tuple[set[str], set[str]]:
    """The vars and environment variables a model reads, through every macro it calls."""
    variables, environment = _reads(node["raw_code"])
    todo, seen = list(node["depends_on"]["macros"]), set()
    while todo:
        uid = todo.pop()
        if uid in seen or uid not in macros:
            continue
        seen.add(uid)
        more_vars, more_env = _reads(macros[uid]["macro_sql"])
        variables |= more_vars
        environment |= more_env
        todo += macros[uid]["depends_on"]["macros"]
    return variables, environment


@pytest.mark.dbt
def test_every_unit_test_pins_the_settings_its_model_reads(demo_run):
    manifest = json.loads((demo_run[2].parent / "dbt-target" / "manifest.json").read_text(encoding="utf-8"))
    project_vars = set(yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"])
    unpinned = []
    for unit_test in manifest["unit_tests"].values():
        model = manifest["nodes"][unit_test["depends_on"]["nodes"][0]]
        variables, environment = _settings_read_by(model, manifest["macros"])
        overrides = unit_test.get("overrides") or {}
        missing = (variables & project_vars) - set(overrides.get("vars") or {})
        missing |= {name for name in environment if name.startswith("FUNNEL_")} - set(overrides.get("env_vars") or {})
        if missing:
            unpinned.append(f"{unit_test['name']} ({model['name']}): {', '.join(sorted(missing))}")
    assert unpinned == [], "unit tests that a changed setting would break:\n" + "\n".join(unpinned)
    assert len(manifest["unit_tests"]) >= 50


NON_DEFAULT = {
    "warehouse_timezone": "America/New_York",
    "business_start": "1990-01-01",
    "future_tolerance_hours": "48",
    "reporting_currency": "EUR",
    "phone_default_country_code": "49",
    "conversion_window_days": "30",
    "as_of_date": "2026-10-15",
    "hot_share_min": "0.05",
    "hot_share_max": "0.25",
    "diagnostics_min_sample": "10",
    "max_potential_to_contacted_ratio": "4",
    "min_interested_share_of_contacted": "0.1",
    "min_price_discussion_share_of_interested": "0.2",
    "min_presentation_attendance": "0.5",
    "max_attendee_no_buy_share": "0.9",
    "lapsed_after_days": "60",
    "attribution_half_life_days": "3",
    "clv_time_unit": "weeks",
    "clv_horizon_days": "180",
    "clv_annual_discount_rate": "0.05",
    "clv_min_repeat_customers": "50",
    "clv_drift_tolerance": "3",
    "salesforce_event_outcome_field": "Meeting_Result__c",
}


@pytest.mark.dbt
@pytest.mark.prefect
def test_the_demo_builds_and_publishes_with_every_setting_changed(demo_run, tmp_path):
    import os
    import subprocess
    import sys

    import duckdb

    assert set(NON_DEFAULT) == {spec.name for spec in config.BUSINESS}, "a new setting belongs here too"
    _, default_report, default_db, extracts = demo_run
    warehouse = tmp_path / "warehouse"
    args = [arg for name, value in NON_DEFAULT.items() for arg in ("--set", f"{name}={value}")]
    done = subprocess.run(
        [str(Path(sys.executable).with_name("funnel")), "run", "--extracts", str(extracts), *args],
        env={**os.environ, "FUNNEL_WAREHOUSE": str(warehouse)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    published = warehouse / "published" / "funnel.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        settings = dict(con.execute("select name, value from meta.settings").fetchall())
        eur = con.execute("select sum(net_revenue_amount) from conversion.store_conversion_daily").fetchone()[0]
        reached_30 = con.execute("select count(*) from conversion.fct_lead_funnel_steps where is_reached").fetchone()
    with duckdb.connect(str(default_db), read_only=True) as con:
        huf = con.execute("select sum(net_revenue_amount) from conversion.store_conversion_daily").fetchone()[0]
        reached_90 = con.execute("select count(*) from conversion.fct_lead_funnel_steps where is_reached").fetchone()
    assert {name: settings[name] for name in NON_DEFAULT} == {
        name: str(config.check(config.SPECS[name], value, "test")) for name, value in NON_DEFAULT.items()
    }
    # the demo's euro rate moves between 390 and 410 forints: revenue in euros is the forint revenue over it
    assert 390 <= huf / eur <= 410
    # a 30-day window counts no more steps than a 90-day one, and (in the demo) fewer
    assert reached_30[0] < reached_90[0]
