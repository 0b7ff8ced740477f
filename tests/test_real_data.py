"""A real retailer's history: the CDNOW sample (an online CD store, 1997-1998), as a business would
deliver it, through the whole pipeline.

The sample ships in the `lifetimes` wheel (its datasets folder): 2,357 customers' purchases from
January 1997 to June 1998. Delivered as monthly POS batches from one online store, it is blocked
at first (its history starts before the default business start, 2010) with a message naming the
setting, and publishes after that one documented setting.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.dbt]

ROOT = Path(__file__).resolve().parent.parent
USD_IN_HUF = Decimal("180.50")  # the exchange rate the business delivers with its extracts


def _cdnow() -> list[tuple[str, date, int, Decimal]]:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("lifetimes==0.11.3 is not installed (requirements.lock): it ships the CDNOW sample")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "CDNOW_sample.txt"
    rows = []
    for line in path.read_text().splitlines():
        _, customer, day, cds, dollars = line.split()
        rows.append((customer.zfill(5), datetime.strptime(day, "%Y%m%d").date(), int(cds), Decimal(dollars)))
    return rows


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _deliver(root: Path) -> tuple[int, Decimal]:
    """Monthly batches of the CDNOW sample in the extract contract; returns the customers and the
    revenue in forints, each receipt converted and rounded to the cent, halves away from zero, as DuckDB does."""
    transactions = _cdnow()
    by_month: dict[date, list] = defaultdict(list)
    for row in transactions:
        by_month[_month_end(row[1])].append(row)
    first_purchase: dict[str, date] = {}
    for customer, day, _, _ in sorted(transactions, key=lambda r: r[1]):
        first_purchase.setdefault(customer, day)
    for number, (month_end, rows) in enumerate(sorted(by_month.items())):
        batch = root / month_end.isoformat()
        receipts, lines, seen = [], [], defaultdict(int)
        for customer, day, cds, dollars in rows:
            seen[(customer, day)] += 1
            receipt_id = f"R{customer}-{day:%Y%m%d}-{seen[(customer, day)]}"
            occurred = f"{day} 12:00:00"
            receipts.append([receipt_id, "CDNOW", customer, occurred, dollars, "USD", "credit card", "false", ""])
            unit = (dollars / cds).quantize(Decimal("0.01")) if cds else dollars
            lines.append([receipt_id, 1, "CD", cds, unit, dollars - unit * cds, dollars])
        new_customers = [
            [c, "", "", "", "CDNOW", f"{d} 12:00:00", "", f"{d} 12:00:00"]
            for c, d in sorted(first_purchase.items())
            if _month_end(d) == month_end
        ]
        days = sorted({day for _, day, _, _ in rows})
        _write(batch / "pos" / "receipts.csv", ["receipt_id", "store_id", "customer_id", "occurred_at",
               "total_amount", "currency", "payment_method", "is_return", "original_receipt_id"], receipts)  # fmt: skip
        _write(batch / "pos" / "receipt_lines.csv", ["receipt_id", "line_number", "product_id", "quantity",
               "unit_price", "discount_amount", "line_amount"], lines)  # fmt: skip
        _write(batch / "pos" / "customers.csv", ["customer_id", "loyalty_card_no", "email", "phone",
               "signup_store_id", "signed_up_at", "marketing_consent", "updated_at"], new_customers)  # fmt: skip
        _write(batch / "marketing" / "fx_rates.csv", ["rate_date", "currency", "rate_to_reporting", "quote_currency"],
               [[d, "USD", USD_IN_HUF, "HUF"] for d in days])  # fmt: skip
        if number == 0:
            _write(batch / "pos" / "stores.csv", ["store_id", "store_name", "city", "store_format", "opened_on",
                   "updated_at"], [["CDNOW", "CDNOW", "Fort Washington", "Online", "1994-08-01",
                   "1997-01-01 00:00:00"]])  # fmt: skip
            _write(batch / "pos" / "products.csv", ["product_id", "sku", "product_name", "category", "list_price",
                   "currency", "updated_at"], [["CD", "CD", "Compact disc", "Music", "", "USD",
                   "1997-01-01 00:00:00"]])  # fmt: skip
    forints = sum((row[3] * USD_IN_HUF).quantize(Decimal("0.01"), ROUND_HALF_UP) for row in transactions)
    return len(first_purchase), forints


def _funnel(*args: str, warehouse: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FUNNEL_WAREHOUSE": str(warehouse)}
    command = [str(Path(sys.executable).with_name("funnel")), *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)


def test_1997_history_of_an_online_store_publishes_after_one_documented_setting(tmp_path):
    extracts, warehouse = tmp_path / "extracts", tmp_path / "warehouse"
    customers, forints = _deliver(extracts)
    assert customers == 2357

    blocked = _funnel("run", "--extracts", str(extracts), warehouse=warehouse)
    assert blocked.returncode == 3, blocked.stdout[-2000:] + blocked.stderr[-2000:]
    assert "is not before the business start (setting business_start)" in blocked.stderr
    assert "set business_start if your history is older (now 2010-01-01)" in blocked.stderr
    assert "Traceback" not in blocked.stderr

    # the store opened in August 1994: that is when the business's history starts
    done = _funnel("run", "--extracts", str(extracts), "--set", "business_start=1994-08-01", warehouse=warehouse)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with duckdb.connect(str(warehouse / "published" / "funnel.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from retention.dim_customers").fetchone()[0] == customers
        revenue = con.execute("select sum(net_revenue_amount) from retention.dim_customers").fetchone()[0]
        assert revenue == forints
        # a CD store's one category is not in the product_category vocabulary: kept, counted, never blocking
        unmapped = con.execute("select vocabulary, source_value, row_count from diagnostics.unmapped_values")
        assert unmapped.fetchall() == [("product_category", "Music", 1)]
        settings = dict(con.execute("select name, value from meta.settings").fetchall())
        assert settings["business_start"] == "1994-08-01"
    with duckdb.connect(str(warehouse / "funnel.duckdb"), read_only=True) as con:
        assert con.execute("select store_format from staging.stg_pos__stores").fetchall() == [("online",)]
        assert con.execute("select distinct payment_method from staging.stg_pos__receipts").fetchall() == [("card",)]
