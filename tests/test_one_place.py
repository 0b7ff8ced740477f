"""Each vocabulary, list and setting lives in one place: this test fails when one is written a second time.

The known ones, each read from its one place:
- the activity outcomes, and the call outcomes among them: `seeds/vocabularies/activity_outcomes.csv`;
- the opportunity stages: `seeds/vocabularies/opportunity_stages.csv`;
- the mart schemas: `dbt_project.yml` (`models: marts:`), read through `funnel/project.py`;
- the time zone: the setting `warehouse_timezone` (its default in `dbt_project.yml` `vars:`).

A copy of a list is a run of its values one after the other, separated by nothing but list punctuation
(quotes, commas, brackets, YAML dashes, "or"/"and"), that names every value: a Python tuple, an
`accepted_values` list, a description that enumerates them. A table keyed by the values (the
generator's rates per outcome) is not a copy: its values are apart, each with its own numbers.
"""

from __future__ import annotations

import csv
import re
import subprocess
import zoneinfo
from pathlib import Path

import pytest
import yaml

from funnel.project import PROJECT_ROOT, dbt_project, mart_schemas

VOCABULARIES = PROJECT_ROOT / "seeds" / "vocabularies"
# Files that state the project's facts: code, SQL and its YAML. Seeds are data (value_mapping.csv maps
# every outcome), Markdown is prose for people.
SCANNED_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".toml", ".j2"}
LIST_PUNCTUATION = re.compile(r"""[\s'"`,\[\](){}\-]*(?:\b(?:or|and)\b[\s'"`,\[\](){}\-]*)?""")


def _seed(name: str) -> list[dict[str, str]]:
    with (VOCABULARIES / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def known_lists() -> dict[str, tuple[frozenset[str], set[str]]]:
    """Each known list: its values, and the files allowed to write them all (the one place)."""
    outcomes = _seed("activity_outcomes")
    return {
        "the activity outcomes (seeds/vocabularies/activity_outcomes.csv)": (
            frozenset(row["outcome"] for row in outcomes),
            set(),
        ),
        "the call outcomes (seeds/vocabularies/activity_outcomes.csv)": (
            frozenset(row["outcome"] for row in outcomes if row["activity_kind"] == "call"),
            set(),
        ),
        "the opportunity stages (seeds/vocabularies/opportunity_stages.csv)": (
            frozenset(row["stage"] for row in _seed("opportunity_stages")),
            set(),
        ),
        "the mart schemas (dbt_project.yml models: marts:)": (frozenset(mart_schemas()), {"dbt_project.yml"}),
    }


def scanned_files() -> list[Path]:
    """The repository's tracked code, SQL and YAML, this test's own file aside."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    own = Path(__file__).resolve()
    return [
        PROJECT_ROOT / name
        for name in tracked
        if name and Path(name).suffix in SCANNED_SUFFIXES and (PROJECT_ROOT / name).resolve() != own
    ]


def list_copies(text: str, values: frozenset[str]) -> list[int]:
    """Line numbers where a run of `values`, separated only by list punctuation, names every one of them."""
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, values), key=len, reverse=True)) + r")\b")
    lines, run, run_start, previous_end = [], set(), 0, None
    for match in pattern.finditer(text):
        joined = previous_end is not None and LIST_PUNCTUATION.fullmatch(text, previous_end, match.start())
        if not joined:
            run, run_start = set(), match.start()
        run.add(match.group(1))
        previous_end = match.end()
        if run == values:
            lines.append(text.count("\n", 0, run_start) + 1)
            run, previous_end = set(), None
    return lines


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('CALL_OUTCOMES = (\n    "busy", "no_answer",\n    "agreed",\n)', [2]),
        ("values: [agreed, busy, no_answer]", [1]),
        ("values:\n  - no_answer\n  - busy\n  - agreed\n", [2]),
        ("Calls: `no_answer`, `busy` or `agreed`.", [1]),
        ("no_answer, busy", []),  # a subset
        ('{"no_answer": (0, 0), "busy": (0, 0), "agreed": (240, 1200)}', []),  # a table keyed by them
        ("busy, busy, no_answer then agreed", []),
    ],
)
def test_a_copy_is_a_run_that_names_every_value(text, found):
    assert list_copies(text, frozenset({"no_answer", "busy", "agreed"})) == found


def test_no_known_list_is_written_a_second_time():
    lists = known_lists()
    assert all(len(values) >= 4 for values, _ in lists.values()), "a seed lost its rows"
    copies = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for what, (values, home) in lists.items():
            if relative not in home:
                copies += [f"{relative}:{line}: {what}" for line in list_copies(text, values)]
    assert not copies, "lists written again; read them from their one place instead:\n" + "\n".join(copies)


def test_the_time_zone_is_only_the_setting():
    """No code names a zone of its own or states the default zone; Prefect's schedule (which cannot read the
    setting) keeps the default, checked here."""
    default = dbt_project()["vars"]["warehouse_timezone"]
    zone_literal = re.compile(r"""['"][A-Z][A-Za-z]+/[A-Z][A-Za-z_]+['"]""")
    stated_default = re.compile(r"default\W+" + re.escape(default))
    found = []
    for path in scanned_files():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if relative == "dbt_project.yml" or relative.startswith("tests/"):
            continue  # the one place; tests choose their zones on purpose
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".py", ".sql"):
            literals = (m.group(0) for m in zone_literal.finditer(text))
            # a real zone, not a value spelled alike (Salesforce's stage `Negotiation/Review`)
            found += [f"{relative}: a zone literal {z}" for z in literals if z[1:-1] in zoneinfo.available_timezones()]
        found += [f"{relative}: states the default zone" for _ in stated_default.finditer(text)]
        reads_the_variable = re.search(r"(environ|getenv)\W+FUNNEL_TIMEZONE", text)
        if path.suffix == ".py" and relative != "funnel/settings.py" and reads_the_variable:
            found.append(f"{relative}: reads FUNNEL_TIMEZONE itself")
    assert not found, "\n".join(found)
    deployments = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    zones = {schedule["timezone"] for d in deployments for schedule in d.get("schedules", [])}
    assert zones == {default}
