"""The dashboard over the published marts: every page in Streamlit's AppTest, then in a real browser.

Numbers shown are checked against SQL written here, on the published file, and where possible
at another grain than the dashboard reads (monthly cohorts against its weekly ones).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
PAGES = ["funnel", "attraction", "calls", "pipeline", "retention", "diagnostics", "data_quality"]
PAGES_WITHOUT_CHARTS = {"diagnostics"}
# Link in the top navigation → the page's title.
NAVIGATION = {
    "Attraction": "Attraction",
    "Calls and response": "Calls and response",
    "Pipeline and stores": "Pipeline and stores",
    "Retention": "Retention",
    "Diagnostics": "Diagnostics",
    "Data quality": "Data quality of the published run",
    "Funnel": "Sales funnel",
}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def published(demo_run) -> Path:
    _, report, _, _ = demo_run
    assert report.published_db, "the demo run published nothing"
    return Path(report.published_db)


def mart_value(db: Path, sql: str, *params: object):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()[0]


def leads(db: Path, start: date, end: date, channel: str | None = None, team: str | None = None) -> int:
    sql = "select sum(lead_count) from attraction.attraction_daily where created_date between ? and ?"
    params: list[object] = [start, end]
    if channel:
        sql += " and channel = ?"
        params.append(channel)
    if team:
        sql += " and team_name = ?"
        params.append(team)
    return int(mart_value(db, sql, *params) or 0)


def outbound_reached(db: Path, segment_type: str = "overall", segment_value: str = "all") -> int:
    # Monthly cohorts: the dashboard sums weekly ones; over the whole data both hold every lead once.
    return int(
        mart_value(
            db,
            """
            select sum(reached_count) from conversion.funnel_conversion
            where cohort_grain = 'month' and funnel = 'outbound' and step_name = 'reached'
                and segment_type = ? and segment_value = ?
            """,
            segment_type,
            segment_value,
        )
    )


def biggest_channel(db: Path) -> str:
    return mart_value(
        db, "select channel from attraction.attraction_daily group by 1 order by sum(lead_count) desc limit 1"
    )


def run_app(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> AppTest:
    monkeypatch.setenv("FUNNEL_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, f"expected one metric {label!r}, found {[m.label for m in at.metric]}"
    return values[0]


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


def test_nothing_published_shows_a_message(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "empty-warehouse")
    assert any("Nothing is published yet" in info.value for info in at.info)
    assert not at.metric and not at.error


@pytest.mark.dbt
def test_every_page_runs_without_errors(monkeypatch, published):
    at = run_app(monkeypatch, published.parent.parent)
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.metric, f"{page} shows no key numbers"
        if page not in PAGES_WITHOUT_CHARTS:
            assert at.get("plotly_chart"), f"{page} draws no chart"


@pytest.mark.dbt
def test_headline_numbers_equal_the_marts(monkeypatch, published):
    at = run_app(monkeypatch, published.parent.parent)
    start, end = at.date_input[0].value
    assert as_int(metric(at, "Leads")) == leads(published, start, end)
    assert as_int(metric(at, "New customers")) == mart_value(
        published, "select count(*) from retention.dim_customers where first_purchase_date between ? and ?", start, end
    )

    at.switch_page("views/calls.py").run()
    assert as_int(metric(at, "Reached")) == outbound_reached(published)

    at.switch_page("views/attraction.py").run()
    hot, won = mart_value(
        published,
        """
        select [sum(hot_new_won_client_count), sum(new_won_client_count)] from attraction.lead_temperature_mix
        where period_grain = 'week' and segment_type = 'overall'
        """,
    )
    assert metric(at, "Hot share of new won clients") == f"{hot / won:.1%}"


@pytest.mark.dbt
def test_predicted_customer_value_equals_the_clv_marts(monkeypatch, published):
    at = run_app(monkeypatch, published.parent.parent)
    at.switch_page("views/retention.py").run()
    assert not at.exception, [e.value for e in at.exception]
    scored = mart_value(published, "select scored_customer_count from retention.clv_model_runs order by fitted_at desc")
    assert scored > 0, "the demo's CLV fit scored nobody"
    assert as_int(metric(at, "Customers scored")) == scored
    assert scored == mart_value(published, "select count(*) from retention.customer_lifetime_value")
    mean = mart_value(published, "select avg(clv_amount) from retention.customer_lifetime_value")
    assert metric(at, "Mean CLV, 365 days") == f"{float(mean):,.0f} HUF"


@pytest.mark.dbt
def test_attribution_return_on_spend_equals_the_mart(monkeypatch, published):
    at = run_app(monkeypatch, published.parent.parent)
    start, end = at.date_input[0].value
    at.switch_page("views/attraction.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = next(d.value for d in at.dataframe if "time_decay" in d.value.columns)
    with duckdb.connect(str(published), read_only=True) as con:
        expected = con.execute(
            """
            select channel, attribution_model, sum(attributed_amount) / nullif(sum(spend_amount), 0)
            from attraction.attribution_return_on_spend
            where grain = 'channel' and conversion_type = 'won_deal' and month_start_date between ? and ?
            group by all
            """,
            [date(start.year, start.month, 1), end],
        ).fetchall()
    assert len(expected) == shown.notna().sum().sum() + shown.isna().sum().sum()
    for channel, model, ratio in expected:
        value = shown.loc[channel, model]
        assert (ratio is None and value != value) or value == pytest.approx(ratio), (channel, model)
    assert any(ratio for _, _, ratio in expected), "no channel earned anything on its spend"


@pytest.mark.dbt
def test_filters_change_the_numbers_to_the_filtered_marts(monkeypatch, published):
    at = run_app(monkeypatch, published.parent.parent)
    start, end = at.date_input[0].value
    channel = biggest_channel(published)
    everything = as_int(metric(at, "Leads"))

    at.selectbox(key="channel").select(channel).run()
    assert not at.exception
    filtered = as_int(metric(at, "Leads"))
    assert filtered == leads(published, start, end, channel=channel)
    assert 0 < filtered < everything
    assert as_int(metric(at, "New customers")) == mart_value(
        published,
        """
        select count(*) from retention.dim_customers
        where first_purchase_date between ? and ? and acquisition_channel = ?
        """,
        start,
        end,
        channel,
    )
    at.switch_page("views/calls.py").run()
    assert as_int(metric(at, "Reached")) == outbound_reached(published, "channel", channel)

    # Leads also combine channel and team; a shorter period cuts them again.
    at.switch_page("views/funnel.py").run()
    team = at.selectbox(key="team").options[1]
    at.selectbox(key="team").select(team).run()
    assert as_int(metric(at, "Leads")) == leads(published, start, end, channel=channel, team=team)
    month_start = date(end.year, end.month, 1)
    at.date_input[0].set_value((month_start, end)).run()
    assert as_int(metric(at, "Leads")) == leads(published, month_start, end, channel=channel, team=team)
    assert as_int(metric(at, "Leads")) < filtered


@pytest.mark.dbt
def test_a_new_publication_is_read_without_a_restart(monkeypatch, published, tmp_path):
    warehouse = tmp_path / "warehouse"
    (warehouse / "published").mkdir(parents=True)
    shutil.copy(published, warehouse / "published" / "funnel.duckdb")
    at = run_app(monkeypatch, warehouse)
    start, end = at.date_input[0].value
    before = as_int(metric(at, "Leads"))

    # Publish as the pipeline does: a new file renamed over the old one.
    channel = biggest_channel(published)
    staged = tmp_path / "next.duckdb"
    shutil.copy(published, staged)
    with duckdb.connect(str(staged)) as con:
        con.execute("delete from attraction.attraction_daily where channel = ?", [channel])
    os.replace(staged, warehouse / "published" / "funnel.duckdb")

    at.run()
    assert not at.exception
    assert as_int(metric(at, "Leads")) == before - leads(published, start, end, channel=channel)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.mark.dbt
def test_dashboard_in_a_real_browser(published, tmp_path):
    if not CHROMIUM.exists():
        if os.environ.get("FUNNEL_SKIP_BROWSER_TESTS") == "1":
            pytest.skip("FUNNEL_SKIP_BROWSER_TESTS=1 and no /usr/bin/chromium")
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium), "
            "or set FUNNEL_SKIP_BROWSER_TESTS=1 to skip the browser test"
        )
    from playwright.sync_api import expect, sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    command = [
        str(Path(sys.executable).with_name("streamlit")),
        "run",
        str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(published.parent.parent)}
    screenshot = Path(os.environ.get("FUNNEL_DASHBOARD_SCREENSHOT") or tmp_path / "dashboard.png")
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    problems: list[str] = []
    try:
        _wait_until_healthy(url, server, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 2400})
                page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
                page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
                page.set_default_timeout(30_000)
                # expect() has its own 5 s default: a fresh clone's first page compiles and imports cold
                expect.set_options(timeout=30_000)
                page.goto(url)

                def metric_value(label: str):
                    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
                    return page.get_by_test_id("stMetric").filter(has=label_element).get_by_test_id("stMetricValue")

                def finished() -> None:
                    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")

                # The default period spans all the data, so the page shows every lead.
                all_leads = mart_value(published, "select sum(lead_count) from attraction.attraction_daily")
                expect(metric_value("Leads")).to_have_text(f"{all_leads:,}")
                expect(page.locator("[data-testid='stPlotlyChart'] svg.main-svg").first).to_be_visible()

                channel = biggest_channel(published)
                page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Channel").click()
                page.get_by_role("option", name=channel, exact=True).click()
                channel_leads = mart_value(
                    published, "select sum(lead_count) from attraction.attraction_daily where channel = ?", channel
                )
                expect(metric_value("Leads")).to_have_text(f"{channel_leads:,}")
                finished()
                page.wait_for_timeout(1000)  # let plotly finish drawing before the picture
                page.screenshot(path=str(screenshot))

                # Every page through the top navigation; the sidebar filter stays set.
                for title, heading in NAVIGATION.items():
                    page.get_by_role("link", name=title).click()
                    expect(page.get_by_role("heading", level=1).first).to_have_text(heading)
                    expect(page.get_by_test_id("stMetric").first).to_be_visible()
                    if title != "Diagnostics":
                        expect(page.locator("[data-testid='stPlotlyChart'] svg.main-svg").first).to_be_visible()
                    if title == "Calls and response":
                        expect(metric_value("Reached")).to_have_text(
                            f"{outbound_reached(published, 'channel', channel):,}"
                        )
                    finished()
                    assert page.get_by_test_id("stException").count() == 0, f"exception on {title}"
                    assert page.get_by_test_id("stAlertContentError").count() == 0, f"error on {title}"
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert not problems, problems
