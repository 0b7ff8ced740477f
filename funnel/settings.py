"""Every setting of the warehouse, each in one place, checked before anything uses it.

- **Business settings** (time zone, business start, reporting currency, conversion window, as-of
  date, thresholds) are dbt vars: their defaults live in `dbt_project.yml` under `vars:` and
  nowhere else. The loader, the Great Expectations suites, dbt and the dashboard all read the
  resolved values from here (dbt through `--vars`, the suites through a settings table, the
  dashboard through the publication).
- **Operational settings** (where the warehouse lives, memory, the secret salt, the engine that
  builds) are not dbt vars; their defaults live in `OPERATIONAL` below.

A value comes from, in this order: a per-run override (`funnel run --set name=value`), the
environment (`FUNNEL_<NAME>`), then the default. Every value is checked here, because dbt pastes
vars into SQL as text: a bad value stops with one line that names the setting, where the value
came from, and what was expected.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"


class SettingError(ValueError):
    """A setting's value is not what it must be; the message names the setting and its origin."""


@dataclass(frozen=True)
class Spec:
    """What one setting is and what its values may be."""

    name: str
    kind: str  # date, integer, number, choice, zone, currency, digits, field, size, path, text, engine, target, master
    description: str
    env: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = False  # may be empty (then the setting is unset)
    secret: bool = False  # never shown, logged or passed on the command line
    dbt_var: bool = True
    choices: tuple[str, ...] = ()  # the values a `choice` may take

    @property
    def env_name(self) -> str:
        return self.env or f"FUNNEL_{self.name.upper()}"

    def expected(self) -> str:
        words = {
            "date": "a date YYYY-MM-DD",
            "integer": "a whole number",
            "number": "a number",
            "choice": f"one of {', '.join(self.choices)}",
            "zone": "an IANA time zone name such as Europe/Budapest",
            "currency": "an ISO-4217 currency code such as HUF or EUR",
            "digits": "digits only, such as 36",
            "field": "a field's API name (letters, digits, underscores) such as Outcome__c",
            "size": "a memory size such as 4GB or 512MB",
            "path": "a folder",
            "text": "text",
            "engine": f"one of {', '.join(ENGINES)}",
            "target": "a target of profiles.yml",
            "master": "a Spark master URL such as spark://host:7077, local[2], yarn or k8s://host:443",
        }[self.kind]
        if self.minimum is not None and self.maximum is not None:
            words += f" from {_number(self.minimum)} to {_number(self.maximum)}"
        elif self.minimum is not None:
            words += f" of at least {_number(self.minimum)}"
        return words + (" (or empty)" if self.optional else "")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Business settings: dbt vars, with their defaults in dbt_project.yml.
