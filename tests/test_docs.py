"""The dbt docs site: generated with lineage, every mart documented, the dashboard an exposure."""

from __future__ import annotations

import json

import pytest

from funnel import publish, transform
from funnel import settings as config
from funnel.project import PROJECT_ROOT

pytestmark = pytest.mark.dbt


def test_docs_site_has_lineage_documented_marts_and_the_dashboard_exposure(demo_run):
    warehouse_dir = demo_run[2].parent
    settings = config.Settings(warehouse_dir, "Europe/Budapest", "2GB")
    transform.run_dbt(["docs", "generate"], settings, echo=None)
    target = warehouse_dir / "dbt-target"
    assert (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))

    marts = [
        n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] in publish.MART_SCHEMAS
    ]
    mart_files = {path.stem for path in (PROJECT_ROOT / "models" / "marts").rglob("*.sql")}
    assert {node["name"] for node in marts} == mart_files
    for node in marts:
        assert "one row per" in node["description"].lower(), f"{node['name']} does not state its grain"
        undocumented = [c for c, meta in node["columns"].items() if not meta.get("description")]
        assert undocumented == [], f"{node['name']}: {undocumented}"
        assert node["config"]["contract"]["enforced"], f"{node['name']} has no enforced contract"
        assert node["unique_id"] in catalog["nodes"], f"{node['name']} missing from the catalog"
        assert node["depends_on"]["nodes"], f"{node['name']} has no lineage"

    dashboards = [e for e in manifest["exposures"].values() if e["type"] == "dashboard"]
    assert dashboards, "the dashboard is not declared as an exposure"
    read = {uid for e in dashboards for uid in e["depends_on"]["nodes"]}
    assert {"model.sales_funnel.funnel_conversion", "model.sales_funnel.cohort_retention"} <= read
