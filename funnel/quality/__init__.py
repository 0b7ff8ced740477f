"""Great Expectations gates: suites for every raw entity and every mart, run inside DuckDB (SQL).

- `rules`: what is checked, as data (bounds, references, mart rules), and how severe a failure is;
- `suites`: the GX suites built from the contract and the rules, saved under
  `expectations/`;
- `runner`: validating in a child process against the warehouse, and recording the outcomes.
"""

from funnel.quality.rules import MART_RULES
from funnel.quality.runner import (
    AuditWorker,
    ExpectationOutcome,
    ValidationReport,
    run_isolated,
    store_results,
    summarize,
    validate_marts,
    validate_pending_batches,
)
from funnel.quality.suites import (
    build_raw_suite,
    build_suites,
    expectation_signature,
    file_context,
    mart_suite_name,
    suite_names,
    suite_path,
    write_suites,
)

__all__ = [
    "MART_RULES",
    "AuditWorker",
    "ExpectationOutcome",
    "ValidationReport",
    "build_raw_suite",
    "build_suites",
    "expectation_signature",
    "file_context",
    "mart_suite_name",
    "run_isolated",
    "store_results",
    "suite_names",
    "suite_path",
    "summarize",
    "validate_marts",
    "validate_pending_batches",
    "write_suites",
]