BUSINESS = (
    Spec("warehouse_timezone", "zone", "zone of the business day; naive timestamps in extracts are read in it",
         env="FUNNEL_TIMEZONE"),
    Spec("business_start", "date", "first day of the business's history; earlier timestamps fail the raw audit"),
    Spec("future_tolerance_hours", "integer", "how far into the future an observed timestamp may lie (clock skew)",
         minimum=0, maximum=8784),
    Spec("reporting_currency", "currency", "currency every amount is reported in (fx rates convert to it)"),
    Spec("phone_default_country_code", "digits", "country code of phone numbers written in national form"),
    Spec("conversion_window_days", "integer", "a funnel step counts only when reached within this many days of "
         "the lead's creation", minimum=1, maximum=3650),
    Spec("as_of_date", "date", "as-of date of point-in-time measures; empty: the latest date in the data",
         optional=True),
    Spec("hot_share_min", "number", "lower end of the expected hot share of new clients", minimum=0, maximum=1),
    Spec("hot_share_max", "number", "upper end of the expected hot share of new clients", minimum=0, maximum=1),
    Spec("diagnostics_min_sample", "integer", "fewest cases a diagnostic rule needs before it judges",
         minimum=1, maximum=1_000_000),
    Spec("max_potential_to_contacted_ratio", "number", "alert when potential clients outnumber the contacted ones "
         "by more than this", minimum=1, maximum=1000),
    Spec("min_interested_share_of_contacted", "number", "alert when fewer of the contacted are interested",
         minimum=0, maximum=1),
    Spec("min_price_discussion_share_of_interested", "number", "alert when fewer of the interested discuss price",
         minimum=0, maximum=1),
    Spec("min_presentation_attendance", "number", "alert when fewer invited attend the presentation",
         minimum=0, maximum=1),
    Spec("max_attendee_no_buy_share", "number", "alert when more attendees leave without buying",
         minimum=0, maximum=1),
    Spec("lapsed_after_days", "integer", "days without a purchase after which a customer is lapsed",
         minimum=1, maximum=36500),
    Spec("attribution_half_life_days", "number", "time-decay attribution: a touch this many days before the "
         "conversion earns half the weight of one at it", minimum=0.01, maximum=3650),
    Spec("clv_time_unit", "choice", "time unit of the CLV models (alpha is in it); customers' numbers do not "
         "depend on it", choices=("days", "weeks")),
    Spec("clv_horizon_days", "integer", "horizon of the discounted CLV of each customer", minimum=1, maximum=3650),
    Spec("clv_annual_discount_rate", "number", "yearly rate that discounts future purchases in the CLV",
         minimum=0, maximum=1),
    Spec("clv_min_repeat_customers", "integer", "fewest repeat customers for a CLV fit; with fewer, no "
         "per-customer numbers are published", minimum=1, maximum=1_000_000_000),
    Spec("clv_drift_tolerance", "number", "the mart audit warns when a CLV model parameter moved by more than "
         "this factor since the previous fit", minimum=1.01, maximum=1000),
    Spec("salesforce_event_outcome_field", "field", "Salesforce Event field holding a meeting's outcome (mapped "
         "through value_mapping); empty: a past Event counts as held", optional=True),
)  # fmt: skip

# The engines a build can run on; each has its own dbt target in profiles.yml.
ENGINES = ("duckdb", "spark")
# What a Spark master URL may look like (spark.apache.org/docs/latest/submitting-applications.html#master-urls).
SPARK_MASTER = re.compile(
    r"(spark://[\w.-]+:\d+(,[\w.-]+:\d+)*|local(\[(\d+|\*)(,\s*\d+)?\])?|local-cluster\[\d+,\s*\d+,\s*\d+\]"
    r"|yarn|k8s://\S+)"
)

# Operational settings: not dbt vars; their defaults are here.
OPERATIONAL = (
    (Spec("warehouse", "path", "folder of the warehouse: build database, publications, logs", dbt_var=False),
     "warehouse"),
    (Spec("memory_limit", "size", "DuckDB's memory limit before it spills to disk", dbt_var=False), "4GB"),
    (Spec("pii_salt", "text", "secret salt of the hashes of e-mails, phones and names; set it in production",
          secret=True, optional=True, dbt_var=False), ""),
    (Spec("engine", "engine", "where dbt builds and the marts are audited: DuckDB in the warehouse file, or Spark "
          "(docs/spark.md); also `funnel run --engine`; unset, FUNNEL_DBT_TARGET naming a Spark target picks spark",
          dbt_var=False), "duckdb"),
    (Spec("dbt_target", "target", "the profiles.yml target of the build; empty: the engine's own (duckdb or spark); "
          "spark_thrift and databricks_http reach remote Spark", env="FUNNEL_DBT_TARGET", optional=True,
          dbt_var=False), ""),
    (Spec("spark_master", "master", "master of the Spark build; empty: the local cluster (make spark-up, or "
          "funnel run --start-cluster)", optional=True, dbt_var=False), ""),
)  # fmt: skip

SPECS: dict[str, Spec] = {spec.name: spec for spec in BUSINESS} | {spec.name: spec for spec, _ in OPERATIONAL}


@cache
def dbt_defaults(project: Path = DBT_PROJECT) -> dict[str, Any]:
    """The defaults of the business settings, as dbt_project.yml gives them."""
    variables = yaml.safe_load(project.read_text(encoding="utf-8")).get("vars", {})
    missing = [spec.name for spec in BUSINESS if spec.name not in variables]
    if missing:
        raise SettingError(f"{project}: vars {', '.join(missing)} have no default; add them under vars:")
    return {spec.name: variables[spec.name] for spec in BUSINESS}


def defaults() -> dict[str, Any]:
    return dbt_defaults() | {spec.name: default for spec, default in OPERATIONAL}


def check(spec: Spec, value: Any, origin: str) -> Any:
    """The value in canonical form (a date as YYYY-MM-DD, numbers as numbers), or a SettingError."""
    text = "" if value is None else str(value).strip()

    def fail() -> SettingError:
        shown = "<hidden>" if spec.secret else repr(text)
        return SettingError(f"setting {spec.name}: expected {spec.expected()}, got {shown} ({origin})")

    if text == "":
        if spec.optional:
            return None
        raise fail()
    if spec.kind == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise fail()
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise fail() from None
    if spec.kind in ("integer", "number"):
        try:
            number = float(text)
        except ValueError:
            raise fail() from None
        if spec.kind == "integer":
            if not number.is_integer():
                raise fail()
            number = int(number)
        if (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
            raise fail()
        return number
    if spec.kind == "choice":
        if text not in spec.choices:
            raise fail()
        return text
    if spec.kind == "zone":
        try:
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise fail() from None
        return text
    if spec.kind == "currency":
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise fail()
        return text.upper()
    if spec.kind == "digits":
        if not re.fullmatch(r"\d{1,4}", text):
            raise fail()
        return text
    if spec.kind == "field":
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,79}", text):
            raise fail()
        return text
    if spec.kind == "size":
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)", text, re.IGNORECASE):
            raise fail()
        return text
    if spec.kind == "engine":
        if text.lower() not in ENGINES:
            raise fail()
        return text.lower()
    if spec.kind == "target":
        if text not in dbt_targets():
            raise SettingError(
                f"setting {spec.name}: expected a target of {profiles_path()} ({', '.join(dbt_targets())}), "
                f"got {text!r} ({origin})"
            )
        return text
    if spec.kind == "master":
        if not SPARK_MASTER.fullmatch(text):
            raise fail()
        return text
    return text


def profiles_path() -> Path:
    """The profiles.yml dbt reads: in DBT_PROFILES_DIR, else the project's own."""
    return Path(os.environ.get("DBT_PROFILES_DIR") or PROJECT_ROOT) / "profiles.yml"


@cache
def _targets_of(path: Path) -> dict[str, str]:
    profile = yaml.safe_load(path.read_text(encoding="utf-8"))["sales_funnel"]
    return {name: str(output.get("type")) for name, output in profile.get("outputs", {}).items()}


def dbt_targets() -> dict[str, str]:
    """Target name -> adapter type (duckdb, spark) of every output in profiles.yml."""
    return _targets_of(profiles_path())


def _engine_and_target(resolved: dict[str, Any], origins: dict[str, str]) -> None:
    """The engine and the dbt target agree: a Spark target builds on Spark, the DuckDB one on DuckDB.

    FUNNEL_DBT_TARGET alone may pick the engine (FUNNEL_DBT_TARGET=spark is `--engine spark`).
    """
    target = resolved["dbt_target"]
    if target and origins["engine"] == "default" and dbt_targets()[target] in ENGINES:
        resolved["engine"] = dbt_targets()[target]
        origins["engine"] = origins["dbt_target"]
    engine = resolved["engine"]
    if not target:
        resolved["dbt_target"] = engine
        origins["dbt_target"] = f"the engine's own ({origins['engine']})"
    elif dbt_targets()[target] != engine:
        raise SettingError(
            f"settings engine ({engine}, {origins['engine']}) and dbt_target ({target}, {origins['dbt_target']}): "
            f"target {target} is a {dbt_targets()[target]} target; use a {engine} target or --engine "
            f"{dbt_targets()[target]}"
        )


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """`name=value` items of `--set` as a dict; an unknown name or a missing `=` is a SettingError."""
    overrides: dict[str, str] = {}
    for item in items or []:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise SettingError(f"--set {item!r}: expected name=value, e.g. --set conversion_window_days=30")
        if name not in SPECS:
            raise SettingError(f"--set {name}: no such setting; settings are {', '.join(sorted(SPECS))}")
        if SPECS[name].secret:
            raise SettingError(f"--set {name}: a secret comes only from the environment; set {SPECS[name].env_name}")
        overrides[name] = value
    return overrides


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    warehouse_dir: Path
    timezone: str
    memory_limit: str
    values: Mapping[str, Any] = field(default_factory=dict)  # every business setting, checked
    origins: Mapping[str, str] = field(default_factory=dict)
    engine: str = "duckdb"  # where dbt builds and the marts are audited
    dbt_target: str = ""  # the profiles.yml target; empty: the engine's own
    spark_master: str | None = None  # None: the local cluster

    @property
    def target(self) -> str:
        """The dbt target of this warehouse's builds."""
        return self.dbt_target or self.engine

    def __post_init__(self) -> None:
        if not self.values:  # built by hand (tests, benchmarks): the defaults, with this time zone
            values = dict(dbt_defaults())
            values["warehouse_timezone"] = self.timezone
            object.__setattr__(self, "values", values)

    @property
    def db_path(self) -> Path:
        """The database the pipeline writes (raw, staging and marts)."""
        return self.warehouse_dir / "funnel.duckdb"

    @property
    def temp_dir(self) -> Path:
        return self.warehouse_dir / "tmp"

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def dbt_vars(self) -> dict[str, Any]:
        """The business settings for dbt's `--vars` (all of them, so dbt never falls back on its own)."""
        return {spec.name: self.values[spec.name] for spec in BUSINESS}

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True)

    def described(self) -> list[tuple[str, str, str]]:
        """(name, value, origin) of every setting, secrets hidden: for run summaries and the publication."""
        rows = []
        for name, spec in SPECS.items():
            if name == "warehouse":
                value = str(self.warehouse_dir)
            elif name == "memory_limit":
                value = self.memory_limit
            elif name in ("engine", "spark_master"):
                value = getattr(self, name) or ""
            elif name == "dbt_target":
                value = self.target
            elif spec.secret:
                value = "<set>" if os.environ.get(spec.env_name) else "<empty>"
            else:
                value = "" if self.values.get(name) is None else str(self.values[name])
            rows.append((name, value, self.origins.get(name, "default")))
        return rows


def load(
    warehouse: str | os.PathLike | None = None,
    overrides: Mapping[str, str] | None = None,
    origins_of_overrides: Mapping[str, str] | None = None,
) -> Settings:
    """Every setting resolved (override, then FUNNEL_* environment, then default) and checked.

    `origins_of_overrides` names where an override came from in messages (default: `--set name`).
    """
    overrides = dict(overrides or {})
    if warehouse is not None:
        overrides.setdefault("warehouse", str(warehouse))
    resolved: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, default in defaults().items():
        spec = SPECS[name]
        if name in overrides:
            raw, origin = (
                overrides[name],
                (origins_of_overrides or {}).get(name, f"--set {name}" if name != "warehouse" else "--warehouse"),
            )
        elif spec.env_name in os.environ:
            raw, origin = os.environ[spec.env_name], f"environment {spec.env_name}"
        else:
            raw, origin = default, "default in dbt_project.yml" if spec.dbt_var else "default"
        resolved[name] = check(spec, raw, origin)
        origins[name] = origin
    _engine_and_target(resolved, origins)
    if resolved["hot_share_min"] > resolved["hot_share_max"]:
        raise SettingError(
            f"settings hot_share_min ({resolved['hot_share_min']:g}) and hot_share_max "
            f"({resolved['hot_share_max']:g}): the band's lower end is above its upper end"
        )
    return Settings(
        warehouse_dir=Path(resolved.pop("warehouse")).resolve(),
        timezone=resolved["warehouse_timezone"],
        memory_limit=resolved.pop("memory_limit"),
        values={spec.name: resolved[spec.name] for spec in BUSINESS},
        origins=origins,
        engine=resolved["engine"],
        dbt_target=resolved["dbt_target"],
        spark_master=resolved["spark_master"],
    )


def markdown_table() -> str:
    """The settings as README lists them (a test keeps README in step with this)."""
    lines = [
        "| setting | environment | default | what it is |",
        "|---|---|---|---|",
    ]
    for name, default in defaults().items():
        spec = SPECS[name]
        shown = "" if default in (None, "") else str(default)
        where = "dbt_project.yml" if spec.dbt_var else "funnel/settings.py"
        lines.append(
            f"| `{name}` | `{spec.env_name}` | `{shown}` ({where}) | {spec.description}; {spec.expected()} |"
            if shown
            else f"| `{name}` | `{spec.env_name}` | empty ({where}) | {spec.description}; {spec.expected()} |"
        )
    return "\n".join(lines) + "\n"
